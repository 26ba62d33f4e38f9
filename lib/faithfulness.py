"""Is an attribution map faithful to the model? Two tests of lib.attribution's maps, and a way to compare maps.

A map can look convincing and still not explain the model.
`deletion_curve` removes the most important pixels first and watches
p(target) fall (faster than removing them at random, if the map is
faithful), and `randomised_top` scrambles the classifier's top layers
(Adebayo et al. 2018): a map that barely changes was not explaining them.
`rank_correlation` says how alike two maps are.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass

import numpy as np
from . import quiet  # noqa: F401  (imports TensorFlow without its start-up log lines)
import keras

from ._validate import whole
from .attribution import make_baseline
from .classes import class_id_of, class_name
from .images import check_one_image
from .layers import _check_single
from .models import check_model, predict_batch
from .seeds import seed_or_default


def rank_correlation(first: np.ndarray, second: np.ndarray) -> float:
    """Spearman's rank correlation of two maps of the same shape (ties share their mean rank)."""
    first, second = np.asarray(first, np.float64), np.asarray(second, np.float64)
    if first.shape != second.shape:
        raise ValueError(f"the maps must have the same shape, got {first.shape} and {second.shape}.")
    first, second = first.ravel(), second.ravel()

    def ranks(values: np.ndarray) -> np.ndarray:
        _, inverse, counts = np.unique(values, return_inverse=True, return_counts=True)
        ends = np.cumsum(counts)
        return (ends - (counts - 1) / 2.0)[inverse]

    first, second = ranks(first), ranks(second)
    first, second = first - first.mean(), second - second.mean()
    denominator = np.sqrt((first**2).sum() * (second**2).sum())
    return float((first * second).sum() / denominator) if denominator else 0.0


@dataclass
class DeletionCurve:
    """p(target) as more and more of the image is removed (replaced by its blurred self), most important first."""

    fractions: np.ndarray  # share of pixels removed, 0 to 1
    probabilities: np.ndarray  # p(target) after removing that share
    target: int

    @property
    def area(self) -> float:
        """Area under the curve: the mean p(target) over the removal; the lower, the more faithful the map."""
        return float(np.sum((self.probabilities[1:] + self.probabilities[:-1]) / 2 * np.diff(self.fractions)))

    @property
    def relative_area(self) -> float:
        """The area as a share of p(target) before any removal: comparable between images and classes."""
        return self.area / float(self.probabilities[0]) if self.probabilities[0] > 0 else float("nan")

    def __repr__(self) -> str:
        return f"DeletionCurve(p({class_name(self.target)!r}) {self.probabilities[0]:.2f} -> " \
               f"{self.probabilities[-1]:.2f}, area {self.area:.3f})"


def deletion_curve(model: keras.Model, image: np.ndarray, target: int | str, importance: np.ndarray | None = None,
                   steps: int = 20, seed: int | None = None, batch_size: int = 8) -> DeletionCurve:
    """Remove pixels in order of `importance` (most important first), in `steps` equal parts, scoring each time.

    importance: a map [height, width] from `explain`; None removes the
        pixels in a random order (seeded; seed None: the run's seed), the baseline a map must beat.
    Removed pixels take the values of the blurred image (as the "blur"
    baseline), which hides detail without painting new edges.
    """
    check_model(model)
    batch, class_id = check_one_image(image, "deletion_curve"), class_id_of(target)
    for name, value in (("steps", steps), ("batch_size", batch_size)):
        whole(name, value, 1, 4096, hint=f"deletion_curve's {name} must be")
    height, width = batch.shape[1:3]
    rng = np.random.default_rng(seed_or_default(seed))
    if importance is None:
        importance = rng.random((height, width))
    importance = np.asarray(importance, np.float64)
    if importance.shape != (height, width):
        raise ValueError(f"the map must be [height, width] = {(height, width)} like the image, got {importance.shape}.")
    if not np.all(np.isfinite(importance)):
        raise ValueError("the map holds NaN or infinite values: explain the image again (lib.explain's maps are finite).")
    order = np.lexsort((rng.random(importance.size), -importance.ravel()))  # ties in random order
    blurred = make_baseline(batch[0], "blur")
    counts = np.round(np.linspace(0, importance.size, steps + 1)).astype(int)
    images = np.empty((steps + 1, height, width, 3), np.float32)
    for index, count in enumerate(counts):
        removed = np.zeros(importance.size, bool)
        removed[order[:count]] = True
        images[index] = np.where(removed.reshape(height, width, 1), blurred, batch[0])
    scores = predict_batch(model, images, batch_size)[:, class_id]
    return DeletionCurve(counts / importance.size, scores, class_id)


@contextlib.contextmanager
def randomised_top(model: keras.Model, count: int = 2, seed: int | None = None):
    """Inside `with`, the model's top `count` layers with weights get random ones; restored afterwards.

    Adebayo et al.'s sanity check (2018): if a map hardly changes when what
    the model learnt is scrambled, it was not explaining what it learnt.
    Kernels are redrawn from a normal distribution of the same mean and
    spread as the trained ones; batch normalisation is left as it is.
    seed: the random weights; None: the run's seed (lib.seeds).
    Yields the names of the layers randomised.
    """
    _check_single(model)  # an ensemble's layers are its members: nothing would be randomised
    whole("count", count, 1, hint="count must be a number of layers,")
    chosen = [layer for layer in model.layers if isinstance(layer, (keras.layers.Conv2D, keras.layers.Dense))]
    chosen = chosen[::-1][:count]
    saved = [layer.get_weights() for layer in chosen]
    rng = np.random.default_rng(seed_or_default(seed))
    try:
        for layer, weights in zip(chosen, saved):
            layer.set_weights([rng.normal(w.mean(), w.std(), w.shape).astype(w.dtype) for w in weights])
        yield [layer.name for layer in chosen]
    finally:
        for layer, weights in zip(chosen, saved):
            layer.set_weights(weights)
