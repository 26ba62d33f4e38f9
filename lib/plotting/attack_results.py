"""Attacks measured: the share of photos fooled against the budget, and which model's attack fools which model."""

from __future__ import annotations

from typing import Sequence

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure

from ._common import CURVE_STYLES, NOTEBOOK_WIDTH, RUN_COLOURS, _new_figure


def _rates(values, name: str, count: int | None = None) -> np.ndarray:
    """Success rates as float64, each a share in [0, 1] (ValueError naming `name` otherwise)."""
    rates = np.asarray(values, dtype=np.float64)
    if rates.ndim != 1 or (count is not None and len(rates) != count) or not np.all((rates >= 0) & (rates <= 1)):
        raise ValueError(f"{name} must hold {count or 'some'} success rates, each a share from 0 to 1 "
                         f"(lib.success_rate's values), got {np.asarray(values).tolist()!r}.")
    return rates


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
