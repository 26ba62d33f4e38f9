"""Adversarial attacks: one entry point, `attack`, for every method, on a batch of labelled photos.

Every attack is lesson 03's loop with a different step and budget, run by
`lib.optimise.make_step` on a whole batch at once:

    adam    lesson 03's loop: Adam steps on the loss, clipped into the budget
    fgsm    one signed step of the full budget (Goodfellow et al. 2014)
    pgd     many small steps from a random start, each followed by a projection
            back into the budget: L-inf or L2 (Madry et al. 2017)
    mifgsm  signed steps along a running sum of the normalised gradients,
            from the photo itself (momentum; Dong et al. 2018): made to transfer
    eot     PGD on the average loss over several views of each image at every
            step: the image itself as it will be saved, and random draws of
            what will happen to it, e.g. a camera shot and a JPEG
            (Athalye et al. 2018, "expectation over transformation")

Untargeted (the default): push the probability of the true class and its
near neighbours down until a class outside them wins (`fooled`; an Egyptian
cat that becomes a tiger cat is not fooled). Targeted (`targets=`): push a
chosen class up until it wins. Budgets are in levels of 255 everywhere, as on
the command line: `epsilon_255=4` means no value moves by more than 4/255
(L-inf), or the change of each image has length at most 4/255 (L2, in
[0, 1] pixel units). `attack` returns an `AttackResult`: the images, and
for each whether it succeeded, where the method promises it (for EOT: as
saved, after the JPEG, and on fresh random shots it never saw).
"""

from __future__ import annotations

import functools
import math
import time
from dataclasses import dataclass
from typing import Callable, Sequence

import numpy as np
from . import quiet  # noqa: F401  (imports TensorFlow without its start-up log lines)
import keras

from ._validate import number, one_of, whole
from .attack_step import CompiledAttack, aim, compiled_attack, load
from .classes import class_name
from .fooling import (SURVIVAL_BATCH, _labels, _successes, fooled, fooled_count,  # noqa: F401  (lib.attacks.X)
                      fresh_generator, success_rate, survival, transformed)
from .images import check_image
from .models import check_model, model_input_size, predict_batch
from .names import ATTACK_METHODS, ATTACK_STEPS, EOT_DRAWS, EOT_JPEG_QUALITY
from .parameterisations import NORMS
from .seeds import seed_or_default
from .transforms import Transform, as_transform, camera, jpeg, shot, views

METHODS, STEPS = ATTACK_METHODS, ATTACK_STEPS  # each method's default steps
PGD_STEPS = STEPS["pgd"]
MAX_STEPS = 10_000
SHOTS = 20  # fresh camera shots on which an EOT attack is judged (draws the attack never saw)
SURVIVAL_SHARE = 0.8  # an EOT attack with random transforms succeeds when it fools on at least this share of them
STEP_RULE = {"adam": "1/255, lesson 03's learning rate", "fgsm": "the whole budget",
             "pgd": "2.5 x budget / steps", "mifgsm": "budget / steps", "eot": "2.5 x budget / steps"}
PGD_STEP_SHARE = 2.5  # each PGD step moves 2.5 * budget / steps (Madry et al.'s rule), so the walk can cross the ball
ATTACK_BATCH = 4  # images per step. Memory grows with it; on 2 CPU cores all 13 photos at once were only about a
@dataclass
class AttackResult:
    """What `attack` made, and how well it worked: one row per image.

    `success` is measured where the method makes its promise: for every
    method, the model's top class on the attacked image (the target, or a
    class outside the photo's own and its near neighbours); for EOT, on the
    image as saved (rounded to 8 bits), after `then` (e.g. the JPEG) and, with
    random transforms, on at least SURVIVAL_SHARE of `shots` fresh draws.
    """

    images: np.ndarray  # float32 [n, h, w, 3] in [0, 1], the attacked images
    success: np.ndarray  # bool [n]
    before: np.ndarray  # float32 [n, 1000]: the model's probabilities for the photos
    after: np.ndarray  # float32 [n, 1000]: ... for the attacked images
    linf_255: np.ndarray  # float [n]: each image's largest change of one value, in levels of 255
    l2_255: np.ndarray  # float [n]: each image's Euclidean length of the change, in levels of 255
    method: str
    epsilon_255: float
    norm: str
    labels: list[int]
    targets: list[int] | None
    steps: int  # steps made (the most any image took)
    interrupted: bool  # Ctrl-C stopped it: the images are as far as they got
    seconds: float
    draws: int = 1  # views averaged at each step (EOT)
    as_saved: np.ndarray | None = None  # EOT: bool [n], succeeds as saved (8 bits)
    after_then: np.ndarray | None = None  # EOT: bool [n], succeeds after `then` of the saved image
    shot_share: np.ndarray | None = None  # EOT with random transforms: float [n], share of fresh shots it fools
    shots: int = 0  # how many fresh shots shot_share counts

    @property
    def fooled(self) -> np.ndarray:
        """bool [n]: whether the model's top class on the attacked image is a success (without EOT's promises)."""
        return _successes(self.after.argmax(axis=1), self.labels, self.targets)

    @property
    def count(self) -> int:
        """How many images succeeded."""
        return int(self.success.sum())

    def __repr__(self) -> str:
        aim = "untargeted" if self.targets is None else f"targets {', '.join(sorted({class_name(t) for t in self.targets}))}"
        state = " (interrupted)" if self.interrupted else ""
        extra = ""
        if self.as_saved is not None:
            extra = f"; as saved {int(self.as_saved.sum())}, after `then` {int(self.after_then.sum())}"
            if self.shot_share is not None:
                extra += f", fresh shots {100 * self.shot_share.mean():.0f}% on average"
        return (f"AttackResult({self.method} {self.epsilon_255:g}/255 {self.norm}, {aim}: {self.count} of "
                f"{len(self.success)} succeed{extra}; {self.steps} steps in {self.seconds:.1f}s{state})")


def check_budget_255(epsilon_255: float) -> float:
    """A budget in levels of 255 as a float (ValueError unless it is a number from 0 to 255)."""
    return number("epsilon_255", epsilon_255, 0, 255, hint="epsilon_255 is a budget in levels of 255 (2 means 2/255):")


def check_batch_size(batch_size: int) -> int:
    """A number of images per compiled step (ValueError unless a whole number >= 1)."""
    return whole("batch_size", batch_size, 1, hint="batch_size is how many images go through the model at once,")


def _check_method(method: str, norm: str, steps: int | None) -> int:
    """The method's number of steps, once method, norm and steps are known to go together (else ValueError)."""
    one_of("method", method, METHODS)
    one_of("norm", norm, NORMS)
    if method == "mifgsm" and norm != "linf":
        raise ValueError("mifgsm takes signed steps: an L-inf attack (norm='linf'); for an L2 budget use pgd.")
    if method == "fgsm":
        if steps not in (None, 1):
            raise ValueError(f"fgsm is one step of the whole budget: leave steps unset (got steps={steps!r}); "
                             "for more steps use pgd or mifgsm.")
        return 1
    steps = STEPS[method] if steps is None else steps
    return whole("steps", steps, 1, MAX_STEPS)


def _random_start(images: np.ndarray, epsilon: float, norm: str, rng: np.random.Generator) -> np.ndarray:
    """A random point of the budget's ball around each image (kept in [0, 1])."""
    if norm == "linf":
        change = rng.uniform(-epsilon, epsilon, images.shape)
    else:
        direction = rng.standard_normal(images.shape)
        direction /= np.sqrt((direction**2).sum(axis=(1, 2, 3), keepdims=True))
        change = direction * epsilon * rng.uniform(0, 1, (len(images), 1, 1, 1))
    return np.clip(images + change, 0.0, 1.0).astype(np.float32)


def _eot_threat(transforms, then, draws) -> tuple[Transform | None, Transform | None, int]:
    """EOT's (random transforms, then, draws): by default the camera threat, camera shots saved as JPEG 75."""
    transforms = as_transform(transforms)
    if transforms is None and then is None:
        transforms, then = _default_threat()
    if draws is None:
        draws = EOT_DRAWS if transforms is not None else 1
    views(draws, transforms, then)  # checks draws against the transforms
    return transforms, then, draws


@functools.cache
def _default_threat() -> tuple[Transform, Transform]:
    """The camera and the JPEG of EOT's default threat: the same objects every time, so their compiled step is reused."""
    return camera(), jpeg(EOT_JPEG_QUALITY)


def attack(model: keras.Model, images: np.ndarray, labels: Sequence[int | str], method: str = "pgd",
           epsilon_255: float = 2.0, *, targets: Sequence[int | str] | None = None, steps: int | None = None,
           draws: int | None = None, transforms: Transform | list[Transform] | None = None,
           then: Transform | None = None, norm: str = "linf", step_255: float | None = None,
           random_start: bool | None = None, until_fooled: bool = False, stop_at: float | None = None,
           seed: int | None = None, shots: int = SHOTS, batch_size: int = ATTACK_BATCH,
           callback: Callable[[int, int], None] | None = None) -> AttackResult:
    """Attack a batch of photos within a budget; returns an AttackResult.

    images: [n, size, size, 3] (or one image) in [0, 1] at the model's size;
        labels: each image's true class (name or id).
    method: "adam", "fgsm", "pgd" (default), "mifgsm" or "eot" (module docstring).
    epsilon_255: the budget in levels of 255, L-inf or L2 (`norm`).
    targets: None for an untargeted attack, which pushes down the
        probability of the true class and its near neighbours together (what
        `fooled` asks of it); else a class for each image, pushed up.
    steps: how many steps (default: STEPS[method]); step_255: how far each
        goes, in levels of 255 (default: STEP_RULE[method]).
    random_start: start from a random point of the budget (default: pgd and eot do).
    draws, transforms, then (eot): each step averages the loss over `draws`
        views of each image (lib.transforms.views): the image itself, and
        draws - 1 random draws of `transforms`, every view then going through
        `then`. Leave all three unset for the camera threat: camera shots
        (lib.transforms.camera()) and a JPEG at quality 75, EOT_DRAWS views.
        EOT_DRAWS views of 224 x 224 take about EOT_DRAWS times a PGD step.
    shots (eot with transforms): the fresh random draws it is judged on.
    until_fooled: stop each image at the first step at which it succeeds and
        keep it as it was then; only the others take the next step (for
        success rates, where only whether it gets there counts: a stopped
        image is barely across the line). stop_at (targeted): stop each
        image once p(target) >= stop_at. Neither with eot.
    seed: the random start and the transforms' draws (None: the run's seed,
        SEECAT_SEED, lib.seeds); EOT's fresh shots come from a stream of
        their own, never the attack's.
    batch_size: how many images go through the model at once (memory grows
        with it); for eot, views: batch_size // draws photos at a time, at
        least one. Without transforms the result does not depend on it.
    callback: called as callback(steps done, steps in all) after every step
        (with several parts of batch_size photos, counted over all of them).
    Ctrl-C (or the notebook's stop button) ends it early: the result holds
    the images as far as they got, with `interrupted` True.
    """
    began = time.perf_counter()
    check_model(model)
    batch = check_image(images)
    size = model_input_size(model)
    if batch.shape[1:3] != (size, size):
        raise ValueError(f"{model.name} takes {size}x{size} images, got {batch.shape[2]}x{batch.shape[1]}; load them "
                         f"with lib.load_image(path, size={size}).")
    steps = _check_method(method, norm, steps)
    true = _labels(labels, len(batch), "labels")
    wanted = None if targets is None else _labels(targets, len(batch), "targets")
    eot = method == "eot"
    if eot:
        transforms, then, draws = _eot_threat(transforms, then, draws)
    elif transforms is not None or then is not None or draws is not None:
        raise ValueError(f"draws, transforms and then belong to method='eot' (expectation over transformation), "
                         f"not {method!r}.")
    if (until_fooled or stop_at is not None) and eot:
        raise ValueError("until_fooled and stop_at judge each step's own forward pass, which EOT's views make "
                         "random: leave them unset for eot (its result says where it survives).")
    if stop_at is not None and wanted is None:
        raise ValueError(f"stop_at is a probability for a targeted attack (targets=...), got {stop_at!r} without targets.")
    if stop_at is not None:
        number("stop_at", stop_at, 0, 1, low_open=True, hint="stop_at is a probability for a targeted attack,")
    whole("shots", shots, 1, 1000)
    check_batch_size(batch_size)
    epsilon, seed = check_budget_255(epsilon_255) / 255, seed_or_default(seed)
    if step_255 is not None:
        number("step_255", step_255, 0, 255, hint="step_255 is how far each step goes, in levels of 255 (0.5 means half "
                                                   "a level):")
    step = _default_step(method, epsilon, steps) if step_255 is None else step_255 / 255
    random_start = method in ("pgd", "eot") if random_start is None else bool(random_start)
    attacked, made, interrupted = batch.copy(), 0, False
    if epsilon > 0 and step > 0:
        compiled = compiled_attack(model, batch.shape[1:], method, norm, transforms, then, draws or 1)
        photos_per_pass = max(1, batch_size // (draws or 1))  # EOT's views count: memory grows with the views
        attacked, made, interrupted = _run(compiled, batch, true, wanted, epsilon, step, steps, seed, random_start,
                                           until_fooled, stop_at, photos_per_pass, callback)
    seconds = time.perf_counter() - began
    before, after = predict_batch(model, batch), predict_batch(model, attacked)
    change = attacked.astype(np.float64) - batch.astype(np.float64)
    result = AttackResult(attacked, np.zeros(len(batch), bool), before, after,
                          np.abs(change).max(axis=(1, 2, 3)) * 255, np.sqrt((change**2).sum(axis=(1, 2, 3))) * 255,
                          method, epsilon * 255, norm, true, wanted, made, interrupted, seconds, draws or 1)
    result.success = result.fooled
    if eot:
        _judge_eot(model, result, transforms, then, shots, seed)
    return result


def _default_step(method: str, epsilon: float, steps: int) -> float:
    """Each step's size in [0, 1] units (STEP_RULE)."""
    return {"adam": 1 / 255, "fgsm": epsilon, "mifgsm": epsilon / steps}.get(method, PGD_STEP_SHARE * epsilon / steps)


def _run(compiled: CompiledAttack, batch: np.ndarray, true: list[int], wanted: list[int] | None, epsilon: float,
         step: float, steps: int, seed: int, random_start: bool, until_fooled: bool, stop_at: float | None,
         batch_size: int, callback: Callable[[int, int], None] | None) -> tuple[np.ndarray, int, bool]:
    """The attack's loop, a part of the batch at a time: (the attacked images, steps made, whether interrupted)."""
    current = _random_start(batch, epsilon, compiled.norm, np.random.default_rng(seed)) if random_start else batch.copy()
    compiled.direction.assign(1.0 if wanted is None else -1.0)
    compiled.rate.assign(step)
    compiled.update.restart(seed)
    aims = np.stack([aim(true[k] if wanted is None else wanted[k], wanted is None) for k in range(len(batch))])
    attacked, most, parts = batch.copy(), 0, _parts(np.arange(len(batch)), batch_size)
    for index, part in enumerate(parts):
        going, made = part, 0  # going: the images of this part that take the next step
        load(compiled, batch[going], current[going], aims[going], epsilon)
        compiled.update.forget()
        try:
            for made in range(1, steps + 1):
                _, probabilities, scored = compiled.update()
                if callback is not None:
                    callback(index * steps + made, len(parts) * steps)
                if until_fooled or stop_at is not None:
                    done = _done(probabilities.numpy(), going, true, wanted, stop_at)
                    if done.any():  # these stop as they were scored; the others go on, fewer at a time
                        attacked[going[done]] = scored.numpy()[done]
                        current[going[~done]] = compiled.pixels.image().numpy()[~done]
                        compiled.update.keep(~done)
                        going = going[~done]
                        if not len(going):
                            break
                        load(compiled, batch[going], current[going], aims[going], epsilon)
        except KeyboardInterrupt:  # Ctrl-C or the notebook's stop button: keep the attack as far as it got
            attacked[going] = compiled.pixels.image().numpy()
            later = "" if part[-1] == len(batch) - 1 else f"; {_images_named(part[-1] + 1, len(batch))} left untouched"
            print(f"Interrupted after {made - 1} of {steps} steps on {_images_named(part[0], part[-1] + 1)}: "
                  f"returning the images as they are now{later}.")
            return attacked, max(most, made - 1), True
        if len(going):
            attacked[going] = compiled.pixels.image().numpy()
        most = max(most, made)
    return attacked, most, False


def _done(probabilities: np.ndarray, going: np.ndarray, true: list[int], wanted: list[int] | None,
          stop_at: float | None) -> np.ndarray:
    """bool [len(going)]: which images stop here (until_fooled: they succeed; stop_at: p(target) reached it)."""
    if stop_at is not None:
        return np.array([probabilities[row, wanted[k]] >= stop_at for row, k in enumerate(going)])
    return _successes(probabilities.argmax(axis=1), [true[k] for k in going],
                      None if wanted is None else [wanted[k] for k in going])


def _judge_eot(model: keras.Model, result: AttackResult, transforms: Transform | None, then: Transform | None,
               shots: int, seed: int) -> None:
    """Fill in where an EOT attack must succeed: as saved, after `then`, and on fresh shots (with transforms)."""
    saved = np.round(result.images * 255).astype(np.float32) / 255  # what a PNG file keeps
    judge = {"labels": result.labels, "targets": result.targets}
    result.as_saved = fooled(model, saved, **judge)
    result.after_then = result.as_saved if then is None else fooled(model, transformed(saved, then, seed), **judge)
    result.success = result.as_saved & result.after_then
    if transforms is not None:
        result.shots = shots
        result.shot_share = survival(model, saved, result.labels, shot(transforms, then), draws=shots,
                                     targets=result.targets, seed=seed)
        result.success &= result.shot_share >= SURVIVAL_SHARE


def pgd(model: keras.Model, images: np.ndarray, labels: Sequence[int | str], epsilon_255: float, *,
        steps: int = PGD_STEPS, **settings) -> np.ndarray:
    """`attack(..., method="pgd").images`: projected gradient descent, the attacked images float32 [n, h, w, 3].

    A shortcut for the lessons; every keyword of `attack` (norm, targets,
    step_255, random_start, until_fooled, seed, batch_size) works here too.
    """
    return attack(model, images, labels, "pgd", epsilon_255, steps=steps, **settings).images


def fgsm(model: keras.Model, images: np.ndarray, labels: Sequence[int | str], epsilon_255: float, *,
         targets: Sequence[int | str] | None = None, **settings) -> np.ndarray:
    """`attack(..., method="fgsm").images`: the fast gradient sign method, one signed step of the whole L-inf budget."""
    return attack(model, images, labels, "fgsm", epsilon_255, targets=targets, **settings).images


def _images_named(first: int, stop: int) -> str:
    """Images first..stop-1 of a batch, counted from 1 for people: "image 3", "images 3 to 5"."""
    return f"image {first + 1}" if stop - first == 1 else f"images {first + 1} to {stop}"


def _parts(indices: np.ndarray, batch_size: int) -> list[np.ndarray]:
    """`indices` in the fewest parts of at most batch_size, as equal as can be: at 4, 13 images go as 4 + 3 + 3 + 3."""
    return np.array_split(indices, math.ceil(len(indices) / batch_size)) if len(indices) else []


# --- "does an attack within this budget fool the model?": lesson 05's exercise 5 and its checker -------------------

FOOLS_NUM_STEPS = 10
FOOLS_STEP_SHARE = 0.25  # Adam's learning rate as a share of the budget: the budget's edge in about 4 steps
FOOLS_STOP_AT = 0.5  # above 0.5 the target is surely the top class: no need to go on


def fools_attack(model: keras.Model, image: np.ndarray, target: int | str, epsilon_255: float,
                 num_steps: int = FOOLS_NUM_STEPS) -> AttackResult:
    """`fools`' fixed attack on one image float32 [size, size, 3] in [0, 1]: Adam (lesson 03's loop), targeted."""
    epsilon_255 = check_budget_255(epsilon_255)
    own = int(predict_batch(model, check_image(image))[0].argmax())  # the photo's class, as the model sees it
    return attack(model, image, [own], "adam", epsilon_255, targets=[target], steps=num_steps,
                  step_255=FOOLS_STEP_SHARE * epsilon_255, stop_at=FOOLS_STOP_AT)


def fools(model: keras.Model, image: np.ndarray, target: int | str, epsilon_255: float,
          num_steps: int = FOOLS_NUM_STEPS) -> bool:
    """Whether a fixed, short attack within an L-inf budget makes `target` the model's top class.

    The attack: `attack(..., method="adam")`, lesson 03's loop, on the
    cross-entropy of `target` within epsilon_255/255, each step's learning
    rate a quarter of the budget, at most `num_steps` steps (it stops once
    p(target) >= 0.5). image: float32 [size, size, 3] in [0, 1].
    epsilon_255: the budget in levels of 255 (2 means 2/255).
    """
    return bool(fools_attack(model, image, target, epsilon_255, num_steps).success[0])
