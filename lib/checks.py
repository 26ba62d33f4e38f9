"""Check cells: a lesson states its key result, and the cell fails loudly if it does not hold.

    lib.check(probability >= 0.9, f"p(Siamese cat) = {probability:.3f} >= 0.9")

One of three kinds of "check" in seecat: this one asserts a lesson's own
claim (CheckFailed stops the notebook, and nbval fails it). The others are
input validators, `check_image`, `check_model`, `check_budget_255`... and
lib/_validate.py, which raise ValueError for a bad argument to a library
function; and the exercise checkers, `lib.exercises.check_*`, which judge a
student's answer and print feedback, never raising (see lib/exercises).
"""

from __future__ import annotations


class CheckFailed(AssertionError):
    """A lesson's key result did not hold (nbval then fails the notebook)."""

    def _render_traceback_(self) -> list[str]:
        """What Jupyter shows instead of a traceback: just the message."""
        return [str(self)]


def check(condition: bool, claim: str, hint: str = "") -> None:
    """Print "✓ claim" if `condition` holds, else raise CheckFailed saying what went wrong.

    claim: the result in words, e.g. "p(Siamese cat) = 0.94 >= 0.9".
    hint: what to look at when it fails.
    """
    if not bool(condition):
        raise CheckFailed(f"✗ Expected: {claim}. {hint}".strip())
    print(f"✓ {claim}")
