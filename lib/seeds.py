"""One seed for a whole run: every random choice seecat makes by default comes from it.

`SEECAT_SEED` (an environment variable, default 0) sets the starting noise,
the Fourier start, PGD's random start, SmoothGrad's noise, the transforms'
draws, random baselines, random models and any random choice of photos or
channels, wherever a function's `seed` is left at None. Pass a seed to a
function to fix that one call.

TensorFlow's multi-threaded CPU kernels add floats up in an order that can
change from run to run, so two runs with the same seed can still differ in
the last digits, and a result that sits on a knife's edge can flip.
`SEECAT_DETERMINISTIC=1` turns on TensorFlow's op determinism (the same
numbers every run, on the same machine and versions), at a cost that
`make bench` measures.

    SEECAT_SEED=3 make lab          # another run of every lesson
    SEECAT_DETERMINISTIC=1 make lab # the same numbers on every run
"""

from __future__ import annotations

import os

from ._validate import whole

SEED_VARIABLE = "SEECAT_SEED"
DETERMINISTIC_VARIABLE = "SEECAT_DETERMINISTIC"
DEFAULT_SEED = 0
LARGEST_SEED = 2**31 - 1  # derived seeds (seed + k) stay inside NumPy's and TensorFlow's range
_YES, _NO = ("1", "true", "yes", "on"), ("", "0", "false", "no", "off")


def run_seed() -> int:
    """The run's seed: SEECAT_SEED as a whole number from 0 to 2**31 - 1, or 0 when it is unset."""
    text = os.environ.get(SEED_VARIABLE, "").strip()
    if not text:
        return DEFAULT_SEED
    try:
        seed = int(text)
    except ValueError:
        seed = -1
    if not 0 <= seed <= LARGEST_SEED:
        raise ValueError(f"{SEED_VARIABLE} must be a whole number from 0 to {LARGEST_SEED}, got {text!r}. "
                         f"Unset it for the default seed {DEFAULT_SEED}, or set it to another run's seed, "
                         f"e.g. {SEED_VARIABLE}=3.")
    return seed


def seed_or_default(seed: int | None, name: str = "seed") -> int:
    """`seed` itself, checked, or the run's seed when it is None."""
    if seed is None:
        return run_seed()
    return whole(name, seed, 0, LARGEST_SEED, also=f", or None for the run's seed ({SEED_VARIABLE})")


def deterministic() -> bool:
    """Whether SEECAT_DETERMINISTIC asks for TensorFlow's op determinism."""
    text = os.environ.get(DETERMINISTIC_VARIABLE, "").strip().lower()
    if text not in _YES + _NO:
        raise ValueError(f"{DETERMINISTIC_VARIABLE} must be 1 (on) or 0 (off), got {text!r}.")
    return text in _YES


def apply_determinism() -> bool:
    """Turn on TensorFlow's op determinism if SEECAT_DETERMINISTIC asks for it; returns whether it is on."""
    if not deterministic():
        return False
    import tensorflow as tf

    tf.config.experimental.enable_op_determinism()
    return True


def describe() -> str:
    """The setup line of every lesson: the seed in use and how to change it."""
    line = f"Random seed {run_seed()} ({SEED_VARIABLE}; set it to another number for another run)"
    if deterministic():
        line += "; TensorFlow's op determinism is on (SEECAT_DETERMINISTIC)"
    return line
