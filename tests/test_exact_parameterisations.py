"""The parameterisations against numbers worked out by hand or by plain numpy: the Fourier image (numpy's irfft2
with the documented 1/frequency**decay scaling), the colour matrix, the frequencies, and PixelImage's budgets (the
L-inf box, the L2 ball: only points outside it move, onto its surface, and [0, 1])."""

import numpy as np
import pytest
import tensorflow as tf

from lib import parameterisations as P

# lucid's square root of ImageNet's colour correlation (rows R, G, B), written out again from the paper's code
LUCID_MATRIX = np.array([[0.26, 0.09, 0.02], [0.27, 0.00, -0.05], [0.27, -0.09, 0.03]])


def sigmoid(values: np.ndarray) -> np.ndarray:
    return 1 / (1 + np.exp(-values))


def test_the_frequencies_of_a_4x4_real_fft_by_hand():
    """Rows: numpy's fftfreq(4) = 0, 1/4, -1/2, -1/4; columns: rfftfreq(4) = 0, 1/4, 1/2; |f| = sqrt(fx^2 + fy^2)."""
    quarter, half = 0.25, 0.5
    expected = [[0, quarter, half],
                [quarter, np.hypot(quarter, quarter), np.hypot(half, quarter)],
                [half, np.hypot(quarter, half), np.hypot(half, half)],
                [quarter, np.hypot(quarter, quarter), np.hypot(half, quarter)]]
    np.testing.assert_allclose(P.frequencies(4), expected, rtol=1e-6)
    assert P.frequencies(5).shape == (5, 3) and P.frequencies(4).dtype == np.float32


def test_the_colour_matrix_is_lucids_scaled_to_a_longest_column_of_1():
    """Column lengths of LUCID_MATRIX: 0.4631, 0.1273, 0.0616; the matrix is divided by the first."""
    np.testing.assert_allclose(P.COLOUR_MATRIX, LUCID_MATRIX / np.sqrt(0.26**2 + 0.27**2 + 0.27**2), rtol=1e-6)
    values = np.array([[1.0, 0.0, 0.0], [0.0, 2.0, -1.0]], np.float32)
    np.testing.assert_allclose(P.decorrelate_colours(values), values @ P.COLOUR_MATRIX.T, rtol=1e-6)
    rgb = np.array([[0.3, -0.2, 0.5]], np.float32)  # the inverse: RGB back to the decorrelated values
    np.testing.assert_allclose(P.correlate_colours(rgb), np.linalg.solve(P.COLOUR_MATRIX, rgb[0])[None], rtol=1e-4)


def numpy_fourier_image(spectrum: np.ndarray, size: int, decay: float, decorrelate: bool) -> np.ndarray:
    """The documented recipe: coefficients [2, batch, 3, size, size // 2 + 1] (real, imaginary) times
    size / max(|f|, 1 / size)**decay, numpy's inverse real 2-D FFT, channels last, / 4, the colour matrix,
    a sigmoid."""
    frequency = np.sqrt(np.fft.fftfreq(size)[:, None] ** 2 + np.fft.rfftfreq(size)[None, :] ** 2)
    scale = size / np.maximum(frequency, 1 / size) ** decay
    values = np.fft.irfft2((spectrum[0] + 1j * spectrum[1]) * scale, s=(size, size))  # [batch, 3, size, size]
    values = values.transpose(0, 2, 3, 1) / 4
    if decorrelate:
        values = values @ P.COLOUR_MATRIX.T.astype(np.float64)
    return sigmoid(values)


@pytest.mark.parametrize("size, decay, decorrelate", [(6, 1.0, True), (7, 1.5, True), (6, 0.0, False),
                                                      (8, 2.0, False)])
def test_the_fourier_image_is_numpys_inverse_fft_of_the_scaled_spectrum(size, decay, decorrelate):
    fourier = P.FourierImage(size, batch=2, seed=3, decay=decay, decorrelate=decorrelate)
    spectrum = np.random.default_rng(1).normal(0, 1.0, fourier.variable.shape)
    fourier.variable.assign(spectrum.astype(np.float32))
    expected = numpy_fourier_image(spectrum.astype(np.float32).astype(np.float64), size, decay, decorrelate)
    np.testing.assert_allclose(fourier.image().numpy(), expected, rtol=1e-5, atol=1e-6)
    assert np.abs(expected - 0.5).max() > 0.05  # far enough from the sigmoid's middle to show a wrong scale


def test_the_fourier_start_is_seeded_normal_noise_of_the_given_spread():
    """The variable starts as numpy's default_rng(seed).normal(scale=spread) of shape [2, batch, 3, size, size//2+1]."""
    fourier = P.FourierImage(6, batch=3, seed=11, spread=0.02)
    expected = np.random.default_rng(11).normal(scale=0.02, size=(2, 3, 3, 6, 4))
    np.testing.assert_allclose(fourier.variable.numpy(), expected, rtol=1e-6)
    assert fourier.image().shape == (3, 6, 6, 3) and fourier.project() is None


def test_the_zero_frequency_alone_gives_a_flat_image_of_its_value_over_4():
    """irfft2 of a lone DC coefficient c on n x n is c / n^2 everywhere; scaled by n / (1/n) = n^2 it is c."""
    fourier = P.FourierImage(5, decorrelate=False)
    spectrum = np.zeros(fourier.variable.shape, np.float32)
    spectrum[0, 0, :, 0, 0] = [2.0, -4.0, 1.0]
    fourier.variable.assign(spectrum)
    np.testing.assert_allclose(fourier.image().numpy()[0], np.broadcast_to(sigmoid(np.array([2.0, -4.0, 1.0]) / 4),
                                                                           (5, 5, 3)), rtol=1e-6)


# --- PixelImage: the budgets ------------------------------------------------------------------------------------------


def test_reset_sets_the_linf_box_inside_0_and_1():
    """low = max(start - eps, 0), high = min(start + eps, 1); the radius is eps; the pixels start at `pixels`."""
    start = np.array([0.05, 0.5, 0.97, 0.2], np.float32).reshape(1, 1, 4, 1).repeat(3, axis=-1)
    pixels = P.PixelImage(start, epsilon=0.1)
    np.testing.assert_allclose(pixels.low.numpy()[0, 0, :, 0], [0.0, 0.4, 0.87, 0.1], rtol=1e-6)
    np.testing.assert_allclose(pixels.high.numpy()[0, 0, :, 0], [0.15, 0.6, 1.0, 0.3], rtol=1e-6)
    assert float(pixels.radius) == pytest.approx(0.1)
    np.testing.assert_array_equal(pixels.image(), start)
    moved = np.full_like(start, 0.3)
    pixels.reset(start, 0.2, moved)
    np.testing.assert_allclose(pixels.high.numpy()[0, 0, :, 0], [0.25, 0.7, 1.0, 0.4], rtol=1e-6)
    np.testing.assert_array_equal(pixels.image(), moved)
    assert float(pixels.radius) == pytest.approx(0.2) and pixels.epsilon == 0.2


def test_without_a_budget_the_box_is_0_to_1_and_the_radius_0():
    start = np.full((1, 2, 2, 3), 0.5, np.float32)
    pixels = P.PixelImage(start)
    np.testing.assert_array_equal(pixels.low, np.zeros_like(start))
    np.testing.assert_array_equal(pixels.high, np.ones_like(start))
    assert float(pixels.radius) == 0.0
    pixels.variable.assign(start + np.array([-0.7, 0.2, 0.6], np.float32))
    pixels.project()
    np.testing.assert_allclose(pixels.image().numpy()[0, 0, 0], [0.0, 0.7, 1.0], rtol=1e-6)  # only [0, 1] clips
    with pytest.raises(ValueError, match="reset can change the budget, not add or remove it"):
        pixels.reset(start, 0.1)


def test_the_l2_box_is_0_to_1_whatever_the_budget():
    start = np.full((1, 2, 2, 3), 0.5, np.float32)
    pixels = P.PixelImage(start, epsilon=0.1, norm="l2")
    np.testing.assert_array_equal(pixels.low, np.zeros_like(start))
    np.testing.assert_array_equal(pixels.high, np.ones_like(start))
    assert float(pixels.radius) == pytest.approx(0.1)


def test_linf_projection_clips_each_value_into_its_box():
    start = np.array([0.05, 0.5, 0.95], np.float32).reshape(1, 1, 1, 3)
    pixels = P.PixelImage(start, epsilon=0.1)
    pixels.variable.assign(start + np.array([-0.3, 0.05, 0.3], np.float32).reshape(1, 1, 1, 3))
    pixels.project()
    np.testing.assert_allclose(pixels.image().numpy().ravel(), [0.0, 0.55, 1.0], rtol=1e-6)
    pixels.variable.assign(start + np.array([0.3, -0.3, -0.02], np.float32).reshape(1, 1, 1, 3))
    pixels.project()
    np.testing.assert_allclose(pixels.image().numpy().ravel(), [0.15, 0.4, 0.93], rtol=1e-6)


def test_l2_projection_moves_only_the_images_outside_the_ball_onto_its_surface():
    """Image 0 moved by length 0.5 (> 0.2): pulled back along its change to length 0.2 exactly.
    Image 1 moved by length 0.1 (< 0.2): left where it is (a projection onto the sphere would push it out)."""
    start = np.full((2, 2, 2, 3), 0.5, np.float32)
    direction = np.zeros((2, 2, 2, 3), np.float32)
    direction[0, 0, 0, 0], direction[0, 1, 1, 2] = 0.3, -0.4  # length 0.5
    direction[1, 0, 1, 1], direction[1, 1, 0, 0] = 0.06, 0.08  # length 0.1
    pixels = P.PixelImage(start, epsilon=0.2, norm="l2")
    pixels.variable.assign(start + direction)
    pixels.project()
    change = pixels.image().numpy() - start
    np.testing.assert_allclose(change[0], direction[0] * 0.2 / 0.5, rtol=1e-5, atol=1e-7)
    np.testing.assert_allclose(change[1], direction[1], rtol=1e-5, atol=1e-7)


def test_l2_projection_then_clips_to_0_and_1():
    """Length 0.8 > 0.5: scaled by 5/8 to 0.375 and -0.3125 from 0.9 and 0.1: 1.275 clips to 1, -0.2125 to 0."""
    start = np.array([0.9, 0.1, 0.5], np.float32).reshape(1, 1, 1, 3)
    pixels = P.PixelImage(start, epsilon=0.5, norm="l2")
    pixels.variable.assign(start + np.array([0.6, -0.5, 0.1], np.float32).reshape(1, 1, 1, 3) * 0.8 / np.sqrt(0.62))
    pixels.project()
    length = 0.8 / np.sqrt(0.62)
    expected = np.clip(start.ravel() + np.array([0.6, -0.5, 0.1]) * length * 0.5 / 0.8, 0, 1)
    np.testing.assert_allclose(pixels.image().numpy().ravel(), expected, rtol=1e-5)
    assert expected[0] == 1.0 and expected[1] == 0.0


def test_an_unknown_norm_is_named():
    with pytest.raises(ValueError, match=r"norm must be one of \('linf', 'l2'\), got 'l1'"):
        P.PixelImage(np.zeros((1, 2, 2, 3), np.float32), 0.1, norm="l1")


def test_a_given_variable_is_the_one_moved():
    variable = tf.Variable(np.zeros((1, 2, 2, 3), np.float32))
    start = np.full((1, 2, 2, 3), 0.25, np.float32)
    pixels = P.PixelImage(start, 0.1, variable=variable)
    assert pixels.variable is variable
    np.testing.assert_array_equal(variable.numpy(), np.zeros_like(start))  # the pixels where the variable holds them
    np.testing.assert_array_equal(pixels.start.numpy(), start)


def test_reset_without_pixels_starts_at_the_start_and_everything_is_float32():
    """A start given as float64 is held as float32 (the compiled step's type); reset(start, eps) puts the pixels there."""
    start = np.full((1, 2, 2, 3), 0.25)  # float64
    pixels = P.PixelImage(start, epsilon=0.1)
    assert all(v.dtype == tf.float32 for v in (pixels.variable, pixels.start, pixels.low, pixels.high, pixels.radius))
    pixels.variable.assign(np.full((1, 2, 2, 3), 0.9, np.float32))
    pixels.reset(np.full((1, 2, 2, 3), 0.5), 0.2)
    np.testing.assert_array_equal(pixels.image(), np.full((1, 2, 2, 3), 0.5, np.float32))
    np.testing.assert_allclose(pixels.low, np.full((1, 2, 2, 3), 0.3), rtol=1e-6)
    pixels.reset(start, 0.2, np.full((1, 2, 2, 3), 0.4))  # float64 pixels too
    np.testing.assert_allclose(pixels.image(), np.full((1, 2, 2, 3), 0.4), rtol=1e-6)


def test_the_fourier_defaults_decorrelate_colours_and_start_with_a_spread_of_001():
    fourier = P.FourierImage(6, seed=2)
    np.testing.assert_allclose(fourier.variable.numpy(), np.random.default_rng(2).normal(scale=0.01, size=(2, 1, 3, 6, 4)),
                               rtol=1e-6)
    expected = numpy_fourier_image(fourier.variable.numpy().astype(np.float64), 6, 1.0, True)
    np.testing.assert_allclose(fourier.image().numpy(), expected, rtol=1e-5, atol=1e-6)
