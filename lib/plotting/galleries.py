"""Images side by side: galleries, before and after, an image with its top classes, and images with verdicts."""

from __future__ import annotations

import math
from typing import Sequence

import numpy as np
from matplotlib.figure import Figure

from ..classes import NUM_CLASSES, class_id_of, class_name
from .._validate import number, whole
from ..images import change_size_255, one_image
from ._common import (BAR_COLOUR, NOTEBOOK_WIDTH, PANEL_SIZE, TARGET_COLOUR, _format_255, _format_probability,
                      _new_figure, _show_image)


def _check_probabilities(probabilities: np.ndarray) -> np.ndarray:
    """Check a softmax output and return it as float64 [1000]."""
    values = np.asarray(probabilities, dtype=np.float64)
    values = values[0] if values.ndim == 2 and values.shape[0] == 1 else values
    if values.shape != (NUM_CLASSES,):
        raise ValueError(f"probabilities must have shape ({NUM_CLASSES},), one per ImageNet class, "
                         f"but was {np.shape(probabilities)}.")
    if values.min() < 0 or values.max() > 1 or not math.isclose(values.sum(), 1.0, abs_tol=1e-3):
        raise ValueError(
            f"probabilities must be in [0, 1] and sum to 1, but range from {values.min():.3g} to {values.max():.3g} "
            f"and sum to {values.sum():.3g}; pass softmax outputs, e.g. lib.predict(model, image), not logits."
        )
    return values


def _top_k_rows(probabilities: np.ndarray, k: int, target_id: int | None) -> list[tuple[int, str]]:
    """(class id, label) of the k most probable classes, then the target's "#rank name" if it is not among them."""
    order = np.argsort(probabilities)[::-1]  # class ids, most probable first
    rows = [(int(i), class_name(int(i))) for i in order[:k]]
    if target_id is not None and target_id not in order[:k]:
        rank = int(np.flatnonzero(order == target_id)[0]) + 1
        rows.append((target_id, f"#{rank} {class_name(target_id)}"))
    return rows


def _draw_bars(axes, labels: list[str], values: list[float], colours: list[str], separator_after: int) -> None:
    """Horizontal probability bars, top to bottom, each with its value; a dashed line after `separator_after` rows."""
    positions = np.arange(len(values), dtype=float)
    positions[separator_after:] += 0.5  # room for the separator
    axes.barh(positions, values, color=colours, height=0.7)
    for position, value in zip(positions, values):
        inside = value > 0.8  # a long bar holds its value in white, so it stays within the axis
        axes.text(value - 0.01 if inside else value + 0.01, position, _format_probability(value), va="center",
                  ha="right" if inside else "left", color="white" if inside else "black", fontsize=9)
    if separator_after < len(values):
        axes.axhline(separator_after - 0.25, color="grey", linestyle="--", linewidth=0.8)
    axes.set_yticks(positions, labels)
    for label, colour in zip(axes.get_yticklabels(), colours):
        label.set_color("black" if colour == BAR_COLOUR else colour)
    axes.set(xlim=(0, 1), ylim=(positions[-1] + 0.6, -0.6), xlabel="probability")
    axes.spines[["top", "right"]].set_visible(False)


def show_top_k(image: np.ndarray, probabilities: np.ndarray, k: int = 5, title: str | None = None,
               target: int | str | None = None) -> Figure:
    """The image beside a bar chart of its k most probable classes.

    image: float32 [height, width, 3] in [0, 1].
    probabilities: float [1000], softmax outputs (e.g. `lib.predict(model, image)`).
    target: a class name or id to highlight; if it is not in the top k, its
        rank and probability are added below a separator.
    """
    image, probabilities = one_image(image), _check_probabilities(probabilities)
    k = whole("k", k, 1, NUM_CLASSES)
    target_id = None if target is None else class_id_of(target)
    rows = _top_k_rows(probabilities, k, target_id)
    height = max(2.8, 0.4 * len(rows) + 1.0)
    figure, (image_axes, bar_axes) = _new_figure(1, 2, NOTEBOOK_WIDTH, height, width_ratios=(1, 1.7))
    _show_image(image_axes, image)
    colours = [TARGET_COLOUR if class_id == target_id else BAR_COLOUR for class_id, _ in rows]
    _draw_bars(bar_axes, [label for _, label in rows], [probabilities[i] for i, _ in rows], colours, k)
    bar_axes.set_title(f"top {k} of {NUM_CLASSES} classes", fontsize=10)
    if title:
        figure.suptitle(title)
    return figure


def show_images(images: Sequence[np.ndarray] | np.ndarray, titles: Sequence[str] | None = None,
                columns: int | None = None) -> Figure:
    """A row (or grid) of images with titles, for galleries and comparisons.

    images: a list of float32 [height, width, 3] in [0, 1], or [count, height, width, 3].
    titles: one per image, or None. columns: images per row (default: up to 5).
    """
    images = [images] if len(getattr(images, "shape", ())) == 3 else images  # one image on its own
    images = [one_image(image, f"images[{index}]") for index, image in enumerate(images)]
    if not images:
        raise ValueError("images is empty: pass at least one image.")
    if titles is not None and len(titles) != len(images):
        raise ValueError(f"titles must have one title per image: {len(images)} images, but {len(titles)} titles.")
    columns = None if columns is None else whole("columns", columns, 1, hint="columns must be None (up to 5) or")
    columns = min(columns or 5, len(images))
    rows = math.ceil(len(images) / columns)
    side = min(PANEL_SIZE, NOTEBOOK_WIDTH / columns)
    figure, grid = _new_figure(rows, columns, side * columns, side * rows + 0.3, squeeze=False)
    for index, axes in enumerate(grid.ravel()):
        if index < len(images):
            _show_image(axes, images[index], None if titles is None else titles[index])
        else:
            axes.remove()
    return figure


def show_change(before: np.ndarray, after: np.ndarray, magnify: float | None = None,
                title: str | None = None) -> Figure:
    """Before, after, and their difference magnified around mid-grey (grey = unchanged).

    before, after: float32 [height, width, 3] in [0, 1], of the same shape.
    magnify: the difference is drawn as diff * magnify + 0.5, clipped to [0, 1];
        None picks the largest whole factor that keeps the biggest change in range.
    """
    linf, l2 = change_size_255(before, after)
    before, after = one_image(before, "before"), one_image(after, "after")
    if magnify is None:
        fitting = 0.5 * 255 / linf if linf > 0 else 1.0
        magnify = math.floor(fitting) if fitting >= 1 else fitting
    else:
        magnify = number("magnify", magnify, 0, None, low_open=True, hint="magnify must be None (the largest factor "
                         "that fits) or")
    difference = np.clip((after - before) * magnify + 0.5, 0.0, 1.0)
    figure, panels = _new_figure(1, 3, 3 * PANEL_SIZE, PANEL_SIZE + 0.7)
    _show_image(panels[0], before, "before")
    _show_image(panels[1], after, "after")
    _show_image(panels[2], difference, f"difference \u00d7 {magnify:.3g}")
    figure.supxlabel(f"size of the change: L-inf {_format_255(linf)}/255, L2 {_format_255(l2)}/255", fontsize=10)
    if title:
        figure.suptitle(title)
    return figure


def show_judged_row(results: Sequence, titles: Sequence[str], target: int | str | Sequence[int | str], jury,
                    brief: bool = False) -> Figure:
    """The results' images side by side, each with the verdicts of a `lib.Jury` underneath.

    results: what `lib.ideal_image` or `lib.optimise_image` returned, one per image.
    target: the class the judges are asked about, for every image; or a list, one class per image (a gallery).
    brief: each judge's "Lite2 #3 ✓" (✓: the target in its top 5), instead of the making model's p and each
        judge's rank and p ("Lite2: #1, p = 0.84").
    """
    results = list(results)
    if not all(hasattr(result, "image") for result in results):
        raise ValueError("results must be what lib.ideal_image or lib.optimise_image returns, one per image; "
                         "for bare images use lib.show_images.")
    targets = [target] * len(results) if isinstance(target, (str, int, np.integer)) else list(target)
    if len(targets) != len(results):
        raise ValueError(f"target must be one class, or a list of one class per image: {len(results)} images, "
                         f"but {len(targets)} targets.")
    if not callable(getattr(jury, "caption", None)):
        raise ValueError(f"jury must be a lib.Jury (e.g. lib.Jury(judges, maker=model)), got {type(jury).__name__}.")
    figure = show_images([result.image for result in results], titles, columns=len(results) or None)
    for axes, result, name in zip(figure.axes, results, targets):
        axes.set_xlabel(jury.caption(result, name, brief=brief), fontsize=9)
    return figure
