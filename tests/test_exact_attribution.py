"""Each attribution method against numbers computed by hand or by plain numpy on tiny models whose gradients are
known: logit_c = sum_i W[i, c] x_i^2 (gradient 2 W x, so integrated gradients depend on where the path is read),
a one-layer convolution for Grad-CAM, a linear softmax for occlusion and the deletion curve."""

import math

import keras
import numpy as np
import pytest

import lib
from lib import attribution

TARGET = 7
SIDE = 8  # the quadratic model's input side


def quadratic_model(weights: np.ndarray) -> keras.Model:
    """logits[c] = sum_i weights[i, c] * x_i^2 over the flattened [SIDE, SIDE, 3] image."""
    image = keras.Input((SIDE, SIDE, 3))
    squared = keras.layers.Multiply()([image, image])
    dense = keras.layers.Dense(1000, use_bias=False)
    model = keras.Model(image, dense(keras.layers.Flatten()(squared)), name="quadratic")
    dense.set_weights([weights.astype(np.float32)])
    return model


@pytest.fixture(scope="module")
def weights() -> np.ndarray:
    return np.random.default_rng(11).normal(0, 1, (SIDE * SIDE * 3, 1000))


@pytest.fixture(scope="module")
def model(weights) -> keras.Model:
    return quadratic_model(weights)


@pytest.fixture(scope="module")
def image() -> np.ndarray:
    return np.random.default_rng(12).uniform(0, 1, (SIDE, SIDE, 3)).astype(np.float32)


def target_weights(weights: np.ndarray) -> np.ndarray:
    return weights[:, TARGET].reshape(SIDE, SIDE, 3)


def numpy_blur(image: np.ndarray, sigma: float) -> np.ndarray:
    """Separable Gaussian, radius ceil(3 sigma) (at least 1, below the side), edges mirrored (numpy "symmetric")."""
    radius = max(1, min(math.ceil(3 * sigma), image.shape[0] - 1, image.shape[1] - 1))
    kernel = np.exp(-np.arange(-radius, radius + 1) ** 2 / (2 * sigma**2))
    kernel /= kernel.sum()
    padded = np.pad(image.astype(np.float64), [(radius, radius), (radius, radius), (0, 0)], "symmetric")
    down = sum(weight * padded[k:k + image.shape[0]] for k, weight in enumerate(kernel))
    return sum(weight * down[:, k:k + image.shape[1]] for k, weight in enumerate(kernel))


# --- the gradient and smoothgrad ----------------------------------------------------------------------------------------


def test_the_gradient_map_is_the_largest_absolute_colour_of_2_w_x(model, weights, image):
    expected = np.abs(2 * target_weights(weights) * image).max(axis=-1)
    np.testing.assert_allclose(lib.explain(model, image, TARGET, "gradient"), expected, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("samples, batch_size", [(7, 3), (4, 8), (5, 1)])
def test_smoothgrad_averages_the_gradient_over_its_seeded_noisy_copies(model, weights, image, samples, batch_size):
    """The copies: image + default_rng(seed).normal(0, noise, [samples, h, w, 3]); their mean gradient is 2 W mean."""
    noisy = (image + np.random.default_rng(4).normal(0, 0.2, (samples, SIDE, SIDE, 3))).astype(np.float32)
    expected = np.abs(2 * target_weights(weights) * noisy.astype(np.float64).mean(axis=0)).max(axis=-1)
    importance = lib.explain(model, image, TARGET, "smoothgrad", samples=samples, noise=0.2, seed=4,
                             batch_size=batch_size)
    np.testing.assert_allclose(importance, expected, rtol=1e-4, atol=1e-5)


# --- integrated gradients ------------------------------------------------------------------------------------------------


def documented_path_points(steps: int) -> tuple[np.ndarray, np.ndarray]:
    """From path_points' docstring: t at the middles of `steps` equal pieces, alpha = t^3, weights 3 t^2 / steps
    scaled to add up to 1."""
    t = (np.arange(steps) + 0.5) / steps
    weights = 3 * t**2 / steps
    return t**3, weights / weights.sum()


def test_path_points_by_hand():
    """2 steps: t = 1/4, 3/4; alphas 1/64, 27/64; weights 3/16 and 27/16 scaled: 0.1 and 0.9."""
    alphas, weights = attribution.path_points(2)
    np.testing.assert_allclose(alphas, [1 / 64, 27 / 64], rtol=1e-12)
    np.testing.assert_allclose(weights, [0.1, 0.9], rtol=1e-12)
    alphas, weights = attribution.path_points(1)
    np.testing.assert_allclose(alphas, [1 / 8]) and np.testing.assert_allclose(weights, [1.0])
    for steps in (3, 10):
        for ours, documented in zip(attribution.path_points(steps), documented_path_points(steps)):
            np.testing.assert_allclose(ours, documented, rtol=1e-12)


def numpy_integrated_gradients(weights, image, baseline, steps):
    """(x - b) * sum_k w_k * 2 W (b + alpha_k (x - b)), and the logit gap sum W (x^2 - b^2), in float64."""
    w, x, b = target_weights(weights), image.astype(np.float64), baseline.astype(np.float64)
    alphas, path_weights = documented_path_points(steps)
    mean_gradient = sum(weight * 2 * w * (b + alpha * (x - b)) for alpha, weight in zip(alphas, path_weights))
    return (x - b) * mean_gradient, float((w * (x**2 - b**2)).sum())


@pytest.mark.parametrize("baseline, steps, batch_size", [("black", 5, 2), ("blur", 6, 4), ("black", 1, 8),
                                                         ("blur", 3, 1)])
def test_integrated_gradients_sum_the_gradient_at_the_documented_path_points(model, weights, image, baseline, steps,
                                                                             batch_size):
    """With a gradient linear along the path, the sum over path points is exact only at alpha = t^3 weighted
    3 t^2: evenly spaced points, or the gradient read at the pieces' ends, give other numbers."""
    start = np.zeros_like(image) if baseline == "black" else numpy_blur(image, 0.05 * SIDE)
    expected, gap = numpy_integrated_gradients(weights, image, start, steps)
    attributions, logit_gap = lib.integrated_gradients(model, image, TARGET, baseline, steps=steps,
                                                       batch_size=batch_size)
    np.testing.assert_allclose(attributions, expected, rtol=1e-4, atol=1e-5)
    assert logit_gap == pytest.approx(gap, rel=1e-5)
    importance = lib.explain(model, image, TARGET, "integrated_gradients", steps=steps, baseline=baseline,
                             batch_size=batch_size)
    np.testing.assert_allclose(importance, np.abs(expected.sum(axis=-1)), rtol=1e-4, atol=1e-5)


def test_the_baselines_are_black_and_the_image_blurred_by_5_percent_of_its_longer_side():
    image = np.random.default_rng(13).uniform(0, 1, (20, 12, 3)).astype(np.float32)  # taller than wide
    np.testing.assert_array_equal(attribution.make_baseline(image, "black"), np.zeros_like(image))
    np.testing.assert_allclose(attribution.make_baseline(image, "blur"), numpy_blur(image, 0.05 * 20), atol=1e-6)
    with pytest.raises(ValueError, match="baseline must be one of"):
        attribution.make_baseline(image, "white")


# --- Grad-CAM ------------------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def conv_model():
    """image [6, 6, 3] -> features = relu(conv 2x2, stride 2, 3 channels) [3, 3, 3] -> flatten -> dense -> logits."""
    rng = np.random.default_rng(14)
    image = keras.Input((6, 6, 3))
    conv = keras.layers.Conv2D(3, 2, strides=2, activation="relu", name="features")
    dense = keras.layers.Dense(1000)
    model = keras.Model(image, dense(keras.layers.Flatten()(conv(image))), name="conv")
    kernel, bias = rng.normal(0, 1, (2, 2, 3, 3)), rng.normal(0, 0.2, 3)
    conv.set_weights([kernel.astype(np.float32), bias.astype(np.float32)])
    dense_weights = rng.normal(0, 1, (27, 1000))
    dense_weights[:, TARGET] += np.tile([0.5, -1.5, 0.5], 9)  # channel 1 counts against: the map has parts below 0
    dense.set_weights([dense_weights.astype(np.float32), np.zeros(1000, np.float32)])
    return model, kernel, bias, dense_weights


def numpy_gradcam(image, kernel, bias, dense_weights) -> np.ndarray:
    """relu(sum_k mean_ij(d logit / d A_ijk) A_ijk) on the 3x3 map, d logit / d A = the dense weights reshaped."""
    features = np.zeros((3, 3, 3))
    for row in range(3):
        for column in range(3):
            block = image[2 * row:2 * row + 2, 2 * column:2 * column + 2].astype(np.float64)
            features[row, column] = np.einsum("ijc,ijck->k", block, kernel) + bias
    features = np.maximum(features, 0)
    channel_weights = dense_weights[:, TARGET].reshape(3, 3, 3).mean(axis=(0, 1))
    return np.maximum((features * channel_weights).sum(axis=-1), 0)


def test_gradcam_weighs_each_channel_by_its_mean_gradient_then_relu_then_upsamples(conv_model):
    import tensorflow as tf

    model, kernel, bias, dense_weights = conv_model
    image = np.random.default_rng(15).uniform(0, 1, (6, 6, 3)).astype(np.float32)
    cam = numpy_gradcam(image, kernel, bias, dense_weights)
    assert cam.min() == 0 and cam.max() > 0  # the ReLU cuts somewhere: the test would see it missing
    expected = tf.image.resize(cam[None, :, :, None], [6, 6], method="bilinear").numpy()[0, :, :, 0]
    for layer in (None, "features"):
        np.testing.assert_allclose(lib.explain(model, image, TARGET, "gradcam", layer=layer), expected, rtol=1e-4,
                                   atol=1e-5)


# --- occlusion -----------------------------------------------------------------------------------------------------------


def _linear(side: int, seed: int, name: str):
    """(model, W, b): logits = flatten(image [side, side, 3]) @ W + b, with W and b drawn from `seed`."""
    rng = np.random.default_rng(seed)
    image = keras.Input((side, side, 3))
    dense = keras.layers.Dense(1000)
    model = keras.Model(image, dense(keras.layers.Flatten()(image)), name=name)
    weights, bias = rng.normal(0, 0.3, (side * side * 3, 1000)), rng.normal(0, 0.1, 1000)
    dense.set_weights([weights.astype(np.float32), bias.astype(np.float32)])
    return model, weights, bias


@pytest.fixture(scope="module")
def linear_model():
    """logits = flatten(image [9, 9, 3]) @ W + b; probabilities by softmax."""
    return _linear(9, 16, "linear99")


def probabilities(weights, bias, images: np.ndarray) -> np.ndarray:
    logits = images.reshape(len(images), -1).astype(np.float64) @ weights + bias
    shifted = np.exp(logits - logits.max(axis=1, keepdims=True))
    return shifted / shifted.sum(axis=1, keepdims=True)


def test_occlusion_positions_by_hand():
    """Height 7, width 9, patch 3, stride 3: rows 0, 3 and 4 (flush with the bottom), columns 0, 3, 6."""
    assert attribution.occlusion_positions(7, 9, 3, 3) == [(row, column) for row in (0, 3, 4) for column in (0, 3, 6)]
    assert attribution.occlusion_positions(4, 4, 4, 2) == [(0, 0)]
    assert attribution.occlusion_positions(5, 4, 2, 5) == [(0, 0), (0, 2), (3, 0), (3, 2)]


@pytest.mark.parametrize("fill, batch_size", [(0.5, 2), (0.0, 16)])
def test_occlusion_is_the_mean_drop_over_the_squares_covering_each_pixel(linear_model, fill, batch_size):
    model, weights, bias = linear_model
    """Patch 4, stride 3 on 9 x 9: corners at rows and columns 0, 3 and 5 (flush with the far edge)."""
    image = np.random.default_rng(17).uniform(0, 1, (9, 9, 3)).astype(np.float32)
    image[5:9, 5:9] = fill  # one square already holds the fill: its drop is 0
    classes = [TARGET, 3]
    before = probabilities(weights, bias, image[None])[0, classes]
    total, count = np.zeros((2, 9, 9)), np.zeros((9, 9))
    for top in (0, 3, 5):
        for left in (0, 3, 5):
            hidden = image.copy()
            hidden[top:top + 4, left:left + 4] = fill
            drop = before - probabilities(weights, bias, hidden[None])[0, classes]
            total[:, top:top + 4, left:left + 4] += drop[:, None, None]
            count[top:top + 4, left:left + 4] += 1
    expected = np.maximum(total / count, 0)
    assert expected.min() == 0 and (total < 0).any()  # some squares raise p: the clip at 0 shows
    maps = lib.explain(model, image, classes, "occlusion", patch=4, stride=3, fill=fill, batch_size=batch_size)
    np.testing.assert_allclose(maps, expected, rtol=1e-4, atol=1e-6)
    np.testing.assert_allclose(lib.explain(model, image, TARGET, "occlusion", patch=4, stride=3, fill=fill),
                               expected[0], rtol=1e-4, atol=1e-6)


def test_hide_square_by_hand():
    image = np.zeros((4, 5, 3), np.float32)
    hidden = attribution.hide_square(image, 1, 2, 3, fill=0.25)
    expected = image.copy()
    expected[1:4, 2:5] = 0.25
    np.testing.assert_array_equal(hidden, expected)
    assert image.max() == 0  # a copy
    np.testing.assert_array_equal(attribution.hide_square(image, 0, 0, 1)[0, 0], [0.5, 0.5, 0.5])
    for top, left, size in ((2, 0, 3), (0, 3, 3), (0, 0, 5), (-1, 0, 2), (0, 0, 0)):
        with pytest.raises(ValueError, match="(top|left|size) must.* whole number"):
            attribution.hide_square(image, top, left, size)


# --- faithfulness: the deletion curve and rank correlation --------------------------------------------------------------


@pytest.fixture(scope="module")
def small_linear():
    """logits = flatten(image [20, 20, 3]) @ W + b: 20 pixels a side, so that the blur (sigma 1 pixel) changes them."""
    return _linear(20, 18, "linear20")


def expected_curve(weights, bias, image, order, steps):
    """Remove the pixels in `order`, counts round(linspace(0, 400, steps + 1)), each replaced by the blurred image
    (sigma 5% of the side: 1 pixel); p(target) of each image."""
    blurred = numpy_blur(image, 0.05 * 20)
    assert np.abs(blurred - image).mean() > 0.1  # removing a pixel changes it
    counts = np.round(np.linspace(0, 400, steps + 1)).astype(int)
    images = []
    for count in counts:
        removed = np.zeros(400, bool)
        removed[order[:count]] = True
        images.append(np.where(removed.reshape(20, 20, 1), blurred, image))
    return counts / 400, probabilities(weights, bias, np.stack(images))[:, TARGET]


def test_the_deletion_curve_removes_the_most_important_pixels_first(small_linear):
    model, weights, bias = small_linear
    image = np.random.default_rng(19).uniform(0, 1, (20, 20, 3)).astype(np.float32)
    importance = np.random.default_rng(20).permutation(400).reshape(20, 20).astype(float)  # no ties
    curve = lib.deletion_curve(model, image, TARGET, importance, steps=3, batch_size=2)
    fractions, expected = expected_curve(weights, bias, image, np.argsort(-importance.ravel()), 3)
    np.testing.assert_allclose(curve.fractions, [0, 133 / 400, 267 / 400, 1])
    np.testing.assert_allclose(curve.probabilities, expected, rtol=1e-4, atol=1e-7)
    area = sum((expected[k] + expected[k + 1]) / 2 * (fractions[k + 1] - fractions[k]) for k in range(3))
    assert curve.area == pytest.approx(area, rel=1e-4) and curve.target == TARGET
    assert curve.relative_area == pytest.approx(area / expected[0], rel=1e-4)


def test_the_deletion_curves_ties_and_random_order_come_from_its_seed(small_linear):
    model, weights, bias = small_linear
    image = np.random.default_rng(21).uniform(0, 1, (20, 20, 3)).astype(np.float32)
    ties = np.repeat(np.arange(4.0, 0.0, -1), 100).reshape(20, 20)  # four bands of equal importance
    rng = np.random.default_rng(5)
    order = np.lexsort((rng.random(400), -ties.ravel()))  # the bands in order, each band's pixels shuffled
    curve = lib.deletion_curve(model, image, TARGET, ties, steps=8, seed=5)
    np.testing.assert_allclose(curve.probabilities, expected_curve(weights, bias, image, order, 8)[1], rtol=1e-4,
                               atol=1e-7)
    rng = np.random.default_rng(6)
    random_map = rng.random((20, 20))
    order = np.lexsort((rng.random(400), -random_map.ravel()))
    curve = lib.deletion_curve(model, image, TARGET, None, steps=4, seed=6)
    np.testing.assert_allclose(curve.probabilities, expected_curve(weights, bias, image, order, 4)[1], rtol=1e-4,
                               atol=1e-7)


def numpy_spearman(first: np.ndarray, second: np.ndarray) -> float:
    """Pearson's correlation of the ranks, ties given the mean of the ranks they span (1-based)."""
    def ranks(values):
        order = np.argsort(values, kind="stable")
        ranked = np.empty(len(values))
        ranked[order] = np.arange(1, len(values) + 1)
        for value in np.unique(values):
            ranked[values == value] = ranked[values == value].mean()
        return ranked

    return float(np.corrcoef(ranks(first.ravel()), ranks(second.ravel()))[0, 1])


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_rank_correlation_is_spearmans_with_tied_ranks_averaged(seed):
    rng = np.random.default_rng(seed)
    first, second = rng.integers(0, 4, (5, 6)).astype(float), rng.integers(0, 6, (5, 6)) + rng.random((5, 6)) * 0.5
    second[0] = second[1]  # ties in the second map too
    assert lib.rank_correlation(first, second) == pytest.approx(numpy_spearman(first, second), rel=1e-12)


def test_rank_correlation_by_hand():
    """[3, 1, 2, 2] ranks 4, 1, 2.5, 2.5; [10, 20, 30, 40] ranks 1..4: centred [1.5, -1.5, 0, 0] and
    [-1.5, -0.5, 0.5, 1.5]: -1.5 / sqrt(4.5 * 5)."""
    assert lib.rank_correlation([3, 1, 2, 2], [10, 20, 30, 40]) == pytest.approx(-1.5 / math.sqrt(22.5), rel=1e-12)
    assert lib.rank_correlation(np.zeros(4), np.arange(4)) == 0.0


def test_quarter_shares_by_hand_on_an_odd_map():
    """3 x 5: the middle row and column (1 and 2) go to the bottom and right quarters."""
    importance = np.arange(15, dtype=float).reshape(3, 5)
    shares = attribution.quarter_shares(importance)
    total = importance.sum()  # 105
    assert shares == pytest.approx({"top left": (0 + 1) / total, "top right": (2 + 3 + 4) / total,
                                    "bottom left": (5 + 6 + 10 + 11) / total,
                                    "bottom right": (7 + 8 + 9 + 12 + 13 + 14) / total})
    rows = attribution.quarter_shares(np.arange(1, 5, dtype=float).reshape(4, 1) * np.ones((4, 3)))  # rows 1, 2, 3, 4
    assert rows["top left"] + rows["top right"] == pytest.approx(9 / 30)  # rows 0-1 of 4 are the top
    assert attribution.quarter_shares(np.zeros((2, 2))) == {"top left": 0.0, "top right": 0.0, "bottom left": 0.0,
                                                            "bottom right": 0.0}


def test_integrated_gradients_take_64_steps_by_default(model, weights, image):
    expected, _ = numpy_integrated_gradients(weights, image, np.zeros_like(image), 64)
    attributions, _ = lib.integrated_gradients(model, image, TARGET)
    np.testing.assert_allclose(attributions, expected, rtol=1e-4, atol=1e-5)


def test_gradcam_reads_the_named_layer_and_by_default_the_last_feature_map():
    rng = np.random.default_rng(22)
    image = keras.Input((6, 6, 3))
    first = keras.layers.Conv2D(3, 1, activation="relu", name="first")(image)
    second = keras.layers.Conv2D(2, 2, strides=2, activation="relu", name="second")(first)
    model = keras.Model(image, keras.layers.Dense(1000)(keras.layers.Flatten()(second)), name="two_maps")
    model.set_weights([rng.normal(0, 1, w.shape).astype(np.float32) for w in model.get_weights()])
    photo = rng.uniform(0, 1, (6, 6, 3)).astype(np.float32)
    default = lib.explain(model, photo, TARGET, "gradcam")
    np.testing.assert_array_equal(default, lib.explain(model, photo, TARGET, "gradcam", layer="second"))
    assert not np.allclose(default, lib.explain(model, photo, TARGET, "gradcam", layer="first"))


def test_a_deletion_curve_of_one_step_removes_everything_at_once(small_linear):
    model, weights, bias = small_linear
    image = np.random.default_rng(23).uniform(0, 1, (20, 20, 3)).astype(np.float32)
    curve = lib.deletion_curve(model, image, TARGET, np.ones((20, 20)), steps=1)
    np.testing.assert_allclose(curve.fractions, [0, 1])
    np.testing.assert_allclose(curve.probabilities, expected_curve(weights, bias, image, np.arange(400), 1)[1],
                               rtol=1e-4, atol=1e-7)


def test_a_deletion_curve_takes_20_steps_by_default_and_names_a_bad_setting(small_linear):
    """Default: 21 points (0, 1/20, ..., 1); steps and batch_size are whole numbers from 1 to 4096, named as such."""
    model, _, _ = small_linear
    image = np.random.default_rng(24).uniform(0, 1, (20, 20, 3)).astype(np.float32)
    np.testing.assert_allclose(lib.deletion_curve(model, image, TARGET).fractions, np.arange(21) / 20)
    for setting, value in (("steps", 0), ("steps", 4097), ("batch_size", 0), ("batch_size", 4097)):
        message = f"deletion_curve's {setting} must be a whole number from 1 to 4096, got {value}."
        with pytest.raises(ValueError, match=f"^{message}$"):
            lib.deletion_curve(model, image, TARGET, **{setting: value})
    with pytest.raises(ValueError, match="deletion_curve"):  # the function named when the image is not one image
        lib.deletion_curve(model, np.stack([image, image]), TARGET)
