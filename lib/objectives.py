"""Losses on an image and the model's logits, which compose with + and *.

An objective is a loss to *minimise*. Build one from the pieces below:

    loss = 10 * cross_entropy("Siamese cat") + 0.005 * total_variation()

and call it as `loss(logits, image)` with logits float32 [batch, 1000] and
the image float32 [batch, height, width, 3] in [0, 1]; it returns one float32
scalar, the mean over the batch.
"""

from __future__ import annotations

from typing import Callable

from . import quiet  # noqa: F401  (imports TensorFlow without its start-up log lines)
import tensorflow as tf

from .classes import class_id_of, class_name

LossFunction = Callable[[tf.Tensor, tf.Tensor], tf.Tensor]


class Objective:
    """A named loss `(logits, image) -> scalar`; `+`, `-` and `* number` combine them."""

    def __init__(self, function: LossFunction, name: str, targets: tuple[int, ...] = ()):
        self.function, self.name, self.targets = function, name, targets

    def __call__(self, logits: tf.Tensor, image: tf.Tensor) -> tf.Tensor:
        return self.function(logits, image)

    def __add__(self, other: "Objective") -> "Objective":
        if not isinstance(other, Objective):
            return NotImplemented
        targets = tuple(dict.fromkeys(self.targets + other.targets))
        return Objective(lambda logits, image: self(logits, image) + other(logits, image), f"{self.name} + {other.name}", targets)

    def __mul__(self, weight: float) -> "Objective":
        if isinstance(weight, bool) or not isinstance(weight, (int, float)):
            return NotImplemented
        weight = float(weight)
        targets = self.targets if weight > 0 else ()  # a negative weight pushes *away* from its classes
        return Objective(lambda logits, image: weight * self(logits, image), f"{weight:g} * {self.name}", targets)

    __rmul__ = __mul__

    def __neg__(self) -> "Objective":
        return -1.0 * self

    def __sub__(self, other: "Objective") -> "Objective":
        return self + (-other)

    @property
    def target(self) -> int | None:
        """The one class this objective pushes towards (early stopping watches it), or None."""
        return self.targets[0] if len(self.targets) == 1 else None

    def __repr__(self) -> str:
        return f"Objective({self.name})"


def cross_entropy(target: int | str) -> Objective:
    """Cross-entropy between softmax(logits) and the one-hot target class.

    Minimising it pushes the target's probability up. Computed from logits
    (never from probabilities, which lose precision near 0 and 1).
    """
    class_id = class_id_of(target)

    def loss(logits: tf.Tensor, image: tf.Tensor) -> tf.Tensor:
        labels = tf.fill(tf.shape(logits)[:1], class_id)
        return tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(labels=labels, logits=logits))

    return Objective(loss, f"cross_entropy({class_name(class_id)!r})", (class_id,))


def logit(target: int | str) -> Objective:
    """Minus the target's logit: minimising it raises the logit itself.

    Unlike cross-entropy it ignores the other 999 classes.
    """
    class_id = class_id_of(target)

    def loss(logits: tf.Tensor, image: tf.Tensor) -> tf.Tensor:
        return -tf.reduce_mean(logits[:, class_id])

    return Objective(loss, f"logit({class_name(class_id)!r})", (class_id,))


def centred_logit(target: int | str) -> Objective:
    """Minus (the target's logit minus the mean of all 1000 logits).

    Softmax ignores whatever raises every logit alike (p is unchanged when
    the same number is added to all of them); this objective ignores it too,
    so the image is rewarded only for evidence that favours the target over
    the average class, not for making everything look more "object-like".
    Like `logit` and unlike cross-entropy, its push never fades.
    """
    class_id = class_id_of(target)

    def loss(logits: tf.Tensor, image: tf.Tensor) -> tf.Tensor:
        return -tf.reduce_mean(logits[:, class_id] - tf.reduce_mean(logits, axis=1))

    return Objective(loss, f"centred_logit({class_name(class_id)!r})", (class_id,))


def total_variation() -> Objective:
    """Total variation: the sum of |differences| between neighbouring pixels.

    Same value as `tf.image.total_variation` (mean over the batch); large for
    noise, small for smooth images.
    """

    def loss(logits: tf.Tensor, image: tf.Tensor) -> tf.Tensor:
        down = tf.reduce_sum(tf.abs(image[:, 1:, :, :] - image[:, :-1, :, :]), axis=[1, 2, 3])
        across = tf.reduce_sum(tf.abs(image[:, :, 1:, :] - image[:, :, :-1, :]), axis=[1, 2, 3])
        return tf.reduce_mean(down + across)

    return Objective(loss, "total_variation()")


def as_objective(objective: Objective | int | str) -> Objective:
    """An Objective as is; a class name or id becomes `cross_entropy(class)`."""
    if isinstance(objective, Objective):
        return objective
    if isinstance(objective, (int, str)) and not isinstance(objective, bool):
        return cross_entropy(objective)
    raise ValueError(
        f"Expected an objective such as cross_entropy('Siamese cat') or a class name, got {objective!r}."
    )
