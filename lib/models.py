"""Pretrained ImageNet classifiers that take images in [0, 1] and return logits.

Every model from `load_model` takes float32 `[batch, size, size, 3]` RGB in
[0, 1] (size 224 unless the model says otherwise: `model.input_shape`) and
returns the 1000 ImageNet **logits**; its own preprocessing is built in.
"""

from __future__ import annotations

import os
import socket
import sys
import weakref
from typing import Callable

from . import quiet  # noqa: F401  (imports TensorFlow without its start-up log lines)
import keras
import numpy as np
import tensorflow as tf

from . import compiled
from .names import (ARTICLE_MODEL, DEFAULT_MODEL, MODEL_VARIABLE, MODELS, available_offline,  # noqa: F401
                    check_model_name, default_model_name, model_names, short_name)
from .transforms import resize_to

FALLBACK_MODEL = DEFAULT_MODEL  # what an explicit VGG16 request gets when its weights can't be downloaded
RANDOM_VGG16_VARIABLE = "SEECAT_VGG16_WEIGHTS"  # "random": VGG16's architecture untrained, for timing and memory
DOWNLOAD_TIMEOUT_SECONDS = 20
VGG16_MEAN_BGR = (103.939, 116.779, 123.68)


class CaffePreprocess(keras.layers.Layer):
    """[0, 1] RGB -> 0..255 BGR minus the ImageNet mean (VGG16's preprocess_input)."""

    def call(self, image):
        bgr = 255.0 * image[..., ::-1]
        return bgr - tf.constant(VGG16_MEAN_BGR, dtype=bgr.dtype)


class Resize(keras.layers.Layer):
    """lib.transforms.resize_to as a layer: bilinear resize to size x size."""

    def __init__(self, size: int, **kwargs):
        super().__init__(**kwargs)
        self.size = size

    def call(self, images):
        return resize_to(images, self.size)


def wrap_vgg16(network: keras.Model) -> keras.Model:
    """VGG16 taking [0, 1] RGB [batch, 224, 224, 3], with the weights of a bare Keras VGG16 that returns logits.

    The model is flat (preprocessing layer, then VGG16's own layers, one
    graph), so every inner layer, e.g. "block5_conv3", is reachable by name
    for attribution and feature visualisation.
    """
    image = keras.Input((224, 224, 3), name="image")
    preprocessed = CaffePreprocess(name="vgg16_preprocess")(image)
    flat = keras.applications.VGG16(weights=None, input_tensor=preprocessed, classifier_activation=None)
    for layer in network.layers:
        if layer.weights:
            flat.get_layer(layer.name).set_weights(layer.get_weights())
    return keras.Model(image, flat.output, name="vgg16")


def build_vgg16(weights: str | None = "imagenet") -> keras.Model:
    """VGG16 with ImageNet weights (downloaded once by Keras and cached); weights=None: random."""
    previous_timeout = socket.getdefaulttimeout()
    socket.setdefaulttimeout(DOWNLOAD_TIMEOUT_SECONDS)
    try:
        network = keras.applications.VGG16(weights=weights, classifier_activation=None)
    finally:
        socket.setdefaulttimeout(previous_timeout)
    return wrap_vgg16(network)


def _build_lite(variant: int) -> Callable[[], keras.Model]:
    def build() -> keras.Model:
        from .efficientnet_lite import build_efficientnet_lite

        return build_efficientnet_lite(variant)

    return build


def _build_squeezenet() -> keras.Model:
    from .squeezenet import build_squeezenet

    return build_squeezenet()


# name -> the function that builds it (lib.names lists them, with where their weights come from)
BUILDERS: dict[str, Callable[[], keras.Model]] = {
    "efficientnet_lite0": _build_lite(0),
    "efficientnet_lite1": _build_lite(1),
    "efficientnet_lite2": _build_lite(2),
    "squeezenet1_1": _build_squeezenet,
    ARTICLE_MODEL: build_vgg16,
}


def load_model(name: str | None = None) -> keras.Model:
    """Load a pretrained classifier: images in [0, 1] in, 1000 logits out.

    name: one of `model_names()`; None uses $SEECAT_MODEL, else the embedded
    "efficientnet_lite0", which needs no internet and is the model the
    lessons' figures come from. "vgg16" is the article's model: Keras
    downloads its weights once (528 MB); if that fails, seecat says so once
    and falls back to "efficientnet_lite0".
    """
    name = default_model_name() if name is None else check_model_name(name)
    if name != ARTICLE_MODEL:
        return BUILDERS[name]()
    if os.environ.get(RANDOM_VGG16_VARIABLE) == "random":
        print(f"seecat: {RANDOM_VGG16_VARIABLE}=random: VGG16 with random weights (for timing only).", file=sys.stderr)
        return build_vgg16(weights=None)
    try:
        return build_vgg16()
    except Exception as error:  # no network, a broken cache file, a proxy...: all end the same way
        reason = " ".join(str(error).split())[:200] or type(error).__name__
        print(
            f"seecat: could not get VGG16's ImageNet weights ({type(error).__name__}: {reason}).\n"
            f"seecat: using the embedded {FALLBACK_MODEL} instead, which needs no internet. "
            f"To choose a model, pass load_model('NAME') or set {MODEL_VARIABLE}=NAME "
            f"(one of {', '.join(MODELS)}).",
            file=sys.stderr,
        )
        return BUILDERS[FALLBACK_MODEL]()


def check_model(model) -> None:
    """ValueError unless `model` is a Keras model (as lib.load_model returns)."""
    if not isinstance(model, keras.Model):
        raise ValueError(f"model must be a Keras model from lib.load_model(...), got {type(model).__name__}.")


def predict_batch(model: keras.Model, images: np.ndarray, batch_size: int = 8) -> np.ndarray:
    """Probabilities float32 [n, 1000] for images [n, h, w, 3] of any size (each resized to the model's input).

    The images go through the model `batch_size` at a time, in a function
    compiled once per model (it holds the model weakly, so a model that is
    no longer used can be freed).
    """
    def build():
        size, reference = model_input_size(model), weakref.ref(model)

        @tf.function(input_signature=[tf.TensorSpec([None, None, None, 3], tf.float32)])  # one trace for any batch and size
        def probabilities(batch):
            return tf.nn.softmax(reference()(resize_to(batch, size), training=False))

        return probabilities

    function = compiled.cached(model, "predict", (), build)
    return np.concatenate([function(tf.constant(images[start:start + batch_size])).numpy()
                           for start in range(0, len(images), batch_size)])


def model_input_size(model: keras.Model) -> int:
    """The square input size a model expects, e.g. 224."""
    return int(model.input_shape[1])


def predict(model: keras.Model, image: np.ndarray) -> np.ndarray:
    """Class probabilities float32 [1000] for one image [size, size, 3] in [0, 1]."""
    from .images import check_image

    batch, size = check_image(image), model_input_size(model)
    if batch.shape[1:3] != (size, size):
        raise ValueError(
            f"{model.name} takes {size}x{size} images, but got {batch.shape[2]}x{batch.shape[1]}; "
            f"load the image with lib.load_image(path, size={size})."
        )
    return tf.nn.softmax(model(batch, training=False))[0].numpy()


def ensemble(models: list[keras.Model]) -> keras.Model:
    """One model that shows the image to several models and averages their logits.

    The ensemble takes the first model's input size; the image is resized
    for each of the others. An image made for an ensemble must please every
    member at once, so it relies less on one network's quirks. A judge must
    not be a member: it helped to make the image.
    """
    if not isinstance(models, (list, tuple)) or len(models) < 2 or not all(isinstance(m, keras.Model) for m in models):
        raise ValueError("ensemble needs a list of at least two models from lib.load_model(...).")
    names = [model.name for model in models]
    if len(set(names)) != len(names):
        raise ValueError(f"ensemble members must be different models, got {names}.")
    size = model_input_size(models[0])
    image = keras.Input((size, size, 3), name="image")
    logits = []
    for model in models:
        member_size = model_input_size(model)
        seen = image if member_size == size else Resize(member_size, name=f"to_{model.name}")(image)
        logits.append(model(seen))
    # Named "a_and_b": TensorFlow's scope names may not contain "+".
    return keras.Model(image, keras.layers.Average(name="mean_logits")(logits), name="_and_".join(names))
