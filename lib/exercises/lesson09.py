"""Lesson 09's exercises: an attack that survives a blur, and an L2 attack as strong as FGSM but shorter."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from .. import quiet  # noqa: F401  (imports TensorFlow without its start-up log lines)
import tensorflow as tf

from ..fooling import fooled, survival
from ..transforms import blur
from .feedback import CHANGE_TOLERANCE_255, NotYet, checker, read_model, read_number, require, ticked

BLUR_PROOF_SIGMA, BLUR_PROOF_BUDGET_255, BLUR_PROOF_SHARE = 1.0, 2, 2 / 3  # exercise 1: survive a 1-pixel blur
L2_SHARE_OF_FGSM = 0.25  # exercise 2: an L2 attack whose change is at most a quarter as long as FGSM's
L2_TOLERANCE_255 = 0.05  # float rounding on top of an L2 budget used up exactly


def _images_like(value: Any, name: str, photos: np.ndarray) -> np.ndarray:
    """Check an answer that should be a batch of images shaped like `photos`; return it as float32."""
    value = require(value, name)
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


@checker
def check_blur_proof(model: tf.keras.Model, photos: np.ndarray, labels: list, blur_proof: np.ndarray) -> str:
    """Lesson 09, exercise 1: an attack within 2/255 that still fools the model on two thirds of the photos after a blur."""
    model = read_model(model)
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
    return ticked(f"every value within {largest:.2f}/255 of the photos (the budget is {BLUR_PROOF_BUDGET_255}/255)",
                  f"after the blur, the model is still fooled on {survived.sum()} of the {kept.sum()} photos that the "
                  "blur alone leaves right: a defence that only blurs is broken by an attacker who knows it")


def _l2_255(images: np.ndarray, photos: np.ndarray) -> np.ndarray:
    """Each image's change from its photo: its L2 length in levels of 255."""
    return np.sqrt(np.square(images.astype(np.float64) - photos).sum(axis=(1, 2, 3))) * 255


@checker
def check_l2_attack(model: tf.keras.Model, photos: np.ndarray, labels: list, fast: np.ndarray,
                    l2_attack: np.ndarray, l2_budget: float) -> str:
    """Lesson 09, exercise 2: an L2 attack that fools as many photos as FGSM with a change a quarter as long."""
    model = read_model(model)
    budget = read_number(l2_budget, "l2_budget")
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
    return ticked(f"every change at most {lengths.max():.0f}/255 long (L2), a quarter or less of FGSM's "
                  f"{fgsm_length:.0f}",
                  f"and it fools the model on {count} of {len(photos)} photos, FGSM on {wanted}",
                  f"its largest single change is {linf:.1f}/255, where FGSM moved every value by 2/255: an L2 budget "
                  "lets the attack spend more on the few values that matter most")
