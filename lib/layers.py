"""A model's inner layers by name: the ones a student can pick, their activations, and reading them with the logits.

Every model from `lib.load_model` is one flat Keras graph, so each layer
that makes a feature map [batch, height, width, channels] can be read by
name. `layer_names(model)` lists readable names, input to output:

    EfficientNet-Lite  "stem", "block0" ... "block15", "head"  (and "blockN_expand":
                       the block's widened, ReLU6 layer inside, for N >= 1)
    VGG16              "block1_conv1" ... "block5_conv3", and the pools
    SqueezeNet         "conv1", "fire2" ... "fire9", "conv10"

Keras's own names ("_blocks.10_add", "fire5_concat") work everywhere too.
"""

from __future__ import annotations

import difflib
import re
from typing import Callable

import numpy as np

from . import quiet  # noqa: F401  (imports TensorFlow without its start-up log lines)
import keras
import tensorflow as tf

from . import compiled
from .models import check_model

POOLING = (keras.layers.MaxPooling2D, keras.layers.AveragePooling2D)


def spatial_layers(model: keras.Model) -> list[keras.layers.Layer]:
    """The layers whose output is a feature map [batch, height, width, channels], input to output.

    The input and the preprocessing (which still shows the pixels) are left out.
    """
    layers = []
    for layer in model.layers:
        if isinstance(layer, keras.layers.InputLayer) or "preprocess" in layer.name:
            continue
        try:
            shape = layer.output.shape
        except (AttributeError, ValueError):  # a nested model, or a layer used more than once
            continue
        if len(shape) == 4:
            layers.append(layer)
    return layers


def _check_single(model: keras.Model) -> None:
    check_model(model)
    members = [layer.name for layer in model.layers if isinstance(layer, keras.Model)]
    if members:
        raise ValueError(f"{model.name} is an ensemble of {', '.join(members)}: its inner layers belong to each "
                         f"member, so pass one member model instead.")


def aliases(model: keras.Model) -> dict[str, str]:
    """Readable name -> Keras layer name, input to output (see the module's docstring)."""
    _check_single(model)
    names = [layer.name for layer in spatial_layers(model)]
    present = set(names)
    if "_conv_stem" in present:  # EfficientNet-Lite
        readable = {"stem": "_bn0_relu6"}
        numbers = (re.match(r"_blocks\.(\d+)[._]", name) for name in names)
        blocks = sorted({int(number.group(1)) for number in numbers if number})
        for block in blocks:
            readable[f"block{block}"] = f"_blocks.{block}_add" if f"_blocks.{block}_add" in present else f"_blocks.{block}._bn2"
        readable["head"] = "_bn1_relu6"
        for block in blocks:
            if f"_blocks.{block}._bn0_relu6" in present:
                readable[f"block{block}_expand"] = f"_blocks.{block}._bn0_relu6"
        return readable
    if "fire2_concat" in present:  # SqueezeNet
        fires = [n[: -len("_concat")] for n in names if n.endswith("_concat")]
        return {"conv1": "conv1_relu", **{fire: f"{fire}_concat" for fire in fires}, "conv10": "conv10_relu"}
    layers = [layer for layer in spatial_layers(model) if isinstance(layer, (keras.layers.Conv2D, *POOLING))]
    return {layer.name: layer.name for layer in layers}


def layer_names(model: keras.Model) -> list[str]:
    """The layers a student can pick, by readable name, from the input to the output.

    For EfficientNet-Lite: "stem", "block0" ... "block15", "head" (the
    "blockN_expand" layers are accepted too); VGG16: its convolutions and
    pools; SqueezeNet: "conv1", "fire2" ... "fire9", "conv10".
    """
    return [name for name in aliases(model) if not name.endswith("_expand")]


# Lesson 08's layers for each family: five depths to walk up, a shallow and a deep layer to dream at, and the
# layer whose Gram matrices the diversity term compares.
SUGGESTED = {
    "efficientnet_lite": {"walk": ["block1", "block4", "block7", "block10", "block14"],
                          "shallow": "block3", "deep": "block11", "diversity": "block10"},
    "vgg16": {"walk": ["block1_conv2", "block2_conv2", "block3_conv3", "block4_conv3", "block5_conv3"],
              "shallow": "block3_conv1", "deep": "block4_conv3", "diversity": "block4_conv3"},
    "squeezenet": {"walk": ["conv1", "fire3", "fire5", "fire7", "fire9"],
                   "shallow": "fire3", "deep": "fire8", "diversity": "fire7"},
}


def suggested_layers(model: keras.Model) -> dict:
    """Lesson 08's layers for this model: {"walk": five depths, "shallow", "deep", "diversity"}.

    Chosen for the embedded models and VGG16; for another model, five layers
    spread evenly over lib.layer_names(model).
    """
    for family, layers in SUGGESTED.items():
        if model.name.startswith(family):
            return {key: list(value) if isinstance(value, list) else value for key, value in layers.items()}
    names = layer_names(model)
    walk = [names[round(k * (len(names) - 1) / 4)] for k in range(5)]
    return {"walk": walk, "shallow": walk[1], "deep": walk[3], "diversity": walk[3]}


def find_layer(model: keras.Model, name: str) -> keras.layers.Layer:
    """The layer called `name` (readable or Keras's), which must make a feature map; a wrong name gets the closest ones."""
    _check_single(model)
    readable = aliases(model)
    names = [layer.name for layer in spatial_layers(model)]
    if isinstance(name, str) and (name in readable or name in names):
        return model.get_layer(readable.get(name, name))
    close = difflib.get_close_matches(str(name), list(dict.fromkeys([*readable, *names])), n=3, cutoff=0.5)
    hint = f"Did you mean {' or '.join(repr(n) for n in close)}? " if close else ""
    listed = layer_names(model) or names
    where = (f"Its layers run from {listed[0]!r} to {listed[-1]!r}: lib.layer_names(model) lists them."
             if listed else "It has no layer with a feature map at all.")
    raise ValueError(f"{model.name} has no layer {name!r} with a feature map. {hint}{where}")


def channel_count(model: keras.Model, name: str) -> int:
    """How many channels the layer's feature map has."""
    return int(find_layer(model, name).output.shape[-1])


def check_needs(model: keras.Model, needs) -> None:
    """Check an objective's (layer, channel index) pairs against the model: ValueError naming what is wrong."""
    for layer, index in needs:
        count = channel_count(model, layer)
        if index is not None and index >= count:
            raise ValueError(f"{layer!r} of {model.name} has {count} channels, numbered 0 to {count - 1}; "
                             f"got channel {index}.")


def last_feature_layer(model: keras.Model) -> keras.layers.Layer:
    """The last layer with a spatial feature map, not counting pooling: Grad-CAM's usual choice.

    EfficientNet-Lite: "_bn1_relu6" (7x7x1280); VGG16: "block5_conv3"
    (14x14x512); SqueezeNet: "conv10_relu" (14x14x1000).
    """
    _check_single(model)
    candidates = [layer for layer in spatial_layers(model) if not isinstance(layer, POOLING)]
    if not candidates:
        raise ValueError(f"{model.name} has no layer with a spatial feature map to explain with.")
    return candidates[-1]


def feature_model(model: keras.Model, names: tuple[str, ...]) -> keras.Model:
    """A model with the same input giving [each named layer's output..., logits] (built once per model)."""
    def build():
        outputs = [find_layer(model, name).output for name in names]
        return keras.Model(model.inputs, [*outputs, model.outputs[0]], name=f"{model.name}_features")

    return compiled.cached(model, "features", names, build)


def _reader(model: keras.Model) -> tuple[tuple[str, ...], Callable]:
    """Every readable layer's feature map at once (lib.layer_names), compiled once per model.

    Returns (names, read): read(images float32 [batch, size, size, 3]) gives
    one tensor per name. Measured on Lite0, a compiled read took about a
    sixth of the processor time of an eager call of the Keras model, and
    its one trace about as much as four eager calls.
    """
    def build():
        names = tuple(layer_names(model))
        if not names:
            return names, None
        outputs = [find_layer(model, name).output for name in names]
        reader = keras.Model(model.inputs, outputs, name=f"{model.name}_reader")
        size = int(model.input_shape[1])

        @tf.function(input_signature=[tf.TensorSpec([None, size, size, 3], tf.float32)])  # one trace for any batch
        def read(images):
            return reader([images], training=False)  # a list, as the model's inputs

        return names, read

    return compiled.cached(model, "reader", (), build)


def activations(model: keras.Model, image: np.ndarray, layer: str) -> np.ndarray:
    """A layer's activations for one image: float32 [height, width, channels].

    image: float32 [h, w, 3] in [0, 1]; resized to the model's input size if it isn't.
    The layers of lib.layer_names(model) are read by one compiled function
    (traced on the first call); any other layer by its own feature model.
    """
    from .images import check_one_image
    from .transforms import resize_to

    batch = check_one_image(image, "activations")
    find_layer(model, layer)  # a wrong name is refused with the closest ones
    size = int(model.input_shape[1])
    images = tf.convert_to_tensor(resize_to(batch, size), tf.float32)
    names, read = _reader(model)
    if layer in names:
        return read(images)[names.index(layer)].numpy()[0]
    values, _ = feature_model(model, (layer,))([images], training=False)  # a list, as the model's inputs
    return values.numpy()[0]
