"""Four recipes for a class's ideal image, from the article's to the recognisable one.

    naive    pixels, cross-entropy, stop at p >= 0.9           (lesson 02)
    tv       pixels, cross-entropy + total variation           (lesson 04)
    robust   pixels, the target's logit, random transforms     (lesson 06)
    fourier  Fourier coefficients (1/f^1.5) with decorrelated
             colour, the target's logit + a light total
             variation, strong random transforms               (lesson 06)
"""

from __future__ import annotations

from typing import Callable

import keras

from .objectives import cross_entropy, logit, total_variation
from .optimise import Progress, Result, optimise_image
from .transforms import standard_transforms, strong_transforms

RECIPES = ("naive", "tv", "robust", "fourier")
DEFAULT_TV_WEIGHT = 0.0005
FOURIER_DECAY = 1.5  # steeper than a photo's 1/f: smoother images, which other networks recognise more often
FOURIER_TV_WEIGHT = 0.0003  # a light total-variation term (lesson 04) calms the fine texture other networks misread


def recipe_settings(recipe: str, target: int | str, tv_weight: float | None = None) -> dict:
    """The optimise_image arguments (objective included) of a recipe."""
    if recipe not in RECIPES:
        raise ValueError(f"Unknown recipe {recipe!r}: choose one of {', '.join(RECIPES)}.")
    default_tv = {"tv": DEFAULT_TV_WEIGHT, "fourier": FOURIER_TV_WEIGHT}.get(recipe, 0.0)
    tv = default_tv if tv_weight is None else tv_weight
    objective = cross_entropy(target) if recipe in ("naive", "tv") else logit(target)
    if tv:
        objective = objective + tv * total_variation()
    if recipe == "naive":
        return {"objective": objective, "num_steps": 200}
    if recipe == "tv":
        return {"objective": objective, "num_steps": 300, "stop_at": None}
    common = {"objective": objective, "num_steps": 256, "stop_at": None}
    if recipe == "robust":
        return {**common, "learning_rate": 0.01, "transforms": standard_transforms()}
    # Measured on ten classes by bench/run.py (section 5). Made with Lite0, Lite2 agreed on 8/10 and SqueezeNet
    # on 1/10 with decay 1, lucid's transforms and learning rate 0.05; decay 1.5, strong transforms and 0.02 gave
    # 10/10 and 2/10; adding 0.0003 * TV gave 10/10 and 4/10. Made with SqueezeNet, Lite0 agreed on 6/10 (5/10 in
    # a trial with 0.05). One setting for every model.
    return {**common, "parameterisation": "fourier", "decay": FOURIER_DECAY, "learning_rate": 0.02,
            "transforms": strong_transforms()}


def ideal_image(model: keras.Model, target: int | str, recipe: str = "fourier", *, num_steps: int | None = None,
                tv_weight: float | None = None, seed: int = 0,
                callback: Callable[[Progress], None] | None = None, callback_every: int = 1) -> Result:
    """The ideal image of `target` for `model`, made with one of the RECIPES."""
    settings = recipe_settings(recipe, target, tv_weight)
    if num_steps is not None:
        settings["num_steps"] = num_steps
    objective = settings.pop("objective")
    return optimise_image(model, objective, target=target, seed=seed, callback=callback,
                          callback_every=callback_every, **settings)
