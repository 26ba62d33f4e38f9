"""Notebook widgets: pick a class by typing its name, watch an optimisation live."""

from __future__ import annotations

import io
from typing import TYPE_CHECKING

import ipywidgets as widgets
import numpy as np
from PIL import Image

from .classes import class_id_of, class_name, class_names
from .images import to_uint8

if TYPE_CHECKING:
    from .optimise import Progress

PNG_COMPRESS_LEVEL = 1  # fast rather than small: the bytes only travel to the browser


def class_picker(default: int | str = "Siamese cat") -> widgets.Combobox:
    """A text box that completes ImageNet class names; `.value` is the chosen name.

    default: the class shown at first, a name or an id.
    """
    return widgets.Combobox(
        value=class_name(class_id_of(default)),
        options=class_names(),
        ensure_option=True,
        placeholder="type a class name, e.g. Siamese cat",
        description="class",
        layout=widgets.Layout(width="26em"),
    )


def png_bytes(image: np.ndarray) -> bytes:
    """PNG file bytes of an image float32 [height, width, 3] in [0, 1]."""
    buffer = io.BytesIO()
    Image.fromarray(to_uint8(image)).save(buffer, "PNG", compress_level=PNG_COMPRESS_LEVEL)
    return buffer.getvalue()


class LiveView:
    """Shows an optimisation as it runs: `optimise_image(..., callback=view)`.

    num_steps: the bar's length; None takes it from each Progress.
    target: a class name or id, to name the probability in the label.
    every: redraw the image every `every` steps (the bar and label follow every call).
    scale: on-screen size of the image, in multiples of its pixels.
    """

    def __init__(self, num_steps: int | None = None, target: int | str | None = None, every: int = 1,
                 scale: float = 2):
        if num_steps is not None and (isinstance(num_steps, bool) or not isinstance(num_steps, int) or num_steps < 0):
            raise ValueError(f"num_steps must be a whole number >= 0 or None, got {num_steps!r}.")
        if isinstance(every, bool) or not isinstance(every, int) or every < 1:
            raise ValueError(f"every must be a whole number >= 1, got {every!r}.")
        if isinstance(scale, bool) or not isinstance(scale, (int, float)) or not 0 < scale <= 16:
            raise ValueError(f"scale must be a number in (0, 16], e.g. 2 for double size, got {scale!r}.")
        self.num_steps, self.every, self.scale = num_steps, every, scale
        self.target_name = None if target is None else class_name(class_id_of(target))
        self.image = widgets.Image(format="png")
        self.progress = widgets.IntProgress(value=0, min=0, max=max(num_steps or 1, 1), description="")
        self.label = widgets.Label("waiting for the first step...")
        self.widget = widgets.VBox([self.image, widgets.HBox([self.progress, self.label])])

    def __call__(self, progress: Progress) -> None:
        """Update the bar, the label and (every `every` steps) the image from a Progress."""
        num_steps = progress.num_steps if self.num_steps is None else self.num_steps
        self.progress.max = max(num_steps, 1)
        self.progress.value = min(progress.step, self.progress.max)
        self.label.value = self.describe(progress, num_steps)
        if progress.step % self.every == 0 or progress.step >= num_steps:
            self.show(progress.image)

    def describe(self, progress: Progress, num_steps: int) -> str:
        """The label text, e.g. "step 12/200 · p(Siamese cat) = 0.734 · loss 0.31"."""
        parts = [f"step {progress.step}/{num_steps}"]
        if progress.probability is not None:
            parts.append(f"p({self.target_name or 'target'}) = {progress.probability:.3f}")
        parts.append(f"loss {progress.loss:.3g}")
        return " \u00b7 ".join(parts)

    def show(self, image: np.ndarray) -> None:
        """Put an image float32 [height, width, 3] in [0, 1] on screen, scaled by `scale`."""
        height, width = image.shape[:2]
        self.image.width, self.image.height = str(round(width * self.scale)), str(round(height * self.scale))
        self.image.value = png_bytes(image)

    def _repr_mimebundle_(self, **kwargs):
        return self.widget._repr_mimebundle_(**kwargs)
