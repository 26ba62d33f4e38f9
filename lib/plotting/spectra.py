"""Spectra: how strong each spatial frequency is in an image, line by line on log-log axes (lesson 06)."""

from __future__ import annotations

import numpy as np
from matplotlib.figure import Figure

from ..image_statistics import spectrum
from ._common import CURVE_STYLES, RUN_COLOURS, _new_figure

SPECTRUM_SIZE = (7.0, 3.8)  # inches
MARK_EVERY = 0.08  # a marker every 8 % of the line's length on screen, evenly spaced on log axes


def show_spectra(images: dict[str, np.ndarray]) -> Figure:
    """The amplitude spectrum of each image (`lib.spectrum`), relative to its slowest wave, on log-log axes.

    images: {label: float32 [size, size, 3] in [0, 1]}, one line each. A photo's spectrum falls about as 1/f,
        a straight line going down; pixel noise stays flat. The lines differ in line style and marker as well
        as colour, so they stay apart in grey print.
    """
    if not isinstance(images, dict) or not images:
        raise ValueError("images must be a dict {label: image} with at least one image, "
                         "e.g. {'cat photo': cat_photo, 'pixel noise': lib.noise_image()}.")
    figure, axes = _new_figure(1, 1, *SPECTRUM_SIZE)
    for index, (label, image) in enumerate(images.items()):
        amplitude = spectrum(image)  # (size // 2 - 1,): 1, 2, ... cycles per image
        linestyle, marker = CURVE_STYLES[index % len(CURVE_STYLES)]
        axes.loglog(np.arange(1, len(amplitude) + 1), amplitude / amplitude[0], label=label, linestyle=linestyle,
                    marker=marker, markevery=MARK_EVERY, markersize=6, linewidth=1.8,
                    color=RUN_COLOURS[index % len(RUN_COLOURS)])
    axes.set(xlabel="frequency (cycles per image)", ylabel="amplitude (relative to the slowest wave)")
    axes.legend(fontsize=10)
    return figure
