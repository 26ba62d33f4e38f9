"""Inside the network: DeepDream, and the patches of real photos that excite one channel most.

Feature visualisation itself needs nothing new: `lib.ideal_image(model,
lib.channel("block10", 7))` is lesson 06's Fourier recipe with a channel's
mean activation as its objective. This module adds the two views that go
with it (Olah et al., "Feature Visualization", Distill 2017; TensorFlow's
DeepDream tutorial):

    deep_dream     more of whatever a layer already sees in a photo, at
                   several scales ("octaves"), by lib.optimise_image
    top_patches    where in the shipped photos a channel responds most: its
                   "dataset examples"
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np
from . import quiet  # noqa: F401  (imports TensorFlow without its start-up log lines)
import keras

from ._validate import number, whole
from .images import check_one_image, resize_and_crop
from .layers import activations, check_needs
from .models import model_input_size
from .objectives import layer_energy
from .optimise import Progress, Result, optimise_image
from .transforms import jitter

DREAM_LEARNING_RATE = 0.01  # Adam, in pixel units: the photo changes visibly within 20 steps
DREAM_JITTER = 8  # pixels: a random shift before every step, so that patterns don't lock to one pixel grid


def deep_dream(model: keras.Model, image: np.ndarray, layer: str, *, octaves: int = 2, octave_scale: float = 1.4,
               steps_per_octave: int = 30, learning_rate: float = DREAM_LEARNING_RATE,
               callback: Callable[[Progress], None] | None = None) -> Result:
    """DeepDream: change a photo so that `layer` sees more of what it already sees (lib.layer_energy).

    The photo is dreamt first at a small size (octave 1: the model sees it
    enlarged, so the new patterns come out large), then enlarged by
    `octave_scale` and dreamt again, up to the model's input size: large
    shapes first, then detail. Each octave is `steps_per_octave` steps of
    lib.optimise_image with a small random shift (jitter) before every step.
    Each octave traces a compiled step of its own (its image has its own
    size), so the default is two octaves of 30 steps: in lesson 08 three of
    20 gave the same pictures and cost one more trace (a second or two).
    image: float32 [h, w, 3] in [0, 1]; the result is at the model's size.
    callback: a lib.LiveView, told of every step through all the octaves.
    Returns a Result: `image` is the dream, `start_image` the photo at the
    model's size; `losses`, `num_steps` and `seconds` cover every octave
    (Ctrl-C keeps the dream so far).
    """
    size = model_input_size(model)
    photo = check_one_image(image, "deep_dream")
    for name, value, low, high in (("octaves", octaves, 1, 8), ("steps_per_octave", steps_per_octave, 1, 1000)):
        whole(name, value, low, high)
    number("octave_scale", octave_scale, 1, 2, low_open=True, hint="octave_scale is how much each octave enlarges the "
                                                                    "image,")
    objective = layer_energy(layer)
    check_needs(model, objective.needs)
    sizes = [max(32, round(size / octave_scale**k)) for k in reversed(range(octaves))]
    dream = resize_and_crop(photo[0], sizes[0])
    total = octaves * steps_per_octave
    result, losses, step_seconds, steps_made, seconds = None, [], [], 0, 0.0
    for octave, octave_size in enumerate(sizes):
        offset = octave * steps_per_octave
        last = octave == len(sizes) - 1

        def told(progress: Progress, offset=offset, last=last, first=octave == 0) -> None:
            if not first and progress.step == 0 and progress.stop_reason is None:
                return  # the previous octave's last report already showed this image
            ending = progress.stop_reason if last or progress.stop_reason == "interrupted" else None
            callback(Progress(offset + progress.step, total, progress.loss, None, resize_and_crop(progress.image, size),
                              ending, None))

        result = optimise_image(model, objective, resize_and_crop(dream, octave_size), num_steps=steps_per_octave,
                                learning_rate=learning_rate, stop_at=None, transforms=jitter(DREAM_JITTER),
                                callback=None if callback is None else told)
        dream = result.image
        losses += result.losses
        step_seconds += result.step_seconds
        steps_made, seconds = steps_made + result.num_steps, seconds + result.seconds
        if result.interrupted:
            break
    result.image, result.images = resize_and_crop(dream, size), resize_and_crop(dream, size)[None]
    result.start_image = resize_and_crop(photo[0], size)  # the photo, at the dream's size: `change` is what dreaming did
    result.losses, result.step_seconds, result.num_steps, result.seconds = losses, step_seconds, steps_made, seconds
    return result


@dataclass
class Patch:
    """Where one channel responds most in one photo."""

    image: np.ndarray  # float32 [patch, patch, 3]: the photo around the strongest position
    activation: float  # the channel's activation there
    source: str  # the photo's name
    position: tuple[int, int]  # (row, column) of the patch's centre in the photo, pixels


def top_patches(model: keras.Model, photos: dict[str, np.ndarray], layer: str, index: int,
                count: int = 4) -> list[Patch]:
    """The `count` places in `photos` where channel `index` of `layer` is strongest, strongest first.

    photos: {name: float32 [size, size, 3]} at the model's input size. Each
    position of the layer's feature map sees a patch of the photo; the patch
    cut out is three feature-map cells wide (at least 24 pixels), about the
    part of the photo that position responds to most. At most two patches
    come from one photo, so that one photo doesn't fill the row.
    """
    check_needs(model, ((layer, index),))
    candidates = []
    for name, photo in photos.items():
        values = activations(model, photo, layer)[..., index]  # [h, w]
        height, width = photo.shape[:2]
        cell = height / values.shape[0]
        side = int(min(height, max(24, round(3 * cell))))
        for flat in np.argsort(values, axis=None)[::-1][:2 * values.shape[0]]:
            row, column = divmod(int(flat), values.shape[1])
            centre = (int((row + 0.5) * cell), int((column + 0.5) * width / values.shape[1]))
            top = int(np.clip(centre[0] - side // 2, 0, height - side))
            left = int(np.clip(centre[1] - side // 2, 0, width - side))
            candidates.append(Patch(photo[top:top + side, left:left + side], float(values[row, column]), name, centre))
    chosen, per_photo = [], {}
    for patch in sorted(candidates, key=lambda patch: -patch.activation):
        near = any(other.source == patch.source and max(abs(other.position[0] - patch.position[0]),
                                                        abs(other.position[1] - patch.position[1])) < 16
                   for other in chosen)
        if per_photo.get(patch.source, 0) < 2 and not near:
            chosen.append(patch)
            per_photo[patch.source] = per_photo.get(patch.source, 0) + 1
        if len(chosen) == count:
            break
    return chosen
