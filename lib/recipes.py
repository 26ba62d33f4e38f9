"""Four recipes for a class's ideal image, from the article's to the recognisable one.

    naive    pixels, cross-entropy, stop at p >= 0.9           (lesson 02)
    tv       pixels, cross-entropy + total variation           (lesson 04)
    robust   pixels, the target's logit, random transforms     (lesson 06)
    fourier  Fourier coefficients (1/f^1.5) with decorrelated
             colour, the target's centred logit + a light total
             variation, strong random transforms with noise    (lesson 06)
"""

from __future__ import annotations

from typing import Callable

from . import quiet  # noqa: F401  (imports TensorFlow without its start-up log lines)
import keras

from .names import RECIPES
from .objectives import centred_logit, cross_entropy, logit, total_variation
from .optimise import Progress, Result, optimise_image
from .transforms import standard_transforms, strong_transforms

DEFAULT_TV_WEIGHT = 0.0005
FOURIER_DECAY = 1.5  # steeper than a photo's 1/f: smoother images, which other networks recognise more often
FOURIER_TV_WEIGHT = 0.0003  # a light total-variation term (lesson 04) calms the fine texture other networks misread
FOURIER_LEARNING_RATE = 0.02
# Measured best for SqueezeNet as the maker: Lite0 agreed on 9 and 8 of its ten images (seeds 0, 1) with 0.01,
# on 8 and 7 with 0.02. For Lite0 as the maker 0.01 was worse (SqueezeNet agreed on 4 of ten instead of 7).
FOURIER_LEARNING_RATES = {"squeezenet1_1": 0.01}


def recipe_settings(recipe: str, target: int | str, tv_weight: float | None = None, model_name: str | None = None) -> dict:
    """The optimise_image arguments (objective included) of a recipe.

    model_name: the model that makes the image; the "fourier" recipe takes a
    smaller learning rate for SqueezeNet (FOURIER_LEARNING_RATES).
    """
    if recipe not in RECIPES:
        raise ValueError(f"Unknown recipe {recipe!r}: choose one of {', '.join(RECIPES)}.")
    default_tv = {"tv": DEFAULT_TV_WEIGHT, "fourier": FOURIER_TV_WEIGHT}.get(recipe, 0.0)
    tv = default_tv if tv_weight is None else tv_weight
    objective = {"naive": cross_entropy, "tv": cross_entropy, "robust": logit, "fourier": centred_logit}[recipe](target)
    if tv:
        objective = objective + tv * total_variation()
    if recipe == "naive":
        return {"objective": objective, "num_steps": 200}
    if recipe == "tv":
        return {"objective": objective, "num_steps": 300, "stop_at": None}
    common = {"objective": objective, "num_steps": 256, "stop_at": None}
    if recipe == "robust":
        return {**common, "learning_rate": 0.01, "transforms": standard_transforms()}
    # Measured on ten classes by bench/run.py (section 5), Lite0 making the images, judged by Lite2 / SqueezeNet:
    # decay 1, lucid's transforms, learning rate 0.05: 8/10, 1/10; decay 1.5, strong transforms, 0.02: 10/10, 2/10;
    # + 0.0003 * TV: 10/10, 4/10; + noise in the transforms and the centred logit: see the README's table.
    learning_rate = FOURIER_LEARNING_RATES.get(model_name, FOURIER_LEARNING_RATE)
    return {**common, "parameterisation": "fourier", "decay": FOURIER_DECAY, "learning_rate": learning_rate,
            "transforms": strong_transforms()}


def ideal_image(model: keras.Model, target: int | str, recipe: str = "fourier", *, num_steps: int | None = None,
                tv_weight: float | None = None, seed: int = 0,
                callback: Callable[[Progress], None] | None = None, callback_every: int = 1) -> Result:
    """The ideal image of `target` for `model`, made with one of the RECIPES."""
    settings = recipe_settings(recipe, target, tv_weight, model.name)
    if num_steps is not None:
        settings["num_steps"] = num_steps
    objective = settings.pop("objective")
    return optimise_image(model, objective, target=target, seed=seed, callback=callback,
                          callback_every=callback_every, **settings)
