"""Adversarial attacks by name, on batches of labelled photos, and how often they succeed.

Every attack is lesson 03's loop with a different step and budget, run by
`lib.optimise.make_step` on a whole batch at once:

    fgsm  one signed step of the full budget (Goodfellow et al. 2014)
    pgd   many small steps from a random start, each followed by a projection
          back into the budget: L-inf or L2 (Madry et al. 2017)
    eot   PGD through random transformations of the image, so that the
          attack survives them (Athalye et al. 2018, "expectation over
          transformation")

Untargeted (the default): push the probability of the true class and its
near neighbours down until a class outside them wins (`fooled`; an Egyptian
cat that becomes a tiger cat is not fooled). Targeted (`targets=`): push a
chosen class up. Budgets are in levels of 255 everywhere, as on the command
line: `epsilon_255=4` means no value moves by more than 4/255 (L-inf), or
the change of each image has length at most 4/255 (L2, in [0, 1] pixel units).
"""

from __future__ import annotations

from collections import OrderedDict
import math
from numbers import Real
from typing import Callable, Sequence

import numpy as np
from . import quiet  # noqa: F401  (imports TensorFlow without its start-up log lines)
import keras
import tensorflow as tf

from .classes import NUM_CLASSES, class_group, class_id_of, same_or_near
from .images import check_image
from .models import check_model, model_input_size, predict_batch
from .objectives import Objective
from .optimise import make_step
from .parameterisations import NORMS, PixelImage
from .seeds import seed_or_default
from .transforms import Transform, as_transform, resize_to

PGD_STEPS = 10
ATTACK_BATCH = 4  # images per step. Memory grows with it; on 2 CPU cores all 13 photos at once were only about a
# fifth faster than 4 at a time, and lesson 09's kernel peaked 0.5 GB higher (2.0 GB against 1.5)
interrupted = False  # whether Ctrl-C stopped the last fgsm, pgd or eot (its images are kept; the command line says so)
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
        targets: Sequence[int | str] | None = None, random_start: bool = True, seed: int | None = None,
        transforms: Transform | list[Transform] | None = None, batch_size: int = ATTACK_BATCH,
        until_fooled: bool = False) -> np.ndarray:
    """Projected gradient descent on a batch: the attacked images, float32 [n, h, w, 3] in [0, 1].

    images: [n, size, size, 3] (or one image) at the model's size; labels:
        each image's true class (name or id).
    epsilon_255: the budget in levels of 255, L-inf or L2 (`norm`).
    steps, step_255: how many steps, and how far each goes (default
        2.5 * budget / steps).
    targets: None for an untargeted attack, which pushes down the
        probability of the true class and its near neighbours together (what
        `fooled` asks of it); else a class for each image, pushed up.
    transforms: random transforms applied before every forward pass (EOT).
    seed: the random start and the transforms' draws; None: the run's seed
        (SEECAT_SEED, lib.seeds).
    until_fooled: stop each image at the first step at which it fools the
        model (as `fooled` judges it) and return it as it was then; only the
        others take the next step. For success rates, where only whether the
        attack succeeds counts: a stopped image is barely across the line,
        so a defence or another network undoes it more easily than a full
        attack. Not with transforms (a fooled random draw proves little).
    Ctrl-C (or the notebook's stop button) returns the images as far as they
    got and sets `lib.attacks.interrupted` to True until the next attack.
    batch_size: how many images go through the model at once. The result
        does not depend on it without transforms (each image's step is its
        own); memory grows with it (the backward pass keeps every layer's output).
    """
    global interrupted
    interrupted = False
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
    if until_fooled and transforms is not None:
        raise ValueError("until_fooled judges each step's own forward pass, which transforms make random: "
                         "leave it False for EOT, and judge the result with survival().")
    check_batch_size(batch_size)
    epsilon, seed = _budget(epsilon_255), seed_or_default(seed)
    step = PGD_STEP_SHARE * epsilon / steps if step_255 is None else _budget(step_255)
    true = _labels(labels, len(batch), "labels")
    wanted = None if targets is None else _labels(targets, len(batch), "targets")
    if epsilon == 0 or step == 0:
        return batch.copy()
    current = _random_start(batch, epsilon, norm, np.random.default_rng(seed)) if random_start else batch.copy()
    attack = _compiled(model, batch.shape[1:], norm, as_transform(transforms))
    attack.direction.assign(1.0 if wanted is None else -1.0)
    attack.rate.assign(step)
    attack.generator.reset_from_seed(seed)
    aims = np.stack([_aim(true[k] if wanted is None else wanted[k], wanted is None) for k in range(len(batch))])
    attacked = batch.copy()
    for part in _parts(np.arange(len(batch)), batch_size):
        going, made = part, 0  # going: the images of this part that take the next step
        _load(attack, batch[going], current[going], aims[going], epsilon)
        try:
            for made in range(1, steps + 1):
                _, probabilities, scored = attack.update()
                if until_fooled:
                    done = np.array([_succeeded(int(top), true[k], None if wanted is None else wanted[k])
                                     for top, k in zip(probabilities.numpy().argmax(axis=1), going)])
                    if done.any():  # these stop as they were scored; the others go on, fewer at a time
                        attacked[going[done]] = scored.numpy()[done]
                        current[going[~done]] = attack.pixels.image().numpy()[~done]
                        going = going[~done]
                        if not len(going):
                            break
                        _load(attack, batch[going], current[going], aims[going], epsilon)
        except KeyboardInterrupt:  # Ctrl-C or the notebook's stop button: keep the attack as far as it got
            interrupted = True
            attacked[going] = attack.pixels.image().numpy()
            later = "" if part[-1] == len(batch) - 1 else f"; {_images_named(part[-1] + 1, len(batch))} left untouched"
            print(f"Interrupted after {made - 1} of {steps} steps on {_images_named(part[0], part[-1] + 1)}: "
                  f"returning the images as they are now{later}.")
            return attacked
        if len(going):
            attacked[going] = attack.pixels.image().numpy()
    return attacked


def _images_named(first: int, stop: int) -> str:
    """Images first..stop-1 of a batch, counted from 1 for people: "image 3", "images 3 to 5"."""
    return f"image {first + 1}" if stop - first == 1 else f"images {first + 1} to {stop}"


def _aim(class_id: int, untargeted: bool) -> np.ndarray:
    """What one image's step pushes: float32 [1000], 1 on the true class and its near neighbours
    (untargeted, pushed down) or on the target (pushed up)."""
    aim = np.zeros(NUM_CLASSES, np.float32)
    aim[class_group(class_id) if untargeted else [class_id]] = 1.0
    return aim


def _succeeded(top: int, label: int, target: int | None) -> bool:
    """Whether a top class means the attack succeeded (the rule of `fooled`)."""
    return not same_or_near(top, label) if target is None else top == target


def _parts(indices: np.ndarray, batch_size: int) -> list[np.ndarray]:
    """`indices` in the fewest parts of at most batch_size, as equal as can be: at 4, 13 images go as 4 + 3 + 3 + 3."""
    return np.array_split(indices, math.ceil(len(indices) / batch_size)) if len(indices) else []


def _load(attack: "_Compiled", photos: np.ndarray, pixels: np.ndarray, aims: np.ndarray, epsilon: float) -> None:
    """Point the compiled attack at these images: their photos, where they are now, what they aim at."""
    attack.aims.assign(aims)
    attack.pixels.reset(photos, epsilon, pixels)


def check_batch_size(batch_size: int) -> int:
    """A number of images per compiled step (ValueError unless a whole number >= 1)."""
    if isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size < 1:
        raise ValueError(f"batch_size is how many images go through the model at once, a whole number >= 1; "
                         f"got {batch_size!r}.")
    return batch_size


class _Compiled:
    """One attack's compiled step, with the variables that the next call points at its own photos and budget."""

    def __init__(self, model: keras.Model, shape: tuple, norm: str, transforms: Transform | None):
        self.model, self.transforms = model, transforms  # held, so that the key's ids stay theirs
        self.aims = _any_batch(np.zeros((1, NUM_CLASSES), np.float32), "aims")
        self.direction = tf.Variable(1.0, trainable=False, name="direction")  # 1: push the aims down; -1: up (targeted)
        objective = _log_probability(self.aims, self.direction)
        self.pixels = _AnyBatchPixels(shape, norm)
        self.rate = tf.Variable(0.0, trainable=False, name="step")
        self.generator = tf.random.Generator.from_seed(0)
        self.update = make_step(model, objective, self.pixels, method="sign" if norm == "linf" else "l2",
                                learning_rate=self.rate, transforms=transforms, generator=self.generator)


def _any_batch(value: np.ndarray, name: str) -> tf.Variable:
    """A variable whose first (batch) dimension may change size when assigned: one trace serves any part size."""
    return tf.Variable(value, trainable=False, shape=tf.TensorShape([None, *value.shape[1:]]), name=name)


class _AnyBatchPixels(PixelImage):
    """lib.parameterisations.PixelImage for a batch of any size: `reset` may bring more or fewer images."""

    def __init__(self, shape: tuple, norm: str):
        one = np.zeros((1, *shape), np.float32)
        self.norm, self.epsilon = norm, 1.0
        self.variable = tf.Variable(one, shape=tf.TensorShape([None, *shape]), name="pixels")
        self.start, self.low, self.high = (_any_batch(one, name) for name in ("start", "low", "high"))
        self.radius = tf.Variable(1.0, trainable=False, name="radius")


def _log_probability(aims: tf.Variable, direction: tf.Variable | float = 1.0) -> Objective:
    """`direction` times the mean over the batch of log p(any class of each image's aim), aims float32 [n, 1000] of
    0s and 1s.

    With one class in an aim it is minus that class's cross-entropy; with a
    class and its near neighbours, the log of their probabilities summed.
    Minimised with direction 1 it pushes the aims down (untargeted), with -1
    up (targeted): one compiled step serves both.
    """
    def loss(logits: tf.Tensor, image: tf.Tensor) -> tf.Tensor:
        aimed = tf.where(aims > 0, logits, tf.fill(tf.shape(logits), -np.inf))
        return direction * tf.reduce_mean(tf.reduce_logsumexp(aimed, axis=1) - tf.reduce_logsumexp(logits, axis=1))

    return Objective(loss, "log p(the aimed classes)")


COMPILED_KEPT = 4  # the last attacks' compiled steps, kept for calls that differ only in photos, labels, budget, step
# or seed (each holds its model: at most this many models are kept alive by the attacks)
_COMPILED: OrderedDict[tuple, _Compiled] = OrderedDict()


def _compiled(model: keras.Model, shape: tuple, norm: str, transforms: Transform | None) -> _Compiled:
    """The compiled step for this model, image shape [h, w, 3], norm and transforms: traced once, then reused for any
    number of images, untargeted or targeted.

    A success curve runs the same attack at many budgets, and a loop over
    photos one at a time the same attack on each: tracing a step takes about
    a second, far longer than an FGSM step itself.
    """
    key = (id(model), shape, norm, id(transforms))
    if key in _COMPILED:
        _COMPILED.move_to_end(key)
    else:
        _COMPILED[key] = _Compiled(model, shape, norm, transforms)
        while len(_COMPILED) > COMPILED_KEPT:
            _COMPILED.popitem(last=False)
    return _COMPILED[key]


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
    """For each image, whether the attack succeeded: bool [n].

    Untargeted: the top class is neither the label nor one of its near
    neighbours (lib.classes.near_neighbours: an Egyptian cat called a tiger
    cat, or a lemon called an orange, is not fooled). Targeted: the top
    class is the target.
    """
    batch = check_image(images)
    true = _labels(labels, len(batch), "labels")
    tops = predict_batch(model, batch, batch_size).argmax(axis=1)
    wanted = [None] * len(batch) if targets is None else _labels(targets, len(batch), "targets")
    return np.array([_succeeded(int(top), label, target) for top, label, target in zip(tops, true, wanted)], dtype=bool)


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


def transformed(images: np.ndarray, transform: Transform | list[Transform], seed: int | None = None) -> np.ndarray:
    """The images after one random draw of `transform`, at their own size: float32 [n, h, w, 3] in [0, 1].

    transform: a defence (lib.transforms.jpeg(75), blur(1.0)) or what a
        camera does (lib.transforms.camera()); `seed` picks the draw (None: the run's seed).
    """
    batch = check_image(images)
    transform = as_transform(transform)
    if transform is None:
        raise ValueError("transform is missing: pass one from lib.transforms, e.g. lib.transforms.jpeg(75).")
    changed = transform(tf.constant(batch), tf.random.Generator.from_seed(seed_or_default(seed)))
    return np.clip(resize_to(changed, batch.shape[1]).numpy() if changed.shape[1:3] != batch.shape[1:3]
                   else changed.numpy(), 0.0, 1.0)


def survival(model: keras.Model, images: np.ndarray, labels: Sequence[int | str],
             transform: Transform | list[Transform], *, draws: int = 1,
             targets: Sequence[int | str] | None = None, seed: int | None = None) -> np.ndarray:
    """For each attacked image, the share of `draws` random draws of `transform` after which it still fools the model.

    A transform without randomness (JPEG, blur) needs one draw; a camera
    (lib.transforms.camera()) needs many, e.g. 10. Draw k uses seed + k (seed None: the run's seed).
    """
    if isinstance(draws, bool) or not isinstance(draws, int) or not 1 <= draws <= 1000:
        raise ValueError(f"draws must be a whole number from 1 to 1000, got {draws!r}.")
    batch, seed = check_image(images), seed_or_default(seed)
    return np.mean([fooled(model, transformed(batch, transform, seed + draw), labels, targets)
                    for draw in range(draws)], axis=0)


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
