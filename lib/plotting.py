"""Pictures for lessons: predictions, image galleries, changes and training curves.

Every function returns a matplotlib `Figure`, which a notebook shows exactly
once when it is the cell's last value (after `fig = show_...(...)`, show it
with `fig` or `display(fig)`; in a script, `fig.savefig("out.png")`).
Images are drawn as they are, in [0, 1], never stretched to their min-max.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Sequence

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from .classes import NUM_CLASSES, class_id_of, class_name
from .images import change_size_255, one_image

if TYPE_CHECKING:
    from .optimise import Result

BAR_COLOUR = "#8da0b3"  # an ordinary class
TARGET_COLOUR = "#e4572e"  # the target class, everywhere
LOSS_COLOUR = "#3b6ea8"
RUN_COLOURS = ("#3b6ea8", "#59a14f", "#b07aa1", "#edc948", "#76b7b2", "#9c755f", "#bab0ac", "#e4572e")
# Several runs in one history also differ in line style and marker, so they stay apart without colour
RUN_LINE_STYLES, RUN_MARKERS, MARKERS_PER_LINE = ("-", ":", "-."), ("o", "s", "^", "D", "v", "P", "X", "*"), 12
STOP_AT = 0.9  # optimise_image's default early-stop probability
NOTEBOOK_WIDTH = 9.0  # inches: about the width of a notebook cell
PANEL_SIZE = 2.6  # inches per image in galleries and comparisons


def _new_figure(rows: int, columns: int, width: float, height: float, **kwargs) -> tuple[Figure, np.ndarray]:
    """A figure and its axes, released by pyplot so that returning it displays it once.

    pyplot loads the notebook's backend (which draws a returned Figure); left
    open, the figure would be drawn a second time at the end of the cell.
    """
    figure, axes = plt.subplots(rows, columns, figsize=(width, height), layout="constrained", **kwargs)
    plt.close(figure)
    return figure, axes


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


def _format_probability(value: float) -> str:
    return f"{value:.3f}" if value >= 0.001 or value == 0 else f"{value:.2g}"


def _format_255(value: float) -> str:
    return f"{value:.1f}" if value < 100 else f"{value:.0f}"


def _show_image(axes, image: np.ndarray, title: str | None = None) -> None:
    """Draw an image in [0, 1] as it is (no rescaling), without ticks."""
    axes.imshow(image, vmin=0.0, vmax=1.0, interpolation="nearest")
    axes.set_xticks([])
    axes.set_yticks([])
    if title:
        axes.set_title(title, fontsize=10)


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
    if isinstance(k, bool) or not isinstance(k, int) or not 1 <= k <= NUM_CLASSES:
        raise ValueError(f"k must be a whole number from 1 to {NUM_CLASSES}, got {k!r}.")
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
    if columns is not None and (isinstance(columns, bool) or not isinstance(columns, int) or columns < 1):
        raise ValueError(f"columns must be a whole number >= 1 or None, got {columns!r}.")
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
    elif isinstance(magnify, bool) or not isinstance(magnify, (int, float)) or not 0 < magnify < math.inf:
        raise ValueError(f"magnify must be a positive number or None, got {magnify!r}.")
    difference = np.clip((after - before) * magnify + 0.5, 0.0, 1.0)
    figure, panels = _new_figure(1, 3, 3 * PANEL_SIZE, PANEL_SIZE + 0.7)
    _show_image(panels[0], before, "before")
    _show_image(panels[1], after, "after")
    _show_image(panels[2], difference, f"difference \u00d7 {magnify:.3g}")
    figure.supxlabel(f"size of the change: L-inf {_format_255(linf)}/255, L2 {_format_255(l2)}/255", fontsize=10)
    if title:
        figure.suptitle(title)
    return figure


def _target_label(result: Result) -> str:
    return "no target" if result.target is None else f"p({class_name(result.target)})"


def show_history(result_or_results: Result | Sequence[Result], labels: Sequence[str] | None = None,
                 stop_at: float = STOP_AT) -> Figure:
    """Loss and target probability per step, for one `optimise_image` Result or several.

    labels: one legend label per result (default "run 1", "run 2"...).
    stop_at: the early-stop probability, drawn dashed if a run reached it.
    """
    results = list(result_or_results) if isinstance(result_or_results, (list, tuple)) else [result_or_results]
    for result in results:
        if not hasattr(result, "losses") or not hasattr(result, "target_probabilities"):
            raise ValueError(f"show_history takes the Result of lib.optimise_image or a list of them, "
                             f"got {type(result).__name__}.")
    if not results:
        raise ValueError("show_history needs at least one Result, got an empty list.")
    if labels is not None and len(labels) != len(results):
        raise ValueError(f"labels must have one label per result: {len(results)} results, but {len(labels)} labels.")
    show_legend = labels is not None or len(results) > 1
    labels = labels or [f"run {index + 1}" for index in range(len(results))]
    figure, (loss_axes, probability_axes) = _new_figure(1, 2, NOTEBOOK_WIDTH, 3.2)
    for index, (result, label) in enumerate(zip(results, labels)):
        colour = LOSS_COLOUR if len(results) == 1 else RUN_COLOURS[index % len(RUN_COLOURS)]
        label = label if show_legend else None
        style = {} if len(results) == 1 else {
            "linestyle": RUN_LINE_STYLES[index % len(RUN_LINE_STYLES)], "marker": RUN_MARKERS[index % len(RUN_MARKERS)],
            "markersize": 4, "markevery": max(1, len(result.losses) // MARKERS_PER_LINE)}
        loss_axes.plot(np.arange(len(result.losses)), result.losses, color=colour, label=label, **style)
        probability_colour = TARGET_COLOUR if len(results) == 1 else colour
        probability_axes.plot(np.arange(len(result.target_probabilities)), result.target_probabilities,
                              color=probability_colour, label=label, **style)
    if any(result.reached for result in results):
        probability_axes.axhline(stop_at, color="grey", linestyle="--", linewidth=1, label=f"stop at {stop_at:g}")
    names = {_target_label(result) for result in results}
    loss_axes.set(title="loss", xlabel="step", ylabel="loss")
    probability_axes.set(title=names.pop() if len(names) == 1 else "target probability", xlabel="step",
                         ylabel="probability", ylim=(0, 1))
    for axes in (loss_axes, probability_axes):
        axes.spines[["top", "right"]].set_visible(False)
        axes.grid(alpha=0.3)
        axes.xaxis.set_major_locator(MaxNLocator(integer=True))
    if show_legend or any(result.reached for result in results):
        probability_axes.legend(fontsize=9, loc="best")
    if len(results) == 1 and results[0].target is not None and results[0].target_probabilities:
        result = results[0]
        state = "reached" if result.reached else ("interrupted" if result.interrupted else "ran")
        figure.suptitle(f"{class_name(result.target)}: p = {result.probability:.3f} "
                        f"after {result.num_steps} steps ({state})", fontsize=11)
    return figure


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
                             for curve in curves):  # a DeletionCurve (lib.attribution, which plotting need not import)
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


def _rates(values, name: str, count: int | None = None) -> np.ndarray:
    """Success rates as float64, each a share in [0, 1] (ValueError naming `name` otherwise)."""
    rates = np.asarray(values, dtype=np.float64)
    if rates.ndim != 1 or (count is not None and len(rates) != count) or not np.all((rates >= 0) & (rates <= 1)):
        raise ValueError(f"{name} must hold {count or 'some'} success rates, each a share from 0 to 1 "
                         f"(lib.success_rate's values), got {np.asarray(values).tolist()!r}.")
    return rates


CURVE_STYLES = (("-", "o"), ("--", "s"), (":", "^"), ("-.", "D"), ("-", "v"), ("--", "P"))  # apart without colour


def show_success_curves(curves: dict, budgets: Sequence[float], title: str | None = None) -> Figure:
    """The share of photos each attack fools against its budget (from `lib.success_rate`).

    curves: {attack: rates}, one rate per budget; or {panel: {attack: rates}}
        for panels side by side (e.g. untargeted and targeted).
    budgets: in levels of 255, drawn on a doubling scale.
    Each attack keeps one colour, line style and marker in every panel, so
    the lines stay apart in grey print and for the colour-blind.
    """
    if not isinstance(curves, dict) or not curves:
        raise ValueError("curves must be a dict {attack: rates} (or {panel: {attack: rates}}) with at least one entry.")
    panels = curves if all(isinstance(value, dict) for value in curves.values()) else {title or "": curves}
    budgets = np.asarray(budgets, dtype=np.float64)
    if budgets.ndim != 1 or not len(budgets) or np.any(budgets <= 0):
        raise ValueError(f"budgets must be a list of positive budgets in levels of 255, got {budgets.tolist()!r}.")
    figure, grid = _new_figure(1, len(panels), min(NOTEBOOK_WIDTH, 4.6 * len(panels)), 3.8, squeeze=False,
                               sharey=True)
    attacks = list(dict.fromkeys(name for panel in panels.values() for name in panel))
    for axes, (panel, lines) in zip(grid[0], panels.items()):
        for name, values in lines.items():
            rates, index = _rates(values, f"curves[{name!r}]", len(budgets)), attacks.index(name)
            linestyle, marker = CURVE_STYLES[index % len(CURVE_STYLES)]
            axes.plot(budgets, 100 * rates, linestyle=linestyle, marker=marker, markersize=6, linewidth=1.6,
                      label=name, color=RUN_COLOURS[index % len(RUN_COLOURS)], markerfacecolor="none" if index % 2
                      else None)
        axes.set_xscale("log", base=2)
        axes.set_xticks(budgets, [f"{budget:g}" for budget in budgets])
        axes.minorticks_off()
        axes.set(xlabel="budget (levels of 255)", ylim=(-3, 103), title=panel or title)
        axes.spines[["top", "right"]].set_visible(False)
        axes.grid(alpha=0.3)
        axes.legend(fontsize=9, loc="best")
    grid[0, 0].set_ylabel("photos fooled (%)")
    return figure


def _transfer_cell(value, name: str) -> tuple[float, str]:
    """A cell of a transfer matrix: (its share, its text): a rate, or (fooled, tried) counts."""
    if isinstance(value, (tuple, list)):
        if (len(value) != 2 or any(isinstance(v, bool) or not isinstance(v, (int, np.integer)) for v in value)
                or not 0 <= value[0] <= value[1]):
            raise ValueError(f"{name} must be (fooled, tried), two whole numbers with 0 <= fooled <= tried, "
                             f"got {value!r}.")
        fooled, tried = int(value[0]), int(value[1])
        return (np.nan, "no photo") if tried == 0 else (fooled / tried, f"{fooled} of {tried}\n{100 * fooled / tried:.0f}%")
    rate = float(_rates([value], name)[0])
    return rate, f"{100 * rate:.0f}%"


def show_transfer(rates: dict, title: str | None = None) -> Figure:
    """A matrix of success rates: the attack made on each row's model, tried on each column's model.

    rates: {made on: {tried on: rate}} with the same columns in every row; a
        row may be an ensemble (made on two models at once). A cell may be
        (fooled, tried), two counts, shown as "7 of 13" above the share. Or
        {panel: {made on: {tried on: ...}}} for matrices side by side (e.g.
        one per budget). Cells where the row's model is the column's (the
        white-box attack) are framed.
    """
    if not isinstance(rates, dict) or not rates or not all(isinstance(row, dict) and row for row in rates.values()):
        raise ValueError("rates must be a dict {made on: {tried on: rate}} with at least one row and column.")
    nested = all(isinstance(cell, dict) for row in rates.values() for cell in row.values())
    panels = rates if nested else {title or "": rates}
    first = next(iter(panels.values()))
    columns = list(next(iter(first.values())))
    if any(list(row) != columns or list(matrix) != list(first) for matrix in panels.values() for row in matrix.values()):
        raise ValueError(f"every row of rates must have the same columns, in the same order: {columns}.")
    side = 0.75 + 0.2 * any(isinstance(cell, (tuple, list)) for matrix in panels.values()
                            for row in matrix.values() for cell in row.values())
    width = min(NOTEBOOK_WIDTH, 1.6 + len(panels) * (0.3 + side * len(columns)))
    figure, grid = _new_figure(1, len(panels), width, 1.1 + side * 0.75 * len(first), squeeze=False, sharey=True)
    for axes, (panel, matrix) in zip(grid[0], panels.items()):
        cells = [[_transfer_cell(cell, f"rates[{name!r}][{column!r}]") for column, cell in row.items()]
                 for name, row in matrix.items()]
        shares = np.array([[share for share, _ in row] for row in cells])
        axes.imshow(np.ma.masked_invalid(shares), cmap="Reds", vmin=0, vmax=1, aspect="auto")
        for (row, column), share in np.ndenumerate(shares):
            axes.text(column, row, cells[row][column][1], ha="center", va="center", fontsize=9,
                      color="white" if share > 0.6 else "black")
            if list(matrix)[row] == columns[column]:  # the white-box attack
                axes.add_patch(plt.Rectangle((column - 0.48, row - 0.48), 0.96, 0.96, fill=False, linewidth=2,
                                             edgecolor="black"))
        axes.set_xticks(range(len(columns)), columns, fontsize=9)
        axes.set_yticks(range(len(matrix)), list(matrix), fontsize=9)
        axes.set_xlabel("tried on")
        axes.xaxis.set_label_position("top")
        axes.xaxis.tick_top()
        if panel:
            axes.set_title(panel, fontsize=10, pad=8)
    grid[0, 0].set_ylabel("made on")
    if title and nested:
        figure.suptitle(title, fontsize=11)
    return figure
