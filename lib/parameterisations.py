"""Ways to describe the image being optimised: plain pixels, or Fourier coefficients.

A parameterisation holds the numbers gradient descent changes (`variable`)
and turns them into an RGB image in [0, 1] (`image()`). Plain pixels are
what lessons 02-05 use. The Fourier one (Olah, Mordvintsev, Schubert,
"Feature Visualization", Distill 2017) describes the image by its spatial
frequencies, scaled by 1/frequency so that smooth, large shapes are as easy
to reach as fine detail, and mixes colours through the colour correlations of
natural photos, then squashes with a sigmoid into [0, 1].
"""

from __future__ import annotations

import numpy as np
from . import quiet  # noqa: F401  (imports TensorFlow without its start-up log lines)
import tensorflow as tf

from ._validate import number, one_of, whole
from .images import check_image, noise_image
from .seeds import seed_or_default

# Square root of the colour correlation matrix of ImageNet photos (rows: R, G, B),
# as measured for lucid; its columns are the "natural" colour directions.
COLOUR_CORRELATION_SQRT = np.array([[0.26, 0.09, 0.02],
                                    [0.27, 0.00, -0.05],
                                    [0.27, -0.09, 0.03]], dtype=np.float32)
COLOUR_MATRIX = COLOUR_CORRELATION_SQRT / np.max(np.linalg.norm(COLOUR_CORRELATION_SQRT, axis=0))
PARAMETERISATIONS = ("pixels", "fourier")
MAX_BATCH = 64  # images made at once by one optimisation
FOURIER_SCALE = 4.0  # keeps the starting image's spread modest (lucid divides by 4 too)


def decorrelate_colours(values: tf.Tensor) -> tf.Tensor:
    """Map decorrelated colour values [..., 3] to RGB space (before the sigmoid)."""
    return tf.tensordot(values, tf.constant(COLOUR_MATRIX.T), axes=1)


def correlate_colours(rgb: tf.Tensor) -> tf.Tensor:
    """The inverse of decorrelate_colours: RGB [..., 3] back to decorrelated values."""
    return tf.tensordot(rgb, tf.constant(np.linalg.inv(COLOUR_MATRIX.T).astype(np.float32)), axes=1)


def frequencies(size: int) -> np.ndarray:
    """|frequency| of each coefficient of a real 2-D FFT of a size x size image: [size, size // 2 + 1]."""
    fy = np.fft.fftfreq(size)[:, None]
    fx = np.fft.rfftfreq(size)[None, :]
    return np.sqrt(fx**2 + fy**2).astype(np.float32)


NORMS = ("linf", "l2")


class PixelImage:
    """The image is its own pixels, kept in [0, 1] and within a budget around the start (an L-inf or L2 ball)."""

    def __init__(self, start: np.ndarray, epsilon: float | None = None, variable: tf.Variable | None = None,
                 norm: str = "linf"):
        """start: float32 [batch, h, w, 3] in [0, 1]; epsilon: the budget in [0, 1] units, or None.

        norm: "linf" (no value moves by more than epsilon) or "l2" (each
            image's change has Euclidean length at most epsilon).
        variable: an existing tf.Variable to move (default: a new one holding `start`).
        The start and the budget live in variables, so that `reset` can point
        a compiled step at new photos or a new budget without tracing it again.
        """
        if norm not in NORMS:
            raise ValueError(f"norm must be one of {NORMS}, got {norm!r}.")
        start = np.asarray(start, dtype=np.float32)
        self.variable = tf.Variable(start, name="pixels") if variable is None else variable
        self.norm, self.epsilon = norm, epsilon
        self.start = tf.Variable(start, trainable=False, name="start")
        self.low = tf.Variable(np.zeros_like(start), trainable=False, name="low")
        self.high = tf.Variable(np.ones_like(start), trainable=False, name="high")
        self.radius = tf.Variable(0.0 if epsilon is None else float(epsilon), trainable=False, name="radius")
        self.reset(start, epsilon, self.variable.numpy())

    def reset(self, start: np.ndarray, epsilon: float | None, pixels: np.ndarray | None = None) -> None:
        """Begin again around `start` (same shape) with budget `epsilon`, the pixels at `pixels` (default: `start`).

        Only None or not None matters to the compiled step; a budget can't be
        added to an image made without one (or removed), since the step was
        traced for one of the two.
        """
        if (epsilon is None) != (self.epsilon is None):
            raise ValueError("reset can change the budget, not add or remove it: make a new PixelImage.")
        start = np.asarray(start, dtype=np.float32)
        linf = epsilon if self.norm == "linf" else None
        self.epsilon = epsilon
        self.start.assign(start)
        self.low.assign(np.zeros_like(start) if linf is None else np.maximum(start - linf, 0.0))
        self.high.assign(np.ones_like(start) if linf is None else np.minimum(start + linf, 1.0))
        self.radius.assign(0.0 if epsilon is None else float(epsilon))
        self.variable.assign(start if pixels is None else np.asarray(pixels, dtype=np.float32))

    def image(self) -> tf.Tensor:
        """The image, float32 [batch, h, w, 3] in [0, 1]."""
        return tf.identity(self.variable)

    def project(self) -> None:
        """After an update: put every pixel back into its allowed range (and the change back into the L2 ball)."""
        if self.norm == "l2" and self.epsilon is not None:
            change = self.variable - self.start
            length = tf.sqrt(tf.reduce_sum(tf.square(change), axis=[1, 2, 3], keepdims=True))
            change = change * tf.minimum(1.0, self.radius / tf.maximum(length, 1e-12))
            self.variable.assign(self.start + change)  # clipping to [0, 1] below only shortens the change
        self.variable.assign(tf.clip_by_value(self.variable, self.low, self.high))


class FourierImage:
    """The image is the inverse FFT of learned coefficients scaled by 1/frequency."""

    def __init__(self, size: int, batch: int = 1, seed: int | None = None, decay: float = 1.0,
                 decorrelate: bool = True, spread: float = 0.01):
        """size: image side in pixels; decay: how much low frequencies dominate (1 = 1/f); seed None: the run's."""
        rng = np.random.default_rng(seed_or_default(seed))
        shape = (2, batch, 3, size, size // 2 + 1)  # real and imaginary parts, channels first
        self.variable = tf.Variable(rng.normal(scale=spread, size=shape).astype(np.float32), name="spectrum")
        self.size, self.decorrelate = size, decorrelate
        self.scale = tf.constant(size / np.maximum(frequencies(size), 1.0 / size) ** decay)

    def image(self) -> tf.Tensor:
        """The image, float32 [batch, size, size, 3] in (0, 1)."""
        spectrum = tf.complex(self.variable[0] * self.scale, self.variable[1] * self.scale)
        values = tf.signal.irfft2d(spectrum, fft_length=[self.size, self.size])  # (batch, 3, size, size)
        values = tf.transpose(values, [0, 2, 3, 1]) / FOURIER_SCALE
        if self.decorrelate:
            values = decorrelate_colours(values)
        return tf.sigmoid(values)

    def project(self) -> None:
        """Nothing to do: the sigmoid keeps every pixel in (0, 1)."""
        return None



Parameterisation = PixelImage | FourierImage


def check_batch(batch: int) -> int:
    """`batch`, how many images to make at once, if it is a whole number from 1 to 64; else a ValueError."""
    return whole("batch", batch, 1, MAX_BATCH, hint="batch is how many images to make at once,")


def parameterise(parameterisation: str, image: np.ndarray | None, size: int, seed: int,
                  epsilon: float | None, decay: float | None = None, batch: int = 1,
                  any_size: bool = False) -> Parameterisation:
    """The PixelImage or FourierImage that optimise_image moves.

    any_size: the image may have any size (with transforms, every view is
    resized to the model's input size before the model sees it).
    """
    check_batch(batch)
    if batch > 1 and image is not None:
        raise ValueError("batch makes several images from random starts: leave image unset, or pass a batch of "
                         "starting images [n, size, size, 3] as image instead.")
    if decay is not None and parameterisation != "fourier":
        raise ValueError(f"decay shapes the Fourier spectrum: leave it unset with parameterisation={parameterisation!r}, "
                         f"or use parameterisation='fourier'.")
    if decay is not None:
        number("decay", decay, 0, 4, hint="decay shapes the Fourier spectrum:")
    if parameterisation == "pixels":
        start = check_image(np.stack([noise_image(size, seed + k) for k in range(batch)]) if image is None else image)
        if start.shape[1:3] != (size, size) and not any_size:
            raise ValueError(
                f"The model takes {size}x{size} images, but the image is {start.shape[2]}x{start.shape[1]}; "
                f"load it with lib.load_image(path, size={size})."
            )
        return PixelImage(start, epsilon)
    if parameterisation == "fourier":
        if image is not None or epsilon is not None:
            raise ValueError("parameterisation='fourier' starts from its own random spectrum: "
                             "leave image and epsilon unset (use 'pixels' to start from a photo).")
        return FourierImage(size, batch=batch, seed=seed, decay=1.0 if decay is None else float(decay))
    one_of("parameterisation", parameterisation, PARAMETERISATIONS)
    raise AssertionError(parameterisation)  # one_of has refused anything else
