"""A model's inner layers by name: finding one, and reading its output next to the logits.

Every model from `lib.load_model` is one flat Keras graph, so each layer
that makes a feature map [batch, height, width, channels] can be read by
its name, e.g. "_bn1_relu6" (EfficientNet-Lite's last one) or
"block5_conv3" (VGG16's).
"""

from __future__ import annotations

import difflib
import weakref

from . import quiet  # noqa: F401  (imports TensorFlow without its start-up log lines)
import keras

_FEATURE_MODELS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()  # model -> {layer names: feature model}
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
    if not isinstance(model, keras.Model):
        raise ValueError(f"model must be a Keras model from lib.load_model(...), got {type(model).__name__}.")
    members = [layer.name for layer in model.layers if isinstance(layer, keras.Model)]
    if members:
        raise ValueError(f"{model.name} is an ensemble of {', '.join(members)}: its inner layers belong to each "
                         f"member, so pass one member model instead.")


def find_layer(model: keras.Model, name: str) -> keras.layers.Layer:
    """The layer called `name`, which must make a feature map; a wrong name gets the closest ones."""
    _check_single(model)
    names = [layer.name for layer in spatial_layers(model)]
    if isinstance(name, str) and name in names:
        return model.get_layer(name)
    close = difflib.get_close_matches(str(name), names, n=3, cutoff=0.5)
    hint = f"Did you mean {' or '.join(repr(n) for n in close)}? " if close else ""
    raise ValueError(f"{model.name} has no layer {name!r} with a feature map. {hint}"
                     f"Its {len(names)} such layers run from {names[0]!r} to {names[-1]!r}; "
                     f"lib.layers.spatial_layers(model) lists them.")


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


def feature_model(model: keras.Model, layer_names: tuple[str, ...]) -> keras.Model:
    """A model with the same input giving [each named layer's output..., logits] (built once per model)."""
    built = _FEATURE_MODELS.setdefault(model, {})
    if layer_names not in built:
        outputs = [find_layer(model, name).output for name in layer_names]
        built[layer_names] = keras.Model(model.inputs, [*outputs, model.outputs[0]], name=f"{model.name}_features")
    return built[layer_names]
