"""Four recipes for a class's ideal image, from the article's to the recognisable one.

    naive    pixels, cross-entropy, stop at p >= 0.9           (lesson 02)
    tv       pixels, the target's logit + total variation      (lesson 04)
    robust   pixels, the target's logit, random transforms     (lesson 06)
    fourier  Fourier coefficients (1/f^1.5) with decorrelated
             colour, the target's centred logit + a light total
             variation, strong random transforms with noise    (lesson 06)
"""

from __future__ import annotations

from collections import OrderedDict
from typing import Callable

import numpy as np
from . import quiet  # noqa: F401  (imports TensorFlow without its start-up log lines)
import keras
import tensorflow as tf

from .classes import class_id_of
from .names import RECIPES
from .objectives import Objective, centred_logit, cross_entropy, logit, total_variation
from ._validate import one_of
from .optimise import Progress, Result, optimise_image
from .parameterisations import check_batch
from .transforms import standard_transforms, strong_transforms

# The "tv" recipe, exactly lesson 04's: logit(target) + 0.01 * TV, Adam at learning rate 0.02, 200 steps from the
# seeded noise. Cross-entropy + 0.0005 * TV (the article's ratio, 300 steps at 0.01) left near-flat grey: pixel
# std 0.013 (Siamese cat), 0.006 (zebra), 0.003 (goldfish), because cross-entropy's push fades as p -> 1 and TV
# then wins. The logit's push never fades. Measured on Lite0 with these settings (seed 0): p = 1.000 for all of
# Siamese cat, zebra, goldfish, flamingo, daisy, school bus; std 0.059, 0.054, 0.059, 0.064, 0.051, 0.062;
# TV 8,503, 8,029, 8,342, 9,202, 7,326, 8,318 (the start noise: std 0.10, TV about 34,000). Weight 0.02 gave
# std 0.042 and larger, vaguer shapes; 0.002 and 0.0005 kept much of the noise (TV 9,941 and 21,254 after 300 steps).
DEFAULT_TV_WEIGHT = 0.01
TV_LEARNING_RATE = 0.02
TV_STEPS = 200
FOURIER_DECAY = 1.5  # steeper than a photo's 1/f: smoother images, which other networks recognise more often
FOURIER_TV_WEIGHT = 0.0003  # a light total-variation term (lesson 04) calms the fine texture other networks misread
FOURIER_LEARNING_RATE = 0.02
# Measured best for SqueezeNet as the maker: Lite0 agreed on 9 and 8 of its ten images (seeds 0, 1) with 0.01,
# on 8 and 7 with 0.02. For Lite0 as the maker 0.01 was worse (SqueezeNet agreed on 4 of ten instead of 7).
FOURIER_LEARNING_RATES = {"squeezenet1_1": 0.01}
# Steps ("fourier" and "robust" run 256): measured on the README's ten classes, seeds 0-4 (50 images, Lite0 making
# them at learning rate 0.02, strong_transforms in one resampling), Lite2 agreed on 86% of them after 48 steps, 94%
# after 64 and 100% after 96, 128, 160, 192 and 256; SqueezeNet on 32%, 36%, 44%, 40%, 42%, 50% and 50%; Lite0's own
# p was >= 0.988 from 96 steps on (0.004 at 48). Lesson 06 runs 80 steps per image (on its five classes Lite2 agreed
# on all 25 at 64); the default stays 256, which lesson 08's channel images and the README's tables use.


def recipe_settings(recipe: str, target: int | str | tf.Variable | Objective, tv_weight: float | None = None,
                    model_name: str | None = None) -> dict:
    """The optimise_image arguments (objective included) of a recipe.

    target: a class (the recipe picks its objective for it), a tf.Variable
    of int32 class ids, one per image (the class can change between runs:
    ideal_image uses one), or an Objective of your own, e.g. lib.channel("block10",
    7), which replaces the recipe's class objective (the recipe's TV term,
    steps and transforms stay).
    model_name: the model that makes the image; the "fourier" recipe takes a
    smaller learning rate for SqueezeNet (FOURIER_LEARNING_RATES).
    """
    one_of("recipe", recipe, RECIPES)
    default_tv = {"tv": DEFAULT_TV_WEIGHT, "fourier": FOURIER_TV_WEIGHT}.get(recipe, 0.0)
    tv = default_tv if tv_weight is None else tv_weight
    objective = target if isinstance(target, Objective) else \
        {"naive": cross_entropy, "tv": logit, "robust": logit, "fourier": centred_logit}[recipe](target)
    if tv:
        objective = objective + tv * total_variation()
    if recipe == "naive":
        return {"objective": objective, "num_steps": 200}
    if recipe == "tv":
        return {"objective": objective, "num_steps": TV_STEPS, "learning_rate": TV_LEARNING_RATE, "stop_at": None}
    common = {"objective": objective, "num_steps": 256, "stop_at": None}
    if recipe == "robust":
        return {**common, "learning_rate": 0.01, "transforms": standard_transforms()}
    # Measured on ten classes by bench/run.py (section 5), Lite0 making the images, judged by Lite2 / SqueezeNet:
    # decay 1, lucid's transforms, learning rate 0.05: 8/10, 1/10; decay 1.5, strong transforms, 0.02: 10/10, 2/10;
    # + 0.0003 * TV: 10/10, 4/10; + noise in the transforms and the centred logit: see the README's table.
    learning_rate = FOURIER_LEARNING_RATES.get(model_name, FOURIER_LEARNING_RATE)
    return {**common, "parameterisation": "fourier", "decay": FOURIER_DECAY, "learning_rate": learning_rate,
            "transforms": strong_transforms()}


def ideal_image(model: keras.Model, target: int | str | Objective, recipe: str = "fourier", *,
                num_steps: int | None = None, tv_weight: float | None = None, seed: int | None = None, batch: int = 1,
                callback: Callable[[Progress], None] | None = None, callback_every: int = 1) -> Result:
    """The ideal image of `target` for `model`, made with one of the RECIPES.

    target: a class name or id, or an objective such as lib.channel(layer,
    index) (lesson 08), which takes the place of the recipe's class objective.
    batch: make several images at once from different random starts
    (Result.images); add lib.diversity(layer) to an objective to make them differ.
    """
    if isinstance(target, Objective):
        settings = recipe_settings(recipe, target, tv_weight, model.name)
    else:
        settings = _class_settings(recipe, tv_weight, model.name, check_batch(batch), class_id_of(target))
    if num_steps is not None:
        settings["num_steps"] = num_steps
    objective = settings.pop("objective")
    return optimise_image(model, objective, target=None if isinstance(target, Objective) else target, seed=seed,
                          batch=batch, callback=callback, callback_every=callback_every, **settings)


CLASS_SETTINGS_KEPT = 8  # recipes (with their TV weight, learning rate and batch) whose settings ideal_image keeps
_CLASS_SETTINGS: OrderedDict[tuple, tuple[tf.Variable, dict]] = OrderedDict()


def _class_settings(recipe: str, tv_weight: float | None, model_name: str | None, batch: int, class_id: int) -> dict:
    """A recipe's settings for a class, a copy; their objective reads the class from a tf.Variable, set to class_id.

    The objective and transforms are the same objects from one call to the
    next, so lib.optimise_image reuses the step it compiled for the last
    class (a gallery traces one step, not one per class); the class lives
    in the variable, and the results are those of recipe_settings(recipe, class_id).
    """
    key = (recipe, tv_weight, model_name, batch)
    if key in _CLASS_SETTINGS:
        _CLASS_SETTINGS.move_to_end(key)
    else:
        classes = tf.Variable(np.zeros(batch, np.int32), trainable=False, name="classes")
        _CLASS_SETTINGS[key] = classes, recipe_settings(recipe, classes, tv_weight, model_name)
        while len(_CLASS_SETTINGS) > CLASS_SETTINGS_KEPT:
            _CLASS_SETTINGS.popitem(last=False)
    classes, settings = _CLASS_SETTINGS[key]
    classes.assign(np.full(batch, class_id, np.int32))
    return dict(settings)
