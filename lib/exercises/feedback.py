"""What every exercise checker shares: the NotYet feedback, the Verdict it returns, and readers of the answers.

A checker is written strictly: it reads each answer with a reader below
(`read_image(result, "result", size)`...), which raises `NotYet` with a
friendly message when the answer is missing or of the wrong kind; it raises
`NotYet` itself when the answer is wrong; and it returns `ticked(...)`, the
"✓ ..." lines, when the answer is right. `@checker` turns it into what a
check cell calls: it prints the feedback, never raises, and returns a Verdict.
"""

from __future__ import annotations

import functools
import inspect
import math
from dataclasses import dataclass
from numbers import Real
from typing import Any, Callable, Mapping

import numpy as np
from .. import quiet  # noqa: F401  (imports TensorFlow without its start-up log lines)
import tensorflow as tf

from ..classes import class_id_of, class_name
from ..optimise import Result

GOAL_PROBABILITY = 0.9  # "the model is sure", as in the lessons
CHANGE_TOLERANCE_255 = 0.01  # float rounding on top of a budget used up exactly
PIXELS_255_ABOVE = 2  # an image with values above this is in 0..255, not [0, 1]


class NotYet(Exception):
    """An exercise's answer is missing or not right yet; the message says what to look at.

    Not an AssertionError: it is feedback for a student, not a failed test.
    """

    def _render_traceback_(self) -> list[str]:
        """What Jupyter shows instead of a traceback: just the message."""
        return [str(self)]


@dataclass(frozen=True)
class Verdict:
    """What a checker found, for a grader or a test: `verdict.passed`, `verdict.feedback`.

    name: the checker, e.g. "check_ideal_image". passed: whether the answer
    is right. score: 1.0 if it is, else 0.0 (every exercise is all or
    nothing). feedback: the lines the checker printed ("✓ ..." or what to fix).
    """

    name: str
    passed: bool
    score: float
    feedback: str

    def __str__(self) -> str:
        return self.feedback

    def __repr__(self) -> str:
        return f"Verdict({self.name}: {'passed' if self.passed else 'not yet'})"

    def _ipython_display_(self) -> None:
        """Show nothing: the checker has printed the feedback already, and a check cell should not echo it."""


def checker(check: Callable[..., str]) -> Callable[..., Verdict]:
    """A check cell's function: it prints the feedback, a ✓ or what is not right yet, and returns a Verdict.

    It never raises for a missing or wrong answer, so Run All goes on past an
    exercise not done yet. `check_x.__wrapped__` is the strict form: it
    returns the "✓ ..." lines, or raises NotYet.
    """

    @functools.wraps(check)
    def friendly(*args, **kwargs) -> Verdict:
        try:
            verdict = Verdict(check.__name__, True, 1.0, check(*args, **kwargs))
        except NotYet as feedback:
            verdict = Verdict(check.__name__, False, 0.0, str(feedback))
        print(verdict.feedback)
        return verdict

    friendly.__annotations__ = {**check.__annotations__, "return": "Verdict"}  # for help(): not the strict form's str
    friendly.__signature__ = inspect.signature(check).replace(return_annotation="Verdict")
    return friendly


def ticked(*claims: str) -> str:
    """The feedback for a right answer: one "✓ claim" line per claim."""
    return "\n".join(f"✓ {claim}" for claim in claims)


# --- readers: each returns the answer in the form the checker needs, or raises NotYet saying what is wrong ------

def require(value: Any, name: str) -> Any:
    """The answer itself, or NotYet if it is still None or `...`."""
    if value is None or value is Ellipsis:
        raise NotYet(f"Not done yet: fill in `{name}` in the cell above (open the hint to see how to start), "
                     "then run this cell again.")
    return value


def read_model(model: Any) -> tf.keras.Model:
    """The classifier a check cell passes on (NotYet if it is something else)."""
    if not isinstance(model, tf.keras.Model):
        raise NotYet(f"✗ `model` should be the classifier from lib.load_model(), but it is a {type(model).__name__}. "
                     "Run the model cell at the top again.")
    return model


def read_class(target: Any, name: str = "target") -> int:
    """A class id from a name or an id (NotYet, with the closest names, for anything else)."""
    try:
        return class_id_of(target)
    except ValueError as error:
        raise NotYet(f"✗ `{name}`: {error}") from None


def read_number(value: Any, name: str) -> float:
    """A finite real number (not a bool), as a float."""
    value = require(value, name)
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, Real) or not math.isfinite(value):
        raise NotYet(f"✗ `{name}` should be a number, but it is {value!r} ({type(value).__name__}).")
    return float(value)


def read_bool(value: Any, name: str) -> bool:
    """True or False (numpy's too), as a bool."""
    if not isinstance(value, (bool, np.bool_)):
        raise NotYet(f"✗ `{name}` should be True or False, but it is {value!r} ({type(value).__name__}).")
    return bool(value)


def read_image(value: Any, name: str, size: int | None = None) -> np.ndarray:
    """One image (or the Result holding it) as float32 [height, width, 3] in [0, 1]; `size`: the side it must have."""
    value = require(value, name)
    value = value.image if isinstance(value, Result) else value
    value = value.numpy() if isinstance(value, tf.Tensor) else value
    if hasattr(value, "getpixel"):  # a PIL image
        raise NotYet(f"✗ `{name}` is a PIL image; turn it into floats in [0, 1] with "
                     "`np.asarray(picture, dtype=np.float32) / 255`.")
    array = np.asarray(value) if isinstance(value, (np.ndarray, list, tuple)) else None
    if array is None or array.dtype == object or not np.issubdtype(array.dtype, np.number):
        raise NotYet(f"✗ `{name}` should be an image, a numpy array (height, width, 3) of floats in [0, 1], "
                     f"but it is a {type(value).__name__}.")
    array = array[0] if array.ndim == 4 and array.shape[0] == 1 else array
    if array.ndim != 3 or array.shape[-1] != 3:
        raise NotYet(f"✗ `{name}` should be one RGB image of shape (height, width, 3), but its shape is {array.shape}.")
    if size is not None and array.shape[:2] != (size, size):
        raise NotYet(f"✗ `{name}` is {array.shape[1]}x{array.shape[0]} pixels, but the model takes {size}x{size}: "
                     f"load or resize it at size {size} (lib.load_image(path, size=size)).")
    if not np.issubdtype(array.dtype, np.floating):
        raise NotYet(f"✗ `{name}` holds {array.dtype} values (8-bit pixels 0..255?), but seecat's images are floats "
                     "in [0, 1]: convert with `image.astype(np.float32) / 255`.")
    if not np.all(np.isfinite(array)):
        raise NotYet(f"✗ `{name}` contains NaN or infinite values: look at how it was computed.")
    if array.max() > PIXELS_255_ABOVE:
        raise NotYet(f"✗ `{name}` has values up to {array.max():.0f}: that looks like 0..255 pixels, but seecat's "
                     "images are in [0, 1]. Divide by 255.")
    if array.min() < 0 or array.max() > 1:
        raise NotYet(f"✗ `{name}` has values from {array.min():.3f} to {array.max():.3f}, outside [0, 1]: a real "
                     "image can't hold them. Keep pixels in range, e.g. np.clip(image, 0, 1).")
    return array.astype(np.float32)


def read_mapping(value: Any, name: str, keys: list, what: str) -> Mapping:
    """A dict with exactly the given keys; `what` describes an entry, e.g. "model name: p(target)"."""
    value = require(value, name)
    if not isinstance(value, Mapping):
        raise NotYet(f"✗ `{name}` should be a dict {{{what}}}, but it is a {type(value).__name__}.")
    missing, extra = [k for k in keys if k not in value], [k for k in value if k not in keys]
    if missing:
        raise NotYet(f"✗ `{name}` has no entry for {', '.join(map(repr, missing))}: give one for each of "
                     f"{', '.join(map(repr, keys))}.")
    if extra:
        raise NotYet(f"✗ `{name}` has entries for {', '.join(map(repr, extra))}, which are not among "
                     f"{', '.join(map(repr, keys))}.")
    return value


def read_tries(value: Any, name: str, what: str, unit: str, advice: str, minimum: int) -> Mapping:
    """A dict of the student's tries (defences, TV runs...), holding at least `minimum` of them."""
    value = require(value, name)
    if not isinstance(value, Mapping):
        raise NotYet(f"✗ `{name}` should be a dict {{{what}}}, but it is a {type(value).__name__}.")
    if len(value) < minimum:
        raise NotYet(f"✗ `{name}` holds {len(value)} {unit}: {advice}")
    return value


def top_class(probabilities: np.ndarray) -> tuple[str, float]:
    """(name, probability) of the top class of 1000 probabilities."""
    top = int(np.argmax(probabilities))
    return class_name(top), float(probabilities[top])
