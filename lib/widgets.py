"""Notebook widgets: pick a class by typing its name, watch an optimisation live, explore maps and channels.

All work with ipywidgets 7 (Colab's) and 8 (JupyterLab's): they display
through `_ipython_display_`, which both versions understand.
"""

from __future__ import annotations

import io
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING

import ipywidgets as widgets
import numpy as np
from IPython.display import display
from PIL import Image, ImageDraw

from ._validate import number, whole
from .classes import class_id_of, class_name, class_names, suggest_classes
from .images import load_image, resize_and_crop, to_uint8
from .names import ATTRIBUTION_METHODS

if TYPE_CHECKING:
    from .optimise import Progress

PNG_COMPRESS_LEVEL = 1  # fast rather than small: the bytes only travel to the browser
PLACEHOLDER_SIZE = 224  # pixels of the grey square shown before the first step
BAR_STYLES = {"reached": "success", "finished": "success", "interrupted": "warning"}


class ClassPicker:
    """A text box that completes ImageNet class names, with a line that says what it understood.

    `.value` is the chosen class's exact name. A name that is not a class is
    shown in red with the closest names, and reading `.value` then raises a
    ValueError that says so: a typo never silently keeps the old class.
    """

    def __init__(self, default: int | str = "Siamese cat"):
        self.combobox = widgets.Combobox(
            value=class_name(class_id_of(default)),
            options=class_names(),
            ensure_option=False,  # keep what the student typed, so that a typo can be shown rather than ignored
            placeholder="type a class name, e.g. Siamese cat",
            description="class",
            layout=widgets.Layout(width="26em"),
        )
        self.status = widgets.HTML()
        self.widget = widgets.VBox([self.combobox, self.status])
        self.combobox.observe(lambda change: self._update(), names="value")
        self._update()

    def _read(self) -> tuple[str | None, list[str]]:
        """(the class's exact name, []) for a class in the box; (None, the closest names) otherwise."""
        try:
            return class_name(class_id_of(self.combobox.value)), []
        except ValueError:
            return None, suggest_classes(self.combobox.value, 4)

    def _update(self) -> None:
        name, closest = self._read()
        if name is None:
            hint = ", ".join(closest) or "search with lib.search_classes(word)"
            self.status.value = (f"<span style='color:#c0392b'>&#10007; {_escape(self.combobox.value)!r} is not an "
                                 f"ImageNet class. Closest: {_escape(hint)}</span>")
        else:
            self.status.value = f"<span style='color:#2e7d32'>&#10003; {_escape(name)} (class {class_id_of(name)})</span>"

    @property
    def value(self) -> str:
        """The exact name of the class typed in the box; ValueError (with the closest names) if it is none."""
        name, closest = self._read()
        if name is None:
            raise ValueError(f"The class picker holds {self.combobox.value!r}, which is not an ImageNet class"
                             + (f"; the closest are {', '.join(map(repr, closest))}" if closest else "")
                             + ". Choose one in the picker, then run this cell again.")
        return name

    @value.setter
    def value(self, target: int | str) -> None:
        self.combobox.value = class_name(class_id_of(target))

    def _ipython_display_(self) -> None:
        display(self.widget)


def class_picker(default: int | str = "Siamese cat") -> ClassPicker:
    """A text box that completes ImageNet class names; `.value` is the chosen name.

    default: the class shown at first, a name or an id.
    """
    return ClassPicker(default)


def _escape(text: str) -> str:
    return str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def png_bytes(image: np.ndarray) -> bytes:
    """PNG file bytes of an image float32 [height, width, 3] in [0, 1]."""
    buffer = io.BytesIO()
    Image.fromarray(to_uint8(image)).save(buffer, "PNG", compress_level=PNG_COMPRESS_LEVEL)
    return buffer.getvalue()


def placeholder_image(size: int = PLACEHOLDER_SIZE) -> np.ndarray:
    """A grey square that says the run has not started: float32 [size, size, 3] in [0, 1]."""
    picture = Image.new("RGB", (size, size), (200, 200, 200))
    ImageDraw.Draw(picture).text((size // 2, size // 2), "waiting for\nthe first step", fill=(90, 90, 90),
                                 anchor="mm", align="center")
    return np.asarray(picture, dtype=np.float32) / 255


class LiveView:
    """Shows an optimisation as it runs: `optimise_image(..., callback=view)`.

    num_steps: the bar's length; None takes it from each Progress.
    target: a class name or id, to name the probability in the label.
    every: redraw the image every `every` steps (the bar and label follow every call).
    scale: on-screen size of the image, in multiples of its pixels.

    Before the first step it shows a grey placeholder; at the end the bar is
    full and the label says why the run ended (target reached, all steps
    run, or interrupted).
    """

    def __init__(self, num_steps: int | None = None, target: int | str | None = None, every: int = 1,
                 scale: float = 2):
        if num_steps is not None:
            whole("num_steps", num_steps, 0, hint="num_steps must be None or")
        whole("every", every, 1)
        number("scale", scale, 0, 16, low_open=True, hint="scale (e.g. 2 for double size) must be")
        self.num_steps, self.every, self.scale = num_steps, every, scale
        self.target_name = None if target is None else class_name(class_id_of(target))
        self.image = widgets.Image(format="png")
        self.progress = widgets.IntProgress(value=0, min=0, max=max(num_steps or 1, 1), description="")
        self.label = widgets.Label("waiting for the first step...")
        self.widget = widgets.VBox([self.image, widgets.HBox([self.progress, self.label])])
        self.show(placeholder_image())

    def __call__(self, progress: Progress) -> None:
        """Update the bar, the label and (every `every` steps, and at the end) the image from a Progress."""
        num_steps = progress.num_steps if self.num_steps is None else self.num_steps
        self.progress.max = max(num_steps, 1)
        ended = progress.stop_reason is not None
        self.progress.value = self.progress.max if ended else min(progress.step, self.progress.max)
        self.progress.bar_style = BAR_STYLES.get(progress.stop_reason, "")
        self.label.value = self.describe(progress, num_steps)
        if progress.step % self.every == 0 or progress.step >= num_steps or ended:
            self.show(progress.image)

    def describe(self, progress: Progress, num_steps: int) -> str:
        """The label text, e.g. "step 12/200 · p(Siamese cat) = 0.734 · loss 0.31"; at the end, why it ended."""
        name = f"p({self.target_name or 'target'})"
        if progress.stop_reason == "reached":
            return (f"reached {name} = {progress.probability:.2f} >= {progress.stop_at:g} at step {progress.step}, "
                    "stopped early")
        parts = [f"step {progress.step}/{num_steps}"]
        if progress.stop_reason == "finished":
            parts = [f"ran all {num_steps} steps"]
        elif progress.stop_reason == "interrupted":
            parts = [f"interrupted after {progress.step} of {num_steps} steps, best image kept"]
        if progress.probability is not None:
            parts.append(f"{name} = {progress.probability:.3f}")
        parts.append(f"loss {progress.loss:.3g}")
        return " \u00b7 ".join(parts)

    def show(self, image: np.ndarray) -> None:
        """Put an image float32 [height, width, 3] in [0, 1] on screen, scaled by `scale`."""
        height, width = image.shape[:2]
        self.image.width, self.image.height = str(round(width * self.scale)), str(round(height * self.scale))
        self.image.value = png_bytes(image)

    def _ipython_display_(self) -> None:
        display(self.widget)


OWN_FILE = "your own file (upload it below)"
ALL_METHODS = "all five"


def uploaded_file(value) -> tuple[str, bytes] | None:
    """(name, bytes) of the file in a FileUpload's value, for ipywidgets 7 (a dict) and 8 (a tuple); None if empty."""
    if not value:
        return None
    if isinstance(value, dict):  # ipywidgets 7: {name: {"metadata": {...}, "content": bytes}}
        name, item = next(iter(value.items()))
        return name, bytes(item["content"])
    item = value[0]  # ipywidgets 8: ({"name": ..., "content": memoryview, ...},)
    return item["name"], bytes(item["content"])


class ExplanationExplorer:
    """Pick a photo (a shipped one or your own file), a class and a method; "Explain" shows the maps.

    model: from lib.load_model. photos: {label: image float32 [h, w, 3] in [0, 1]}.
    By default the maps are for the model's top class; untick the box to
    explain the picker's class instead. Errors (a typo in the class, an unreadable file) are shown
    under the button in plain words.
    """

    def __init__(self, model, photos: dict, default_class: int | str = "Siamese cat"):
        if not photos:
            raise ValueError("photos must hold at least one {label: image}.")
        self.model, self.photos = model, dict(photos)
        self.photo = widgets.Dropdown(options=[*self.photos, OWN_FILE], description="photo")
        self.upload = widgets.FileUpload(accept="image/*", multiple=False, description="upload a photo",
                                         layout=widgets.Layout(width="16em"))  # room for the count, "(1)"
        self.use_top = widgets.Checkbox(value=True, description="explain the model's top class")
        self.picker = ClassPicker(default_class)
        self.method = widgets.Dropdown(options=[ALL_METHODS, *ATTRIBUTION_METHODS], description="method")
        self.button = widgets.Button(description="Explain", button_style="primary")
        self.output = widgets.Output()
        self.button.on_click(lambda _: self.explain())
        self.widget = widgets.VBox([widgets.HBox([self.photo, self.upload]), self.use_top, self.picker.widget,
                                    self.method, self.button, self.output])

    def chosen_image(self) -> tuple[str, np.ndarray]:
        """(label, image at the model's size) for the photo chosen; ValueError if no file was uploaded."""
        from .models import model_input_size

        size = model_input_size(self.model)
        if self.photo.value != OWN_FILE:
            image = self.photos[self.photo.value]
            return self.photo.value, image if image.shape[:2] == (size, size) else resize_and_crop(image, size)
        upload = uploaded_file(self.upload.value)
        if upload is None:
            raise ValueError("No file uploaded yet: click 'upload a photo' and choose a JPEG or PNG, "
                             "or pick a shipped photo.")
        name, content = upload
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder, Path(name).name or "upload")
            path.write_bytes(content)
            try:
                return name, load_image(path, size=size)
            except ValueError as error:  # name the file as the student knows it, not by its temporary path
                raise ValueError(str(error).replace(str(path), name)) from None

    def explain(self) -> None:
        """What the button does: the maps for the chosen photo, class and method(s), or what went wrong."""
        from .attribution import explain, top_class
        from .plotting import show_explanation

        self.output.clear_output(wait=True)
        with self.output:
            try:
                label, image = self.chosen_image()
                target = top_class(self.model, image) if self.use_top.value else class_id_of(self.picker.value)
                methods = ATTRIBUTION_METHODS if self.method.value == ALL_METHODS else (self.method.value,)
                began = time.perf_counter()
                maps = [explain(self.model, image, target, method) for method in methods]
                print(f"{label}: where {self.model.name} looks for {class_name(target)!r} "
                      f"({time.perf_counter() - began:.1f} s)")
                display(show_explanation(image, maps, list(methods)))
            except (ValueError, OSError) as error:
                print(f"\u2717 {error}")

    def _ipython_display_(self) -> None:
        display(self.widget)


def explanation_explorer(model, photos: dict, default_class: int | str = "Siamese cat") -> ExplanationExplorer:
    """A photo chooser (shipped photos or an upload), a class picker and a method menu, with an Explain button."""
    return ExplanationExplorer(model, photos, default_class)


class ChannelExplorer:
    """Pick a layer and a channel; "Visualise" makes its ideal image live, then shows where the photos excite it most.

    model: from lib.load_model. photos: {name: image at the model's size},
    searched for the channel's top patches (lib.top_patches).
    """

    def __init__(self, model, photos: dict, layer: str | None = None, index: int = 0, num_steps: int = 128):
        from .layers import channel_count, layer_names

        if not photos:
            raise ValueError("photos must hold at least one {name: image}.")
        self.model, self.photos, self._count = model, dict(photos), channel_count
        names = layer_names(model)
        self.layer = widgets.Dropdown(options=names, value=layer or names[len(names) // 2], description="layer")
        self.index = widgets.BoundedIntText(value=index, min=0, max=channel_count(model, self.layer.value) - 1,
                                            description="channel")
        self.range = widgets.Label()
        self.steps = widgets.IntSlider(value=num_steps, min=32, max=512, step=32, description="steps")
        self.button = widgets.Button(description="Visualise", button_style="primary")
        self.view = LiveView(num_steps=num_steps, every=8)
        self.output = widgets.Output()
        self.layer.observe(lambda change: self._layer_changed(), names="value")
        self.button.on_click(lambda _: self.visualise())
        self._layer_changed()
        self.widget = widgets.VBox([self.layer, widgets.HBox([self.index, self.range]), self.steps, self.button,
                                    self.view.widget, self.output])

    def _layer_changed(self) -> None:
        count = self._count(self.model, self.layer.value)
        self.index.max = count - 1
        self.range.value = f"0 to {count - 1}"

    def visualise(self) -> None:
        """What the button does: the channel's ideal image (Fourier recipe), then its top patches in the photos."""
        from .features import top_patches
        from .layers import activations
        from .objectives import channel
        from .plotting import show_images
        from .recipes import ideal_image

        layer, index, steps = self.layer.value, int(self.index.value), int(self.steps.value)
        self.output.clear_output(wait=True)
        self.view.num_steps = steps
        with self.output:
            try:
                result = ideal_image(self.model, channel(layer, index), "fourier", num_steps=steps,
                                     callback=self.view, callback_every=4)
                reached = float(activations(self.model, result.image, layer)[..., index].mean())
                patches = top_patches(self.model, self.photos, layer, index)
                titles = [f"{layer} #{index}\nmean {reached:.1f}"] + [f"{p.source}\nbest spot {p.activation:.1f}"
                                                                      for p in patches]
                display(show_images([result.image] + [p.image for p in patches], titles, columns=len(titles)))
            except ValueError as error:
                print(f"\u2717 {error}")

    def _ipython_display_(self) -> None:
        display(self.widget)


def channel_explorer(model, photos: dict, layer: str | None = None, index: int = 0) -> ChannelExplorer:
    """A layer menu and a channel box with a Visualise button: the channel's ideal image, live, and its top patches."""
    return ChannelExplorer(model, photos, layer, index)

