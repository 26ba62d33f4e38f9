"""A second opinion: would a network that never saw the image agree on what it shows?

The network that made an image is a biased judge: the image was tuned to its
every quirk. A *different* network, shown the finished image untransformed,
is a fairer test of whether the image shows the class or only fools one model.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

from . import quiet  # noqa: F401  (imports TensorFlow without its start-up log lines)
import keras
import numpy as np

from .classes import class_id_of, class_name
from .images import check_image, resize_and_crop
from .models import model_input_size, predict
from .names import short_name


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


class Jury:
    """Judges that give their opinion of each image once, and remember it (a lesson asks about an image many times).

    judges: models that took no part in making the images. maker: the model that made them, whose p heads each
    caption; None: no such line. `jury(result, target)` -> one `Opinion` per judge, in the order of `judges`.
    """

    def __init__(self, judges: Sequence[keras.Model], maker: keras.Model | None = None):
        self.judges, self.maker = list(judges), maker
        if not self.judges:
            raise ValueError("a Jury needs at least one judge, e.g. lib.Jury([lib.load_model('squeezenet1_1')]).")
        if maker is not None and maker.name in {judge.name for judge in self.judges}:
            raise ValueError(f"{maker.name!r} made the images, so it is no fair judge of them: choose the judges "
                             f"among the other models of lib.model_names().")
        self._answers: dict = {}  # (judge, id(result), class) -> (result, Opinion); the result kept, its id its own

    def __call__(self, result, target: int | str) -> list[Opinion]:
        """Each judge's `second_opinion` of `result.image` (a Result of lib.ideal_image or lib.optimise_image)."""
        if not hasattr(result, "image"):
            raise ValueError(f"a Jury judges the Result of lib.ideal_image or lib.optimise_image, got "
                             f"{type(result).__name__}; for a bare image use lib.second_opinion(judge, image, target).")
        target_id = class_id_of(target)
        for judge in self.judges:
            key = (judge.name, id(result), target_id)
            if key not in self._answers:
                self._answers[key] = result, second_opinion(judge, result.image, target_id)
        return [self._answers[(judge.name, id(result), target_id)][1] for judge in self.judges]

    def caption(self, result, target: int | str, brief: bool = False) -> str:
        """Lines for under the image: the maker's p, then each judge's rank and p ("Lite2: #1, p = 0.84").

        brief: one line per judge, its rank and ✓ (the target in its top 5) or ✗ ("Lite2 #3 ✓"), no maker line.
        """
        opinions = self(result, target)
        if brief:
            return "\n".join(f"{short_name(opinion.judge)} #{opinion.target_rank} {'✓' if opinion.agrees else '✗'}"
                             for opinion in opinions)
        lines = [] if self.maker is None else [f"{short_name(self.maker.name)}: p = {result.probability:.2f}"]
        lines += [f"{short_name(opinion.judge)}: #{opinion.target_rank}, p = {opinion.target_probability:.2f}"
                  for opinion in opinions]
        return "\n".join(lines)
