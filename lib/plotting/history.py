"""An optimisation's history: its loss and the target's probability, step by step, for one run or several."""

from __future__ import annotations

from typing import TYPE_CHECKING, Sequence

import numpy as np
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from ..classes import class_name
from ._common import (LOSS_COLOUR, MARKERS_PER_LINE, NOTEBOOK_WIDTH, RUN_COLOURS, RUN_LINE_STYLES, RUN_MARKERS,
                      TARGET_COLOUR, _new_figure)

if TYPE_CHECKING:
    from ..optimise import Result

STOP_AT = 0.9  # optimise_image's default early-stop probability


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
