"""What makes an image look like a photo, in numbers: its spectrum and how its colours vary together.

A photo is mostly large shapes with a little detail on top: the amplitude of
its waves falls about as 1/f with the frequency f. Its red, green and blue
rise and fall together. Pixel noise has neither property (lesson 06).
"""

from __future__ import annotations

import numpy as np

from .images import one_image
from .parameterisations import frequencies

MIN_SPECTRUM_SIZE = 4  # the smallest square with a wave between the slowest and the fastest


def ring_of_each_coefficient(size: int) -> np.ndarray:
    """The frequency of each coefficient of a real 2-D FFT of a size x size image, rounded to whole cycles per image.

    Returns int [size, size // 2 + 1]; coefficients of the same ring are waves
    of (about) the same frequency, in any direction.
    """
    return np.round(frequencies(size) * size).astype(int)  # |frequency| in cycles per pixel, times the size


def spectrum(image: np.ndarray) -> np.ndarray:
    """Mean amplitude of the image's brightness at each spatial frequency: 1, 2, ... size/2 - 1 cycles per image.

    image: float [size, size, 3] in [0, 1], square. Its brightness (the mean of
    R, G and B, less its mean) goes through a 2-D FFT; the amplitudes of the
    coefficients in each ring of frequency are averaged. Returns float64
    [size // 2 - 1]: entry k - 1 for k cycles per image. A cosine of amplitude
    a at k cycles adds a * size**2 / 2 to one coefficient of ring k.
    """
    image = one_image(image)
    size = image.shape[0]
    if image.shape[1] != size or size < MIN_SPECTRUM_SIZE:
        raise ValueError(f"spectrum needs a square image of at least {MIN_SPECTRUM_SIZE}x{MIN_SPECTRUM_SIZE} pixels, "
                         f"got {image.shape[1]}x{size}; crop it square first, "
                         f"e.g. lib.images.resize_and_crop(image, 224).")
    grey = image.mean(axis=-1) - image.mean()  # (size, size) brightness around 0
    rings = ring_of_each_coefficient(size).ravel()
    amplitude = np.bincount(rings, np.abs(np.fft.rfft2(grey)).ravel()) / np.maximum(np.bincount(rings), 1)
    return amplitude[1 : size // 2]


def colour_correlation(image: np.ndarray) -> float:
    """Mean correlation between the R, G and B values of the pixels (R-G, R-B, G-B): 1 when they rise together.

    image: float [height, width, 3] in [0, 1], each channel varying (a flat channel has no correlation).
    """
    pixels = one_image(image).reshape(-1, 3).astype(np.float64)  # (pixels, 3)
    flat = [name for name, channel in zip("RGB", pixels.T) if np.ptp(channel) == 0]
    if flat:
        raise ValueError(f"colour_correlation needs every colour channel to vary, but {', '.join(flat)} has one value "
                         f"throughout (e.g. a plain grey image); pass an image with some colour or brightness change.")
    correlations = np.corrcoef(pixels.T)  # (3, 3)
    return float(np.mean(correlations[np.triu_indices(3, k=1)]))
