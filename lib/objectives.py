"""Losses on an image and the model's outputs, which compose with + and *.

An objective is a loss to *minimise*. Build one from the pieces below:

    loss = 10 * cross_entropy("Siamese cat") + 0.005 * total_variation()
    loss = channel("block10", 42) + 0.1 * diversity("block6")   # inside the network (lesson 08)

and call it as `loss(logits, image)` with logits float32 [batch, 1000] and
the image float32 [batch, height, width, 3] in [0, 1]; it returns one float32
scalar, the mean over the batch. Objectives on inner layers (`channel`,
`neuron`, `layer_energy`, `diversity`) also read those layers' activations:
`loss(logits, image, activations)` with activations {layer name: float32
[batch, h, w, channels]}; `lib.optimise_image` provides them.
"""

from __future__ import annotations

from numbers import Real
from typing import Callable, Sequence

import numpy as np
from . import quiet  # noqa: F401  (imports TensorFlow without its start-up log lines)
import tensorflow as tf

from ._validate import whole
from .classes import class_id_of, class_name

LossFunction = Callable[..., tf.Tensor]
Activations = dict[str, tf.Tensor]


class Objective:
    """A named loss `(logits, image[, activations]) -> scalar`; `+`, `-` and `* number` combine them.

    targets: the classes it pushes towards. needs: (layer, channel index or
    None) for each inner layer it reads, checked against the model before a
    run (lib.layers.check_needs).
    """

    def __init__(self, function: LossFunction, name: str, targets: tuple[int, ...] = (),
                 needs: tuple[tuple[str, int | None], ...] = ()):
        self.function, self.name, self.targets, self.needs = function, name, targets, needs

    @property
    def layers(self) -> tuple[str, ...]:
        """The inner layers whose activations the loss reads, each once, in order."""
        return tuple(dict.fromkeys(layer for layer, _ in self.needs))

    def __call__(self, logits: tf.Tensor, image: tf.Tensor, activations: Activations | None = None) -> tf.Tensor:
        if not self.needs:
            return self.function(logits, image)
        if activations is None or any(layer not in activations for layer in self.layers):
            raise ValueError(f"{self.name} reads the activations of {', '.join(self.layers)}: run it through "
                             "lib.optimise_image (or pass them as the third argument).")
        return self.function(logits, image, activations)

    def __add__(self, other: "Objective") -> "Objective":
        if not isinstance(other, Objective):
            return NotImplemented
        targets = tuple(dict.fromkeys(self.targets + other.targets))
        return Objective(lambda logits, image, activations=None: self(logits, image, activations)
                         + other(logits, image, activations), f"{self.name} + {other.name}", targets,
                         tuple(dict.fromkeys(self.needs + other.needs)))

    def __radd__(self, other) -> "Objective":
        """`sum(objectives)` starts from 0: 0 + objective is the objective."""
        if isinstance(other, (int, float)) and not isinstance(other, bool) and other == 0:
            return self
        return NotImplemented

    def __mul__(self, weight: float) -> "Objective":
        if isinstance(weight, bool) or not isinstance(weight, (int, float)):
            return NotImplemented
        weight = float(weight)
        targets = self.targets if weight > 0 else ()  # a negative weight pushes *away* from its classes
        return Objective(lambda logits, image, activations=None: weight * self(logits, image, activations),
                         f"{weight:g} * {self.name}", targets, self.needs)

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


def cross_entropy(target: int | str | Sequence[int | str]) -> Objective:
    """Cross-entropy between softmax(logits) and the one-hot target class.

    Minimising it pushes the target's probability up. Computed from logits
    (never from probabilities, which lose precision near 0 and 1).
    target: one class for every image, or a list with one class per image
    of the batch (a batch of labelled photos, lesson 09), or a tf.Variable
    of class ids, one per image, that can change between calls of a
    compiled step (lib.attacks reuses its steps that way).
    """
    if isinstance(target, tf.Variable):
        return _cross_entropy_each(target)
    if isinstance(target, (list, tuple, np.ndarray)):
        return _cross_entropy_each([class_id_of(t.item() if isinstance(t, np.generic) else t) for t in target])
    class_id = class_id_of(target)

    def loss(logits: tf.Tensor, image: tf.Tensor) -> tf.Tensor:
        labels = tf.fill(tf.shape(logits)[:1], class_id)
        return tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(labels=labels, logits=logits))

    return Objective(loss, f"cross_entropy({class_name(class_id)!r})", (class_id,))


def _check_class_variable(classes: tf.Variable, objective: str) -> tf.Variable:
    """A tf.Variable of int32 class ids, one per image, as is; anything else is refused, naming the objective."""
    if classes.dtype != tf.int32 or classes.shape.rank != 1:
        raise ValueError(f"{objective} takes a tf.Variable of int32 class ids, one per image; got {classes!r}.")
    return classes


def _held_classes(classes: tf.Variable) -> str:
    """How an objective on a variable of classes names them: they change after it is built, so by count only."""
    return f"{classes.shape[0]} classes held in a variable, one per image"


def _cross_entropy_each(class_ids: list[int] | tf.Variable) -> Objective:
    """Cross-entropy with one class per image of the batch (image k against class_ids[k])."""
    if isinstance(class_ids, tf.Variable):
        labels = _check_class_variable(class_ids, "cross_entropy")
    elif not class_ids:
        raise ValueError("cross_entropy needs at least one class.")
    else:
        labels = tf.constant(class_ids, tf.int32)

    def loss(logits: tf.Tensor, image: tf.Tensor) -> tf.Tensor:
        tf.debugging.assert_equal(tf.shape(logits)[0], tf.size(labels),
                                  message="cross_entropy: one class per image of the batch, as many as the images")
        return tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(labels=labels, logits=logits))

    if isinstance(class_ids, tf.Variable):  # its classes can change after this: name none of them
        return Objective(loss, f"cross_entropy({_held_classes(labels)})")
    distinct = tuple(dict.fromkeys(class_ids))
    name = f"cross_entropy({class_name(distinct[0])!r})" if len(distinct) == 1 else \
        f"cross_entropy({len(class_ids)} classes, one per image)"
    return Objective(loss, name, distinct)


def _target_logit(target: int | str | tf.Variable, objective: str) -> tuple[Callable[[tf.Tensor], tf.Tensor], str, tuple]:
    """`logits [batch, 1000] -> the target's logit [batch]`, the target's name and its classes.

    target: one class for every image, or a tf.Variable of int32 class ids,
    one per image, that can change between calls of a compiled step (it is
    named by count, and pushes towards no class early stopping could watch).
    """
    if isinstance(target, tf.Variable):
        classes = _check_class_variable(target, objective)

        def chosen(logits: tf.Tensor) -> tf.Tensor:
            tf.debugging.assert_equal(tf.shape(logits)[0], tf.size(classes),
                                      message=f"{objective}: one class per image of the batch, as many as the images")
            return tf.gather(logits, classes, axis=1, batch_dims=1)

        return chosen, _held_classes(classes), ()
    class_id = class_id_of(target)
    return (lambda logits: logits[:, class_id]), repr(class_name(class_id)), (class_id,)


def logit(target: int | str | tf.Variable) -> Objective:
    """Minus the target's logit: minimising it raises the logit itself.

    Unlike cross-entropy it ignores the other 999 classes. target: a class,
    or a tf.Variable of int32 class ids, one per image (see cross_entropy).
    """
    chosen, name, targets = _target_logit(target, "logit")

    def loss(logits: tf.Tensor, image: tf.Tensor) -> tf.Tensor:
        return -tf.reduce_mean(chosen(logits))

    return Objective(loss, f"logit({name})", targets)


def centred_logit(target: int | str | tf.Variable) -> Objective:
    """Minus (the target's logit minus the mean of all 1000 logits).

    Softmax ignores whatever raises every logit alike (p is unchanged when
    the same number is added to all of them); this objective ignores it too,
    so the image is rewarded only for evidence that favours the target over
    the average class, not for making everything look more "object-like".
    Like `logit` and unlike cross-entropy, its push never fades. target: a
    class, or a tf.Variable of int32 class ids, one per image (a compiled
    step reused for one class after another, as lib.ideal_image does).
    """
    chosen, name, targets = _target_logit(target, "centred_logit")

    def loss(logits: tf.Tensor, image: tf.Tensor) -> tf.Tensor:
        return -tf.reduce_mean(chosen(logits) - tf.reduce_mean(logits, axis=1))

    return Objective(loss, f"centred_logit({name})", targets)


def total_variation(weights: Sequence[float] | None = None) -> Objective:
    """Total variation: the sum of |differences| between neighbouring pixels.

    Same value as `tf.image.total_variation` (mean over the batch); large for
    noise, small for smooth images.
    weights: None, or one weight per image of the batch, each image's TV
        multiplied by its own: several TV weights in one run (a sweep),
        `lib.logit(t) + lib.total_variation([0.001, 0.1])` on two images.
        With Adam, which ignores the overall scale of each value's gradient,
        each image then moves as in a run of its own.
    """
    if weights is not None:
        given = weights
        weights = list(given) if isinstance(given, (Sequence, np.ndarray)) and not isinstance(given, str) else []
        if not weights or not all(isinstance(w, Real) and not isinstance(w, (bool, np.bool_)) and 0 <= w < float("inf")
                                  for w in weights):
            raise ValueError(f"weights are one TV weight per image of the batch, a list of numbers >= 0 such as "
                             f"[0.001, 0.01, 0.1]; got {given!r}. For one weight for every image, write "
                             "weight * lib.total_variation().")
        weights = [float(w) for w in weights]
        scale = tf.constant(weights, tf.float32)

    def loss(logits: tf.Tensor, image: tf.Tensor) -> tf.Tensor:
        down = tf.reduce_sum(tf.abs(image[:, 1:, :, :] - image[:, :-1, :, :]), axis=[1, 2, 3])
        across = tf.reduce_sum(tf.abs(image[:, :, 1:, :] - image[:, :, :-1, :]), axis=[1, 2, 3])
        if weights is None:
            return tf.reduce_mean(down + across)
        tf.debugging.assert_equal(tf.shape(image)[0], tf.size(scale),
                                  message="total_variation: one weight per image of the batch, as many as the images")
        return tf.reduce_mean(scale * (down + across))

    return Objective(loss, "total_variation()" if weights is None else
                     f"total_variation(weights=[{', '.join(f'{w:g}' for w in weights)}])")


def total_variation_of(image: np.ndarray) -> float:
    """The total variation of one image float32 [height, width, 3] in [0, 1]: small = smooth (a number, not a loss)."""
    return float(total_variation()(None, tf.constant(np.asarray(image, dtype=np.float32)[None])))


def _index(index: int) -> int:
    return whole("index", index, 0, hint="a channel index is")


def _one_of_batch(values: tf.Tensor, batch: int | None) -> tf.Tensor:
    return values if batch is None else values[batch:batch + 1]


def _batch_name(batch: int | None) -> str:
    if batch is not None:
        whole("batch", batch, 0, hint="batch picks one image of the batch by its position (0, 1, ...):")
    return "" if batch is None else f", batch={batch}"


def channel(layer: str, index: int, batch: int | None = None) -> Objective:
    """Minus the mean activation of one channel of a layer, over all positions: its feature, anywhere in the image.

    layer: a name from lib.layer_names(model), e.g. "block10" (or a Keras layer name).
    batch: None for every image of the batch, or the position of the one
        image this objective is about (several channels in one run:
        `channel("block4", 7, batch=0) + channel("block10", 3, batch=1)`).
    """
    index, suffix = _index(index), _batch_name(batch)

    def loss(logits: tf.Tensor, image: tf.Tensor, activations: Activations) -> tf.Tensor:
        return -tf.reduce_mean(_one_of_batch(activations[layer], batch)[..., index])

    return Objective(loss, f"channel({layer!r}, {index}{suffix})", needs=((layer, index),))


def neuron(layer: str, index: int, batch: int | None = None) -> Objective:
    """Minus one channel's activation at the centre position only: its feature, in the middle of the image."""
    index, suffix = _index(index), _batch_name(batch)

    def loss(logits: tf.Tensor, image: tf.Tensor, activations: Activations) -> tf.Tensor:
        values = _one_of_batch(activations[layer], batch)
        middle_row, middle_column = tf.shape(values)[1] // 2, tf.shape(values)[2] // 2
        return -tf.reduce_mean(values[:, middle_row, middle_column, index])

    return Objective(loss, f"neuron({layer!r}, {index}{suffix})", needs=((layer, index),))


def layer_energy(layer: str) -> Objective:
    """Minus the mean squared activation of a whole layer: DeepDream's objective (whatever the layer sees, more of it)."""

    def loss(logits: tf.Tensor, image: tf.Tensor, activations: Activations) -> tf.Tensor:
        return -tf.reduce_mean(tf.square(activations[layer]))

    return Objective(loss, f"layer_energy({layer!r})", needs=((layer, None),))


def diversity(layer: str) -> Objective:
    """The mean cosine similarity of the images' Gram matrices at a layer, over every pair in the batch.

    A penalty (as in lucid, Olah et al. 2017): minimising it makes the
    images of one batch use different combinations of that layer's features,
    so they stop being copies of one another. Needs a batch of 2 or more.
    """

    def loss(logits: tf.Tensor, image: tf.Tensor, activations: Activations) -> tf.Tensor:
        values = activations[layer]
        batch = tf.shape(values)[0]
        flat = tf.reshape(values, [batch, -1, tf.shape(values)[-1]])
        grams = tf.matmul(flat, flat, transpose_a=True)  # [batch, channels, channels]
        grams = tf.math.l2_normalize(tf.reshape(grams, [batch, -1]), axis=1)
        similarity = tf.matmul(grams, grams, transpose_b=True)  # [batch, batch], 1 on the diagonal
        pairs = tf.cast(batch * (batch - 1), tf.float32)
        return (tf.reduce_sum(similarity) - tf.cast(batch, tf.float32)) / tf.maximum(pairs, 1.0)

    return Objective(loss, f"diversity({layer!r})", needs=((layer, None),))


def as_objective(objective: Objective | int | str) -> Objective:
    """An Objective as is; a class name or id becomes `cross_entropy(class)`."""
    if isinstance(objective, Objective):
        return objective
    if isinstance(objective, (int, str)) and not isinstance(objective, bool):
        return cross_entropy(objective)
    raise ValueError(
        f"Expected an objective such as cross_entropy('Siamese cat') or a class name, got {objective!r}."
    )
