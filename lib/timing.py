"""Wall-clock timing for the lessons and the benchmark: how long a call takes.

    step_ms = lib.timing.median_ms(step)                  # median of 3 calls, in milliseconds
    seconds, result = lib.timing.timed(lambda: lib.optimise_image(model, "Siamese cat"))

TensorFlow's eager calls return once their result is computed (on CPU and
GPU alike), so the time around a call is the time it took. A compiled
function's first call also traces it: time it after a warm-up call.
"""

from __future__ import annotations

import statistics
from time import perf_counter
from typing import Any, Callable


def timed(function: Callable[[], Any]) -> tuple[float, Any]:
    """Call `function()` once; returns (seconds it took, what it returned)."""
    began = perf_counter()
    value = function()
    return perf_counter() - began, value


def median_ms(function: Callable[[], Any], repeats: int = 3, warmup: int = 0) -> float:
    """The median wall time of `repeats` calls of `function()`, in milliseconds, after `warmup` untimed calls.

    repeats: how many calls are timed (at least 1); warmup: calls made first
    and not timed, e.g. 1 for a compiled function whose first call traces it.
    """
    if repeats < 1 or warmup < 0:
        raise ValueError(f"median_ms needs repeats >= 1 and warmup >= 0, got repeats={repeats}, warmup={warmup}.")
    for _ in range(warmup):
        function()
    return 1000 * statistics.median(timed(function)[0] for _ in range(repeats))
