"""What every figure shares: its colours, line styles and sizes, a figure that displays once, an image panel."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure

BAR_COLOUR = "#8da0b3"  # an ordinary class
TARGET_COLOUR = "#e4572e"  # the target class, everywhere
LOSS_COLOUR = "#3b6ea8"
RUN_COLOURS = ("#3b6ea8", "#59a14f", "#b07aa1", "#edc948", "#76b7b2", "#9c755f", "#bab0ac", "#e4572e")
# Several runs in one history also differ in line style and marker, so they stay apart without colour
RUN_LINE_STYLES, RUN_MARKERS, MARKERS_PER_LINE = ("-", ":", "-."), ("o", "s", "^", "D", "v", "P", "X", "*"), 12
NOTEBOOK_WIDTH = 9.0  # inches: about the width of a notebook cell
PANEL_SIZE = 2.6  # inches per image in galleries and comparisons
CURVE_STYLES = (("-", "o"), ("--", "s"), (":", "^"), ("-.", "D"), ("-", "v"), ("--", "P"))  # apart without colour


def _new_figure(rows: int, columns: int, width: float, height: float, **kwargs) -> tuple[Figure, np.ndarray]:
    """A figure and its axes, released by pyplot so that returning it displays it once.

    pyplot loads the notebook's backend (which draws a returned Figure); left
    open, the figure would be drawn a second time at the end of the cell.
    """
    figure, axes = plt.subplots(rows, columns, figsize=(width, height), layout="constrained", **kwargs)
    plt.close(figure)
    return figure, axes


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
