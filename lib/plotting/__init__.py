"""Pictures for lessons: predictions, image galleries, changes, training curves, explanations, attacks and spectra.

Every function returns a matplotlib `Figure`, which a notebook shows exactly
once when it is the cell's last value (after `fig = show_...(...)`, show it
with `fig` or `display(fig)`; in a script, `fig.savefig("out.png")`).
Images are drawn as they are, in [0, 1], never stretched to their min-max.

One module per kind of figure: `galleries` (images, changes, top classes,
verdicts), `history` (an optimisation's curves), `explanations` (maps and
deletion curves), `attack_results` (success curves, transfer matrices) and
`spectra`; `_common` holds the colours, styles and sizes they share.
"""

from __future__ import annotations

from ..images import change_size_255  # noqa: F401  (the size a show_change figure prints; kept importable here)
from ._common import (  # noqa: F401  (the figure helpers too, for a module that draws its own figure)
    BAR_COLOUR, CURVE_STYLES, LOSS_COLOUR, MARKERS_PER_LINE, NOTEBOOK_WIDTH, PANEL_SIZE, RUN_COLOURS, RUN_LINE_STYLES,
    RUN_MARKERS, TARGET_COLOUR, _new_figure, _show_image,
)
from .attack_results import show_success_curves, show_transfer
from .explanations import (  # noqa: F401
    BASELINE_COLOUR, DELETION_STYLES, EXPLANATION_COLOURS, MAP_PERCENTILE, scale_map, show_deletion_curves,
    show_explanation,
)
from .galleries import show_change, show_images, show_judged_row, show_top_k
from .history import STOP_AT, show_history  # noqa: F401
from .spectra import show_spectra

__all__ = ["scale_map", "show_change", "show_deletion_curves", "show_explanation", "show_history", "show_images",
           "show_judged_row", "show_spectra", "show_success_curves", "show_top_k", "show_transfer"]
