"""The transforms against numpy: padding, the jitter's crops, zoom and turn (bilinear reads at the documented
coordinates), the fused random view, the noise, the Gaussian blur's kernel, the JPEG, shots and views."""

import math

import numpy as np
import pytest
import tensorflow as tf

from lib import transforms as T
from lib.names import MAX_DRAWS


def noise(shape, seed=0) -> np.ndarray:
    return np.random.default_rng(seed).uniform(0, 1, shape).astype(np.float32)


def bilinear(image: np.ndarray, rows: np.ndarray, columns: np.ndarray) -> np.ndarray:
    """image [h, w, 3] read at real coordinates (rows, columns) [n] inside the image, by bilinear interpolation."""
    top, left = np.floor(rows).astype(int), np.floor(columns).astype(int)
    bottom, right = np.minimum(top + 1, image.shape[0] - 1), np.minimum(left + 1, image.shape[1] - 1)
    down, across = (rows - top)[:, None], (columns - left)[:, None]
    return ((1 - down) * ((1 - across) * image[top, left] + across * image[top, right])
            + down * ((1 - across) * image[bottom, left] + across * image[bottom, right]))


def compare_inside(view: np.ndarray, source: np.ndarray, rows: np.ndarray, columns: np.ndarray, margin=0.0):
    """view [h, w, 3] must equal `source` read at (rows, columns) [h, w] wherever those lie inside `source`."""
    inside = ((rows >= margin) & (rows <= source.shape[0] - 1 - margin) & (columns >= margin)
              & (columns <= source.shape[1] - 1 - margin))
    assert inside.mean() > 0.5  # most of the view is checked
    np.testing.assert_allclose(view[inside], bilinear(source, rows[inside], columns[inside]), atol=2e-5)


def test_compose_applies_the_transforms_in_order():
    add = lambda images, generator: images + 1.0  # noqa: E731
    double = lambda images, generator: images * 2.0  # noqa: E731
    images = tf.constant(noise((1, 2, 2, 3)))
    np.testing.assert_allclose(T.compose(add, double)(images, None), (images.numpy() + 1) * 2, rtol=1e-6)
    np.testing.assert_allclose(T.compose(double, add)(images, None), images.numpy() * 2 + 1, rtol=1e-6)
    assert T.as_transform([add, double])(images, None).numpy() == pytest.approx((images.numpy() + 1) * 2)
    assert T.as_transform(add) is add and T.as_transform(None) is None and T.as_transform([]) is None


@pytest.mark.parametrize("mode, numpy_mode", [("REFLECT", "reflect"), ("SYMMETRIC", "symmetric"),
                                              ("CONSTANT", "constant")])
def test_pad_is_numpys_pad_of_the_height_and_width(mode, numpy_mode):
    images = noise((2, 4, 5, 3))
    padded = T.pad(2, mode, 0.25)(tf.constant(images), None).numpy()
    options = {"constant_values": 0.25} if mode == "CONSTANT" else {}
    np.testing.assert_array_equal(padded, np.pad(images, [(0, 0), (2, 2), (2, 2), (0, 0)], numpy_mode, **options))


def test_jitter_cuts_a_window_per_image_at_its_drawn_offset():
    images = noise((3, 7, 6, 3), seed=1)
    out = T.jitter(2)(tf.constant(images), tf.random.Generator.from_seed(4)).numpy()
    offsets = tf.random.Generator.from_seed(4).uniform([3, 2], 0, 3, dtype=tf.int32).numpy()  # (row, column) each
    assert out.shape == (3, 5, 4, 3)
    for view, image, (row, column) in zip(out, images, offsets):
        np.testing.assert_array_equal(view, image[row:row + 5, column:column + 4])
    assert len({tuple(offset) for offset in offsets}) > 1


def affine_coordinates(height: int, width: int, zoom: float, angle: float):
    """Where output pixel (row, column) reads: turned by `angle` and zoomed by `zoom` about the centre,
    ((h - 1) / 2, (w - 1) / 2); x = centre_x + (cos (x' - cx) - sin (y' - cy)) / zoom, y likewise with sin, cos."""
    rows, columns = np.indices((height, width), dtype=np.float64)
    centre_row, centre_column = (height - 1) / 2, (width - 1) / 2
    cos, sin = math.cos(angle) / zoom, math.sin(angle) / zoom
    read_columns = centre_column + cos * (columns - centre_column) - sin * (rows - centre_row)
    read_rows = centre_row + sin * (columns - centre_column) + cos * (rows - centre_row)
    return read_rows, read_columns


def test_scale_zooms_about_the_centre():
    image = noise((1, 9, 8, 3), seed=2)
    out = T.scale(1.6, 1.6)(tf.constant(image), tf.random.Generator.from_seed(0)).numpy()[0]
    compare_inside(out, image[0], *affine_coordinates(9, 8, 1.6, 0.0))


def test_rotate_turns_each_image_by_its_own_drawn_angle_about_the_centre():
    images = noise((2, 9, 9, 3), seed=3)
    out = T.rotate(30)(tf.constant(images), tf.random.Generator.from_seed(7)).numpy()
    angles = tf.random.Generator.from_seed(7).uniform([2], -30, 30).numpy() * math.pi / 180
    assert abs(angles[0] - angles[1]) > 0.05
    for view, image, angle in zip(out, images, angles):
        compare_inside(view, image, *affine_coordinates(9, 9, 1.0, float(angle)))


def test_zoom_and_turn_together_by_hand_at_one_pixel():
    """Zoom 2, turn 90 degrees about (2, 2) of a 5x5 image: output (row 2, column 4) reads (row 3, column 2)."""
    image = noise((1, 5, 5, 3), seed=4)
    out = T._affine(tf.constant(image), tf.constant([2.0]), tf.constant([math.pi / 2])).numpy()[0]
    np.testing.assert_allclose(out[2, 4], image[0, 3, 2], atol=1e-5)
    np.testing.assert_allclose(out[2, 2], image[0, 2, 2], atol=1e-5)  # the centre stays


def test_noise_adds_the_generators_normal_draws_times_std():
    images = noise((2, 3, 4, 3), seed=5)
    out = T.noise(0.2)(tf.constant(images), tf.random.Generator.from_seed(9)).numpy()
    draws = tf.random.Generator.from_seed(9).normal([2, 3, 4, 3]).numpy()
    np.testing.assert_allclose(out, images + 0.2 * draws, atol=1e-6)


@pytest.mark.parametrize("std", [0, 1, 0.5])
def test_noise_takes_a_std_from_0_to_1(std):
    T.noise(std)


@pytest.mark.parametrize("std", [-0.01, 1.01, True, "0.1"])
def test_noise_refuses_other_stds(std):
    with pytest.raises(ValueError, match="^noise std is in pixel units"):
        T.noise(std)


def numpy_blur(images: np.ndarray, sigma: float) -> np.ndarray:
    """Kernel exp(-x^2 / (2 sigma^2)) for x in -r..r, r = ceil(3 sigma) (at least 1, less than the sides), summed to 1;
    edges mirrored with the edge pixel repeated (numpy's "symmetric"); rows, then columns."""
    radius = max(1, min(math.ceil(3 * sigma), images.shape[1] - 1, images.shape[2] - 1))
    offsets = np.arange(-radius, radius + 1)
    kernel = np.exp(-offsets**2 / (2 * sigma**2))
    kernel /= kernel.sum()
    padded = np.pad(images.astype(np.float64), [(0, 0), (radius, radius), (radius, radius), (0, 0)], "symmetric")
    height, width = images.shape[1:3]
    down = sum(weight * padded[:, k:k + height] for k, weight in enumerate(kernel))
    return sum(weight * down[:, :, k:k + width] for k, weight in enumerate(kernel))


@pytest.mark.parametrize("shape, sigma", [((1, 9, 10, 3), 1.0), ((2, 12, 12, 3), 0.7), ((1, 5, 6, 3), 2.5),
                                          ((1, 4, 4, 3), 0.2)])
def test_gaussian_blur_is_the_separable_kernel_with_mirrored_edges(shape, sigma):
    images = noise(shape, seed=6)
    np.testing.assert_allclose(T.gaussian_blur(images, sigma).numpy(), numpy_blur(images, sigma), atol=1e-6)
    np.testing.assert_allclose(T.blur(sigma)(tf.constant(images), None).numpy(), numpy_blur(images, sigma), atol=1e-6)


@pytest.mark.parametrize("sigma, allowed", [(10, True), (0.01, True), (10.5, False), (0, False), (True, False)])
def test_blur_takes_a_sigma_in_0_to_10(sigma, allowed):
    if allowed:
        T.blur(sigma)
    else:
        with pytest.raises(ValueError, match=r"^blur sigma is in pixels, a number in \(0, 10\]"):
            T.blur(sigma)


def test_jpeg_is_tensorflows_jpeg_of_the_clipped_image_with_the_identitys_gradient():
    images = tf.constant(noise((2, 8, 8, 3), seed=7) * 1.2 - 0.1)  # some values outside [0, 1]
    with tf.GradientTape() as tape:
        tape.watch(images)
        out = T.jpeg(60)(images, None)
        loss = tf.reduce_sum(out * tf.range(3, dtype=tf.float32))
    expected = [tf.image.adjust_jpeg_quality(tf.clip_by_value(image, 0.0, 1.0), 60).numpy() for image in images]
    np.testing.assert_allclose(out.numpy(), expected, atol=1e-6)
    np.testing.assert_allclose(tape.gradient(loss, images).numpy(), np.broadcast_to([0.0, 1.0, 2.0], (2, 8, 8, 3)))


@pytest.mark.parametrize("quality, allowed", [(1, True), (100, True), (0, False), (101, False), (75.0, False)])
def test_jpeg_takes_a_quality_from_1_to_100(quality, allowed):
    if allowed:
        T.jpeg(quality)
    else:
        with pytest.raises(ValueError, match="^jpeg quality is a whole number from 1 to 100"):
            T.jpeg(quality)


def test_a_shot_is_the_draw_resized_back_then_the_file():
    images = tf.constant(noise((2, 6, 6, 3), seed=8))
    then = lambda shots, generator: shots * 0.5  # noqa: E731
    out = T.shot(T.pad(2), then)(images, None).numpy()
    expected = tf.image.resize(T.pad(2)(images, None), [6, 6], method="bilinear").numpy() * 0.5
    np.testing.assert_allclose(out, expected, atol=1e-6)
    same_size = T.shot(T.noise(0.0))(images, tf.random.Generator.from_seed(0))
    np.testing.assert_array_equal(same_size, images)


def test_views_are_the_images_then_blocks_of_draws_all_through_then():
    images = tf.constant(noise((2, 4, 4, 3), seed=9))
    brighten = lambda batch, generator: batch + generator.uniform(tf.shape(batch)[:1], 0, 0.1)[:, None, None, None]  # noqa: E731,E501
    then = lambda batch, generator: batch * 2.0  # noqa: E731
    out = T.views(3, brighten, then)(images, tf.random.Generator.from_seed(3)).numpy()
    shifts = tf.random.Generator.from_seed(3).uniform([4], 0, 0.1).numpy()  # one per view after the first block
    assert out.shape == (6, 4, 4, 3)
    np.testing.assert_allclose(out[:2], images.numpy() * 2, rtol=1e-6)
    for row in range(2, 6):  # view k of image i is row k * 2 + i
        np.testing.assert_allclose(out[row], (images.numpy()[row % 2] + shifts[row - 2]) * 2, rtol=1e-6)
    assert T.views(1)(images, None) is images
    np.testing.assert_allclose(T.views(1, then=then)(images, None), images.numpy() * 2)


@pytest.mark.parametrize("draws, transform, words", [
    (0, T.jitter(1), "^draws is how many views of each image a step averages over, a whole number from 1 to"),
    (MAX_DRAWS + 1, T.jitter(1), "^draws is how many views .* from 1 to"), (2, None, "need a random transform"),
    (True, None, "^draws is how many views .* from 1 to")])
def test_views_refuse_a_bad_number_of_draws(draws, transform, words):
    with pytest.raises(ValueError, match=words):
        T.views(draws, transform)
    T.views(MAX_DRAWS, T.jitter(1))


def test_resize_to_leaves_the_size_alone_and_otherwise_resizes_bilinearly():
    images = tf.constant(noise((1, 6, 6, 3), seed=10))
    assert T.resize_to(images, 6) is images
    np.testing.assert_allclose(T.resize_to(images, 4), tf.image.resize(images, [4, 4], method="bilinear"), atol=1e-6)


def test_camera_is_a_jitter_zoom_turn_and_blur():
    """camera() = jitter(8), scale(0.9, 1.1), rotate(8), blur(0.7), drawing in that order."""
    images = tf.constant(noise((2, 24, 24, 3), seed=11))
    chain = T.compose(T.jitter(8), T.scale(0.9, 1.1), T.rotate(8), T.blur(0.7))
    np.testing.assert_allclose(T.camera()(images, tf.random.Generator.from_seed(2)),
                               chain(images, tf.random.Generator.from_seed(2)), atol=1e-6)


def random_view_by_hand(image, generator, pad_width, mode, first_shift, low, high, degrees, last_shift, value=0.5):
    """The documented geometry: output (r, c) reads the last window at (index + 0.5) * ratio - 0.5, shifted by
    `last`, about the window's centre; zoomed and turned about it; shifted by `first` into the padded image."""
    first = generator.uniform([2], 0, first_shift + 1, dtype=tf.int32).numpy().astype(float)
    zoom = float(generator.uniform([], low, high))
    angle = float(generator.uniform([], -degrees, degrees)) * math.pi / 180
    last = generator.uniform([2], 0, last_shift + 1, dtype=tf.int32).numpy().astype(float)
    height, width = image.shape[:2]
    padded = np.pad(image, [(pad_width, pad_width), (pad_width, pad_width), (0, 0)],
                    "reflect" if mode == "REFLECT" else "constant", **({} if mode == "REFLECT" else
                                                                       {"constant_values": value}))
    window = np.array([height, width]) + 2 * pad_width - first_shift
    centre, ratio = (window - 1) / 2, (window - last_shift) / np.array([height, width])
    rows, columns = np.indices((height, width), dtype=np.float64)
    v = (rows + 0.5) * ratio[0] - 0.5 + last[0] - centre[0]
    u = (columns + 0.5) * ratio[1] - 0.5 + last[1] - centre[1]
    cos, sin = math.cos(angle) / zoom, math.sin(angle) / zoom
    return padded, first[0] + centre[0] + sin * u + cos * v, first[1] + centre[1] + cos * u - sin * v


@pytest.mark.parametrize("settings", [(3, "REFLECT", 4, 0.8, 1.2, 20, 2), (2, "CONSTANT", 3, 1.3, 1.5, 0, 1),
                                      (4, "REFLECT", 2, 0.9, 1.1, 15, 1),  # the last window resized: ratio 1.5, 17/12
                                      (0, "REFLECT", 0, 1.0, 1.0, 0, 0)])
def test_random_view_reads_where_its_docstring_says(settings):
    image = noise((1, 10, 12, 3), seed=12)
    for seed in range(3):
        view = T.random_view(*settings)(tf.constant(image), tf.random.Generator.from_seed(seed)).numpy()[0]
        padded, rows, columns = random_view_by_hand(image[0], tf.random.Generator.from_seed(seed), *settings)
        compare_inside(view, padded, rows, columns)
    if settings[-1] == 0 and settings[0] == 0:
        np.testing.assert_allclose(view, image[0], atol=1e-6)  # no pad, shift, zoom or turn: the image itself


def test_random_view_adds_the_noise_last():
    image = tf.constant(noise((1, 8, 8, 3), seed=13))
    quiet = T.random_view(2, "REFLECT", 2, 0.9, 1.1, 10, 1)
    noisy = T.random_view(2, "REFLECT", 2, 0.9, 1.1, 10, 1, noise_std=0.1)
    generator = tf.random.Generator.from_seed(5)
    expected = quiet(image, generator).numpy() + 0.1 * generator.normal([1, 8, 8, 3]).numpy()
    np.testing.assert_allclose(noisy(image, tf.random.Generator.from_seed(5)), expected, atol=1e-6)


def test_the_two_recipes_of_transforms_are_their_documented_random_views():
    image = tf.constant(noise((1, 16, 16, 3), seed=14))
    for made, settings in ((T.standard_transforms(), (12, "REFLECT", 8, 0.9, 1.1, 10, 4)),
                           (T.strong_transforms(), (12, "CONSTANT", 16, 0.6, 1.4, 15, 4, 0.05))):
        np.testing.assert_allclose(made(image, tf.random.Generator.from_seed(1)),
                                   T.random_view(*settings)(image, tf.random.Generator.from_seed(1)), atol=1e-6)


def test_zoom_and_turn_at_once_read_where_the_matrix_says():
    """Zoom 1.5 and a turn of 0.5 radians together: each output pixel reads affine_coordinates (a zoom dividing the
    cosine and the sine alike)."""
    image = noise((1, 11, 11, 3), seed=15)
    out = T._affine(tf.constant(image), tf.constant([1.5]), tf.constant([0.5])).numpy()[0]
    compare_inside(out, image[0], *affine_coordinates(11, 11, 1.5, 0.5))


def test_zooming_out_mirrors_the_edges_instead_of_filling_them():
    """A flat grey image zoomed out and turned stays flat grey: what lies outside is the image mirrored, never a fill."""
    out = T._affine(tf.fill((1, 9, 9, 3), 0.5), tf.constant([0.5]), tf.constant([0.4])).numpy()
    np.testing.assert_allclose(out, 0.5, atol=1e-6)


def test_a_shots_file_and_the_views_file_draw_from_the_same_generator():
    """then = noise(0.1): the shot's noise is the generator's next normal draws, after the transform's own."""
    images = tf.constant(noise((2, 6, 6, 3), seed=16))
    out = T.shot(T.pad(1), T.noise(0.1))(images, tf.random.Generator.from_seed(8)).numpy()
    resized = tf.image.resize(T.pad(1)(images, None), [6, 6], method="bilinear").numpy()
    np.testing.assert_allclose(out, resized + 0.1 * tf.random.Generator.from_seed(8).normal([2, 6, 6, 3]).numpy(),
                               atol=1e-6)
    seen = T.views(1, then=T.noise(0.1))(images, tf.random.Generator.from_seed(8)).numpy()
    np.testing.assert_allclose(seen, images.numpy() + 0.1 * tf.random.Generator.from_seed(8).normal([2, 6, 6, 3]),
                               atol=1e-6)
