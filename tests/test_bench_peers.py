"""A smoke run of the benchmark's side by side with the peers (bench/peers.py) on a tiny model.

The peers (tf-keras-vis, PAIR's saliency, foolbox) are for the benchmark
only, not part of `make test`'s environment: without them this test is
skipped and says how to install them. Its figures are not checked, only
that every table comes out whole and its numbers make sense.
"""

import math
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

import peers  # noqa: E402

TINY_PLAN = peers.Plan(classes=("Siamese cat", "zebra"), num_steps=2, timing_steps=3, timing_rounds=1,
                       photos=("cat.png",), ig_steps=4, repeats=1, budgets_255=(1, 4), attack_steps=2, attack_photos=2)


def table(rows: list[str], header_start: str) -> list[list[str]]:
    """The cells of each data row of the table whose header row starts with `header_start`."""
    start = next(index for index, row in enumerate(rows) if row.startswith(header_start))
    body = []
    for row in rows[start + 2:]:
        if not row.startswith("| "):
            break
        body.append(row.strip("| ").split(" | "))
    return body


def positive_ratio(cell: str) -> float:
    """A "5.8x" cell as a number, which must be finite and positive."""
    value = float(cell.removesuffix("x"))
    assert math.isfinite(value) and value > 0, cell
    return value


@pytest.mark.skipif(bool(peers.missing_peers()), reason=f"the peers ({', '.join(peers.missing_peers())}) are not "
                    f"installed: they are for the benchmark only; install them with `{peers.INSTALL}`")
def test_the_side_by_side_runs_every_peer_on_a_tiny_model(tiny_model):
    rows = peers.side_by_side_rows(tiny_model, [tiny_model], TINY_PLAN)
    assert rows[0].startswith("Peers: tf-keras-vis 0.8.7, saliency 0.2.1, foolbox 3.3.4;"), rows[0]

    ideal = table(rows, "| maker |")
    assert [cells[0] for cells in ideal] == ['seecat "naive"', 'seecat "tv"', 'seecat "fourier"',
                                             "tf-keras-vis ActivationMaximization"]
    for maker, steps_run, seconds, seconds_ratio, steps, steps_ratio, final, judged in ideal:
        assert float(seconds) >= 0 and 0 <= float(final) <= 1 and judged.endswith("/2"), maker
        assert steps.endswith("/2)"), maker
        if maker.startswith("seecat"):
            positive_ratio(seconds_ratio)

    maps = table(rows, "| method |")
    assert [(cells[0], cells[3]) for cells in maps] == [
        ("integrated gradients", "PAIR saliency"), ("Grad-CAM", "PAIR saliency"),
        ("gradient", "tf-keras-vis Saliency"), ("Grad-CAM", "tf-keras-vis Gradcam")]
    for method, photo, ours, peer, theirs, ratio, correlation in maps:
        assert photo.startswith("cat.png (") and float(ours) >= 0 and float(theirs) >= 0, method
        assert -1 <= float(correlation) <= 1, method
    # the same maths on the same model: the maps of one method agree (seecat's gradient is tf-keras-vis's exactly)
    assert float(maps[2][6]) > 0.99

    attacks = table(rows, "| budget (of 255) |")
    assert [cells[0] for cells in attacks] == ["1", "4"]
    for budget, ours, theirs, difference, not_fooled, ours_seconds, theirs_seconds, ratio in attacks:
        for fooled in (ours, theirs):
            count, total = map(int, fooled.split("/"))
            assert total == 2 and 0 <= count / total <= 1, fooled
        assert int(difference) == int(theirs.split("/")[0]) - int(ours.split("/")[0])
        assert not_fooled.count(";") == 1, not_fooled  # seecat's survivors; foolbox's
        assert float(ours_seconds) >= 0 and float(theirs_seconds) >= 0
    assert any(row.startswith("2 steps of 2.5 x budget / 2 from a random start") for row in rows)


def test_a_missing_peer_gives_a_note_instead_of_the_tables(monkeypatch):
    monkeypatch.setattr(peers, "missing_peers", lambda: ["foolbox"])
    (note,) = peers.side_by_side_rows()
    assert note.startswith("Not measured: foolbox not installed.") and "requirements-peers.txt" in note
