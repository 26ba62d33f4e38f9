"""The compiled TensorFlow functions seecat keeps, one cache per model.

Tracing a step takes one or two seconds, longer than tens of steps of the
small models, so each compiled function is kept and reused by calls that
differ only in their data: the optimisation steps (lib.optimise), the attacks'
steps (lib.attacks), the gradients of attribution, the batched predictor, the
feature readers of lib.layers.

    lib.compiled.size()        # how many functions are kept, all models
    lib.compiled.size(model)   # ...for one model
    lib.compiled.clear(model)  # forget one model's (or, with no model, all)

Every entry belongs to one model and one kind. Kinds whose functions hold
their model (and its objective and transforms) alive keep only their last
few entries per model (KEPT); the others hold the model weakly and leave with
it when the model is freed.
"""

from __future__ import annotations

import weakref
from collections import OrderedDict
from typing import Any, Callable

# kind -> how many entries per model are kept (least recently used first out); None: all, held weakly
KEPT = {
    "optimise": 6,   # lesson 06 runs five kinds of step (naive, tv, robust, fourier, cross-entropy) and returns to two
    "attack": 8,     # lesson 09 runs seven kinds of attack
    "gradients": None,
    "predict": None,
    "features": None,
    "reader": None,
}

_ENTRIES: OrderedDict[tuple, Any] = OrderedDict()  # (id(model), kind, *key) -> compiled value, oldest first
_WATCHED: dict[int, weakref.finalize] = {}  # id(model) -> what drops its entries when the model is freed


def _forget(model_id: int) -> None:
    for key in [key for key in _ENTRIES if key[0] == model_id]:
        del _ENTRIES[key]
    _WATCHED.pop(model_id, None)


def cached(model, kind: str, key: tuple, build: Callable[[], Any]) -> Any:
    """The `kind` function of `model` for `key`, built by `build()` the first time and kept (see KEPT)."""
    if kind not in KEPT:
        raise ValueError(f"kind must be one of {', '.join(KEPT)}, got {kind!r}.")
    full = (id(model), kind, *key)
    if full in _ENTRIES:
        _ENTRIES.move_to_end(full)
        return _ENTRIES[full]
    value = build()
    _ENTRIES[full] = value
    if id(model) not in _WATCHED:
        _WATCHED[id(model)] = weakref.finalize(model, _forget, id(model))
    limit = KEPT[kind]
    if limit is not None:
        same = [entry for entry in _ENTRIES if entry[:2] == full[:2]]
        for entry in same[:max(0, len(same) - limit)]:
            del _ENTRIES[entry]
    return value


def entries(model, kind: str | None = None) -> list:
    """The functions kept for `model` (of one `kind`, or all), least recently used first."""
    return [value for key, value in _ENTRIES.items() if key[0] == id(model) and kind in (None, key[1])]


def size(model=None) -> int:
    """How many compiled functions are kept: for `model`, or for every model."""
    return len(_ENTRIES) if model is None else len(entries(model))


def clear(model=None, kind: str | None = None) -> None:
    """Forget the compiled functions of `model` (all models' with none), of one `kind` (all with none): the next
    call traces afresh."""
    if kind is not None and kind not in KEPT:
        raise ValueError(f"kind must be one of {', '.join(KEPT)} (or None for all), got {kind!r}.")
    for key in [key for key in _ENTRIES if model is None or key[0] == id(model)]:
        if kind in (None, key[1]):
            del _ENTRIES[key]
