"""Explanations: importance maps laid over the photo, and deletion curves that test them."""

from __future__ import annotations

import math
from typing import Sequence

import numpy as np
from matplotlib.figure import Figure

from ..classes import class_name
from ..images import one_image
from ._common import NOTEBOOK_WIDTH, PANEL_SIZE, RUN_COLOURS, _new_figure, _show_image

EXPLANATION_COLOURS = "inferno"  # dark = unimportant, bright = important; readable in grey and by the colour-blind
MAP_PERCENTILE = 99.0  # each map is scaled so that this percentile is 1: one bright pixel can't darken the rest
EXPLANATION_COLUMNS = 4  # more panels than this go on two or more rows, so each stays large enough to read


def scale_map(importance: np.ndarray) -> np.ndarray:
    """A map >= 0 scaled to [0, 1]: its 99th percentile (or its peak, if that is 0) becomes 1."""
    importance = np.asarray(importance, dtype=np.float64)
    if importance.ndim != 2 or not np.all(np.isfinite(importance)) or importance.min() < 0:
        raise ValueError(f"a map must be [height, width] of finite values >= 0 (from lib.explain), "
                         f"got shape {importance.shape}.")
    top = np.percentile(importance, MAP_PERCENTILE) or importance.max() or 1.0
    return np.clip(importance / top, 0.0, 1.0)


def show_explanation(image: np.ndarray, maps: np.ndarray | Sequence[np.ndarray], titles: Sequence[str] | None = None,
                     opacity: float = 0.6) -> Figure:
    """The photo, then each map laid over it: one panel per method, one colour scale, one colour bar.

    Up to four panels share a row; more are spread over rows of at most four
    (the photo and five maps: two rows of three).

    image: float32 [height, width, 3] in [0, 1].
    maps: one map [height, width] >= 0 (from `lib.explain`) or a list of them,
        each scaled to [0, 1] by its 99th percentile, since the methods
        measure importance in different units.
    opacity: how strongly the map covers the (greyed) photo, 0 to 1.
    """
    image = one_image(image)
    maps = [maps] if isinstance(maps, np.ndarray) and maps.ndim == 2 else list(maps)
    if not maps:
        raise ValueError("maps is empty: pass at least one map from lib.explain.")
    if titles is not None and len(titles) != len(maps):
        raise ValueError(f"titles must have one title per map: {len(maps)} maps, but {len(titles)} titles.")
    scaled = [scale_map(importance) for importance in maps]
    for index, importance in enumerate(scaled):
        if importance.shape != image.shape[:2]:
            raise ValueError(f"maps[{index}] is {importance.shape}, but the image is {image.shape[:2]}: "
                             f"explain the same image you show.")
    panels = len(maps) + 1
    columns = panels if panels <= EXPLANATION_COLUMNS else math.ceil(panels / math.ceil(panels / EXPLANATION_COLUMNS))
    rows = math.ceil(panels / columns)
    side = min(PANEL_SIZE, (NOTEBOOK_WIDTH - 0.6) / columns)
    figure, grid = _new_figure(rows, columns, side * columns + 0.6, (side + 0.55) * rows, squeeze=False)
    axes = list(grid.ravel()[:panels])
    for unused in grid.ravel()[panels:]:
        unused.remove()
    _show_image(axes[0], image, "photo")
    grey = image.mean(axis=-1, keepdims=True).repeat(3, axis=-1) * 0.7  # dimmed, so the colours stand out
    for index, importance in enumerate(scaled):
        _show_image(axes[index + 1], grey, None if titles is None else titles[index])
        shown = axes[index + 1].imshow(importance, cmap=EXPLANATION_COLOURS, vmin=0.0, vmax=1.0, alpha=opacity)
    bar = figure.colorbar(shown, ax=axes, shrink=0.8 if rows == 1 else 0.5, pad=0.01)
    bar.set_label("importance (1 = the map's\n99th percentile)", fontsize=8)
    return figure


DELETION_STYLES = (("-", "o"), ("--", "s"), ("-.", "^"), (":", "D"), ("-", "v"), ("--", "P"), ("-.", "X"))
BASELINE_COLOUR = "grey"  # random order, the yardstick a map must beat


def _deletion_line(axes, label: str, curves, style: tuple[str, str], colour: str, with_area: bool) -> None:
    """One map's curve, or the mean of several (e.g. random orders) with their range shaded."""
    curves = list(curves) if isinstance(curves, (list, tuple)) else [curves]
    if not curves or not all(all(hasattr(curve, name) for name in ("fractions", "probabilities", "area", "target"))
                             for curve in curves):  # a DeletionCurve (lib.faithfulness, which plotting need not import)
        raise ValueError(f"curves[{label!r}] must be what lib.deletion_curve returns, or a list of them; "
                         f"got {curves!r}.")
    fractions = curves[0].fractions
    if any(curve.fractions.shape != fractions.shape or not np.allclose(curve.fractions, fractions) for curve in curves):
        raise ValueError(f"the curves of {label!r} must remove the same shares of pixels (the same steps).")
    probabilities = np.array([curve.probabilities for curve in curves])
    area = float(np.mean([curve.area for curve in curves]))
    text = label if len(curves) == 1 else f"{label}: mean of {len(curves)}, range shaded"
    text += f" (area {area:.3f})" if with_area else ""
    baseline = "random" in label
    linestyle, marker = ("--", None) if baseline else style
    axes.plot(fractions, probabilities.mean(axis=0), label=text, color=BASELINE_COLOUR if baseline else colour,
              linestyle=linestyle, marker=marker, markersize=4, linewidth=2.2 if baseline else 1.4)
    if len(curves) > 1:
        axes.fill_between(fractions, probabilities.min(axis=0), probabilities.max(axis=0),
                          color=BASELINE_COLOUR if baseline else colour, alpha=0.2, linewidth=0)


def show_deletion_curves(curves: dict, title: str | None = None) -> Figure:
    """p(target) against the share of pixels removed, one line per map (from `lib.deletion_curve`).

    curves: {label: DeletionCurve, or a list of them}, or {panel title:
        {label: ...}} for panels side by side (e.g. two photos). A list, such
        as several random orders, is drawn as its mean, with the range of its
        curves shaded. A label containing "random" is drawn thick, grey and
        dashed, without markers: the baseline a map must beat. Every other
        line has its own marker and line style as well as its colour, so the
        lines stay apart in grey print. With one panel the legend gives each
        line's area under the curve (lower: the map found the pixels that
        matter sooner; for a list, the mean of its curves' areas); with
        several, one legend below them names the lines (print the areas).
    """
    if not isinstance(curves, dict) or not curves:
        raise ValueError("curves must be a dict {label: DeletionCurve} (or {panel: {label: DeletionCurve}}) "
                         "with at least one curve.")
    panels = curves if all(isinstance(value, dict) for value in curves.values()) else {title or "": curves}
    if any(not lines for lines in panels.values()):
        raise ValueError("each panel of curves must be a dict {label: DeletionCurve} with at least one curve.")
    wide = len(panels) > 1
    figure, grid = _new_figure(1, len(panels), NOTEBOOK_WIDTH if wide else NOTEBOOK_WIDTH * 0.62,
                               4.0 if wide else 3.4, squeeze=False, sharey=wide)
    labels = list(dict.fromkeys(label for lines in panels.values() for label in lines if "random" not in label))
    for axes, (panel, lines) in zip(grid[0], panels.items()):
        for label, line in lines.items():
            index = labels.index(label) if label in labels else 0
            _deletion_line(axes, label, line, DELETION_STYLES[index % len(DELETION_STYLES)],
                           RUN_COLOURS[index % len(RUN_COLOURS)], with_area=not wide)
        targets = {curve.target for line in lines.values()
                   for curve in (line if isinstance(line, (list, tuple)) else [line])}
        axes.set(xlabel="share of pixels removed (most important first)", xlim=(0, 1))
        axes.set_ylabel(f"p({class_name(targets.pop())})" if len(targets) == 1 else "p(target)")
        axes.spines[["top", "right"]].set_visible(False)
        axes.grid(alpha=0.3)
        if not wide:
            axes.legend(fontsize=8, loc="best")
        if panel:
            axes.set_title(panel, fontsize=10)
    highest = max(axes.dataLim.y1 for axes in grid[0])  # every line and band, in every panel
    for axes in grid[0]:
        axes.set_ylim(0, 1.05 * highest if highest > 0 else 1)
    if wide:
        handles = {text: handle for axes in grid[0] for handle, text in zip(*axes.get_legend_handles_labels())}
        figure.legend(handles.values(), handles.keys(), loc="outside lower center", ncol=3, fontsize=8.5, frameon=False)
        if title:
            figure.suptitle(title, fontsize=11)
    return figure
