"""Lesson 08's exercises: the dog photo's favourite channel and its image, and a neuron's image."""

from __future__ import annotations

from typing import Any

import numpy as np
from .. import quiet  # noqa: F401  (imports TensorFlow without its start-up log lines)
import tensorflow as tf

from ..layers import activations, channel_count
from ..models import model_input_size
from ..optimise import Result
from .feedback import NotYet, checker, read_image, read_model, require, ticked

VISUALISATION_FACTOR = 2.0  # a channel's visualisation must excite it at least this many times more than the photo
NEURON_FACTOR = 2.0  # a neuron's visualisation: the centre at least this many times the mean of the other positions


def _channel_index(value: Any, name: str, count: int) -> int:
    value = require(value, name)
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)) or not 0 <= value < count:
        raise NotYet(f"✗ `{name}` should be a channel's number, a whole number from 0 to {count - 1}; got {value!r}.")
    return int(value)


@checker
def check_favourite_channel(model: tf.keras.Model, dog: np.ndarray, layer: str, dog_channel: int,
                            dog_visualisation: Result | np.ndarray) -> str:
    """Lesson 08, exercise 1: the channel of `layer` the dog photo excites most, and an image that excites it far more."""
    model = read_model(model)
    count = channel_count(model, layer)
    index = _channel_index(dog_channel, "dog_channel", count)
    means = activations(model, dog, layer).mean(axis=(0, 1))
    favourite = int(np.argmax(means))
    if index != favourite:
        raise NotYet(f"✗ Channel {index} has mean activation {means[index]:.2f} on the dog photo, but channel "
                     f"{favourite} has {means[favourite]:.2f}. Average lib.activations(model, dog, "
                     f"{layer!r}) over the positions (axis=(0, 1)) and take the largest.")
    image = read_image(dog_visualisation, "dog_visualisation", model_input_size(model))
    reached = float(activations(model, image, layer)[..., index].mean())
    if reached < VISUALISATION_FACTOR * means[index]:
        raise NotYet(f"✗ Your image excites channel {index} with mean activation {reached:.2f}, not yet "
                     f"{VISUALISATION_FACTOR:g} times the dog photo's {means[index]:.2f}. Make it with "
                     f"lib.ideal_image(model, lib.channel({layer!r}, dog_channel), \"fourier\").")
    return ticked(f"channel {index} of {layer} is the dog photo's favourite (mean activation {means[index]:.2f})",
                  f"your image excites it {reached / means[index]:.1f} times as much ({reached:.2f}). Does it look like "
                  "part of a dog to you? Compare with its top patches (lib.top_patches).")


@checker
def check_neuron_image(model: tf.keras.Model, layer: str, index: int, neuron_image: Result | np.ndarray) -> str:
    """Lesson 08, exercise 2: a neuron's image, whose feature is in the middle: the centre far above the rest."""
    model = read_model(model)
    try:
        count = channel_count(model, layer)
    except ValueError as error:
        raise NotYet(f"✗ `layer`: {error}") from None
    index = _channel_index(index, "index", count)
    image = read_image(neuron_image, "neuron_image", model_input_size(model))
    values = activations(model, image, layer)[..., index]
    row, column = values.shape[0] // 2, values.shape[1] // 2
    centre, others = float(values[row, column]), float((values.sum() - values[row, column]) / (values.size - 1))
    if centre <= 0 or centre < NEURON_FACTOR * max(others, 1e-6):
        raise NotYet(f"✗ At the centre of your image channel {index} of {layer} reaches {centre:.2f}, against "
                     f"{others:.2f} on average elsewhere: not yet {NEURON_FACTOR:g} times as much. Use "
                     f"lib.neuron({layer!r}, {index}) as the objective, not lib.channel.")
    return ticked(f"the feature sits in the middle: channel {index} of {layer} reaches {centre:.2f} at the centre, "
                  f"{centre / max(others, 1e-6):.1f} times its mean elsewhere ({others:.2f})",
                  "a neuron sees only its own patch of the image: the rest is free, and the picture shows one "
                  "instance of the feature instead of a texture of them")
