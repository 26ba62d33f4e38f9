"""Lesson 05's exercises: the checkers of its six check cells (lessons/05_exercises.ipynb and its solutions).

    exercises.check_ideal_image(model, result, picker.value)

Each prints "✓ ..." lines for a right answer, or what is not right yet, and
returns a Verdict (see lib/exercises/feedback.py).
"""

from __future__ import annotations

import math
from numbers import Real
from typing import Mapping

import numpy as np
from .. import quiet  # noqa: F401  (imports TensorFlow without its start-up log lines)
import tensorflow as tf

from .._validate import number, whole
from ..attacks import FOOLS_NUM_STEPS, fools
from ..classes import DOG_BREEDS, class_id_of, class_name, is_dog
from ..images import resized
from ..models import model_input_size, predict
from ..objectives import total_variation_of
from ..optimise import Result
from .feedback import (CHANGE_TOLERANCE_255, GOAL_PROBABILITY, NotYet, checker, read_bool, read_class, read_image,
                       read_mapping, read_model, read_number, read_tries, require, ticked, top_class)

MAX_EPSILON_255 = 16  # a larger budget no longer leaves "the same photo" to a person
BUDGET_TOLERANCE_255 = 0.25  # how close to the smallest fooling budget an answer must be
PROBABILITY_RELATIVE_TOLERANCE, PROBABILITY_ABSOLUTE_TOLERANCE = 0.2, 0.002
MIN_DEFENCES, MIN_DEFENCE_CHANGE_255, MAX_DEFENCE_MEAN_CHANGE_255 = 2, 1.0, 25.0
MIN_TV_WEIGHTS = 3


@checker
def check_ideal_image(model: tf.keras.Model, result: Result | np.ndarray, target: int | str) -> str:
    """Exercise 1: an image (or the Result holding it) that the model calls `target` with p >= 0.9."""
    model, target_id = read_model(model), read_class(target)
    image = read_image(result, "result", model_input_size(model))
    target_name = class_name(target_id)
    if isinstance(result, Result) and result.target is not None and result.target != target_id:
        raise NotYet(f"✗ `result` was optimised for {class_name(result.target)!r}, but the target is {target_name!r}. "
                     "Optimise for the picker's class: lib.cross_entropy(picker.value).")
    probabilities = predict(model, image)
    probability, (top_name, top_probability) = float(probabilities[target_id]), top_class(probabilities)
    if (isinstance(result, Result) and result.target == target_id and not result.interrupted
            and not result.reached and probability < GOAL_PROBABILITY):  # it ran out of steps
        raise NotYet(f"✗ Your run went the right way but stopped too soon: after its {result.num_steps} steps "
                     f"p({target_name}) = {probability:.3f}, below {GOAL_PROBABILITY}. Give it more num_steps "
                     f"(e.g. 200); with stop_at=0.9, the default, it stops by itself once it gets there.")
    if top_name != target_name:
        raise NotYet(f"✗ For your image the model's top class is {top_name!r} (p = {top_probability:.3f}); "
                     f"{target_name!r} has p = {probability:.3f}. Optimise the cross-entropy of the target, "
                     "lib.cross_entropy(picker.value), starting from noise.")
    if probability < GOAL_PROBABILITY:
        raise NotYet(f"✗ {target_name!r} is the top class, but p = {probability:.3f} is below {GOAL_PROBABILITY}. "
                     "Give the run more num_steps, and leave stop_at at 0.9 (or None).")
    return ticked(f"the model is sure your image shows {target_name!r}: p = {probability:.3f} >= {GOAL_PROBABILITY}, "
                  "and it is the top class",
                  f"every pixel is in [0, 1]. Does it look like a {target_name} to you? (Lesson 04 asks why not.)")


@checker
def check_untargeted_attack(model: tf.keras.Model, original: np.ndarray, adversarial: np.ndarray | Result,
                            epsilon_255: float) -> str:
    """Exercise 2: `adversarial`, within epsilon_255/255 of the dog photo, is no dog breed for the model."""
    model = read_model(model)
    size = model_input_size(model)
    budget = read_number(epsilon_255, "epsilon_255")
    if not 0 < budget <= MAX_EPSILON_255:
        raise NotYet(f"✗ The budget epsilon_255 = {budget:g} should be above 0 and at most {MAX_EPSILON_255} "
                     "(levels of 255): with more, it would no longer be the same photo to a person.")
    original, adversarial = read_image(original, "original", size), read_image(adversarial, "adversarial", size)
    before, after = predict(model, original), predict(model, adversarial)
    dog_ids = [class_id_of(name) for name in DOG_BREEDS]
    (was_name, _), (now_name, now_probability) = top_class(before), top_class(after)
    if not is_dog(was_name):
        raise NotYet(f"✗ `original` should be the dog photo, but the model calls it {was_name!r}, not a dog. "
                     "Pass `dog`, the photo loaded above.")
    change_255 = float(np.abs(adversarial.astype(np.float64) - original).max() * 255)
    if change_255 > budget + CHANGE_TOLERANCE_255:
        raise NotYet(f"✗ Your image changes some pixel value by {change_255:.1f}/255, more than the budget of "
                     f"{budget:g}/255. Pass epsilon={budget:g}/255 to lib.optimise_image: it is in [0, 1] units, "
                     f"so {budget:g}/255, not {budget:g}.")
    if change_255 == 0:
        raise NotYet("✗ `adversarial` is the unchanged photo: put the attacked image there (result.image).")
    if now_name == was_name:
        raise NotYet(f"✗ The model still says {now_name!r} (p = {now_probability:.3f}): the attack hasn't moved it. "
                     "Minimise a loss that pushes the dog classes down (see the hint), with epsilon="
                     f"{budget:g}/255 and enough num_steps.")
    if is_dog(now_name):
        raise NotYet(f"✗ The model now says {now_name!r} (p = {now_probability:.3f}), and that is a dog too: one of "
                     f"ImageNet's {len(DOG_BREEDS)} dog breeds (exercises.DOG_BREEDS). Pushing away from one breed "
                     "lets the image slide to a neighbouring breed: push down the probability of all the breeds "
                     "at once (see the hint).")
    return ticked(f"the model now calls the dog {now_name!r} (p = {now_probability:.3f}): no dog breed",
                  f"the largest change of any pixel value is {change_255:.1f}/255, within the budget of {budget:g}/255",
                  f"all {len(DOG_BREEDS)} dog breeds together: p = {after[dog_ids].sum():.3f} "
                  f"(for the photo: {before[dog_ids].sum():.3f})")


def _fools_source(model: tf.keras.Model, adversarial: np.ndarray, target_id: int) -> float:
    probabilities = predict(model, adversarial)
    top_name, _ = top_class(probabilities)
    if top_name != class_name(target_id):
        raise NotYet(f"✗ `adversarial` should fool `model` itself, but the model calls it {top_name!r}, not "
                     f"{class_name(target_id)!r}. Run the attack cell above again.")
    return float(probabilities[target_id])


@checker
def check_transfer(model: tf.keras.Model, others: Mapping[str, tf.keras.Model], adversarial: np.ndarray,
                   target: int | str, p_target: Mapping[str, float], fooled: Mapping[str, bool]) -> str:
    """Exercise 3: p(target) and fooled-or-not on each other model for an attack made on `model`.

    others: {model name: model}; p_target, fooled: {model name: ...}, one entry per other model.
    "Fooled" means the other model's top class is the target.
    """
    model, target_id = read_model(model), read_class(target)
    others = require(others, "others")
    if not isinstance(others, Mapping) or not others:
        raise NotYet("✗ `others` should be a dict {model name: model} of at least one other model.")
    for name, other in others.items():
        if read_model(other) is model or other.name == model.name:
            raise NotYet(f"✗ others[{name!r}] is the model the attack was made on: transfer means a different model.")
    target_name = class_name(target_id)
    adversarial = read_image(adversarial, "adversarial", model_input_size(model))
    source_probability = _fools_source(model, adversarial, target_id)
    names = list(others)
    p_target = read_mapping(p_target, "p_target", names, "model name: p(target)")
    fooled = read_mapping(fooled, "fooled", names, "model name: True or False")
    claims = [f"the attack fools the model it was made on, {model.name}: p({target_name}) = {source_probability:.3f}"]
    for name, other in others.items():
        answer = read_number(p_target[name], f"p_target[{name!r}]")
        if not 0 <= answer <= 1:
            raise NotYet(f"✗ p_target[{name!r}] is {answer:.4g}, but a probability lies between 0 and 1: take it from "
                         "lib.predict (probabilities), not from the model's logits.")
        probabilities = predict(other, resized(adversarial, other))
        probability, (top_name, top_probability) = float(probabilities[target_id]), top_class(probabilities)
        if not math.isclose(answer, probability, rel_tol=PROBABILITY_RELATIVE_TOLERANCE,
                            abs_tol=PROBABILITY_ABSOLUTE_TOLERANCE):
            raise NotYet(f"✗ p_target[{name!r}] is {answer:.4g}, but {name} gives p({target_name}) = {probability:.4g} "
                         f"for `adversarial`. Resize the image to that model's size (exercises.resized(adversarial, "
                         "other)) and read the target's probability from lib.predict(other, ...), not a logit.")
        is_fooled = top_name == target_name
        if read_bool(fooled[name], f"fooled[{name!r}]") != is_fooled:
            raise NotYet(f"✗ fooled[{name!r}] is {fooled[name]}, but {name}'s top class is {top_name!r} "
                         f"(p = {top_probability:.3f}). Fooled means: its top class is {target_name!r}.")
        state = "fooled" if is_fooled else "not fooled"
        claims.append(f"{name}: top class {top_name!r}, p({target_name}) = {probability:.4f}: {state}")
    count = sum(bool(fooled[name]) for name in names)
    claims.append(f"the attack carries over to {count} of {len(names)} other models"
                  + (": an attack made for one model rarely fools another at this budget" if count == 0 else ""))
    return ticked(*claims)


@checker
def check_defence(model: tf.keras.Model, adversarial: np.ndarray, target: int | str,
                  defended: Mapping[str, np.ndarray], undone: Mapping[str, bool]) -> str:
    """Exercise 4: defended images (blur, JPEG...) and whether each undoes the attack.

    defended: {defence name: the adversarial image after it, float32 [size, size, 3] in [0, 1]}.
    undone: {defence name: True if the model's top class is no longer the target}.
    """
    model, target_id = read_model(model), read_class(target)
    size, target_name = model_input_size(model), class_name(target_id)
    adversarial = read_image(adversarial, "adversarial", size)
    _fools_source(model, adversarial, target_id)
    defended = read_tries(defended, "defended", "defence name: image", "defence(s)",
                      f"try at least {MIN_DEFENCES}, e.g. a JPEG quality and a blur radius.", MIN_DEFENCES)
    names = list(defended)
    undone = read_mapping(undone, "undone", names, "defence name: True or False")
    claims = []
    for name in names:
        image = read_image(defended[name], f"defended[{name!r}]", size)
        change_255 = np.abs(image.astype(np.float64) - adversarial) * 255
        if change_255.max() < MIN_DEFENCE_CHANGE_255:
            raise NotYet(f"✗ defended[{name!r}] is the same as `adversarial` (no value changed by 1/255 or more): "
                         "did the defence run, and did you turn its result back into floats in [0, 1]?")
        if change_255.mean() > MAX_DEFENCE_MEAN_CHANGE_255:
            raise NotYet(f"✗ defended[{name!r}] differs from `adversarial` by {change_255.mean():.0f}/255 on average: "
                         "it is no longer the same picture. A defence should change the image only a little.")
        top_name, top_probability = top_class(predict(model, image))
        is_undone = top_name != target_name
        if read_bool(undone[name], f"undone[{name!r}]") != is_undone:
            raise NotYet(f"✗ undone[{name!r}] is {undone[name]}, but after {name!r} the model's top class is "
                         f"{top_name!r} (p = {top_probability:.3f}). Undone means: the top class is no longer "
                         f"{target_name!r}.")
        state = "the attack is undone" if is_undone else "the attack survives"
        claims.append(f"{name}: the model says {top_name!r} (p = {top_probability:.3f}): {state}")
    count = sum(bool(undone[name]) for name in names)
    claims.append(f"the attack is undone by {count} of your {len(names)} defences")
    return ticked(*claims)


@checker
def check_smallest_budget(model: tf.keras.Model, image: np.ndarray, target: int | str, answer_255: float,
                          tolerance_255: float = BUDGET_TOLERANCE_255, num_steps: int = FOOLS_NUM_STEPS) -> str:
    """Exercise 5: the smallest L-inf budget (in levels of 255) with which `fools` succeeds.

    Right when `answer_255` fools the model and `answer_255 - tolerance_255` doesn't.
    tolerance_255, num_steps: the teacher's settings, not the student's answer (ValueError when out of range).
    """
    tolerance_255 = number("tolerance_255", tolerance_255, 0, MAX_EPSILON_255, low_open=True)
    num_steps = whole("num_steps", num_steps, 1)
    model, target_id = read_model(model), read_class(target)
    answer = read_number(answer_255, "smallest_255")
    image = read_image(image, "image", model_input_size(model))
    target_name = class_name(target_id)
    if not 0 < answer <= 255:
        raise NotYet(f"✗ smallest_255 = {answer:g} should be a budget above 0 (no change can't fool the model) "
                     "and at most 255, in levels of 255.")
    if fools(model, image, target_id, 0):
        raise NotYet(f"✗ The model already calls `image` {target_name!r}: choose a photo it calls something else.")
    units = (f" smallest_255 is in levels of 255 (1 means 1/255): if you meant {answer:g} in [0, 1] units, "
             f"that is {answer * 255:.3g}/255." if answer < 0.05 else "")
    if not fools(model, image, target_id, answer, num_steps):
        raise NotYet(f"✗ A budget of {answer:.3g}/255 doesn't fool the model (exercises.fools is False): the smallest "
                     "budget is larger. In your bisection, keep `high` on a budget that fools and `low` on one "
                     f"that doesn't, and answer with `high`.{units}")
    smaller = answer - tolerance_255
    if smaller > 0 and fools(model, image, target_id, smaller, num_steps):
        raise NotYet(f"✗ {answer:.3g}/255 fools the model, but so does {smaller:.3g}/255: the smallest budget is "
                     f"smaller. Halve the interval more often, until it is narrower than {tolerance_255:g}/255.")
    level = ("less than one level of 255. Careful: an 8-bit PNG can't store a change that small, so saved as a "
             "file this attack would be rounded away (lesson 03's test); it lives only in the floats"
             if answer < 1 else "a tiny change, about as large as an 8-bit file's rounding step")
    return ticked(f"a budget of {answer:.3g}/255 fools the model: its top class becomes {target_name!r}",
                  f"{max(smaller, 0):.3g}/255 doesn't: your answer is within {tolerance_255:g}/255 of the smallest "
                  "budget",
                  f"{answer:.3g}/255 is {level}")


@checker
def check_tv_weight(model: tf.keras.Model, target: int | str, results: Mapping[float, Result | np.ndarray],
                    best_weight: float) -> str:
    """Exercise 6: among the TV weights tried, the one whose image is smoothest while p(target) >= 0.9.

    results: {TV weight: the Result (or image) of lib.optimise_image with that weight}.
    """
    model, target_id = read_model(model), read_class(target)
    size, target_name = model_input_size(model), class_name(target_id)
    results = read_tries(results, "tv_results", "TV weight: Result", "run(s)",
                     f"try at least {MIN_TV_WEIGHTS} TV weights, from small to large (e.g. each 10 times the last).",
                     MIN_TV_WEIGHTS)
    weight = read_number(best_weight, "best_weight")
    measured = {}  # weight -> (p(target), TV)
    for key, value in results.items():
        if isinstance(key, bool) or not isinstance(key, Real) or not 0 <= key < math.inf:
            raise NotYet(f"✗ The keys of `tv_results` should be the TV weights, numbers 0 or more, but one is {key!r}.")
        if isinstance(value, Result) and value.target is not None and value.target != target_id:
            raise NotYet(f"✗ tv_results[{key!r}] was optimised for {class_name(value.target)!r}, not {target_name!r}.")
        if isinstance(value, Result) and value.reached:
            raise NotYet(f"✗ The run for weight {key!r} stopped after {value.num_steps} steps, as soon as p reached "
                         f"{GOAL_PROBABILITY} (stop_at's default): the TV term had no time to smooth the image, so "
                         "the weights can't be compared. Pass stop_at=None, so that every run makes all its steps.")
        image = read_image(value, f"tv_results[{key!r}]", size)
        measured[float(key)] = (float(predict(model, image)[target_id]), total_variation_of(image))
    if weight not in measured:
        raise NotYet(f"✗ best_weight = {weight:g} is not one of the weights you tried "
                     f"({', '.join(f'{w:g}' for w in measured)}).")
    table = "; ".join(f"weight {w:g}: p {p:.3f}, TV {tv:,.0f}" for w, (p, tv) in measured.items())
    sure = [w for w, (p, _) in measured.items() if p >= GOAL_PROBABILITY]
    if not sure:
        raise NotYet(f"✗ No weight you tried keeps p({target_name}) >= {GOAL_PROBABILITY} ({table}). Try smaller "
                     "weights, down to 0 (no TV at all), or more num_steps.")
    best = min(sure, key=lambda w: measured[w][1])
    (probability, tv), (best_probability, best_tv) = measured[weight], measured[best]
    if probability < GOAL_PROBABILITY:
        raise NotYet(f"✗ With weight {weight:g} the image has p({target_name}) = {probability:.3f}, below "
                     f"{GOAL_PROBABILITY}: the TV term won over the cross-entropy. The goal is the smoothest image "
                     f"that keeps p >= {GOAL_PROBABILITY} ({table}).")
    if best != weight:
        raise NotYet(f"✗ Weight {best:g} also keeps p >= {GOAL_PROBABILITY} (p = {best_probability:.3f}) and its image "
                     f"is smoother: TV {best_tv:,.0f} against {tv:,.0f} for {weight:g}. Smoothest means the smallest "
                     "total variation, exercises.total_variation_of(image).")
    claims = [f"weight {weight:g} gives the smoothest image (TV {tv:,.0f}) that keeps p({target_name}) = "
              f"{probability:.3f} >= {GOAL_PROBABILITY}", f"what you measured: {table}"]
    if len(sure) == len(measured):
        claims.append("every weight you tried kept p >= 0.9: a larger weight might be smoother still "
                      "(try one that fails, to be sure)")
    return ticked(*claims)
