"""Attribution: which pixels of a photo made the network say its class, and is the answer faithful?

`explain(model, image, target, method)` returns a map [height, width] >= 0
at the image's own size: large where the pixels mattered for `target`.

    gradient              |d logit / d pixel| (Simonyan et al. 2013): fast, noisy
    smoothgrad            the gradient averaged over noisy copies (Smilkov et al. 2017)
    integrated_gradients  (image - baseline) x the gradient averaged on the straight
                          path from a baseline (black, or the image blurred) to the image
                          (Sundararajan et al. 2017); the attributions add up to
                          logit(image) - logit(baseline), about (`path_points`)
    gradcam               the last feature map, weighted by the gradient's mean on each
                          channel (Selvaraju et al. 2017): coarse, about objects
    occlusion             how much p(target) drops when a grey patch hides each place
                          (Zeiler & Fergus 2014): slow, needs no gradient at all

A map can look convincing and still not explain the model: lib.faithfulness
tests whether it does (`deletion_curve`, `randomised_top`).
"""

from __future__ import annotations

import weakref
from typing import Sequence

import numpy as np
from . import quiet  # noqa: F401  (imports TensorFlow without its start-up log lines)
import keras
import tensorflow as tf

from . import compiled
from ._validate import number, one_of, whole
from .classes import class_id_of
from .images import check_image, check_one_image
from .layers import feature_model, find_layer, last_feature_layer
from .models import check_model, model_input_size, predict_batch
from .names import ATTRIBUTION_METHODS
from .seeds import seed_or_default
from .transforms import gaussian_blur, resize_to

# method -> its settings and their defaults; batch_size=1 runs the same maths one image at a time
METHODS: dict[str, dict[str, object]] = {
    "gradient": {},
    "smoothgrad": {"samples": 32, "noise": 0.15, "batch_size": 8, "seed": None},  # None: the run's seed
    "integrated_gradients": {"steps": 32, "baseline": "black", "batch_size": 8},  # the map; the sum needs 64
    "gradcam": {"layer": None},
    "occlusion": {"patch": 32, "stride": 16, "fill": 0.5, "batch_size": 16},
}
assert tuple(METHODS) == ATTRIBUTION_METHODS  # the command line checks names against lib.names, without TensorFlow
BASELINES = ("black", "blur")
BLUR_SIGMA = 0.05  # the blurred baseline (and what the deletion curve puts in): sigma = 5% of the image's side

def _gradient_function(model: keras.Model, height: int, width: int):
    """Compiled: images [n, height, width, 3], class id -> (d logit[class] / d images, logits); traced once for any n."""
    size, reference = model_input_size(model), weakref.ref(model)  # weak: the cache must not keep the model alive

    @tf.function(input_signature=[tf.TensorSpec([None, height, width, 3], tf.float32), tf.TensorSpec([], tf.int32)])
    def gradients(images, class_id):
        with tf.GradientTape() as tape:
            tape.watch(images)
            logits = reference()(resize_to(images, size), training=False)
            score = tf.reduce_sum(logits[:, class_id])
        return tape.gradient(score, images), logits

    return gradients


def _gradcam_function(model: keras.Model, layer: str):
    """Compiled: one image [1, h, w, 3], class id -> the Grad-CAM map [h, w] (before scaling)."""
    features, size = feature_model(model, (layer,)), model_input_size(model)

    @tf.function(reduce_retracing=True)
    def gradcam(image, class_id):
        with tf.GradientTape() as tape:
            activations, logits = features(resize_to(image, size), training=False)
            score = logits[0, class_id]
        weights = tf.reduce_mean(tape.gradient(score, activations), axis=[1, 2], keepdims=True)  # one per channel
        cam = tf.nn.relu(tf.reduce_sum(weights * activations, axis=-1, keepdims=True))  # [1, h', w', 1]
        return tf.image.resize(cam, tf.shape(image)[1:3], method="bilinear")[0, :, :, 0]

    return gradcam


def _batches(count: int, batch_size: int):
    for start in range(0, count, batch_size):
        yield start, min(count, start + batch_size)


def _mean_gradient(model: keras.Model, images: np.ndarray, class_id: int, batch_size: int,
                   weights: np.ndarray | None = None) -> np.ndarray:
    """The gradient of the class's logit, averaged over images [n, h, w, 3] (weighted by `weights` [n], summing
    to 1, or all alike), sent through in batches."""
    height, width = images.shape[1:3]
    gradients = compiled.cached(model, "gradients", (height, width), lambda: _gradient_function(model, height, width))
    weights = np.full(len(images), 1.0 / len(images)) if weights is None else weights
    total = np.zeros(images.shape[1:], np.float64)
    for start, stop in _batches(len(images), batch_size):
        batch_gradients, _ = gradients(tf.constant(images[start:stop]), tf.constant(class_id, tf.int32))
        total += np.tensordot(weights[start:stop], batch_gradients.numpy(), axes=1)
    return total.astype(np.float32)


def _gradient(model, image, class_id) -> np.ndarray:
    return np.abs(_mean_gradient(model, image, class_id, 1)).max(axis=-1)


def _smoothgrad(model, image, class_id, samples, noise, batch_size, seed) -> np.ndarray:
    rng = np.random.default_rng(seed_or_default(seed))
    noisy = (image + rng.normal(0.0, noise, (samples, *image.shape[1:]))).astype(np.float32)
    return np.abs(_mean_gradient(model, noisy, class_id, batch_size)).max(axis=-1)


def make_baseline(image: np.ndarray, baseline: str = "black") -> np.ndarray:
    """Integrated gradients' starting point for `image` [h, w, 3]: "black" (all 0) or "blur" (the image blurred)."""
    one_of("baseline", baseline, BASELINES)
    image = check_image(image)
    if baseline == "black":
        return np.zeros_like(image[0])
    sigma = BLUR_SIGMA * max(image.shape[1:3])
    return gaussian_blur(image, sigma).numpy()[0]


PATH_POWER = 3  # integrated gradients' steps sit at alpha = t**3 for evenly spaced t: closer near the baseline


def path_points(steps: int) -> tuple[np.ndarray, np.ndarray]:
    """Where integrated gradients reads the gradient: alphas float64 [steps] in (0, 1), and weights [steps] summing to 1.

    The path from the baseline (alpha 0) to the image (alpha 1) is cut into
    `steps` pieces at alpha = t**3 for t evenly spaced, and the gradient is
    read at each piece's middle t, weighted by the piece's length (3 t**2 /
    steps, then scaled to add up to 1): the pieces are short near the
    baseline, where a classifier's logit rises fastest (Lite0 gets most of
    the cat's logit between 2% and 5% of the way from black), and long near
    the image, where it hardly changes. At 64 steps the sum missed the
    logit difference by up to 7% on the 13 photos of data/photos (both
    baselines), against up to 45% with evenly spaced steps (seven of them).
    """
    middles = (np.arange(steps) + 0.5) / steps
    weights = PATH_POWER * middles ** (PATH_POWER - 1)
    return middles**PATH_POWER, weights / weights.sum()


def integrated_gradients(model: keras.Model, image: np.ndarray, target: int | str, baseline: str = "black",
                         steps: int = 64, batch_size: int = 8) -> tuple[np.ndarray, float]:
    """Signed attributions [h, w, 3] of integrated gradients, and logit(image) - logit(baseline).

    The attributions add up to about that difference (the "completeness" of
    the method): the path integral is a sum over `steps` points
    (`path_points`). More steps bring the sum closer on the whole, though not
    at every count, since the gradient jumps about along the path; 64, the
    default here, came within 7% on seecat's photos. `explain` shows |their
    sum over the three colours|, with half as many steps by default.
    """
    check_model(model)
    image, class_id = check_one_image(image, "integrated_gradients"), class_id_of(target)
    _check_settings("integrated_gradients", {"steps": steps, "baseline": baseline, "batch_size": batch_size},
                    *image.shape[1:3])
    start = make_baseline(image, baseline)[None]
    alphas, weights = path_points(steps)
    path = (start + alphas[:, None, None, None] * (image - start)).astype(np.float32)  # [steps, h, w, 3]
    attributions = (image[0] - start[0]) * _mean_gradient(model, path, class_id, batch_size, weights)
    height, width = image.shape[1:3]
    gradients = compiled.cached(model, "gradients", (height, width), lambda: _gradient_function(model, height, width))
    _, logits = gradients(tf.constant(np.concatenate([image, start])), tf.constant(class_id, tf.int32))
    return attributions, float(logits[0, class_id] - logits[1, class_id])


def _integrated_gradients(model, image, class_id, steps, baseline, batch_size) -> np.ndarray:
    attributions, _ = integrated_gradients(model, image, class_id, baseline, steps, batch_size)
    return np.abs(attributions.sum(axis=-1))


def _gradcam(model, image, class_id, layer) -> np.ndarray:
    layer = last_feature_layer(model).name if layer is None else find_layer(model, layer).name
    function = compiled.cached(model, "gradients", ("gradcam", layer), lambda: _gradcam_function(model, layer))
    return function(tf.constant(image), tf.constant(class_id)).numpy()


def hide_square(image: np.ndarray, top: int, left: int, size: int, fill: float = 0.5) -> np.ndarray:
    """A copy of `image` [height, width, 3] with a grey square (fill 0.5) of `size` pixels at (top, left)."""
    image = check_image(image)[0]
    height, width = image.shape[:2]
    for name, value, low, high in (("size", size, 1, min(height, width)), ("top", top, 0, None), ("left", left, 0, None)):
        high = high if high is not None else (height if name == "top" else width) - size  # the square must fit
        whole(name, value, low, high, unit="pixels")
    hidden = image.copy()
    hidden[top:top + size, left:left + size] = fill
    return hidden


def occlusion_positions(height: int, width: int, patch: int, stride: int) -> list[tuple[int, int]]:
    """Top-left corners of the patches: every `stride` pixels, and flush with the far edges."""
    def starts(side: int) -> list[int]:
        last = max(0, side - patch)
        return sorted(set(range(0, last + 1, stride)) | {last})

    return [(top, left) for top in starts(height) for left in starts(width)]


def _occlusion(model, image, class_ids: list[int], patch, stride, fill, batch_size) -> np.ndarray:
    """One map per class [len(class_ids), h, w]: each hidden image goes through the model once for all the classes."""
    height, width = image.shape[1:3]
    positions = occlusion_positions(height, width, patch, stride)
    count = np.zeros((height, width), np.float32)
    for top, left in positions:
        count[top:top + patch, left:left + patch] += 1.0
    # A square over pixels that already have the fill's value changes nothing: its drop is 0, no need to ask the model
    changed = [(top, left) for top, left in positions if np.any(image[0, top:top + patch, left:left + patch] != fill)]
    before = predict_batch(model, image)[0, class_ids]  # [classes]
    drop_sum = np.zeros((len(class_ids), height, width), np.float32)
    for start, stop in _batches(len(changed), batch_size):
        masks = np.zeros((stop - start, height, width, 1), np.float32)
        for index, (top, left) in enumerate(changed[start:stop]):
            masks[index, top:top + patch, left:left + patch] = 1.0
        hidden = image * (1.0 - masks) + fill * masks
        drops = before - predict_batch(model, hidden, batch_size)[:, class_ids]  # [squares, classes]
        drop_sum += np.tensordot(drops.T, masks[..., 0], axes=1)
    return np.maximum(drop_sum / np.maximum(count, 1.0), 0.0)


_FUNCTIONS = {"gradient": _gradient, "smoothgrad": _smoothgrad, "integrated_gradients": _integrated_gradients,
              "gradcam": _gradcam}  # occlusion takes all the classes at once


def _check_settings(method: str, settings: dict, height: int, width: int) -> dict:
    """The method's settings, defaults filled in; a setting it doesn't have or a bad value is refused."""
    one_of("method", method, METHODS)
    unknown = sorted(set(settings) - set(METHODS[method]))
    if unknown:
        allowed = ", ".join(METHODS[method]) or "none"
        raise ValueError(f"{method} has no setting {', '.join(unknown)}; its settings are: {allowed}.")
    options = {**METHODS[method], **settings}
    ranges = {"samples": (1, 4096), "batch_size": (1, 4096), "steps": (1, 4096), "seed": (0, 2**32 - 1),
              "patch": (1, min(height, width)), "stride": (1, min(height, width))}
    for name, (low, high) in ranges.items():
        value = options.get(name, low)
        if not (name == "seed" and value is None):  # None: the run's seed (lib.seeds)
            whole(name, value, low, high, hint=f"{method}'s {name} must be")
    for name in ("noise", "fill"):
        number(name, options.get(name, 0.5), 0, 1, hint=f"{method}'s {name} is in pixel units,")
    one_of("baseline", options.get("baseline", "black"), BASELINES, hint="integrated_gradients' baseline must be")
    layer = options.get("layer")
    if layer is not None and not isinstance(layer, str):
        raise ValueError(f"gradcam's layer is a layer's name such as 'block5_conv3', got {layer!r}.")
    return options


def top_class(model: keras.Model, image: np.ndarray) -> int:
    """The class the model gives the highest probability to `image` (any size; resized for the model)."""
    return int(np.argmax(predict_batch(model, check_image(image))[0]))


def explain(model: keras.Model, image: np.ndarray, target: int | str | None | Sequence[int | str] = None,
            method: str = "gradcam", **settings) -> np.ndarray:
    """Where `model` looks in `image` when it says `target`: a map float32 [height, width] >= 0.

    image: float32 [height, width, 3] in [0, 1], any size (the model sees it
        resized; the map is at the image's own size).
    target: a class name or id; None explains the model's top class. A list
        of classes gives one map per class, float32 [classes, height, width]
        (occlusion then hides each square once for all of them).
    method: one of METHODS (see the module's docstring). Settings, each
        optional: smoothgrad: samples=32, noise=0.15 (std in pixel units);
        integrated_gradients: steps=32, baseline="black" or "blur" (the map's
            ranks hardly change with more: rank correlation 0.97-0.98 with
            128 steps on the cat and the scene of lesson 07; their sum needs
            more, see `integrated_gradients`);
        gradcam: layer (default: the last feature map, lib.layers);
        occlusion: patch=32, stride=16 (pixels), fill=0.5 (grey);
        batch_size: how many images go through the model at once (1 is the
        unbatched reference; same map, slower).
    Larger means more important for `target`; the units differ between
    methods, so compare maps by their ranking (or each scaled to its peak).
    """
    check_model(model)
    batch = check_one_image(image, "explain")
    options = _check_settings(method, settings, *batch.shape[1:3])
    several = isinstance(target, (list, tuple))
    if several and not target:
        raise ValueError("target is an empty list: give one or more class names or ids (or None for the top class).")
    names = target if several else [target]
    class_ids = [top_class(model, batch) if name is None else class_id_of(name) for name in names]
    if method == "occlusion":
        maps = _occlusion(model, batch, class_ids, **options)
    else:
        maps = np.stack([_FUNCTIONS[method](model, batch, class_id, **options) for class_id in class_ids])
    return maps.astype(np.float32) if several else maps[0].astype(np.float32)


def quarter_shares(importance: np.ndarray) -> dict[str, float]:
    """The share of a map's total in each quarter of the image: {"top left": ..., ...}, adding up to 1."""
    importance = np.asarray(importance, np.float64)
    middle_row, middle_column = importance.shape[0] // 2, importance.shape[1] // 2
    total = importance.sum() or 1.0
    quarters = {"top left": importance[:middle_row, :middle_column], "top right": importance[:middle_row, middle_column:],
                "bottom left": importance[middle_row:, :middle_column],
                "bottom right": importance[middle_row:, middle_column:]}
    return {name: float(part.sum() / total) for name, part in quarters.items()}


