"""A second opinion: would a network that never saw the image agree on what it shows?

The network that made an image is a biased judge: the image was tuned to its
every quirk. A *different* network, shown the finished image untransformed,
is a fairer test of whether the image shows the class or only fools one model.
"""

from __future__ import annotations

from dataclasses import dataclass

from . import quiet  # noqa: F401  (imports TensorFlow without its start-up log lines)
import keras
import numpy as np

from .classes import class_id_of, class_name
from .images import check_image, resize_and_crop
from .models import model_input_size, predict


@dataclass
class Opinion:
    """What a judge model says of an image."""

    judge: str  # the judge model's name
    target: int
    target_probability: float
    target_rank: int  # 1 = the judge's top class
    top: list[tuple[int, str, float]]  # (id, name, probability), best first

    @property
    def agrees(self) -> bool:
        """Whether the target is among the judge's top-5 classes."""
        return self.target_rank <= 5

    def __str__(self) -> str:
        verdict = "agrees" if self.agrees else "disagrees"
        return (f"{self.judge} {verdict}: p({class_name(self.target)!r}) = {self.target_probability:.3f}, "
                f"rank {self.target_rank}; top: {self.top[0][1]!r} {self.top[0][2]:.2f}")


def second_opinion(judge: keras.Model, image: np.ndarray, target: int | str, k: int = 5) -> Opinion:
    """Ask `judge` about `image` (float32 [h, w, 3] in [0, 1]), resized to its input size."""
    target_id = class_id_of(target)
    probabilities = predict(judge, resize_and_crop(check_image(image)[0], model_input_size(judge)))
    order = np.argsort(probabilities)[::-1]
    rank = int(np.nonzero(order == target_id)[0][0]) + 1
    top = [(int(i), class_name(int(i)), float(probabilities[i])) for i in order[:k]]
    return Opinion(judge.name, target_id, float(probabilities[target_id]), rank, top)
