"""Adversarial attacks by name, on batches of labelled photos, and how often they succeed.

Every attack is lesson 03's loop with a different step and budget, run by
`lib.optimise.make_step` on a whole batch at once:

    fgsm  one signed step of the full budget (Goodfellow et al. 2014)
    pgd   many small steps from a random start, each followed by a projection
          back into the budget: L-inf or L2 (Madry et al. 2017)
    eot   PGD through random transformations of the image, so that the
          attack survives them (Athalye et al. 2018, "expectation over
          transformation")

Untargeted (the default): push the true class's probability down until
another class wins. Targeted (`targets=`): push a chosen class up. Budgets
are in levels of 255 everywhere, as on the command line: `epsilon_255=4`
means no value moves by more than 4/255 (L-inf), or the change of each
image has length at most 4/255 (L2, in [0, 1] pixel units).
"""

from __future__ import annotations

from numbers import Real
from typing import Callable, Sequence

import numpy as np
from . import quiet  # noqa: F401  (imports TensorFlow without its start-up log lines)
import keras
import tensorflow as tf

from .classes import class_id_of
from .images import check_image
from .models import check_model, model_input_size, predict_batch
from .objectives import cross_entropy
from .optimise import make_step
from .parameterisations import NORMS, PixelImage
from .transforms import Transform, as_transform

PGD_STEPS = 10
PGD_STEP_SHARE = 2.5  # each step moves 2.5 * budget / steps (Madry et al.'s rule), so the walk can cross the ball


def _labels(values: Sequence[int | str], count: int, name: str) -> list[int]:
    values = [values] if isinstance(values, (int, str, np.integer)) else list(values)
    if len(values) != count:
        raise ValueError(f"{name} must hold one class per image: {count} images, but {len(values)} {name}.")
    return [class_id_of(value.item() if isinstance(value, np.generic) else value) for value in values]


def check_budget_255(epsilon_255: float) -> float:
    """A budget in levels of 255 as a float (ValueError unless it is a number from 0 to 255)."""
    if isinstance(epsilon_255, bool) or not isinstance(epsilon_255, Real) or not 0 <= epsilon_255 <= 255:
        raise ValueError(f"epsilon_255 is a budget in levels of 255 (2 means 2/255), from 0 to 255; got {epsilon_255!r}.")
    return float(epsilon_255)


def _budget(epsilon_255: float) -> float:
    """The budget in [0, 1] pixel units."""
    return check_budget_255(epsilon_255) / 255


def _random_start(images: np.ndarray, epsilon: float, norm: str, rng: np.random.Generator) -> np.ndarray:
    """A random point of the budget's ball around each image (kept in [0, 1])."""
    if norm == "linf":
        change = rng.uniform(-epsilon, epsilon, images.shape)
    else:
        direction = rng.standard_normal(images.shape)
        direction /= np.sqrt((direction**2).sum(axis=(1, 2, 3), keepdims=True))
        change = direction * epsilon * rng.uniform(0, 1, (len(images), 1, 1, 1))
    return np.clip(images + change, 0.0, 1.0).astype(np.float32)


def pgd(model: keras.Model, images: np.ndarray, labels: Sequence[int | str], epsilon_255: float, *,
        steps: int = PGD_STEPS, step_255: float | None = None, norm: str = "linf",
        targets: Sequence[int | str] | None = None, random_start: bool = True, seed: int = 0,
        transforms: Transform | list[Transform] | None = None) -> np.ndarray:
    """Projected gradient descent on a batch: the attacked images, float32 [n, h, w, 3] in [0, 1].

    images: [n, size, size, 3] (or one image) at the model's size; labels:
        each image's true class (name or id).
    epsilon_255: the budget in levels of 255, L-inf or L2 (`norm`).
    steps, step_255: how many steps, and how far each goes (default
        2.5 * budget / steps).
    targets: None for an untargeted attack, else a class for each image.
    transforms: random transforms applied before every forward pass (EOT).
    """
    check_model(model)
    batch = check_image(images)
    size = model_input_size(model)
    if batch.shape[1:3] != (size, size):
        raise ValueError(f"{model.name} takes {size}x{size} images, got {batch.shape[2]}x{batch.shape[1]}; load them "
                         f"with lib.load_image(path, size={size}).")
    if norm not in NORMS:
        raise ValueError(f"norm must be one of {NORMS}, got {norm!r}.")
    if isinstance(steps, bool) or not isinstance(steps, int) or not 1 <= steps <= 10_000:
        raise ValueError(f"steps must be a whole number from 1 to 10000, got {steps!r}.")
    epsilon = _budget(epsilon_255)
    step = PGD_STEP_SHARE * epsilon / steps if step_255 is None else _budget(step_255)
    true = _labels(labels, len(batch), "labels")
    objective = -1.0 * cross_entropy(true) if targets is None else cross_entropy(_labels(targets, len(batch), "targets"))
    if epsilon == 0 or step == 0:
        return batch.copy()
    start = _random_start(batch, epsilon, norm, np.random.default_rng(seed)) if random_start else batch
    pixels = PixelImage(batch, epsilon, variable=tf.Variable(start), norm=norm)
    pixels.project()
    update = make_step(model, objective, pixels, method="sign" if norm == "linf" else "l2", learning_rate=step,
                       epsilon=epsilon, transforms=as_transform(transforms), seed=seed)
    made = 0
    try:
        for made in range(1, steps + 1):
            update()
    except KeyboardInterrupt:  # Ctrl-C or the notebook's stop button: keep the attack as far as it got
        print(f"Interrupted after {made - 1} of {steps} steps: returning the images as they are now.")
    return pixels.image().numpy()


def fgsm(model: keras.Model, images: np.ndarray, labels: Sequence[int | str], epsilon_255: float, *,
         targets: Sequence[int | str] | None = None) -> np.ndarray:
    """The fast gradient sign method: one signed step of the whole L-inf budget, from the photo itself."""
    return pgd(model, images, labels, epsilon_255, steps=1, step_255=epsilon_255, targets=targets, random_start=False)


def eot(model: keras.Model, images: np.ndarray, labels: Sequence[int | str], epsilon_255: float, *,
        transforms: Transform | list[Transform], steps: int = 4 * PGD_STEPS, **settings) -> np.ndarray:
    """PGD through random transforms (expectation over transformation): an attack that survives them.

    transforms: what the attack must survive, e.g. lib.transforms.camera();
    each step sees one random draw, so EOT takes more steps than plain PGD.
    """
    if transforms is None:
        raise ValueError("eot needs the transforms the attack must survive, e.g. lib.transforms.camera().")
    return pgd(model, images, labels, epsilon_255, steps=steps, transforms=transforms, **settings)


def fooled(model: keras.Model, images: np.ndarray, labels: Sequence[int | str],
           targets: Sequence[int | str] | None = None, batch_size: int = 4) -> np.ndarray:
    """For each image, whether the attack succeeded: untargeted, the top class is not the label; targeted, it is the target."""
    batch = check_image(images)
    true = np.array(_labels(labels, len(batch), "labels"))
    tops = predict_batch(model, batch, batch_size).argmax(axis=1)
    if targets is None:
        return tops != true
    return tops == np.array(_labels(targets, len(batch), "targets"))


def success_rate(models: keras.Model | Sequence[keras.Model], images: np.ndarray, labels: Sequence[int | str],
                 attack: Callable[..., np.ndarray], budgets: Sequence[float],
                 targets: Sequence[int | str] | None = None) -> dict[str, np.ndarray]:
    """The share of images each model gets wrong after `attack`, at each budget: {model name: [rate per budget]}.

    attack: called as attack(images, labels, epsilon_255) (plus targets= for
        a targeted attack) and returning the attacked images, e.g.
        `functools.partial(lib.attacks.pgd, source_model)`; the models it is
        judged on may include other networks (transfer).
    budgets: in levels of 255; 0 measures the photos untouched.
    """
    models = [models] if isinstance(models, keras.Model) else list(models)
    rates = {model.name: [] for model in models}
    for budget in budgets:
        attacked = attack(images, labels, budget) if targets is None else attack(images, labels, budget, targets=targets)
        for model in models:
            rates[model.name].append(float(fooled(model, attacked, labels, targets).mean()))
    return {name: np.array(values) for name, values in rates.items()}
