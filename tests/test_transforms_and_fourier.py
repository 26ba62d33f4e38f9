"""Transforms, the Fourier parameterisation, the second opinion and the recipes."""

import numpy as np
import pytest
import tensorflow as tf

import lib
from lib import parameterisations as P
from lib import transforms as T

TRANSFORMS = {
    "pad": T.pad(4), "jitter": T.jitter(4), "scale": T.scale(0.9, 1.1), "rotate": T.rotate(10),
    "grey pad": T.pad(4, "CONSTANT"), "standard": T.standard_transforms(), "strong": T.strong_transforms(),
    "noise": T.noise(0.05),
}
ADDS_NOISE = {"noise", "strong"}  # noise may carry a pixel a little outside [0, 1], by design


@pytest.mark.parametrize("name", TRANSFORMS)
def test_each_transform_keeps_range_and_is_differentiable(name, rng):
    images = tf.constant(rng.uniform(size=(2, 32, 32, 3)).astype(np.float32))
    generator = tf.random.Generator.from_seed(0)
    with tf.GradientTape() as tape:
        tape.watch(images)
        out = TRANSFORMS[name](images, generator)
        loss = tf.reduce_sum(out * out)
    gradient = tape.gradient(loss, images)
    assert out.shape[0] == 2 and out.shape[-1] == 3
    margin = 0.5 if name in ADDS_NOISE else 1e-6  # 10 standard deviations of noise(0.05)
    assert float(tf.reduce_min(out)) >= -margin and float(tf.reduce_max(out)) <= 1 + margin
    assert gradient is not None and float(tf.reduce_sum(tf.abs(gradient))) > 0


@pytest.mark.parametrize("name, size", [("pad", 40), ("jitter", 28), ("scale", 32), ("rotate", 32)])
def test_each_transform_gives_the_expected_size(name, size):
    out = TRANSFORMS[name](tf.zeros((1, 32, 32, 3)), tf.random.Generator.from_seed(0))
    assert tuple(out.shape[1:3]) == (size, size)


def test_grey_padding_is_grey_and_a_bad_mode_is_named():
    out = T.pad(2, "CONSTANT", 0.5)(tf.ones((1, 4, 4, 3)), tf.random.Generator.from_seed(0)).numpy()
    assert out.shape == (1, 8, 8, 3) and np.all(out[:, :2] == 0.5) and np.all(out[:, 2:6, 2:6] == 1.0)
    with pytest.raises(ValueError, match="CONSTANT"):
        T.pad(2, "WRAP")


def test_noise_has_the_asked_spread_is_seeded_and_checks_its_argument():
    images = tf.fill((1, 64, 64, 3), 0.5)
    out = T.noise(0.05)(images, tf.random.Generator.from_seed(0)).numpy()
    assert out.shape == (1, 64, 64, 3) and abs(out.mean() - 0.5) < 0.005 and abs(out.std() - 0.05) < 0.005
    again = T.noise(0.05)(images, tf.random.Generator.from_seed(0)).numpy()
    assert np.array_equal(out, again)
    assert np.array_equal(T.noise(0.0)(images, tf.random.Generator.from_seed(0)), images)
    with pytest.raises(ValueError, match="noise std"):
        T.noise(13)


def test_rotating_by_zero_and_scaling_by_one_change_nothing(rng):
    images = tf.constant(rng.uniform(size=(1, 16, 16, 3)).astype(np.float32))
    generator = tf.random.Generator.from_seed(0)
    assert np.allclose(T.rotate(0.0)(images, generator), images, atol=1e-5)
    assert np.allclose(T.scale(1.0, 1.0)(images, generator), images, atol=1e-5)


def test_rotate_turns_the_picture():
    image = np.zeros((1, 33, 33, 3), np.float32)
    image[:, 16, 20:, :] = 1.0  # a bar from the centre to the right
    turned = T._affine(tf.constant(image), tf.constant([1.0]), tf.constant([np.pi / 2])).numpy()  # one per image
    assert turned[0, 16, 25, 0] < 0.1 and max(turned[0, 25, 16, 0], turned[0, 7, 16, 0]) > 0.9


def test_transforms_are_seeded():
    images = tf.constant(np.random.default_rng(1).uniform(size=(1, 32, 32, 3)).astype(np.float32))
    first = T.standard_transforms()(images, tf.random.Generator.from_seed(3))
    again = T.standard_transforms()(images, tf.random.Generator.from_seed(3))
    assert np.array_equal(first, again)


def test_a_bad_transform_list_is_refused():
    with pytest.raises(ValueError, match="transforms must be"):
        T.as_transform(["jitter"])


def test_fourier_image_of_a_constant_spectrum_is_constant():
    fourier = P.FourierImage(16, seed=0)
    spectrum = np.zeros(fourier.variable.shape, np.float32)
    spectrum[0, :, :, 0, 0] = [1.0, -2.0, 3.0]  # only the zero-frequency (mean) coefficient
    fourier.variable.assign(spectrum)
    image = fourier.image().numpy()
    assert image.std(axis=(1, 2)).max() < 1e-5 and not np.allclose(image[..., 0], image[..., 1])


def test_fourier_image_is_in_unit_range_and_gradients_flow():
    fourier = P.FourierImage(32, batch=2, seed=1)
    fourier.variable.assign(fourier.variable * 300.0)  # large coefficients: the sigmoid still bounds the image
    with tf.GradientTape() as tape:
        image = fourier.image()
        loss = tf.reduce_mean(image[..., 0])
    gradient = tape.gradient(loss, fourier.variable)
    assert image.shape == (2, 32, 32, 3)
    assert float(tf.reduce_min(image)) >= 0.0 and float(tf.reduce_max(image)) <= 1.0
    assert float(tf.reduce_sum(tf.abs(gradient))) > 0


def test_low_frequencies_dominate_the_fourier_start():
    image = P.FourierImage(64, seed=0).image().numpy()[0]
    noise = lib.noise_image(64, seed=0, spread=float(image.std()))
    tv = lib.total_variation()
    assert float(tv(None, image[None])) < 0.7 * float(tv(None, noise[None]))  # smoother than white noise


def test_the_colour_matrix_round_trips(rng):
    rgb = tf.constant(rng.normal(size=(5, 3)).astype(np.float32))
    assert np.allclose(P.decorrelate_colours(P.correlate_colours(rgb)), rgb, atol=1e-4)
    assert np.allclose(P.correlate_colours(P.decorrelate_colours(rgb)), rgb, atol=1e-4)


def test_pixel_image_projects_into_its_budget():
    start = np.full((1, 4, 4, 3), 0.5, np.float32)
    pixels = P.PixelImage(start, epsilon=0.1)
    pixels.variable.assign(start + 0.5)
    pixels.project()
    assert np.allclose(pixels.image(), 0.6)


def test_fourier_and_transforms_optimise_on_a_tiny_model(tiny_model):
    result = lib.optimise_image(tiny_model, lib.logit("zebra"), num_steps=20, learning_rate=0.05, stop_at=None,
                                parameterisation="fourier", transforms=[T.jitter(2), T.rotate(10)])
    assert result.losses[-1] < result.losses[0] and result.image.shape == (8, 8, 3)
    expected = tf.nn.softmax(tiny_model(result.image[None]))[0].numpy()
    assert np.allclose(result.probabilities, expected, atol=1e-6)  # judged untransformed


@pytest.mark.parametrize("settings, words", [
    ({"parameterisation": "wavelets"}, "pixels"),
    ({"parameterisation": "fourier", "epsilon": 0.1}, "random spectrum"),
    ({"decay": 1.5}, "parameterisation='fourier'"),
    ({"parameterisation": "fourier", "decay": -1}, "from 0 to 4"),
    ({"parameterisation": "fourier", "decay": "steep"}, "from 0 to 4"),
])
def test_bad_parameterisation_settings(tiny_model, settings, words):
    with pytest.raises(ValueError, match=words):
        lib.optimise_image(tiny_model, "zebra", **settings)


def test_a_steeper_decay_gives_a_smoother_start():
    def roughness(decay):
        image = P.FourierImage(64, seed=0, decay=decay).image().numpy()[0]
        return np.abs(np.diff(image, axis=0)).mean() / image.std()
    assert roughness(1.5) < roughness(1.0) < roughness(0.5)


def test_second_opinion_ranks_the_target(lite0):
    cat = lib.load_image(lib.data_path("cat.png"), size=300)
    opinion = lib.second_opinion(lite0, cat, "tiger cat")
    assert opinion.judge == "efficientnet_lite0" and opinion.agrees and opinion.target_rank <= 3
    assert len(opinion.top) == 5 and opinion.top[0][2] >= opinion.target_probability
    far = lib.second_opinion(lite0, cat, "school bus")
    assert not far.agrees and far.target_rank > 5


def test_every_recipe_has_settings_and_an_unknown_one_is_named():
    for recipe in lib.RECIPES:
        assert "objective" in lib.recipes.recipe_settings(recipe, "zebra")
    fourier = lib.recipes.recipe_settings("fourier", "zebra")
    assert fourier["parameterisation"] == "fourier" and fourier["decay"] == lib.recipes.FOURIER_DECAY
    assert "total_variation" in fourier["objective"].name and "centred_logit" in fourier["objective"].name
    assert fourier["learning_rate"] == lib.recipes.FOURIER_LEARNING_RATE
    assert lib.recipes.recipe_settings("fourier", "zebra", model_name="squeezenet1_1")["learning_rate"] == 0.01
    assert "total_variation" not in lib.recipes.recipe_settings("fourier", "zebra", tv_weight=0)["objective"].name
    with pytest.raises(ValueError, match="naive, tv, robust, fourier"):
        lib.recipes.recipe_settings("deepdream", "zebra")


def test_tv_recipe_is_lesson_04s_logit_plus_total_variation():
    tv = lib.recipes.recipe_settings("tv", "zebra")
    assert tv["objective"].name == f"logit('zebra') + {lib.recipes.DEFAULT_TV_WEIGHT:g} * total_variation()"
    assert lib.recipes.DEFAULT_TV_WEIGHT == 0.01
    assert tv["learning_rate"] == lib.recipes.TV_LEARNING_RATE == 0.02
    assert tv["num_steps"] == lib.recipes.TV_STEPS == 200 and tv["stop_at"] is None
    assert "transforms" not in tv and tv.get("parameterisation", "pixels") == "pixels"
    assert lib.recipes.recipe_settings("tv", "zebra", tv_weight=0)["objective"].name == "logit('zebra')"


def test_tv_recipe_raises_the_logit_on_the_tiny_model(tiny_model):
    result = lib.ideal_image(tiny_model, "zebra", "tv", num_steps=30)
    zebra = lib.class_id_of("zebra")
    start, end = (float(tiny_model(image[None])[0, zebra]) for image in (result.start_image, result.image))
    assert result.num_steps == 30 and end > start + 1
    assert 0 <= result.image.min() and result.image.max() <= 1


def test_tv_recipe_keeps_structure_on_lite0(lite0):
    # Measured (seed 0): p = 1.000, std 0.059; the old cross-entropy + 0.0005 * TV recipe gave std 0.013.
    result = lib.ideal_image(lite0, "Siamese cat", "tv")
    assert result.probability >= 0.9 and result.image.std() > 0.04


@pytest.mark.parametrize("fused, chain", [
    (T.standard_transforms(), T.compose(T.pad(12), T.jitter(8), T.scale(0.9, 1.1), T.rotate(10), T.jitter(4))),
    (T.random_view(12, "CONSTANT", 16, 0.6, 1.4, 15, 4),
     T.compose(T.pad(12, "CONSTANT", 0.5), T.jitter(16), T.scale(0.6, 1.4), T.rotate(15), T.jitter(4))),
])
def test_random_view_is_the_chain_of_transforms_in_one_resampling(fused, chain):
    """The same draws give the same shift, zoom and turn as the chain resized back: the centres agree."""
    photo = tf.constant(lib.load_image(lib.data_path("cat.png"), size=96)[None])
    for seed in range(4):
        expected = T.resize_to(chain(photo, tf.random.Generator.from_seed(seed)), 96).numpy()[0, 24:72, 24:72]
        view = fused(photo, tf.random.Generator.from_seed(seed)).numpy()[0]
        other = fused(photo, tf.random.Generator.from_seed(seed + 10)).numpy()[0, 24:72, 24:72]
        assert view.shape == (96, 96, 3)
        assert np.abs(view[24:72, 24:72] - expected).mean() < 0.2 * np.abs(other - expected).mean()


def test_strong_transforms_add_noise_and_resize_to_leaves_the_models_size_alone(rng):
    images = tf.constant(rng.uniform(size=(1, 32, 32, 3)).astype(np.float32))
    quiet = T.random_view(12, "CONSTANT", 16, 0.6, 1.4, 15, 4)(images, tf.random.Generator.from_seed(0))
    noisy = T.strong_transforms()(images, tf.random.Generator.from_seed(0))
    assert 0.04 < float(tf.math.reduce_std(noisy - quiet)) < 0.06
    assert T.resize_to(images, 32) is images and T.resize_to(images, 16).shape == (1, 16, 16, 3)


def test_ideal_image_traces_one_step_for_one_class_after_another_with_a_fresh_steps_result(tiny_model):
    from lib import compiled
    zebra = lib.ideal_image(tiny_model, "zebra", "fourier", num_steps=6, seed=3)
    step = compiled.entries(tiny_model, "optimise")[-1][0]
    daisy = lib.ideal_image(tiny_model, "daisy", "fourier", num_steps=6, seed=3)
    assert compiled.entries(tiny_model, "optimise")[-1][0] is step and step.experimental_get_tracing_count() == 1
    settings = lib.recipes.recipe_settings("fourier", "daisy", model_name=tiny_model.name)  # a fresh objective
    fresh = lib.optimise_image(tiny_model, settings.pop("objective"), seed=3, **{**settings, "num_steps": 6})
    assert daisy.target == lib.class_id_of("daisy") and daisy.num_steps == 6
    assert np.allclose(daisy.image, fresh.image, atol=1e-5) and np.allclose(daisy.probabilities, fresh.probabilities, atol=1e-5)
    assert not np.allclose(daisy.image, zebra.image)
    two = lib.ideal_image(tiny_model, "zebra", "fourier", batch=2, num_steps=3)
    assert two.images.shape == (2, 8, 8, 3) and two.batch_probabilities.shape == (2, 1000)
    with pytest.raises(ValueError, match="from 1 to 64"):
        lib.ideal_image(tiny_model, "zebra", "fourier", batch=0)
