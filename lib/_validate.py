"""Validators of the arguments a student passes: each returns the value when it is right, and otherwise raises a
ValueError that names the argument, says what it should be and what it got (never a traceback from TensorFlow).

    steps = whole("steps", steps, 1, 10_000)
    rate = number("learning_rate", rate, 0, None, low_open=True)
    method = one_of("method", method, METHODS)
    path = outside_data(path, "save_image")

`hint` adds the fixing sentence of a message: "batch is how many images ...".
"""

from __future__ import annotations

import difflib
import numbers
from pathlib import Path
from typing import Iterable

DATA_DIR = Path(__file__).resolve().parent.parent / "data"


def _range(low, high, low_open: bool = False, high_open: bool = False) -> str:
    if high is None:
        return f"> {low}" if low_open else f">= {low}"
    if low_open or high_open:
        return f"in {'(' if low_open else '['}{low}, {high}{')' if high_open else ']'}"
    return f"from {low} to {high}"


def whole(name: str, value, low: int = 0, high: int | None = None, hint: str = "", unit: str = "",
          also: str = "") -> int:
    """`value` as an int if it is a whole number (not a bool) from `low` to `high` (None: no upper end).

    In the message, `unit` names what it counts ("pixels": "a whole number of
    pixels from 1 to 8") and `also` what else is allowed (", or None for ...").
    """
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < low or (
            high is not None and value > high):
        what, of = hint or f"{name} must be", f" of {unit}" if unit else ""
        raise ValueError(f"{what} a whole number{of} {_range(low, high)}{also}, got {value!r}.")
    return int(value)


def number(name: str, value, low: float | None = None, high: float | None = None, hint: str = "",
           low_open: bool = False, high_open: bool = False) -> float:
    """`value` as a float if it is a finite real number (not a bool) in the range (`low_open`: excluding `low`)."""
    ok = (not isinstance(value, bool) and isinstance(value, numbers.Real) and float("-inf") < value < float("inf")
          and (low is None or (value > low if low_open else value >= low))
          and (high is None or (value < high if high_open else value <= high)))
    if not ok:
        what = hint or f"{name} must be"
        if low == 0 and low_open and high is None:
            kind = "a positive number"
        else:
            kind = "a number" + ("" if low is None and high is None else " " + (
                _range(low, high, low_open, high_open) if low is not None else f"<= {high}"))
        raise ValueError(f"{what} {kind}, got {value!r}.")
    return float(value)


def one_of(name: str, value, choices: Iterable, hint: str = ""):
    """`value` if it is one of `choices`; else a ValueError listing them, with the closest name when one is close."""
    choices = tuple(choices)
    try:
        if value in choices:
            return value
    except TypeError:  # unhashable or incomparable: not a choice
        pass
    close = difflib.get_close_matches(str(value), [str(choice) for choice in choices], n=1, cutoff=0.5)
    suggestion = f" Did you mean {close[0]!r}?" if close else ""
    what = hint or f"{name} must be"
    raise ValueError(f"{what} one of {', '.join(map(str, choices))}; got {value!r}.{suggestion}")


def in_data(path: str | Path) -> bool:
    """Whether `path` is data/ itself or anything below it (links resolved)."""
    resolved = Path(path).resolve()
    return resolved == DATA_DIR or DATA_DIR in resolved.parents


def outside_data(path: str | Path, what: str = "seecat") -> Path:
    """`path` as a Path, unless it lies in data/ (the shipped originals, never overwritten): then a ValueError."""
    if in_data(path):
        raise ValueError(f"{what}: refusing to write {str(path)!r} into {DATA_DIR}: it holds the shipped originals. "
                         f"Save elsewhere, e.g. outputs/.")
    return Path(path)
