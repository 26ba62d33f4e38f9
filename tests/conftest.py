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
