"""lib.timing: the median of timed calls and one timed call, on a fake clock so that the figures are exact."""

import pytest

from lib import timing


@pytest.fixture
def clock(monkeypatch):
    """A fake perf_counter for lib.timing; `clock.ticks` are the seconds it returns, one a call."""
    class Clock:
        def __init__(self):
            self.ticks: list[float] = []

        def __call__(self) -> float:
            return self.ticks.pop(0)

    fake = Clock()
    monkeypatch.setattr(timing, "perf_counter", fake)
    return fake


@pytest.mark.parametrize("ticks, repeats, expected_ms", [
    ([0.0, 0.010, 1.0, 1.030, 2.0, 2.020], 3, 20.0),  # calls of 10, 30, 20 ms: the middle one
    ([0.0, 0.010, 1.0, 1.040], 2, 25.0),  # an even count: the mean of the middle two
    ([5.0, 5.5], 1, 500.0),
])
def test_median_ms_is_the_median_of_the_timed_calls(clock, ticks, repeats, expected_ms):
    clock.ticks = list(ticks)
    calls = []
    assert timing.median_ms(lambda: calls.append(1), repeats) == pytest.approx(expected_ms)
    assert len(calls) == repeats and clock.ticks == []  # each call timed once, no clock read left over


def test_warm_up_calls_are_made_first_and_not_timed(clock):
    clock.ticks = [0.0, 0.002, 1.0, 1.004, 2.0, 2.003]
    calls = []
    assert timing.median_ms(lambda: calls.append(len(clock.ticks)), 3, warmup=2) == pytest.approx(3.0)
    assert calls == [6, 6, 5, 3, 1]  # two warm-up calls before the clock is read, then one call per pair of ticks


def test_timed_returns_the_seconds_and_the_value(clock):
    clock.ticks = [10.0, 12.5]
    assert timing.timed(lambda: "done") == (pytest.approx(2.5), "done")


@pytest.mark.parametrize("repeats, warmup", [(0, 0), (3, -1)])
def test_no_calls_to_time_is_refused(repeats, warmup):
    with pytest.raises(ValueError, match=f"repeats={repeats}, warmup={warmup}"):
        timing.median_ms(lambda: None, repeats, warmup)


def test_the_real_clock_times_a_call():
    assert timing.median_ms(lambda: sum(range(1000)), 3, warmup=1) >= 0
