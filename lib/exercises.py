"""Checkers for the exercises of lessons 05 to 09: a friendly verdict, never a bare traceback.

A check cell hands the student's answer to one checker:

    exercises.check_ideal_image(model, result, picker.value)

A right answer prints "✓ ..." lines saying what is right. A missing or wrong
answer prints what is wrong and what to look at, and never raises: Run All
goes on past an exercise that is not done yet. Inside, each checker raises
`NotYet`; `check_x.__wrapped__` is that strict form, for tests. `fools` is
the definition of "an attack within this budget fools the model" that
exercise 5 and its checker share.
"""

from __future__ import annotations

import functools
import math
from numbers import Real
from typing import Any, Mapping

import numpy as np
from . import quiet  # noqa: F401  (imports TensorFlow without its start-up log lines)
import tensorflow as tf

from .attacks import AttackResult, attack, check_budget_255
from .attribution import DeletionCurve, hide_square
from .classes import class_id_of, class_name, class_names
from .images import data_path, load_image, resize_and_crop, side_by_side
from .names import ATTRIBUTION_METHODS
from .models import predict
from .objectives import total_variation
from .optimise import Result, model_input_size

GOAL_PROBABILITY = 0.9  # "the model is sure", as in the lessons
FIRST_DOG, LAST_DOG = "Chihuahua", "Mexican hairless"  # ImageNet's dog breeds run from the one to the other
MAX_EPSILON_255 = 16  # a larger budget no longer leaves "the same photo" to a person
CHANGE_TOLERANCE_255 = 0.01  # float rounding on top of a budget used up exactly
FOOLS_NUM_STEPS = 10
FOOLS_STEP_SHARE = 0.25  # Adam's learning rate as a share of the budget: the budget's edge in about 4 steps
FOOLS_STOP_AT = 0.5  # above 0.5 the target is surely the top class: no need to go on
BUDGET_TOLERANCE_255 = 0.25  # how close to the smallest fooling budget an answer must be
PROBABILITY_RELATIVE_TOLERANCE, PROBABILITY_ABSOLUTE_TOLERANCE = 0.2, 0.002
MIN_DEFENCES, MIN_DEFENCE_CHANGE_255, MAX_DEFENCE_MEAN_CHANGE_255 = 2, 1.0, 25.0
MIN_TV_WEIGHTS = 3

DOG_BREEDS: tuple[str, ...] = class_names()[class_id_of(FIRST_DOG) : class_id_of(LAST_DOG) + 1]


class NotYet(Exception):
    """An exercise's answer is missing or not right yet; the message says what to look at.

    Not an AssertionError: it is feedback for a student, not a failed test.
    """

    def _render_traceback_(self) -> list[str]:
        """What Jupyter shows instead of a traceback: just the message."""
        return [str(self)]


# --- tools the exercises use ---------------------------------------------------------------

def is_dog(target: int | str) -> bool:
    """Whether a class (name or id) is one of ImageNet's 118 dog breeds."""
    return class_name(class_id_of(target)) in DOG_BREEDS


def resized(image: np.ndarray, model: tf.keras.Model) -> np.ndarray:
    """The image at the model's input size (bicubic), float32 [size, size, 3] in [0, 1]."""
    size = model_input_size(model)
    image = np.asarray(image, dtype=np.float32)
    return image if image.shape[:2] == (size, size) else resize_and_crop(image, size)


def total_variation_of(image: np.ndarray) -> float:
    """Total variation of one image float32 [height, width, 3] in [0, 1]: small = smooth."""
    return float(total_variation()(None, tf.constant(np.asarray(image, dtype=np.float32)[None])))


def fools_attack(model: tf.keras.Model, image: np.ndarray, target: int | str, epsilon_255: float,
                 num_steps: int = FOOLS_NUM_STEPS) -> AttackResult:
    """`fools`' fixed attack on one image: lib.attack with Adam (lesson 03's loop), targeted, within the budget."""
    epsilon_255 = check_budget_255(epsilon_255)
    own = int(predict(model, image).argmax())  # the photo's class, as the model sees it
    return attack(model, image, [own], "adam", epsilon_255, targets=[target], steps=num_steps,
                  step_255=FOOLS_STEP_SHARE * epsilon_255, stop_at=FOOLS_STOP_AT)


def fools(model: tf.keras.Model, image: np.ndarray, target: int | str, epsilon_255: float,
          num_steps: int = FOOLS_NUM_STEPS) -> bool:
    """Whether a fixed, short attack within an L-inf budget makes `target` the model's top class.

    The attack: `lib.attack(..., method="adam")`, lesson 03's loop, on the
    cross-entropy of `target` within epsilon_255/255, each step's learning
    rate a quarter of the budget, at most `num_steps` steps (it stops once
    p(target) >= 0.5). image: float32 [size, size, 3] in [0, 1].
    epsilon_255: the budget in levels of 255 (2 means 2/255).
    """
    return bool(fools_attack(model, image, target, epsilon_255, num_steps).success[0])


# --- checking answers -------------------------------------------------------------------------

def _not_done(name: str) -> NotYet:
    return NotYet(f"Not done yet: fill in `{name}` in the cell above (open the hint to see how to start), "
                  "then run this cell again.")


def _friendly(check):
    """A check cell's function: it prints the verdict, a ✓ or what is not right yet, and never raises."""

    @functools.wraps(check)
    def friendly(*args, **kwargs) -> None:
        try:
            check(*args, **kwargs)
        except NotYet as feedback:
            print(feedback)

    return friendly


def _require(value: Any, name: str) -> Any:
    """The answer itself, or NotYet if it is still None or `...`."""
    if value is None or value is Ellipsis:
        raise _not_done(name)
    return value


def _model(model: Any) -> tf.keras.Model:
    if not isinstance(model, tf.keras.Model):
        raise NotYet(f"✗ `model` should be the classifier from lib.load_model(), but it is a {type(model).__name__}. "
                     "Run the model cell at the top again.")
    return model


def _class_id(target: Any, name: str = "target") -> int:
    try:
        return class_id_of(target)
    except ValueError as error:
        raise NotYet(f"✗ `{name}`: {error}") from None


def _number(value: Any, name: str) -> float:
    value = _require(value, name)
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, Real) or not math.isfinite(value):
        raise NotYet(f"✗ `{name}` should be a number, but it is {value!r} ({type(value).__name__}).")
    return float(value)


def _image(value: Any, name: str, size: int | None = None) -> np.ndarray:
    """Check an answer that should be one image and return it as float32 [height, width, 3] in [0, 1]."""
    value = _require(value, name)
    value = value.image if isinstance(value, Result) else value
    value = value.numpy() if isinstance(value, tf.Tensor) else value
    if hasattr(value, "getpixel"):  # a PIL image
        raise NotYet(f"✗ `{name}` is a PIL image; turn it into floats in [0, 1] with "
                     "`np.asarray(picture, dtype=np.float32) / 255`.")
    array = np.asarray(value) if isinstance(value, (np.ndarray, list, tuple)) else None
    if array is None or array.dtype == object or not np.issubdtype(array.dtype, np.number):
        raise NotYet(f"✗ `{name}` should be an image, a numpy array (height, width, 3) of floats in [0, 1], "
                     f"but it is a {type(value).__name__}.")
    array = array[0] if array.ndim == 4 and array.shape[0] == 1 else array
    if array.ndim != 3 or array.shape[-1] != 3:
        raise NotYet(f"✗ `{name}` should be one RGB image of shape (height, width, 3), but its shape is {array.shape}.")
    if size is not None and array.shape[:2] != (size, size):
        raise NotYet(f"✗ `{name}` is {array.shape[1]}x{array.shape[0]} pixels, but the model takes {size}x{size}: "
                     f"load or resize it at size {size} (lib.load_image(path, size=size)).")
    if not np.issubdtype(array.dtype, np.floating):
        raise NotYet(f"✗ `{name}` holds {array.dtype} values (8-bit pixels 0..255?), but seecat's images are floats "
                     "in [0, 1]: convert with `image.astype(np.float32) / 255`.")
    if not np.all(np.isfinite(array)):
        raise NotYet(f"✗ `{name}` contains NaN or infinite values: look at how it was computed.")
    if array.max() > 2:
        raise NotYet(f"✗ `{name}` has values up to {array.max():.0f}: that looks like 0..255 pixels, but seecat's "
                     "images are in [0, 1]. Divide by 255.")
    if array.min() < 0 or array.max() > 1:
        raise NotYet(f"✗ `{name}` has values from {array.min():.3f} to {array.max():.3f}, outside [0, 1]: a real "
                     "image can't hold them. Keep pixels in range, e.g. np.clip(image, 0, 1).")
    return array.astype(np.float32)


def _mapping(value: Any, name: str, keys: list, what: str) -> Mapping:
    """Check an answer that should be a dict with exactly the given keys."""
    value = _require(value, name)
    if not isinstance(value, Mapping):
        raise NotYet(f"✗ `{name}` should be a dict {{{what}}}, but it is a {type(value).__name__}.")
    missing, extra = [k for k in keys if k not in value], [k for k in value if k not in keys]
    if missing:
        raise NotYet(f"✗ `{name}` has no entry for {', '.join(map(repr, missing))}: give one for each of "
                     f"{', '.join(map(repr, keys))}.")
    if extra:
        raise NotYet(f"✗ `{name}` has entries for {', '.join(map(repr, extra))}, which are not among "
                     f"{', '.join(map(repr, keys))}.")
    return value


def _bool(value: Any, name: str) -> bool:
    if not isinstance(value, (bool, np.bool_)):
        raise NotYet(f"✗ `{name}` should be True or False, but it is {value!r} ({type(value).__name__}).")
    return bool(value)


def _top(probabilities: np.ndarray) -> tuple[str, float]:
    top = int(np.argmax(probabilities))
    return class_name(top), float(probabilities[top])


def _tries(value: Any, name: str, what: str, unit: str, advice: str, minimum: int) -> Mapping:
    """A dict of the student's tries (defences, TV runs...), filled in and holding at least `minimum` of them."""
    value = _require(value, name)
    if not isinstance(value, Mapping):
        raise NotYet(f"✗ `{name}` should be a dict {{{what}}}, but it is a {type(value).__name__}.")
    if len(value) < minimum:
        raise NotYet(f"✗ `{name}` holds {len(value)} {unit}: {advice}")
    return value


def _verdict(*claims: str) -> None:
    print("\n".join(f"✓ {claim}" for claim in claims))


@_friendly
def check_ideal_image(model: tf.keras.Model, result: Result | np.ndarray, target: int | str) -> None:
    """Exercise 1: an image (or the Result holding it) that the model calls `target` with p >= 0.9."""
    model, target_id = _model(model), _class_id(target)
    image = _image(result, "result", model_input_size(model))
    target_name = class_name(target_id)
    if isinstance(result, Result) and result.target is not None and result.target != target_id:
        raise NotYet(f"✗ `result` was optimised for {class_name(result.target)!r}, but the target is {target_name!r}. "
                     "Optimise for the picker's class: lib.cross_entropy(picker.value).")
    probabilities = predict(model, image)
    probability, (top_name, top_probability) = float(probabilities[target_id]), _top(probabilities)
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
    _verdict(f"the model is sure your image shows {target_name!r}: p = {probability:.3f} >= {GOAL_PROBABILITY}, "
             "and it is the top class",
             f"every pixel is in [0, 1]. Does it look like a {target_name} to you? (Lesson 04 asks why not.)")


@_friendly
def check_untargeted_attack(model: tf.keras.Model, original: np.ndarray, adversarial: np.ndarray | Result,
                            epsilon_255: float) -> None:
    """Exercise 2: `adversarial`, within epsilon_255/255 of the dog photo, is no dog breed for the model."""
    model = _model(model)
    size = model_input_size(model)
    budget = _number(epsilon_255, "epsilon_255")
    if not 0 < budget <= MAX_EPSILON_255:
        raise NotYet(f"✗ The budget epsilon_255 = {budget:g} should be above 0 and at most {MAX_EPSILON_255} "
                     "(levels of 255): with more, it would no longer be the same photo to a person.")
    original, adversarial = _image(original, "original", size), _image(adversarial, "adversarial", size)
    before, after = predict(model, original), predict(model, adversarial)
    dog_ids = [class_id_of(name) for name in DOG_BREEDS]
    (was_name, _), (now_name, now_probability) = _top(before), _top(after)
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
    _verdict(f"the model now calls the dog {now_name!r} (p = {now_probability:.3f}): no dog breed",
             f"the largest change of any pixel value is {change_255:.1f}/255, within the budget of {budget:g}/255",
             f"all {len(DOG_BREEDS)} dog breeds together: p = {after[dog_ids].sum():.3f} "
             f"(for the photo: {before[dog_ids].sum():.3f})")


def _fools_source(model: tf.keras.Model, adversarial: np.ndarray, target_id: int) -> float:
    probabilities = predict(model, adversarial)
    top_name, _ = _top(probabilities)
    if top_name != class_name(target_id):
        raise NotYet(f"✗ `adversarial` should fool `model` itself, but the model calls it {top_name!r}, not "
                     f"{class_name(target_id)!r}. Run the attack cell above again.")
    return float(probabilities[target_id])


@_friendly
def check_transfer(model: tf.keras.Model, others: Mapping[str, tf.keras.Model], adversarial: np.ndarray,
                   target: int | str, p_target: Mapping[str, float], fooled: Mapping[str, bool]) -> None:
    """Exercise 3: p(target) and fooled-or-not on each other model for an attack made on `model`.

    others: {model name: model}; p_target, fooled: {model name: ...}, one entry per other model.
    "Fooled" means the other model's top class is the target.
    """
    model, target_id = _model(model), _class_id(target)
    others = _require(others, "others")
    if not isinstance(others, Mapping) or not others:
        raise NotYet("✗ `others` should be a dict {model name: model} of at least one other model.")
    for name, other in others.items():
        if _model(other) is model or other.name == model.name:
            raise NotYet(f"✗ others[{name!r}] is the model the attack was made on: transfer means a different model.")
    target_name = class_name(target_id)
    adversarial = _image(adversarial, "adversarial", model_input_size(model))
    source_probability = _fools_source(model, adversarial, target_id)
    names = list(others)
    p_target = _mapping(p_target, "p_target", names, "model name: p(target)")
    fooled = _mapping(fooled, "fooled", names, "model name: True or False")
    claims = [f"the attack fools the model it was made on, {model.name}: p({target_name}) = {source_probability:.3f}"]
    for name, other in others.items():
        answer = _number(p_target[name], f"p_target[{name!r}]")
        if not 0 <= answer <= 1:
            raise NotYet(f"✗ p_target[{name!r}] is {answer:.4g}, but a probability lies between 0 and 1: take it from "
                         "lib.predict (probabilities), not from the model's logits.")
        probabilities = predict(other, resized(adversarial, other))
        probability, (top_name, top_probability) = float(probabilities[target_id]), _top(probabilities)
        if not math.isclose(answer, probability, rel_tol=PROBABILITY_RELATIVE_TOLERANCE,
                            abs_tol=PROBABILITY_ABSOLUTE_TOLERANCE):
            raise NotYet(f"✗ p_target[{name!r}] is {answer:.4g}, but {name} gives p({target_name}) = {probability:.4g} "
                         f"for `adversarial`. Resize the image to that model's size (exercises.resized(adversarial, "
                         "other)) and read the target's probability from lib.predict(other, ...), not a logit.")
        is_fooled = top_name == target_name
        if _bool(fooled[name], f"fooled[{name!r}]") != is_fooled:
            raise NotYet(f"✗ fooled[{name!r}] is {fooled[name]}, but {name}'s top class is {top_name!r} "
                         f"(p = {top_probability:.3f}). Fooled means: its top class is {target_name!r}.")
        state = "fooled" if is_fooled else "not fooled"
        claims.append(f"{name}: top class {top_name!r}, p({target_name}) = {probability:.4f}: {state}")
    count = sum(bool(fooled[name]) for name in names)
    claims.append(f"the attack carries over to {count} of {len(names)} other models"
                  + (": an attack made for one model rarely fools another at this budget" if count == 0 else ""))
    _verdict(*claims)


@_friendly
def check_defence(model: tf.keras.Model, adversarial: np.ndarray, target: int | str,
                  defended: Mapping[str, np.ndarray], undone: Mapping[str, bool]) -> None:
    """Exercise 4: defended images (blur, JPEG...) and whether each undoes the attack.

    defended: {defence name: the adversarial image after it, float32 [size, size, 3] in [0, 1]}.
    undone: {defence name: True if the model's top class is no longer the target}.
    """
    model, target_id = _model(model), _class_id(target)
    size, target_name = model_input_size(model), class_name(target_id)
    adversarial = _image(adversarial, "adversarial", size)
    _fools_source(model, adversarial, target_id)
    defended = _tries(defended, "defended", "defence name: image", "defence(s)",
                      f"try at least {MIN_DEFENCES}, e.g. a JPEG quality and a blur radius.", MIN_DEFENCES)
    names = list(defended)
    undone = _mapping(undone, "undone", names, "defence name: True or False")
    claims = []
    for name in names:
        image = _image(defended[name], f"defended[{name!r}]", size)
        change_255 = np.abs(image.astype(np.float64) - adversarial) * 255
        if change_255.max() < MIN_DEFENCE_CHANGE_255:
            raise NotYet(f"✗ defended[{name!r}] is the same as `adversarial` (no value changed by 1/255 or more): "
                         "did the defence run, and did you turn its result back into floats in [0, 1]?")
        if change_255.mean() > MAX_DEFENCE_MEAN_CHANGE_255:
            raise NotYet(f"✗ defended[{name!r}] differs from `adversarial` by {change_255.mean():.0f}/255 on average: "
                         "it is no longer the same picture. A defence should change the image only a little.")
        top_name, top_probability = _top(predict(model, image))
        is_undone = top_name != target_name
        if _bool(undone[name], f"undone[{name!r}]") != is_undone:
            raise NotYet(f"✗ undone[{name!r}] is {undone[name]}, but after {name!r} the model's top class is "
                         f"{top_name!r} (p = {top_probability:.3f}). Undone means: the top class is no longer "
                         f"{target_name!r}.")
        state = "the attack is undone" if is_undone else "the attack survives"
        claims.append(f"{name}: the model says {top_name!r} (p = {top_probability:.3f}): {state}")
    count = sum(bool(undone[name]) for name in names)
    claims.append(f"the attack is undone by {count} of your {len(names)} defences")
    _verdict(*claims)


@_friendly
def check_smallest_budget(model: tf.keras.Model, image: np.ndarray, target: int | str, answer_255: float,
                          tolerance_255: float = BUDGET_TOLERANCE_255, num_steps: int = FOOLS_NUM_STEPS) -> None:
    """Exercise 5: the smallest L-inf budget (in levels of 255) with which `fools` succeeds.

    Right when `answer_255` fools the model and `answer_255 - tolerance_255` doesn't.
    """
    model, target_id = _model(model), _class_id(target)
    answer = _number(answer_255, "smallest_255")
    image = _image(image, "image", model_input_size(model))
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
    _verdict(f"a budget of {answer:.3g}/255 fools the model: its top class becomes {target_name!r}",
             f"{max(smaller, 0):.3g}/255 doesn't: your answer is within {tolerance_255:g}/255 of the smallest budget",
             f"{answer:.3g}/255 is {level}")


@_friendly
def check_tv_weight(model: tf.keras.Model, target: int | str, results: Mapping[float, Result | np.ndarray],
                    best_weight: float) -> None:
    """Exercise 6: among the TV weights tried, the one whose image is smoothest while p(target) >= 0.9.

    results: {TV weight: the Result (or image) of lib.optimise_image with that weight}.
    """
    model, target_id = _model(model), _class_id(target)
    size, target_name = model_input_size(model), class_name(target_id)
    results = _tries(results, "tv_results", "TV weight: Result", "run(s)",
                     f"try at least {MIN_TV_WEIGHTS} TV weights, from small to large (e.g. each 10 times the last).",
                     MIN_TV_WEIGHTS)
    weight = _number(best_weight, "best_weight")
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
        image = _image(value, f"tv_results[{key!r}]", size)
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
    _verdict(*claims)


# --- lesson 07 ----------------------------------------------------------------------------------

HIDING_MAX_SIZE = 80  # pixels: less than the 112-pixel photo of the cat in the 224-pixel scene
HIDING_SMALLEST_FOUND = (64, 60, 24)  # size, top, left: the smallest square we found for Lite0 (4-pixel search grid)


def cat_and_dog(size: int) -> np.ndarray:
    """Lesson 07's scene: the cat photo (left) and the dog photo (right), side by side on grey, size x size."""
    cat, dog = (load_image(data_path(name), size=size) for name in ("cat.png", "dog.png"))
    return side_by_side(cat, dog, size)


@_friendly
def check_most_faithful(curves: Mapping[str, DeletionCurve | list[DeletionCurve]], answer: str) -> None:
    """Lesson 07, exercise 1: a deletion curve per method (and "random": one, or a list of several random orders),
    and the method whose curve falls fastest."""
    curves = _mapping(curves, "coffee_curves", [*ATTRIBUTION_METHODS, "random"], "method: lib.deletion_curve(...)")
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
    answer = _require(answer, "answer")
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
    _verdict(f"{best}'s map is the most faithful of the five on this photo: area {areas[best]:.3f} ({table})",
             f"it {versus} removing pixels in random order ({orders} {random_area:.3f})")


@_friendly
def check_hiding_square(model: tf.keras.Model, square: tuple[int, int, int]) -> None:
    """Lesson 07, exercise 2: a grey square of at most 80 pixels that makes the scene's top class a dog breed."""
    model = _model(model)
    square = _require(square, "square")
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
    top_name, top_probability = _top(probabilities)
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
    _verdict(*claims)



# --- lesson 08 ----------------------------------------------------------------------------------

VISUALISATION_FACTOR = 2.0  # a channel's visualisation must excite it at least this many times more than the photo
NEURON_FACTOR = 2.0  # a neuron's visualisation: the centre at least this many times the mean of the other positions


def _channel_index(value: Any, name: str, count: int) -> int:
    value = _require(value, name)
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)) or not 0 <= value < count:
        raise NotYet(f"✗ `{name}` should be a channel's number, a whole number from 0 to {count - 1}; got {value!r}.")
    return int(value)


@_friendly
def check_favourite_channel(model: tf.keras.Model, dog: np.ndarray, layer: str, dog_channel: int,
                            dog_visualisation: Result | np.ndarray) -> None:
    """Lesson 08, exercise 1: the channel of `layer` the dog photo excites most, and an image that excites it far more."""
    from .layers import activations, channel_count

    model = _model(model)
    count = channel_count(model, layer)
    index = _channel_index(dog_channel, "dog_channel", count)
    means = activations(model, dog, layer).mean(axis=(0, 1))
    favourite = int(np.argmax(means))
    if index != favourite:
        raise NotYet(f"✗ Channel {index} has mean activation {means[index]:.2f} on the dog photo, but channel "
                     f"{favourite} has {means[favourite]:.2f}. Average lib.activations(model, dog, "
                     f"{layer!r}) over the positions (axis=(0, 1)) and take the largest.")
    image = _image(dog_visualisation, "dog_visualisation", model_input_size(model))
    reached = float(activations(model, image, layer)[..., index].mean())
    if reached < VISUALISATION_FACTOR * means[index]:
        raise NotYet(f"✗ Your image excites channel {index} with mean activation {reached:.2f}, not yet "
                     f"{VISUALISATION_FACTOR:g} times the dog photo's {means[index]:.2f}. Make it with "
                     f"lib.ideal_image(model, lib.channel({layer!r}, dog_channel), \"fourier\").")
    _verdict(f"channel {index} of {layer} is the dog photo's favourite (mean activation {means[index]:.2f})",
             f"your image excites it {reached / means[index]:.1f} times as much ({reached:.2f}). Does it look like "
             "part of a dog to you? Compare with its top patches (lib.top_patches).")


@_friendly
def check_neuron_image(model: tf.keras.Model, layer: str, index: int, neuron_image: Result | np.ndarray) -> None:
    """Lesson 08, exercise 2: a neuron's image, whose feature is in the middle: the centre far above the rest."""
    from .layers import activations, channel_count

    model = _model(model)
    try:
        count = channel_count(model, layer)
    except ValueError as error:
        raise NotYet(f"✗ `layer`: {error}") from None
    index = _channel_index(index, "index", count)
    image = _image(neuron_image, "neuron_image", model_input_size(model))
    values = activations(model, image, layer)[..., index]
    row, column = values.shape[0] // 2, values.shape[1] // 2
    centre, others = float(values[row, column]), float((values.sum() - values[row, column]) / (values.size - 1))
    if centre <= 0 or centre < NEURON_FACTOR * max(others, 1e-6):
        raise NotYet(f"✗ At the centre of your image channel {index} of {layer} reaches {centre:.2f}, against "
                     f"{others:.2f} on average elsewhere: not yet {NEURON_FACTOR:g} times as much. Use "
                     f"lib.neuron({layer!r}, {index}) as the objective, not lib.channel.")
    _verdict(f"the feature sits in the middle: channel {index} of {layer} reaches {centre:.2f} at the centre, "
             f"{centre / max(others, 1e-6):.1f} times its mean elsewhere ({others:.2f})",
             "a neuron sees only its own patch of the image: the rest is free, and the picture shows one "
             "instance of the feature instead of a texture of them")


# --- lesson 09 ----------------------------------------------------------------------------------

BLUR_PROOF_SIGMA, BLUR_PROOF_BUDGET_255, BLUR_PROOF_SHARE = 1.0, 2, 2 / 3  # exercise 1: survive a 1-pixel blur
L2_SHARE_OF_FGSM = 0.25  # exercise 2: an L2 attack whose change is at most a quarter as long as FGSM's
L2_TOLERANCE_255 = 0.05  # float rounding on top of an L2 budget used up exactly


def _images_like(value: Any, name: str, photos: np.ndarray) -> np.ndarray:
    """Check an answer that should be a batch of images shaped like `photos`; return it as float32."""
    value = _require(value, name)
    value = value.numpy() if isinstance(value, tf.Tensor) else value
    array = np.asarray(value) if isinstance(value, (np.ndarray, list, tuple)) else None
    if array is None or array.dtype == object or not np.issubdtype(array.dtype, np.floating):
        raise NotYet(f"✗ `{name}` should be a batch of images, a numpy array of floats in [0, 1] like the attacks "
                     f"return, but it is {type(value).__name__}{'' if array is None else f' of {array.dtype}'}.")
    if array.shape != photos.shape:
        raise NotYet(f"✗ `{name}` has shape {array.shape}, but the photos it attacks have shape {photos.shape}: "
                     "one attacked image for each photo, at the same size.")
    if not np.all(np.isfinite(array)) or array.min() < 0 or array.max() > 1:
        raise NotYet(f"✗ `{name}` has values outside [0, 1] (or NaN): an attack returns images in [0, 1].")
    return array.astype(np.float32)


def _within(images: np.ndarray, photos: np.ndarray, budget_255: float, name: str) -> float:
    """The largest change in levels of 255; NotYet if it is over the budget."""
    largest = float(np.abs(images.astype(np.float64) - photos).max() * 255)
    if largest > budget_255 + CHANGE_TOLERANCE_255:
        raise NotYet(f"✗ `{name}` changes a value by {largest:.2f}/255, more than the budget of {budget_255}/255: "
                     f"pass {budget_255} as the attack's budget, and attack the photos the exercise names.")
    return largest


@_friendly
def check_blur_proof(model: tf.keras.Model, photos: np.ndarray, labels: list, blur_proof: np.ndarray) -> None:
    """Lesson 09, exercise 1: an attack within 2/255 that still fools the model on two thirds of the photos after a blur."""
    from .attacks import survival
    from .transforms import blur

    model = _model(model)
    images = _images_like(blur_proof, "blur_proof", photos)
    largest = _within(images, photos, BLUR_PROOF_BUDGET_255, "blur_proof")
    defence = blur(BLUR_PROOF_SIGMA)
    kept = survival(model, photos, labels, defence) == 0  # photos the blur alone leaves right: only those count
    survived = (survival(model, images, labels, defence) > 0) & kept
    needed = math.ceil(BLUR_PROOF_SHARE * kept.sum())
    if survived.sum() < needed:
        raise NotYet(f"✗ After a blur of {BLUR_PROOF_SIGMA:g} pixel your images fool the model on {survived.sum()} of "
                     f"the {kept.sum()} photos that the blur alone leaves right; at least {needed} are needed. Make "
                     f"every step of the attack through the blur (lib.attack(..., method=\"eot\", "
                     f"then=transforms.blur({BLUR_PROOF_SIGMA:g}))), with more steps if needed.")
    _verdict(f"every value within {largest:.2f}/255 of the photos (the budget is {BLUR_PROOF_BUDGET_255}/255)",
             f"after the blur, the model is still fooled on {survived.sum()} of the {kept.sum()} photos that the blur "
             "alone leaves right: a defence that only blurs is broken by an attacker who knows it")


def _l2_255(images: np.ndarray, photos: np.ndarray) -> np.ndarray:
    """Each image's change from its photo: its L2 length in levels of 255."""
    return np.sqrt(np.square(images.astype(np.float64) - photos).sum(axis=(1, 2, 3))) * 255


@_friendly
def check_l2_attack(model: tf.keras.Model, photos: np.ndarray, labels: list, fast: np.ndarray,
                    l2_attack: np.ndarray, l2_budget: float) -> None:
    """Lesson 09, exercise 2: an L2 attack that fools as many photos as FGSM with a change a quarter as long."""
    from .attacks import fooled

    model = _model(model)
    budget = _number(l2_budget, "l2_budget")
    if not 0 < budget <= 255:
        raise NotYet(f"✗ `l2_budget` is an L2 length in levels of 255, from 0 to 255; got {budget:g}.")
    images = _images_like(l2_attack, "l2_attack", photos)
    lengths = _l2_255(images, photos)
    if lengths.max() > budget + L2_TOLERANCE_255:
        raise NotYet(f"✗ One of your images changed by an L2 length of {lengths.max():.1f}/255, more than "
                     f"`l2_budget` = {budget:g}: make it with lib.pgd(model, photos, labels, l2_budget, norm=\"l2\").")
    fgsm_length = float(np.median(_l2_255(_images_like(fast, "fast", photos), photos)))
    allowed = L2_SHARE_OF_FGSM * fgsm_length
    if lengths.max() > allowed:
        raise NotYet(f"✗ Your longest change is {lengths.max():.0f}/255 (L2), more than a quarter of FGSM's "
                     f"({fgsm_length:.0f}/255, so at most {allowed:.0f}): try a smaller `l2_budget`.")
    wanted, count = int(fooled(model, fast, labels).sum()), int(fooled(model, images, labels).sum())
    if count < wanted:
        raise NotYet(f"✗ Your L2 attack fools the model on {count} of {len(photos)} photos, FGSM at 2/255 on {wanted}: "
                     f"try a larger `l2_budget` (up to {allowed:.0f}).")
    linf = float(np.abs(images - photos).max() * 255)
    _verdict(f"every change at most {lengths.max():.0f}/255 long (L2), a quarter or less of FGSM's {fgsm_length:.0f}",
             f"and it fools the model on {count} of {len(photos)} photos, FGSM on {wanted}",
             f"its largest single change is {linf:.1f}/255, where FGSM moved every value by 2/255: an L2 budget "
             "lets the attack spend more on the few values that matter most")
