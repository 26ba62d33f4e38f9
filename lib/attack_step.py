"""The compiled step that every attack of lib.attacks runs: lesson 03's loop, made once per model and kind.

One step serves any batch of images, untargeted or targeted, at any budget
and step size: those live in variables that each call points at its own
photos (`load`), so a success curve over many budgets, or a loop over
photos one at a time, traces the step only once (lib.compiled keeps it).
"""

from __future__ import annotations

import numpy as np
from . import quiet  # noqa: F401  (imports TensorFlow without its start-up log lines)
import keras
import tensorflow as tf

from . import compiled
from .classes import NUM_CLASSES, class_group
from .objectives import Objective
from .optimise import make_step
from .parameterisations import PixelImage
from .transforms import Transform, views

_MAKE_STEP_METHOD = {"adam": "adam", "fgsm": "sign", "pgd": "sign", "mifgsm": "momentum", "eot": "sign"}


# fifth faster than 4 at a time, and lesson 09's kernel peaked 0.5 GB higher (2.0 GB against 1.5)


def aim(class_id: int, untargeted: bool) -> np.ndarray:
    """What one image's step pushes: float32 [1000], 1 on the true class and its near neighbours
    (untargeted, pushed down) or on the target (pushed up)."""
    aim = np.zeros(NUM_CLASSES, np.float32)
    aim[class_group(class_id) if untargeted else [class_id]] = 1.0
    return aim


def load(attack: CompiledAttack, photos: np.ndarray, pixels: np.ndarray, aims: np.ndarray, epsilon: float) -> None:
    """Point the compiled attack at these images: their photos, where they are now, what they aim at."""
    attack.aims.assign(aims)
    attack.pixels.reset(photos, epsilon, pixels)


class CompiledAttack:
    """One attack's compiled step, with the variables that the next call points at its own photos and budget."""

    def __init__(self, model: keras.Model, shape: tuple, method: str, norm: str, transforms: Transform | None,
                 then: Transform | None, draws: int):
        self.model, self.transforms, self.then, self.norm = model, transforms, then, norm  # held: the key's ids stay theirs
        self.aims = _any_batch(np.zeros((1, NUM_CLASSES), np.float32), "aims")
        self.direction = tf.Variable(1.0, trainable=False, name="direction")  # 1: push the aims down; -1: up (targeted)
        objective = log_probability(self.aims, self.direction)
        self.pixels = _AnyBatchPixels(shape, norm)
        self.rate = tf.Variable(0.0, trainable=False, name="step")
        seen = None if transforms is None and then is None else views(draws, transforms, then)
        direction = "l2" if _MAKE_STEP_METHOD[method] == "sign" and norm == "l2" else _MAKE_STEP_METHOD[method]
        self.update = make_step(model, objective, self.pixels, method=direction, learning_rate=self.rate,
                                transforms=seen, generator=tf.random.Generator.from_seed(0))


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


def log_probability(aims: tf.Variable, direction: tf.Variable | float = 1.0) -> Objective:
    """`direction` times the mean over the batch of log p(any class of each image's aim), aims float32 [n, 1000] of
    0s and 1s.

    With one class in an aim it is minus that class's cross-entropy; with a
    class and its near neighbours, the log of their probabilities summed.
    Minimised with direction 1 it pushes the aims down (untargeted), with -1
    up (targeted): one compiled step serves both. With k views of each image
    (EOT: logits [k * n, 1000], view j of image i in row j * n + i) the aims
    repeat k times and the mean runs over every view.
    """
    def loss(logits: tf.Tensor, image: tf.Tensor) -> tf.Tensor:
        repeated = tf.tile(aims, [tf.shape(logits)[0] // tf.shape(aims)[0], 1])
        aimed = tf.where(repeated > 0, logits, tf.fill(tf.shape(logits), -np.inf))
        return direction * tf.reduce_mean(tf.reduce_logsumexp(aimed, axis=1) - tf.reduce_logsumexp(logits, axis=1))

    return Objective(loss, "log p(the aimed classes)")


def compiled_attack(model: keras.Model, shape: tuple, method: str, norm: str, transforms: Transform | None,
              then: Transform | None, draws: int) -> CompiledAttack:
    """The compiled step for this model, image shape [h, w, 3], method, norm and EOT views: traced once, then reused
    for any number of images, untargeted or targeted.

    A success curve runs the same attack at many budgets, and a loop over
    photos one at a time the same attack on each: tracing a step takes about
    a second, far longer than an FGSM step itself.
    """
    kind = "sign" if method in ("fgsm", "pgd") else method  # fgsm and pgd share one step (eot's differs by its views)
    key = (shape, kind, norm, id(transforms), id(then), draws)
    return compiled.cached(model, "attack", key, lambda: CompiledAttack(model, shape, method, norm, transforms, then, draws))
