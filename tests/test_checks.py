"""Check cells: a ✓ line when the claim holds, a short loud message when it does not."""

import pytest

import lib


def test_a_holding_claim_prints_a_tick(capsys):
    lib.check(True, "p = 0.95 >= 0.9")
    assert capsys.readouterr().out == "✓ p = 0.95 >= 0.9\n"


def test_a_failing_claim_raises_with_the_claim_and_hint():
    with pytest.raises(lib.CheckFailed) as raised:
        lib.check(False, "p = 0.5 >= 0.9", hint="Try more steps.")
    assert str(raised.value) == "✗ Expected: p = 0.5 >= 0.9. Try more steps."
    assert raised.value._render_traceback_() == [str(raised.value)]  # Jupyter shows only this line
