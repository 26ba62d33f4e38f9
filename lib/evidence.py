"""The model's evidence for a class, measured: the target's logit, its probability when the image moves, and what
each quarter of the image adds when the rest is grey (lesson 06).

    lib.target_logit(model, image, "Siamese cat")               # the evidence itself
    lib.probability_in_views(model, image, "Siamese cat")       # does it survive a shift, zoom and turn?
    lib.quarter_gains(model, image, "Siamese cat")              # do the parts of the evidence add up?
"""

from __future__ import annotations

from typing import NamedTuple, Sequence

from . import quiet  # noqa: F401  (imports TensorFlow without its start-up log lines)
import keras
import numpy as np
import tensorflow as tf

from ._validate import number, whole
from .classes import class_id_of
from .images import check_one_image
from .models import model_input_size
from .names import MAX_DRAWS
from .seeds import run_seed, seed_or_default
from .transforms import Transform, standard_transforms

QUARTERS = ("top left", "top right", "bottom left", "bottom right")  # uncover_quarters' numbers 0, 1, 2, 3
QUARTER_HINT = ("each quarter is a number (" + ", ".join(f"{index} {name}" for index, name in enumerate(QUARTERS))
                + "): it must be")
GREY = 0.5  # what covers the hidden quarters
VIEWS = 8  # random views that probability_in_views shows the model by default
VIEWS_SEED_OFFSET = 1  # its default seed: the run's + 1, so its views differ from those a lesson draws with the run's


def _batch_for(model: keras.Model, image: np.ndarray, function: str) -> np.ndarray:
    """One image as float32 [1, size, size, 3] in [0, 1], checked against the model's input size."""
    batch = check_one_image(image, function)
    size = model_input_size(model)
    if batch.shape[1:3] != (size, size):
        raise ValueError(f"{function}: {model.name} takes {size}x{size} images, but got {batch.shape[2]}x"
                         f"{batch.shape[1]}; resize it first: lib.images.resize_and_crop(image, {size}).")
    return batch


def target_logit(model: keras.Model, image: np.ndarray, target: int | str, centred: bool = False) -> float:
    """The model's logit for `target` on `image` (float32 [size, size, 3] in [0, 1]).

    centred: minus the mean of all 1000 logits, which is what `lib.centred_logit` (the "fourier" recipe) maximises:
    only evidence that favours the target over the average class.
    """
    target_id = class_id_of(target)
    logits = model(_batch_for(model, image, "target_logit"), training=False)[0].numpy()  # (1000,)
    return float(logits[target_id] - logits.mean()) if centred else float(logits[target_id])


def probability_in_views(model: keras.Model, image: np.ndarray, target: int | str, count: int = VIEWS,
                         transform: Transform | None = None, seed: int | None = None) -> np.ndarray:
    """The model's p(target) in `count` random views of `image`: does its certainty survive moving the image?

    image: float32 [size, size, 3] in [0, 1]. transform: how each view is drawn; default lucid's shifts, zooms
    and turns (`lib.transforms.standard_transforms()`). seed: the views' seed; None: the run's seed + 1, the same
    views at every call. Returns float32 [count], one p per view.
    """
    count = whole("count", count, 1, MAX_DRAWS, hint="count is how many random views to show the model: it must be")
    target_id = class_id_of(target)
    batch = tf.constant(_batch_for(model, image, "probability_in_views"))
    transform = standard_transforms() if transform is None else transform
    generator = tf.random.Generator.from_seed(run_seed() + VIEWS_SEED_OFFSET if seed is None else seed_or_default(seed))
    views = tf.concat([transform(batch, generator) for _ in range(count)], axis=0)  # (count, size, size, 3)
    return tf.nn.softmax(model(views, training=False))[:, target_id].numpy()


def uncover_quarters(image: np.ndarray, quarters: Sequence[int], fill: float = GREY) -> np.ndarray:
    """A copy of `image` showing only these quarters, the rest `fill` (mid-grey).

    image: float32 [height, width, 3] in [0, 1]. quarters: numbers from 0 to 3: top left, top right, bottom left,
    bottom right (`QUARTERS`); e.g. range(2) for the top half, [] for none. A quarter is half the height by half
    the width (rounded down).
    """
    image = check_one_image(image, "uncover_quarters")[0]
    if isinstance(quarters, (int, np.integer)):
        raise ValueError(f"quarters is a list of quarters to show, e.g. [{quarters}] for quarter {quarters} alone; "
                         f"got the bare number {quarters!r}.")
    fill = number("fill", fill, 0, 1, hint="fill is the grey that covers the rest, 0 (black) to 1 (white): it must be")
    half_height, half_width = image.shape[0] // 2, image.shape[1] // 2
    covered = np.full_like(image, fill)
    for quarter in quarters:
        quarter = whole("quarter", quarter, 0, 3, hint=QUARTER_HINT)
        top, left = half_height * (quarter // 2), half_width * (quarter % 2)
        covered[top:top + half_height, left:left + half_width] = image[top:top + half_height, left:left + half_width]
    return covered


class QuarterGains(NamedTuple):
    """What the quarters of an image add to the target's logit, over a plain grey image."""

    together: float  # all four quarters: the whole image
    alone: np.ndarray  # float32 [4]: each quarter shown alone, in the order of QUARTERS


def quarter_gains(model: keras.Model, image: np.ndarray, target: int | str) -> QuarterGains:
    """What all four quarters of `image`, and each quarter alone, add to the target's logit over plain grey.

    If the network simply added up evidence, `alone.sum()` would equal `together`. image: float32 [size, size, 3]
    in [0, 1], at the model's input size. One batch of six images: grey, all four, each quarter alone.
    """
    image, target_id = _batch_for(model, image, "quarter_gains")[0], class_id_of(target)
    views = np.stack([uncover_quarters(image, []), uncover_quarters(image, range(4)),
                      *[uncover_quarters(image, [quarter]) for quarter in range(4)]])  # (6, size, size, 3)
    logits = model(views, training=False).numpy()[:, target_id]
    return QuarterGains(float(logits[1] - logits[0]), logits[2:] - logits[0])
