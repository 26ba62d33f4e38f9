"""Shared fixtures: tiny models for fast checks, the real embedded model once per run."""

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import keras  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402


@pytest.fixture(scope="session")
def tiny_model() -> keras.Model:
    """An 8x8-input stand-in for a classifier: [batch, 8, 8, 3] in [0, 1] -> 1000 logits."""
    keras.utils.set_random_seed(0)
    image = keras.Input((8, 8, 3))
    features = keras.layers.Conv2D(4, 3, padding="same", activation="tanh")(image)
    logits = keras.layers.Dense(1000, kernel_initializer=keras.initializers.RandomNormal(stddev=0.5))(
        keras.layers.Flatten()(features)
    )
    return keras.Model(image, logits, name="tiny")


@pytest.fixture(scope="session")
def lite0() -> keras.Model:
    """The embedded EfficientNet-Lite0, built once for the whole test run."""
    import lib

    return lib.load_model("efficientnet_lite0")


@pytest.fixture()
def rng() -> np.random.Generator:
    return np.random.default_rng(0)


@pytest.fixture()
def ctrl_c_at(monkeypatch):
    """`calls = ctrl_c_at(n)`: lib.attacks' steps compiled from now on press Ctrl-C at their n-th call in all.

    `calls` counts the calls (clear it to count again); the attacks' cache is
    emptied first, so that no step compiled before escapes.
    """
    from lib import attack_step, compiled

    calls: list[int] = []
    at = [0]  # the call that presses Ctrl-C
    real_make_step = attack_step.make_step

    def interrupting(*args, **kwargs):
        step = real_make_step(*args, **kwargs)

        def pressed():
            calls.append(1)
            if len(calls) == at[0]:
                raise KeyboardInterrupt
            return step()

        pressed.restart, pressed.forget, pressed.keep = step.restart, step.forget, step.keep
        pressed.experimental_get_tracing_count = step.experimental_get_tracing_count
        return pressed

    def start(n: int) -> list[int]:
        at[0] = n
        monkeypatch.setattr(attack_step, "make_step", interrupting)
        compiled.clear()  # the next attack builds its step with the interrupting make_step
        return calls

    return start
