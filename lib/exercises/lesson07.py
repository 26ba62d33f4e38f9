"""Lesson 07's exercises: which attribution map is the most faithful, and a square that hides the cat."""

from __future__ import annotations

from typing import Mapping

import numpy as np
from .. import quiet  # noqa: F401  (imports TensorFlow without its start-up log lines)
import tensorflow as tf

from ..attribution import hide_square
from ..classes import is_dog
from ..faithfulness import DeletionCurve
from ..images import cat_and_dog
from ..models import model_input_size, predict
from ..names import ATTRIBUTION_METHODS
from .feedback import NotYet, checker, read_mapping, read_model, require, ticked, top_class

HIDING_MAX_SIZE = 80  # pixels: less than the 112-pixel photo of the cat in the 224-pixel scene
HIDING_SMALLEST_FOUND = (64, 60, 24)  # size, top, left: the smallest square we found for Lite0 (4-pixel search grid)


@checker
def check_most_faithful(curves: Mapping[str, DeletionCurve | list[DeletionCurve]], answer: str) -> str:
    """Lesson 07, exercise 1: a deletion curve per method (and "random": one, or a list of several random orders),
    and the method whose curve falls fastest."""
    curves = read_mapping(curves, "coffee_curves", [*ATTRIBUTION_METHODS, "random"], "method: lib.deletion_curve(...)")
    randoms = curves["random"] if isinstance(curves["random"], (list, tuple)) else [curves["random"]]
    if not randoms:
        raise NotYet("✗ coffee_curves['random'] is an empty list: put one or more curves in random order in it, "
                     "lib.deletion_curve(model, image, target, None, seed=...).")
    every = [*((name, curves[name]) for name in ATTRIBUTION_METHODS), *(("random", curve) for curve in randoms)]
    for name, curve in every:
        if not isinstance(curve, DeletionCurve):
            raise NotYet(f"✗ coffee_curves[{name!r}] should be what lib.deletion_curve(...) returns"
                         f"{' (or a list of them)' if name == 'random' else ''}, but it holds a {type(curve).__name__}.")
    if len({curve.target for _, curve in every}) > 1 or np.ptp([curve.probabilities[0] for _, curve in every]) > 1e-4:
        raise NotYet("✗ The curves don't start from the same photo and class: compute every curve for the same "
                     "image and target, with that method's map (and importance=None for 'random').")
    answer = require(answer, "answer")
    if answer not in ATTRIBUTION_METHODS:
        raise NotYet(f"✗ `answer` should be one of {', '.join(map(repr, ATTRIBUTION_METHODS))}, got {answer!r}.")
    areas = {method: curves[method].area for method in ATTRIBUTION_METHODS}
    best, random_area = min(areas, key=areas.get), float(np.mean([curve.area for curve in randoms]))
    table = ", ".join(f"{method} {area:.3f}" for method, area in sorted(areas.items(), key=lambda item: item[1]))
    if answer != best:
        raise NotYet(f"✗ {answer}'s curve has area {areas[answer]:.3f}, but {best}'s falls faster (area "
                     f"{areas[best]:.3f}). The most faithful map finds the pixels that matter first: its curve "
                     "has the lowest area.")
    versus = "falls faster than" if areas[best] < random_area else "does NOT fall faster than"
    orders = f"mean area of {len(randoms)} orders" if len(randoms) > 1 else "area"
    return ticked(f"{best}'s map is the most faithful of the five on this photo: area {areas[best]:.3f} ({table})",
                  f"it {versus} removing pixels in random order ({orders} {random_area:.3f})")


@checker
def check_hiding_square(model: tf.keras.Model, square: tuple[int, int, int]) -> str:
    """Lesson 07, exercise 2: a grey square of at most 80 pixels that makes the scene's top class a dog breed."""
    model = read_model(model)
    square = require(square, "square")
    if (not isinstance(square, (tuple, list)) or len(square) != 3
            or any(isinstance(v, bool) or not isinstance(v, (int, np.integer)) for v in square)):
        raise NotYet(f"✗ `square` should be three whole numbers (top, left, size) in pixels, e.g. (40, 20, 64); "
                     f"got {square!r}.")
    top, left, size = (int(v) for v in square)
    if size > HIDING_MAX_SIZE:
        raise NotYet(f"✗ A {size}-pixel square is more than {HIDING_MAX_SIZE} pixels: hiding the whole cat is too "
                     "easy. Which part of the cat do the maps light up most? Hide just that.")
    scene = cat_and_dog(model_input_size(model))
    try:
        hidden = hide_square(scene, top, left, size)
    except ValueError as error:
        raise NotYet(f"✗ `square`: {error}") from None
    probabilities = predict(model, hidden)
    top_name, top_probability = top_class(probabilities)
    if not is_dog(top_name):
        raise NotYet(f"✗ With that square hidden the model's top class is {top_name!r} (p = {top_probability:.3f}), "
                     "not a dog breed. Move the square over what the cat's Grad-CAM or occlusion map lights up "
                     "most, or make it a little bigger.")
    claims = [f"a {size}-pixel grey square at (top {top}, left {left}) hides the cat: the top class is now "
              f"{top_name!r} (p = {top_probability:.3f}), a dog breed"]
    if model.name == "efficientnet_lite0":
        smallest, at_top, at_left = HIDING_SMALLEST_FOUND
        claims.append(f"the smallest square we found for this model was {smallest} pixels, at (top {at_top}, "
                      f"left {at_left})" + (": can you beat it?" if size > smallest else ": you matched or beat it"))
    return ticked(*claims)
