"""Gradient descent on the input image: the model stays fixed, the pixels move.

`optimise_image` is the one entry point; `make_step` builds the compiled
step it repeats, for lessons that open the box.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Callable

import numpy as np
from . import quiet  # noqa: F401  (imports TensorFlow without its start-up log lines)
import tensorflow as tf

from . import compiled
from ._validate import number, one_of, whole
from .classes import class_id_of, class_name
from .layers import check_needs, feature_model
from .models import check_model, model_input_size
from .objectives import Objective, as_objective
from .seeds import seed_or_default
from .parameterisations import Parameterisation, PixelImage, parameterise
from .transforms import Transform, as_transform, resize_to

METHODS = ("adam", "gd", "sign", "l2", "momentum")
DEFAULT_LEARNING_RATE = {"adam": 0.01, "gd": 1.0, "sign": 1 / 255, "l2": 1.0, "momentum": 1 / 255}
ADAM_BETAS, ADAM_EPSILON = (0.9, 0.999), 1e-8
MOMENTUM_DECAY = 1.0  # MI-FGSM's mu (Dong et al. 2018): each step keeps all of the past steps' direction


@dataclass
class Progress:
    """What a callback sees after each reported step."""

    step: int
    num_steps: int
    loss: float
    probability: float | None
    image: np.ndarray  # float32 [height, width, 3] in [0, 1], the image just scored
    stop_reason: str | None = None  # the last report of a run says why it ended: one of STOP_REASONS
    stop_at: float | None = None  # the run's stop_at, to say what "reached" means


STOP_REASONS = ("reached", "finished", "interrupted")  # p(target) >= stop_at, all num_steps run, Ctrl-C


@dataclass
class Result:
    """The outcome of `optimise_image`.

    `image` is the image with the lowest loss seen (the one that reached the
    target, if the run stopped early); with random transforms, where the loss
    of one step is noisy, it is the latest image instead. A batch run (several
    starting images, or `batch=` with the Fourier parameterisation) keeps
    them all in `images`, and its `image` is the first.
    """

    image: np.ndarray  # float32 [height, width, 3] in [0, 1]
    start_image: np.ndarray  # float32 [height, width, 3] in [0, 1]
    probabilities: np.ndarray  # float32 [1000], softmax of the model's logits for `image`
    target: int | None
    images: np.ndarray | None = None  # float32 [batch, height, width, 3]: every image of a batch run (image = images[0])
    batch_probabilities: np.ndarray | None = None  # float32 [batch, 1000], one row per image of `images`
    losses: list[float] = field(default_factory=list)  # loss before each update
    target_probabilities: list[float] = field(default_factory=list)
    num_steps: int = 0  # updates made
    reached: bool = False  # target probability reached (early stop)
    interrupted: bool = False
    seconds: float = 0.0  # wall time of the whole run, the first step's tracing included
    step_seconds: list[float] = field(default_factory=list)  # wall time of each compiled step

    @property
    def probability(self) -> float | None:
        """The target's probability for the returned image."""
        return None if self.target is None else float(self.probabilities[self.target])

    @property
    def seconds_per_step(self) -> float:
        """Median time of one step, without the first (which also compiles the step)."""
        times = self.step_seconds[1:] or self.step_seconds
        return float(np.median(times)) if times else float("nan")

    @property
    def change(self) -> np.ndarray:
        """image - start_image, float32 [height, width, 3] in [-1, 1]."""
        return self.image - self.start_image

    @property
    def linf_255(self) -> float:
        """Largest change of any pixel value, in 0-255 units."""
        return float(np.abs(self.change).max() * 255)

    @property
    def l2_255(self) -> float:
        """Euclidean length of the change, in 0-255 units."""
        return float(np.sqrt(np.sum(np.square(self.change))) * 255)

    def top_k(self, k: int = 5) -> list[tuple[int, str, float]]:
        """The k most probable classes as (id, name, probability)."""
        order = np.argsort(self.probabilities)[::-1][:k]
        return [(int(i), class_name(int(i)), float(self.probabilities[i])) for i in order]

    def __repr__(self) -> str:
        target = "" if self.target is None else f"p({class_name(self.target)!r})={self.probability:.3f}, "
        state = "interrupted" if self.interrupted else ("reached" if self.reached else "ran")
        return f"Result({target}{state} after {self.num_steps} steps in {self.seconds:.1f}s, L-inf {self.linf_255:.1f}/255)"


def gradient_of(model: tf.keras.Model, objective: Objective, image: tf.Tensor) -> tuple[tf.Tensor, tf.Tensor, tf.Tensor]:
    """Loss, logits [batch, 1000] and d loss / d image for an image [batch, h, w, 3]."""
    image = tf.convert_to_tensor(image, dtype=tf.float32)
    with tf.GradientTape() as tape:
        tape.watch(image)
        logits, activations = _forward(model, objective, image)
        loss = objective(logits, image, activations)
    return loss, logits, tape.gradient(loss, image)


def _forward(model: tf.keras.Model, objective: Objective, images: tf.Tensor) -> tuple[tf.Tensor, dict | None]:
    """Logits, and the activations of the inner layers the objective reads ({name: tensor}, or None)."""
    if not objective.layers:
        return model(images, training=False), None
    *values, logits = feature_model(model, objective.layers)(images, training=False)
    return logits, dict(zip(objective.layers, values))


def make_step(model: tf.keras.Model, objective: Objective, image: tf.Variable | Parameterisation,
              start: tf.Tensor | None = None, method: str = "adam", learning_rate: float = 0.01,
              epsilon: float | None = None, transforms: Transform | None = None, seed: int | None = None,
              generator: tf.random.Generator | None = None) -> Callable:
    """A compiled step: score the image, then move it one update downhill.

    image: a tf.Variable of pixels [batch, h, w, 3] in [0, 1] (kept in [0, 1]
        and within `epsilon` L-inf of `start`), or a parameterisation such as
        `lib.parameterisations.FourierImage`.
    method: "adam", "gd" (the gradient itself), "sign" (FGSM and PGD's
        signed step), "l2" (a step of fixed length per image) or "momentum"
        (MI-FGSM, Dong et al. 2018: the velocity v <- MOMENTUM_DECAY * v +
        gradient / mean |gradient| of each image, then a signed step along v).
    transforms: random transforms applied before the model sees the image,
        drawn by `generator` (default: a new one from `seed`; None: the run's seed, lib.seeds).
    learning_rate: a number, or a tf.Variable that can be changed between calls.
    Returns `step() -> (loss, probabilities, scored_image)`, all for the image
    as it was *before* the update. Adam's moment estimates and the momentum
    live in the closure, so each call of make_step gets its own fresh
    optimiser state; `step.restart(seed)` empties them and draws the
    transforms from `seed` again, to make a new image with the same compiled
    step (`step.forget()` empties the state only). `step.keep(mask)` keeps the state of the images where the bool
    [batch] mask is True only, for a batch that goes on without the others.
    """
    check_needs(model, objective.needs)  # an unknown layer or channel is refused before anything is compiled
    if objective.layers:
        feature_model(model, objective.layers)  # built here, once, rather than while the step is being traced
    if isinstance(image, tf.Variable):
        image = PixelImage(image.numpy() if start is None else np.asarray(start), epsilon, variable=image)
    parameters, size = image.variable, model_input_size(model)
    state = []  # per image, what Adam or the momentum carry from step to step (any batch size, as the parameters)
    if method in ("adam", "momentum"):
        state = [tf.Variable(tf.zeros_like(parameters), shape=parameters.shape, trainable=False)
                 for _ in range(2 if method == "adam" else 1)]
    if method == "adam":  # Adam's step count, for its bias correction
        count = tf.Variable(0.0, trainable=False)
    generator = tf.random.Generator.from_seed(seed_or_default(seed)) if generator is None else generator
    beta1, beta2 = ADAM_BETAS

    def direction(gradient: tf.Tensor) -> tf.Tensor:
        if method == "gd":
            return gradient
        if method == "sign":  # each value moves by exactly the learning rate: an L-inf step (FGSM, PGD)
            return tf.sign(gradient)
        if method == "l2":  # each image moves by exactly the learning rate in Euclidean length: an L2 step
            length = tf.sqrt(tf.reduce_sum(tf.square(gradient), axis=list(range(1, gradient.shape.rank)), keepdims=True))
            return gradient / tf.maximum(length, 1e-12)
        if method == "momentum":
            (velocity,) = state
            mean_size = tf.reduce_mean(tf.abs(gradient), axis=list(range(1, gradient.shape.rank)), keepdims=True)
            velocity.assign(MOMENTUM_DECAY * velocity + gradient / tf.maximum(mean_size, 1e-12))
            return tf.sign(velocity)
        moment1, moment2 = state
        count.assign_add(1.0)
        moment1.assign(beta1 * moment1 + (1 - beta1) * gradient)
        moment2.assign(beta2 * moment2 + (1 - beta2) * tf.square(gradient))
        unbiased1 = moment1 / (1 - beta1**count)
        unbiased2 = moment2 / (1 - beta2**count)
        return unbiased1 / (tf.sqrt(unbiased2) + ADAM_EPSILON)

    @tf.function
    def step():
        with tf.GradientTape() as tape:
            scored = image.image()  # (batch, h, w, 3) in [0, 1]
            seen = scored if transforms is None else resize_to(transforms(scored, generator), size)
            logits, activations = _forward(model, objective, seen)
            loss = objective(logits, scored, activations)
        gradient = tape.gradient(loss, parameters)
        parameters.assign_sub(learning_rate * direction(gradient))
        image.project()
        return loss, tf.nn.softmax(logits), scored

    def restart(seed: int | None = None) -> None:
        """Start afresh (the image is the caller's to reset): no Adam history, the transforms' draws from `seed`."""
        forget()
        generator.reset_from_seed(seed_or_default(seed))

    def forget() -> None:
        """Empty Adam's moments or the momentum (for images the parameters now hold), keeping the transforms' draws."""
        for carried in state:
            carried.assign(tf.zeros_like(parameters))
        if method == "adam":
            count.assign(0.0)

    def keep(mask: np.ndarray) -> None:
        """Keep the carried state of the images where `mask` (bool [batch]) is True, in order."""
        for carried in state:
            carried.assign(tf.boolean_mask(carried, np.asarray(mask, bool)))

    step.restart, step.forget, step.keep = restart, forget, keep
    return step


def _compiled_step(model: tf.keras.Model, objective: Objective, parameters: Parameterisation, method: str,
                   learning_rate: float, epsilon: float | None, transforms: Transform | None, seed: int,
                   decay: float | None) -> tuple[Callable, Parameterisation]:
    """make_step's step and the parameterisation it moves, set to `parameters`' start: traced once, then reused.

    A call with the same model, objective and transforms (the same objects),
    method, learning rate and image shape as one of the model's last few runs
    (lib.compiled keeps them) reuses its step: tracing one takes 1-2 s, as
    long as 30-60 steps of Lite0. lib.ideal_image makes one class after
    another that way, with one objective whose class lives in a tf.Variable.
    The results are those of a fresh step: the same start, no Adam history,
    the same draws.
    """
    key = (id(objective), id(transforms), method, learning_rate, epsilon is None, type(parameters),
           tuple(parameters.variable.shape), decay)
    fresh = []

    def build():
        fresh.append(True)
        step = make_step(model, objective, parameters, None, method, learning_rate, epsilon, transforms, seed)
        return step, parameters, (objective, transforms)  # held, so that the key's ids stay theirs

    step, kept, _ = compiled.cached(model, "optimise", key, build)
    if fresh:
        return step, parameters
    if isinstance(kept, PixelImage):
        kept.reset(parameters.start.numpy(), epsilon)
    else:
        kept.variable.assign(parameters.variable)
    step.restart(seed)
    return step, kept


def _check_settings(model, num_steps, method, learning_rate, epsilon, stop_at) -> None:
    check_model(model)
    whole("num_steps", num_steps, 0)
    one_of("method", method, METHODS)
    number("learning_rate", learning_rate, 0, low_open=True)
    if epsilon is not None:
        number("epsilon", epsilon, 0, 1, hint="epsilon is an L-inf budget in [0, 1] pixel units (4/255 means 4 levels "
                                              "of 255):")
    if stop_at is not None:
        number("stop_at", stop_at, 0, 1, hint="stop_at must be a probability,", low_open=True)


def optimise_image(model: tf.keras.Model, objective: Objective | int | str, image: np.ndarray | None = None, *,
                   num_steps: int = 200, method: str = "adam", learning_rate: float | None = None,
                   epsilon: float | None = None, stop_at: float | None = 0.9, target: int | str | None = None,
                   parameterisation: str = "pixels", decay: float | None = None,
                   transforms: Transform | list[Transform] | None = None, seed: int | None = None, batch: int = 1,
                   callback: Callable[[Progress], None] | None = None, callback_every: int = 1) -> Result:
    """Change `image` by gradient descent until the model says `target`.

    model: from `lib.load_model`, takes float32 [batch, size, size, 3] in [0, 1].
    objective: an Objective, or a class name / id (meaning its cross-entropy).
    image: float32 [size, size, 3] in [0, 1] to start from (or a batch
        [n, size, size, 3], optimised together); None: seeded noise. With
        transforms the image may have any size: each view is resized to
        the model's input size.
    method: "adam" (default, the same settings work for every model),
        "gd" (plain gradient descent, the article's), "sign" (signed steps)
        or "l2" (steps of fixed Euclidean length per image).
    learning_rate: step size; None picks the method's default.
    epsilon: L-inf budget around the start image, in [0, 1] units (4/255...).
    stop_at: stop once p(target) >= stop_at; None runs all num_steps.
    target: the class to watch; by default the objective's own class.
    parameterisation: "pixels" (default) or "fourier" (Fourier coefficients
        with decorrelated colour, lib.parameterisations; starts from its own
        seeded random spectrum, so `image` must be None).
    decay: "fourier" only: coefficients are scaled by 1/frequency**decay
        (default 1, a photo's spectrum; 1.5 gives smoother images).
    transforms: random transforms (lib.transforms) applied before each
        forward pass; the image itself is returned untransformed.
    batch: how many images to make at once from different random starts
        (with image=None); the loss is their mean, so an objective such as
        lib.diversity can compare them. Result.images holds them all;
        early stopping waits until every image reaches stop_at.
    seed: the starting noise or spectrum and the transforms' draws; None: the
        run's seed (SEECAT_SEED, lib.seeds).
    callback: called with a Progress every `callback_every` steps.

    Ctrl-C (or the notebook's stop button) ends the run early and still
    returns a Result holding the best image so far.
    """
    objective = as_objective(objective)
    learning_rate = DEFAULT_LEARNING_RATE.get(method, 0.0) if learning_rate is None else learning_rate
    _check_settings(model, num_steps, method, learning_rate, epsilon, stop_at)
    transforms = as_transform(transforms)
    size, seed = model_input_size(model), seed_or_default(seed)
    parameters = parameterise(parameterisation, image, size, seed, epsilon, decay, batch, any_size=transforms is not None)
    start = parameters.image().numpy()
    target_id = objective.target if target is None else class_id_of(target)
    step, parameters = _compiled_step(model, objective, parameters, method, float(learning_rate), epsilon, transforms,
                                      seed, decay)
    result = Result(start[0], start[0], np.zeros(1000, np.float32), target_id, start,
                    np.zeros((len(start), 1000), np.float32))
    keep_best = transforms is None  # with random transforms the loss is noisy: keep the latest image
    best_loss, began = float("inf"), time.perf_counter()
    try:
        for index in range(num_steps + 1):
            step_began = time.perf_counter()
            loss, probabilities, scored = step()  # scores the image, then updates it
            loss, probabilities = float(loss), probabilities.numpy()
            result.step_seconds.append(time.perf_counter() - step_began)
            probability = None if target_id is None else float(probabilities[:, target_id].min())
            result.losses.append(loss)
            if probability is not None:
                result.target_probabilities.append(probability)
            reached = stop_at is not None and probability is not None and probability >= stop_at
            if loss < best_loss or reached or not keep_best:
                best_loss = loss
                _keep(result, scored.numpy(), probabilities)
            if callback is not None and (index % callback_every == 0 or reached or index == num_steps):
                ending = "reached" if reached else "finished" if index == num_steps else None
                callback(Progress(index, num_steps, loss, probability, scored.numpy()[0], ending, stop_at))
            if reached or index == num_steps:
                result.reached = reached
                break
            result.num_steps = index + 1
    except KeyboardInterrupt:
        result.interrupted = True
        print(f"Interrupted after {result.num_steps} steps: returning the best image so far (loss {best_loss:.4g}).")
        if callback is not None:  # tell a live view why the run ended; a second Ctrl-C must not lose the result
            probability = None if target_id is None else float(result.probabilities[target_id])
            try:
                callback(Progress(result.num_steps, num_steps, best_loss, probability, result.image, "interrupted",
                                  stop_at))
            except KeyboardInterrupt:
                pass
    if transforms is not None:  # report what the model says of the images themselves, not of a random view
        _keep(result, result.images, tf.nn.softmax(model(resize_to(result.images, size), training=False)).numpy())
    result.seconds = time.perf_counter() - began
    return result


def _keep(result: Result, images: np.ndarray, probabilities: np.ndarray) -> None:
    """Hold these images [batch, h, w, 3] and their probabilities [batch, 1000] as the result (image: the first)."""
    result.images, result.batch_probabilities = images, probabilities
    result.image, result.probabilities = images[0], probabilities[0]


