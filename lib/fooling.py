"""Whether images fool a model: the one verdict that every attack, lesson and exercise uses.

Untargeted, an image fools the model when its top class is neither its
label nor one of the label's near neighbours (an Egyptian cat called a
tiger cat is not fooled); targeted, when its top class is the target.
`survival` asks the same after random draws of what happens to an image on
its way (a camera shot, a JPEG), drawn from a stream an attack never saw;
`success_rate` after an attack at several budgets, on several models.
"""

from __future__ import annotations

from typing import Callable, Sequence

import numpy as np
from . import quiet  # noqa: F401  (imports TensorFlow without its start-up log lines)
import keras
import tensorflow as tf

from ._validate import whole
from .classes import class_id_of, same_or_near
from .images import check_image
from .models import predict_batch
from .seeds import seed_or_default
from .transforms import Transform, as_transform, resize_to

SURVIVAL_BATCH = 16  # shots judged in one forward pass (at 64, lesson 09's kernel peaked 0.3 GB higher)


def _labels(values: Sequence[int | str], count: int, name: str) -> list[int]:
    values = [values] if isinstance(values, (int, str, np.integer)) else list(values)
    if len(values) != count:
        raise ValueError(f"{name} must hold one class per image: {count} images, but {len(values)} {name}.")
    return [class_id_of(value.item() if isinstance(value, np.generic) else value) for value in values]


def _succeeded(top: int, label: int, target: int | None) -> bool:
    """Whether a top class means the attack succeeded (the rule of `fooled`)."""
    return not same_or_near(top, label) if target is None else top == target


def _successes(tops: Sequence[int], labels: Sequence[int], targets: Sequence[int] | None) -> np.ndarray:
    """bool [n]: `_succeeded` for each image's top class, label and target (targets None: untargeted)."""
    wanted = [None] * len(labels) if targets is None else targets
    return np.array([_succeeded(int(top), label, target) for top, label, target in zip(tops, labels, wanted)], dtype=bool)


def fooled(model: keras.Model, images: np.ndarray, labels: Sequence[int | str],
           targets: Sequence[int | str] | None = None, batch_size: int = 4) -> np.ndarray:
    """For each image, whether the attack succeeded: bool [n].

    Untargeted: the top class is neither the label nor one of its near
    neighbours (lib.classes.near_neighbours: an Egyptian cat called a tiger
    cat, or a lemon called an orange, is not fooled). Targeted: the top
    class is the target.
    """
    batch = check_image(images)
    true = _labels(labels, len(batch), "labels")
    tops = predict_batch(model, batch, batch_size).argmax(axis=1)
    return _successes(tops, true, None if targets is None else _labels(targets, len(batch), "targets"))


def fooled_count(model: keras.Model, images: np.ndarray, labels: Sequence[int | str], among: np.ndarray | None = None,
                 targets: Sequence[int | str] | None = None) -> tuple[int, int]:
    """(how many of the attacked images fool the model, how many were tried), as `fooled` judges.

    among: bool [n], which images to try (None: all). For transfer, the
        photos that both the attack's network and the judged one name right:
        an attack on a photo the judge already gets wrong proves nothing.
    """
    batch = check_image(images)
    tried = np.ones(len(batch), bool) if among is None else np.asarray(among, dtype=bool)
    if tried.shape != (len(batch),):
        raise ValueError(f"among must hold one True or False per image: {len(batch)} images, got shape {tried.shape}.")
    if not tried.any():
        return 0, 0
    chosen = [label for label, keep in zip(_labels(labels, len(batch), "labels"), tried) if keep]
    wanted = None if targets is None else [t for t, keep in zip(_labels(targets, len(batch), "targets"), tried) if keep]
    return int(fooled(model, batch[tried], chosen, wanted).sum()), int(tried.sum())


def fresh_generator(seed: int | None = None) -> tf.random.Generator:
    """A generator for judging random transforms: a stream split off `seed`'s, so that its draws are never those an
    attack made with the same seed trained on (None: the run's seed)."""
    return tf.random.Generator.from_seed(seed_or_default(seed)).split(1)[0]


def transformed(images: np.ndarray, transform: Transform | list[Transform], seed: int | None = None, *,
                generator: tf.random.Generator | None = None) -> np.ndarray:
    """The images after one random draw of `transform` (each image its own), at their own size: float32 [n, h, w, 3].

    transform: a defence (lib.transforms.jpeg(75), blur(1.0)) or what a
        camera does (lib.transforms.camera()); `seed` picks the draws (None:
        the run's seed), or `generator` goes on drawing from its stream.
    """
    batch = check_image(images)
    transform = as_transform(transform)
    if transform is None:
        raise ValueError("transform is missing: pass one from lib.transforms, e.g. lib.transforms.jpeg(75).")
    generator = tf.random.Generator.from_seed(seed_or_default(seed)) if generator is None else generator
    changed = transform(tf.constant(batch), generator)
    return np.clip(resize_to(changed, batch.shape[1]).numpy() if changed.shape[1:3] != batch.shape[1:3]
                   else changed.numpy(), 0.0, 1.0)


def survival(model: keras.Model, images: np.ndarray, labels: Sequence[int | str],
             transform: Transform | list[Transform], *, draws: int = 1,
             targets: Sequence[int | str] | None = None, seed: int | None = None) -> np.ndarray:
    """For each attacked image, the share of `draws` random draws of `transform` after which it still fools the model.

    A transform without randomness (JPEG, blur) needs one draw; a camera
    (lib.transforms.camera()) needs many, e.g. 20. Each image gets draws of
    its own, from `fresh_generator(seed)`: never the draws an attack made
    with the same seed saw (seed None: the run's seed).
    """
    draws = whole("draws", draws, 1, 1000)
    batch, generator = check_image(images), fresh_generator(seed)
    count = len(batch)
    labels = _labels(labels, count, "labels")
    targets = None if targets is None else _labels(targets, count, "targets")
    per_pass = max(1, SURVIVAL_BATCH // count)  # draws judged in one forward pass; each drawn on its own, in order
    held = []
    for first in range(0, draws, per_pass):
        copies = min(per_pass, draws - first)
        shots = np.concatenate([transformed(batch, transform, generator=generator) for _ in range(copies)])
        held.append(fooled(model, shots, labels * copies, None if targets is None else targets * copies,
                           batch_size=SURVIVAL_BATCH))
    return np.concatenate(held).reshape(draws, count).mean(axis=0)


def success_rate(models: keras.Model | Sequence[keras.Model], images: np.ndarray, labels: Sequence[int | str],
                 attack: Callable, budgets: Sequence[float],
                 targets: Sequence[int | str] | None = None) -> dict[str, np.ndarray]:
    """The share of images each model gets wrong after `attack`, at each budget: {model name: [rate per budget]}.

    attack: called as attack(images, labels, epsilon_255) (plus targets= for
        a targeted attack) and returning the attacked images or an
        AttackResult, e.g. `functools.partial(lib.pgd, source_model)`; the
        models it is judged on may include other networks (transfer).
    budgets: in levels of 255; 0 measures the photos untouched.
    """
    models = [models] if isinstance(models, keras.Model) else list(models)
    rates = {model.name: [] for model in models}
    for budget in budgets:
        attacked = attack(images, labels, budget) if targets is None else attack(images, labels, budget, targets=targets)
        attacked = getattr(attacked, "images", attacked)  # an AttackResult, or the images
        for model in models:
            rates[model.name].append(float(fooled(model, attacked, labels, targets).mean()))
    return {name: np.array(values) for name, values in rates.items()}
