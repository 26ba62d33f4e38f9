"""lib.compiled: one cache of compiled functions per model, with a public size and clear."""

import gc

import keras
import pytest

from lib import compiled


def _model(name: str) -> keras.Model:
    image = keras.Input((4, 4, 3))
    return keras.Model(image, keras.layers.Dense(2)(keras.layers.Flatten()(image)), name=name)


def test_a_function_is_built_once_per_model_and_key():
    first, second, built = _model("first"), _model("second"), []
    make = lambda: built.append(1) or object()  # noqa: E731
    one = compiled.cached(first, "predict", (), make)
    assert compiled.cached(first, "predict", (), make) is one and len(built) == 1
    assert compiled.cached(second, "predict", (), make) is not one and len(built) == 2  # another model: its own
    assert compiled.cached(first, "gradients", (8, 8), make) is not one and len(built) == 3  # another kind or key
    assert compiled.size(first) == 2 and compiled.size(second) == 1
    compiled.clear(first)
    assert compiled.size(first) == 0 and compiled.size(second) == 1
    compiled.cached(first, "predict", (), make)
    assert len(built) == 4  # built afresh after a clear


def test_kinds_that_hold_their_model_keep_only_the_last_few_per_model():
    model, limit = _model("kept"), compiled.KEPT["attack"]
    values = [compiled.cached(model, "attack", (k,), object) for k in range(limit + 3)]
    compiled.cached(model, "attack", (3,), object)  # used again: now the most recent
    assert compiled.entries(model, "attack")[-1] is values[3]
    compiled.cached(model, "attack", ("new",), object)  # pushes out the least recently used, (4,)
    kept = compiled.entries(model, "attack")
    assert len(kept) == limit and values[4] not in kept and values[3] in kept


def test_a_freed_model_takes_its_weakly_held_functions_with_it():
    gc.collect()  # the other tests' models first
    model = _model("freed")
    compiled.cached(model, "predict", (), object)
    before = compiled.size()
    del model
    gc.collect()
    assert compiled.size() == before - 1


def test_an_unknown_kind_is_refused():
    with pytest.raises(ValueError, match="kind must be one of optimise, attack"):
        compiled.cached(_model("any"), "steps", (), object)


def test_clear_can_forget_one_kind_and_keep_the_rest():
    model, other = _model("one kind"), _model("other")
    compiled.cached(model, "attack", ("pgd",), object)
    predictor = compiled.cached(model, "predict", (), object)
    compiled.cached(other, "attack", ("pgd",), object)
    compiled.clear(model, "attack")
    assert compiled.entries(model) == [predictor] and compiled.size(other) == 1
    compiled.clear(kind="attack")  # every model's
    assert compiled.size(other) == 0 and compiled.entries(model) == [predictor]
    with pytest.raises(ValueError, match="kind must be one of"):
        compiled.clear(model, "steps")
