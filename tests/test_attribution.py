"""Attribution maps: their shape and range, that they find a known cause, IG's completeness, deletion curves,
the randomisation check, and clear errors; checked on a small model whose answer is known by construction."""

import math

import keras
import numpy as np
import pytest
import tensorflow as tf

import lib
from lib import attribution, compiled
from lib.attribution import (METHODS, explain, hide_square, integrated_gradients, make_baseline, path_points,
                             quarter_shares, top_class)
from lib.faithfulness import DeletionCurve, deletion_curve, randomised_top, rank_correlation
from lib.classes import class_id_of
from lib.images import side_by_side
from lib.layers import find_layer, last_feature_layer, spatial_layers
from lib.models import predict_batch
from lib.transforms import gaussian_blur

TARGET = class_id_of("Siamese cat")  # the class that reads the red detector
SIDE = 32  # the small model's input size
SQUARE = 8  # the red square's side
# Small settings: the same maths as the defaults, fast on the small model.
FAST = {"gradient": {}, "smoothgrad": {"samples": 8, "noise": 0.1}, "integrated_gradients": {"steps": 16},
        "gradcam": {}, "occlusion": {"patch": 8, "stride": 4}}


def red_detector(name: str = "red_detector", side: int = SIDE) -> keras.Model:
    """[batch, side, side, 3] in [0, 1] -> 1000 logits; only Siamese cat's reads a detector of bright red.

    red_conv (2x2, stride 2) computes mean(r - g - b) - 0.2 over each 2x2 block: 0.8 on pure red, below 0 on
    grey (-0.7) and black (-0.2); ReLU keeps red; the logit is 200 x the mean over the 16x16 feature map,
    so an 8x8 red square (16 blocks) gives logit 10, p about 0.96, and nothing else moves it.
    """
    image = keras.Input((side, side, 3), name="image")
    scaled = keras.layers.Rescaling(1.0, name="preprocess")(image)  # spatial, but spatial_layers must skip it
    detected = keras.layers.Conv2D(1, 2, strides=2, name="red_conv")(scaled)
    feature = keras.layers.ReLU(name="red_relu")(detected)
    pooled = keras.layers.GlobalAveragePooling2D(name="pool")(feature)
    logits = keras.layers.Dense(1000, name="logits")(pooled)
    model = keras.Model(image, logits, name=name)
    kernel = np.zeros((2, 2, 3, 1), np.float32)
    kernel[..., 0] = np.array([1.0, -1.0, -1.0]) / 4
    model.get_layer("red_conv").set_weights([kernel, np.array([-0.2], np.float32)])
    dense = np.zeros((1, 1000), np.float32)
    dense[0, TARGET] = 200.0
    model.get_layer("logits").set_weights([dense, np.zeros(1000, np.float32)])
    return model


@pytest.fixture(scope="module")
def detector() -> keras.Model:
    return red_detector()


def scene(top: int, left: int, size: int = SQUARE, shape: tuple[int, int] = (SIDE, SIDE)) -> np.ndarray:
    """A grey image with a pure red square of `size` at (top, left)."""
    image = np.full((*shape, 3), 0.5, np.float32)
    image[top:top + size, left:left + size] = (1.0, 0.0, 0.0)
    return image


def centre_of_mass(importance: np.ndarray) -> np.ndarray:
    rows, columns = np.indices(importance.shape)
    return np.array([(importance * rows).sum(), (importance * columns).sum()]) / importance.sum()


def logit(model: keras.Model, image: np.ndarray, class_id: int = TARGET) -> float:
    return float(model(image[None], training=False)[0, class_id])


def probability(model: keras.Model, image: np.ndarray, class_id: int = TARGET) -> float:
    return float(tf.nn.softmax(model(image[None], training=False))[0, class_id])


def assert_is_a_map(importance: np.ndarray, shape: tuple[int, int]) -> None:
    assert isinstance(importance, np.ndarray) and importance.dtype == np.float32
    assert importance.shape == shape
    assert np.all(np.isfinite(importance)) and importance.min() >= 0 and importance.max() > 0


# --- every method: a map [h, w] >= 0 at the image's own size -----------------------------------------------


def test_the_methods_are_the_documented_five():
    assert tuple(METHODS) == ("gradient", "smoothgrad", "integrated_gradients", "gradcam", "occlusion")
    assert set(FAST) == set(METHODS)


@pytest.mark.parametrize("shape", [(SIDE, SIDE), (40, 56)], ids=["model size", "resized 40x56"])
@pytest.mark.parametrize("method", list(FAST))
def test_each_method_gives_a_float32_map_at_the_images_own_size(detector, method, shape):
    image = scene(10, 14, size=12, shape=shape)
    assert_is_a_map(explain(detector, image, TARGET, method, **FAST[method]), shape)


@pytest.mark.parametrize("method", list(FAST))
def test_each_method_on_the_real_model_and_a_160x200_photo(lite0, method):
    photo = lib.load_image(lib.data_path("cat.png"))[32:192, 12:212]  # not square, not 224: the model sees it resized
    settings = {"smoothgrad": {"samples": 4}, "integrated_gradients": {"steps": 4},
                "occlusion": {"patch": 40, "stride": 40}}.get(method, {})
    assert_is_a_map(explain(lite0, photo, None, method, **settings), (160, 200))


def test_no_target_explains_the_top_class(detector):
    image = scene(4, 20)
    assert top_class(detector, image) == TARGET
    np.testing.assert_array_equal(explain(detector, image, None, "gradient"), explain(detector, image, TARGET, "gradient"))
    np.testing.assert_array_equal(explain(detector, image, "Siamese cat", "gradient"),
                                  explain(detector, image, TARGET, "gradient"))


# --- the maps find the cause, and follow it --------------------------------------------------------------------

POSITIONS = [(4, 20), (20, 6)]  # far apart and not mirror images of each other, so a transposed map would fail


@pytest.mark.parametrize("method", list(FAST))
def test_each_method_points_at_the_red_square_and_follows_it(detector, method):
    centres = []
    for top, left in POSITIONS:
        importance = explain(detector, scene(top, left), TARGET, method, **FAST[method])
        centre = np.array([top, left]) + (SQUARE - 1) / 2
        peak = np.unravel_index(np.argmax(importance), importance.shape)
        assert top - 1 <= peak[0] <= top + SQUARE and left - 1 <= peak[1] <= left + SQUARE, (method, peak)
        assert np.abs(centre_of_mass(importance) - centre).max() < 2.0, (method, centre_of_mass(importance), centre)
        around = importance[max(0, top - 4):top + SQUARE + 4, max(0, left - 4):left + SQUARE + 4].sum()
        assert around / importance.sum() > 0.9, method  # the square and 4 pixels around it: 7% of the image
        centres.append(centre_of_mass(importance))
    moved = np.subtract(*POSITIONS[::-1])
    np.testing.assert_allclose(centres[1] - centres[0], moved, atol=2.0)


def test_the_exact_maps_of_the_gradient_and_gradcam(detector):
    """By construction: d logit / d red = 200 / 256 / 4 on the square's pixels, 0 elsewhere; Grad-CAM is the square."""
    image = scene(4, 20)
    expected = np.zeros((SIDE, SIDE), np.float32)
    expected[4:12, 20:28] = 200 / 256 / 4
    np.testing.assert_allclose(explain(detector, image, TARGET, "gradient"), expected, rtol=1e-5, atol=1e-7)
    cam = explain(detector, image, TARGET, "gradcam")
    assert np.all(cam[5:11, 21:27] > 0.5 * cam.max())  # the square's inside (its edge is blurred by upsampling)
    assert cam[:2].max() == cam[:, :17].max() == cam[15:].max() == 0  # nothing 3 or more pixels away


# --- integrated gradients ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("baseline", ["black", "blur"])
def test_integrated_gradients_add_up_to_the_logit_difference(detector, baseline):
    image = scene(4, 20)
    attributions, gap = integrated_gradients(detector, image, TARGET, baseline, steps=256)
    assert attributions.shape == (SIDE, SIDE, 3)
    start = make_baseline(image, baseline)
    assert gap == pytest.approx(logit(detector, image) - logit(detector, start), rel=1e-5)
    assert gap > 1.0  # not trivially 0 = 0
    assert float(attributions.sum()) == pytest.approx(gap, rel=1e-2)
    assert np.abs(attributions[:, :16]).sum() < 1e-6 * np.abs(attributions).sum()  # nothing far from the square


@pytest.mark.parametrize("steps", [1, 7, 64])
def test_path_points_lie_inside_the_path_closer_near_the_baseline_with_weights_adding_up_to_1(steps):
    alphas, weights = path_points(steps)
    assert alphas.shape == weights.shape == (steps,)
    assert np.all((alphas > 0) & (alphas < 1)) and np.all(np.diff(alphas) > 0)
    assert weights.sum() == pytest.approx(1.0) and np.all(weights > 0)
    if steps > 2:
        assert np.all(np.diff(np.diff(alphas)) > 0)  # the gaps grow from the baseline to the image


def test_path_points_integrate_a_rise_near_the_baseline_that_even_steps_miss():
    # d/dalpha of a logistic rise centred at alpha = 0.03, 0.003 wide: the shape of Lite0's logit from black
    def rise(alpha):
        return 1 / (1 + np.exp(-(alpha - 0.03) / 0.003))

    def slope(alpha):
        return rise(alpha) * (1 - rise(alpha)) / 0.003

    exact = rise(1.0) - rise(0.0)
    alphas, weights = path_points(64)
    assert float(np.sum(weights * slope(alphas))) == pytest.approx(exact, rel=0.01)
    even = (np.arange(64) + 0.5) / 64
    assert abs(float(np.mean(slope(even))) - exact) > 0.2 * exact  # evenly spaced, the same count is far off


def test_integrated_gradients_of_lite0_on_the_cat_add_up_at_the_default_steps(lite0):
    cat = lib.load_image(lib.data_path("cat.png"), size=224)
    attributions, gap = integrated_gradients(lite0, cat, "Egyptian cat")  # black baseline, 64 steps
    assert gap > 5.0
    assert float(attributions.sum()) == pytest.approx(gap, rel=0.1)  # evenly spaced steps gave 7.70 for 8.80


def test_integrated_gradients_baselines_are_black_and_the_blurred_image():
    image = scene(4, 20)
    np.testing.assert_array_equal(make_baseline(image, "black"), np.zeros_like(image))
    blurred = make_baseline(image, "blur")
    np.testing.assert_allclose(blurred, gaussian_blur(image[None], 0.05 * SIDE).numpy()[0], atol=1e-6)
    assert blurred.shape == image.shape and 0 < blurred[..., 0].max() < 1.0


def test_integrated_gradients_in_explain_is_the_absolute_colour_sum(detector):
    image = scene(20, 6)
    attributions, _ = integrated_gradients(detector, image, TARGET, "blur", steps=16)
    np.testing.assert_allclose(explain(detector, image, TARGET, "integrated_gradients", steps=16, baseline="blur"),
                               np.abs(attributions.sum(axis=-1)), rtol=1e-6)


@pytest.mark.parametrize("fill", [0.0, 0.5, 1.0])
def test_occlusion_is_the_mean_drop_of_the_patches_over_each_pixel(tiny_model, fill):
    """A reference computed by hand: patch 4, stride 3 on 10x12 puts corners at rows 0, 3, 6 and columns 0, 3, 6, 8
    (the last flush with the edge); each pixel gets the mean drop in p(target) over the patches that hide it."""
    image = np.random.default_rng(10).random((10, 12, 3)).astype(np.float32)
    target = top_class(tiny_model, image)
    expected = occlusion_by_hand(tiny_model, image, target, fill)
    assert expected.max() > 1e-3
    importance = explain(tiny_model, image, target, "occlusion", patch=4, stride=3, fill=fill)
    np.testing.assert_allclose(importance, expected, rtol=1e-4, atol=1e-6)


def occlusion_by_hand(model: keras.Model, image: np.ndarray, target: int, fill: float) -> np.ndarray:
    """Occlusion with patch 4, stride 3 on a 10x12 image, one square at a time, for a model that sees 8x8."""
    def p(picture):
        return float(tf.nn.softmax(model(tf.image.resize(picture[None], [8, 8])))[0, target])

    drops, count = np.zeros((10, 12)), np.zeros((10, 12))
    for top in (0, 3, 6):
        for left in (0, 3, 6, 8):
            drops[top:top + 4, left:left + 4] += p(image) - p(hide_square(image, top, left, 4, fill))
            count[top:top + 4, left:left + 4] += 1
    return np.maximum(drops / count, 0)


def test_occlusion_asks_the_model_nothing_about_squares_that_hide_only_the_fill(tiny_model, monkeypatch):
    """The same reference with a band of the fill's grey across the top: a square inside it changes no pixel."""
    image = np.random.default_rng(11).random((10, 12, 3)).astype(np.float32)
    image[:5] = 0.5  # rows 0-4: squares at row 0 lie inside, those at rows 3 and 6 do not
    target = top_class(tiny_model, image)
    seen = []

    def counting(model, images, batch_size=8):
        seen.append(len(images))
        return predict_batch(model, images, batch_size)

    monkeypatch.setattr(attribution, "predict_batch", counting)
    importance = explain(tiny_model, image, target, "occlusion", patch=4, stride=3)
    assert sum(seen) == 1 + 8  # the photo itself, then the 12 squares less the 4 in the grey band
    expected = occlusion_by_hand(tiny_model, image, target, 0.5)
    assert expected[5:].max() > 1e-3
    np.testing.assert_allclose(importance, expected, rtol=1e-4, atol=1e-6)


@pytest.mark.parametrize("method", list(FAST))
def test_a_list_of_targets_gives_each_ones_own_map(tiny_model, method):
    image = np.random.default_rng(12).random((10, 12, 3)).astype(np.float32)
    settings = {**FAST[method], **({"patch": 4, "stride": 3} if method == "occlusion" else {})}
    first, second = top_class(tiny_model, image), (top_class(tiny_model, image) + 1) % 1000
    both = explain(tiny_model, image, [first, second], method, **settings)
    assert both.shape == (2, 10, 12) and both.dtype == np.float32
    for importance, target in zip(both, (first, second)):
        np.testing.assert_allclose(importance, explain(tiny_model, image, target, method, **settings), rtol=1e-5, atol=1e-7)
    assert not np.allclose(both[0], both[1])


def test_occlusion_of_several_classes_hides_each_square_once(tiny_model, monkeypatch):
    seen = []

    def counting(model, images, batch_size=8):
        seen.append(len(images))
        return predict_batch(model, images, batch_size)

    monkeypatch.setattr(attribution, "predict_batch", counting)
    image = np.random.default_rng(13).random((10, 12, 3)).astype(np.float32)
    explain(tiny_model, image, [1, 2, 3], "occlusion", patch=4, stride=3)
    assert sum(seen) == 1 + 12  # the photo, then each of the 12 squares once, for the three classes together


def test_the_gradient_is_traced_once_per_image_size_for_any_batch(detector):
    function = attribution._gradient_function(detector, SIDE, SIDE)
    for count in (1, 8, 2, 5):  # the gradient alone, SmoothGrad's and IG's batches, IG's last (image and baseline)
        function(tf.constant(np.zeros((count, SIDE, SIDE, 3)), tf.float32), tf.constant(TARGET, tf.int32))
    assert function.experimental_get_tracing_count() == 1
    image = scene(4, 20)
    explain(detector, image, TARGET, "smoothgrad", **FAST["smoothgrad"])
    integrated_gradients(detector, image, TARGET, steps=12)  # batches of 8 and 4, then 2
    assert compiled.entries(detector, "gradients")[0].experimental_get_tracing_count() == 1


@pytest.mark.parametrize("method", ["smoothgrad", "integrated_gradients", "occlusion"])
def test_batch_size_1_gives_the_same_map(detector, method):
    image = np.clip(scene(4, 20) + np.random.default_rng(2).normal(0, 0.05, (SIDE, SIDE, 3)), 0, 1).astype(np.float32)
    settings = {**FAST[method], "samples": 6} if method == "smoothgrad" else FAST[method]
    batched = explain(detector, image, TARGET, method, **settings, batch_size=4)
    single = explain(detector, image, TARGET, method, **settings, batch_size=1)
    assert batched.max() > 0
    np.testing.assert_allclose(single, batched, rtol=1e-4, atol=1e-6 * batched.max())


def test_smoothgrad_depends_on_its_seed_and_repeats_with_the_same_one(detector):
    image = scene(4, 20)
    first = explain(detector, image, TARGET, "smoothgrad", samples=4, noise=0.3, seed=1)
    np.testing.assert_array_equal(first, explain(detector, image, TARGET, "smoothgrad", samples=4, noise=0.3, seed=1))
    assert not np.array_equal(first, explain(detector, image, TARGET, "smoothgrad", samples=4, noise=0.3, seed=2))


# --- Grad-CAM's layer ---------------------------------------------------------------------------------------------


def test_spatial_layers_skip_the_input_preprocessing_and_vectors(detector):
    assert [layer.name for layer in spatial_layers(detector)] == ["red_conv", "red_relu"]
    assert last_feature_layer(detector).name == "red_relu"


@pytest.mark.parametrize("name, expected", [("efficientnet_lite0", "_bn1_relu6"), ("squeezenet1_1", "conv10_relu")])
def test_gradcam_finds_the_last_feature_map_of_the_embedded_models(name, expected, request):
    model = request.getfixturevalue("lite0") if name == "efficientnet_lite0" else lib.load_model(name)
    assert last_feature_layer(model).name == expected
    assert len(last_feature_layer(model).output.shape) == 4


def test_gradcam_finds_block5_conv3_in_vgg16_and_skips_its_preprocessing():
    vgg16 = lib.models.build_vgg16(weights=None)
    assert last_feature_layer(vgg16).name == "block5_conv3"
    assert spatial_layers(vgg16)[0].name == "block1_conv1"  # not vgg16_preprocess


def test_gradcam_uses_that_layer_by_default_and_a_named_one_on_request(lite0):
    image = np.random.default_rng(3).random((224, 224, 3)).astype(np.float32)
    automatic = explain(lite0, image, "tabby", "gradcam")
    np.testing.assert_allclose(explain(lite0, image, "tabby", "gradcam", layer="_bn1_relu6"), automatic, rtol=1e-6)
    earlier = [layer.name for layer in spatial_layers(lite0)][-20]
    other = explain(lite0, image, "tabby", "gradcam", layer=earlier)
    assert other.shape == (224, 224) and not np.allclose(other, automatic)


def test_an_unknown_layer_gets_the_closest_names(detector, lite0):
    with pytest.raises(ValueError, match="Did you mean 'red_relu'"):
        explain(detector, scene(4, 20), TARGET, "gradcam", layer="red_rel")
    with pytest.raises(ValueError, match="Did you mean '_bn1_relu6'"):
        find_layer(lite0, "bn1_relu6")
    with pytest.raises(ValueError, match="no layer 'logits' with a feature map"):  # exists, but is a vector
        explain(detector, scene(4, 20), TARGET, "gradcam", layer="logits")


def test_gradcam_refuses_an_ensemble_with_a_clear_message():
    both = lib.ensemble([red_detector("red_a"), red_detector("red_b", side=24)])
    image = scene(4, 20)
    assert explain(both, image, TARGET, "gradient").max() > 0  # gradients go through an ensemble
    with pytest.raises(ValueError, match="ensemble of red_a, red_b.*pass one member"):
        explain(both, image, TARGET, "gradcam")


# --- clear errors ------------------------------------------------------------------------------------------------

IMAGE = scene(4, 20)
BAD_CALLS = [
    # (what, call, words the message must hold)
    ("misspelt method", lambda m: explain(m, IMAGE, TARGET, "gradcm"), "Did you mean 'gradcam'"),
    ("unknown method", lambda m: explain(m, IMAGE, TARGET, "lrp"), "method must be one of gradient, smoothgrad"),
    ("method not a string", lambda m: explain(m, IMAGE, TARGET, None), "method must be one of"),
    ("setting of another method", lambda m: explain(m, IMAGE, TARGET, "occlusion", steps=8),
     "occlusion has no setting steps; its settings are: patch, stride, fill, batch_size"),
    ("gradient has no settings", lambda m: explain(m, IMAGE, TARGET, "gradient", samples=4),
     "its settings are: none"),
    ("no samples", lambda m: explain(m, IMAGE, TARGET, "smoothgrad", samples=0), "samples must be a whole number"),
    ("fractional samples", lambda m: explain(m, IMAGE, TARGET, "smoothgrad", samples=2.5), "samples"),
    ("noise in 0-255 units", lambda m: explain(m, IMAGE, TARGET, "smoothgrad", noise=2), "noise is in pixel units"),
    ("white baseline", lambda m: explain(m, IMAGE, TARGET, "integrated_gradients", baseline="white"),
     "baseline must be one of black, blur"),
    ("no steps", lambda m: explain(m, IMAGE, TARGET, "integrated_gradients", steps=0), "steps must be"),
    ("patch bigger than the image", lambda m: explain(m, IMAGE, TARGET, "occlusion", patch=64),
     "patch must be a whole number from 1 to 32, got 64"),
    ("zero stride", lambda m: explain(m, IMAGE, TARGET, "occlusion", stride=0), "stride"),
    ("fill above 1", lambda m: explain(m, IMAGE, TARGET, "occlusion", fill=128), "fill"),
    ("zero batch", lambda m: explain(m, IMAGE, TARGET, "occlusion", batch_size=0), "batch_size"),
    ("layer as a number", lambda m: explain(m, IMAGE, TARGET, "gradcam", layer=3), "layer's name"),
    ("a batch of images", lambda m: explain(m, np.stack([IMAGE, IMAGE]), TARGET), "batch of 2"),
    ("image in 0-255", lambda m: explain(m, IMAGE * 255, TARGET), "[0, 1]"),
    ("8-bit image", lambda m: explain(m, (IMAGE * 255).astype(np.uint8), TARGET), "divide 8-bit"),
    ("grey image without colours", lambda m: explain(m, IMAGE[..., 0], TARGET), "(height, width, 3)"),
    ("unknown class", lambda m: explain(m, IMAGE, "kitty"), "Did you mean: 'tabby'"),
    ("class id too big", lambda m: explain(m, IMAGE, 1000), "0 to 999"),
    ("not a model", lambda m: explain("efficientnet_lite0", IMAGE, TARGET), "lib.load_model"),
    ("no targets", lambda m: explain(m, IMAGE, [], "gradient"), "target is an empty list"),
    ("IG: not a model", lambda m: integrated_gradients("vgg16", IMAGE, TARGET), "lib.load_model"),
    ("IG: no steps", lambda m: integrated_gradients(m, IMAGE, TARGET, steps=0), "steps must be"),
    ("IG: white baseline", lambda m: integrated_gradients(m, IMAGE, TARGET, "white"), "baseline must be one of"),
    ("IG: a batch", lambda m: integrated_gradients(m, np.stack([IMAGE] * 3), TARGET), "batch of 3"),
    ("deletion: not a model", lambda m: deletion_curve(None, IMAGE, TARGET), "lib.load_model"),
    ("deletion: map of the wrong shape", lambda m: deletion_curve(m, IMAGE, TARGET, np.ones((SIDE, SIDE + 1))),
     r"the map must be [height, width] = (32, 32) like the image, got (32, 33)"),
    ("deletion: a colour map", lambda m: deletion_curve(m, IMAGE, TARGET, np.ones((SIDE, SIDE, 3))), "the map must be"),
    ("deletion: map with NaN", lambda m: deletion_curve(m, IMAGE, TARGET, np.full((SIDE, SIDE), np.nan)), "finite"),
    ("deletion: no steps", lambda m: deletion_curve(m, IMAGE, TARGET, steps=0), "steps must be"),
    ("deletion: a batch", lambda m: deletion_curve(m, np.stack([IMAGE, IMAGE]), TARGET), "batch of 2"),
    ("randomise: not a model", lambda m: randomised_top("vgg16").__enter__(), "lib.load_model"),
    ("randomise: no layers", lambda m: randomised_top(m, count=0).__enter__(), "count must be"),
]


@pytest.mark.parametrize("call, words", [case[1:] for case in BAD_CALLS], ids=[case[0] for case in BAD_CALLS])
def test_bad_input_gives_a_clear_error(detector, call, words):
    with pytest.raises(ValueError) as raised:
        call(detector)
    assert words in str(raised.value)


# --- deletion curves ------------------------------------------------------------------------------------------


def test_deletion_curve_starts_at_the_models_probability_and_ends_at_the_blurred_image(detector):
    image = scene(4, 20)
    curve = deletion_curve(detector, image, "Siamese cat", explain(detector, image, TARGET, "gradient"), steps=10)
    assert isinstance(curve, DeletionCurve) and curve.target == TARGET
    assert len(curve.fractions) == len(curve.probabilities) == 11
    assert curve.fractions[0] == 0 and curve.fractions[-1] == 1 and np.all(np.diff(curve.fractions) > 0)
    np.testing.assert_allclose(curve.fractions, np.linspace(0, 1, 11), atol=1 / SIDE**2)
    assert curve.probabilities[0] == pytest.approx(probability(detector, image), rel=1e-5)
    assert curve.probabilities[0] > 0.9
    assert curve.probabilities[-1] == pytest.approx(probability(detector, make_baseline(image, "blur")), rel=1e-5)
    assert 0 < curve.area < 1
    assert curve.relative_area == pytest.approx(curve.area / curve.probabilities[0])
    expected_area = np.sum((curve.probabilities[1:] + curve.probabilities[:-1]) / 2 * np.diff(curve.fractions))
    assert curve.area == pytest.approx(expected_area)
    assert "Siamese cat" in repr(curve) and f"area {curve.area:.3f}" in repr(curve)


@pytest.mark.parametrize("method", ["gradient", "occlusion"])
def test_a_faithful_map_deletes_faster_than_random_order(detector, method):
    image = scene(20, 6)
    faithful = deletion_curve(detector, image, TARGET, explain(detector, image, TARGET, method, **FAST[method]), steps=10)
    random_order = deletion_curve(detector, image, TARGET, None, steps=10)
    assert faithful.area < 0.5 * random_order.area
    assert faithful.relative_area < 0.5 * random_order.relative_area
    upside_down = deletion_curve(detector, image, TARGET, -explain(detector, image, TARGET, method, **FAST[method]),
                                 steps=10)  # least important first: the red square is removed last
    assert upside_down.area > random_order.area


def test_deletion_curve_in_random_order_repeats_with_its_seed(detector):
    image = scene(20, 6)
    first = deletion_curve(detector, image, TARGET, steps=5, seed=1)
    np.testing.assert_array_equal(first.probabilities, deletion_curve(detector, image, TARGET, steps=5, seed=1).probabilities)
    assert not np.array_equal(first.probabilities, deletion_curve(detector, image, TARGET, steps=5, seed=2).probabilities)


def test_relative_area_of_a_curve_starting_at_zero_is_nan():
    assert math.isnan(DeletionCurve(np.array([0.0, 1.0]), np.array([0.0, 0.0]), TARGET).relative_area)


# --- randomising the top layers ----------------------------------------------------------------------------------


def weights_of(model: keras.Model) -> dict[str, list[np.ndarray]]:
    return {layer.name: [w.copy() for w in layer.get_weights()] for layer in model.layers if layer.weights}


def assert_same_weights(model: keras.Model, saved: dict[str, list[np.ndarray]]) -> None:
    for name, weights in saved.items():
        for now, before in zip(model.get_layer(name).get_weights(), weights, strict=True):
            np.testing.assert_array_equal(now, before)


def test_randomised_top_scrambles_the_top_layers_then_restores_them_exactly():
    model = red_detector("red_randomised")
    image = scene(4, 20)
    saved, before = weights_of(model), explain(model, image, TARGET, "gradient")
    logits_before = model(image[None]).numpy()
    with randomised_top(model, count=2, seed=0) as names:
        assert names == ["logits", "red_conv"]  # from the top
        for name in names:
            for now, trained in zip(model.get_layer(name).get_weights(), saved[name], strict=True):
                if np.ptp(trained) > 0:  # redrawn with the trained weights' mean and spread
                    assert not np.allclose(now, trained) and abs(now.std() - trained.std()) < 0.5 * trained.std()
                else:  # an all-zero bias has no spread: it stays as it is
                    np.testing.assert_array_equal(now, trained)
        assert not np.allclose(model(image[None]).numpy(), logits_before)
        assert not np.allclose(explain(model, image, TARGET, "gradient"), before)  # the compiled functions see it too
    assert_same_weights(model, saved)
    np.testing.assert_array_equal(model(image[None]).numpy(), logits_before)
    np.testing.assert_array_equal(explain(model, image, TARGET, "gradient"), before)


def test_randomised_top_count_1_leaves_the_layers_below_alone():
    model = red_detector("red_randomised_once")
    saved = weights_of(model)
    with randomised_top(model, count=1) as names:
        assert names == ["logits"]
        assert_same_weights(model, {"red_conv": saved["red_conv"]})
        assert not np.allclose(model.get_layer("logits").get_weights()[0], saved["logits"][0])
    assert_same_weights(model, saved)


def test_randomised_top_restores_the_weights_after_an_error_inside():
    model = red_detector("red_randomised_error")
    saved = weights_of(model)
    with pytest.raises(KeyboardInterrupt):
        with randomised_top(model):
            assert not np.allclose(model.get_layer("logits").get_weights()[0], saved["logits"][0])
            raise KeyboardInterrupt  # a student stopping the cell
    assert_same_weights(model, saved)


def test_randomised_top_refuses_an_ensemble_instead_of_randomising_nothing():
    both = lib.ensemble([red_detector("red_c"), red_detector("red_d")])
    with pytest.raises(ValueError, match="ensemble of red_c, red_d"):
        with randomised_top(both):
            pass


# --- comparing maps ------------------------------------------------------------------------------------------


def test_rank_correlation_of_identical_reversed_and_monotonic_maps():
    importance = np.random.default_rng(4).random((6, 5))
    assert rank_correlation(importance, importance) == pytest.approx(1.0)
    assert rank_correlation(importance, -importance) == pytest.approx(-1.0)
    assert rank_correlation(importance, importance**3 + 7) == pytest.approx(1.0)  # only the order counts


def test_rank_correlation_with_ties_matches_a_hand_computed_spearman():
    # ranks (ties share their mean rank): [1, 2.5, 2.5, 4] and [1, 3, 2, 4];
    # centred: [-1.5, 0, 0, 1.5] and [-1.5, 0.5, -0.5, 1.5]: 4.5 / sqrt(4.5 * 5) = 3 / sqrt(10)
    assert rank_correlation(np.array([[1, 2], [2, 3]]), np.array([[1, 3], [2, 4]])) == pytest.approx(3 / math.sqrt(10))
    assert rank_correlation(np.ones((3, 3)), np.random.default_rng(5).random((3, 3))) == 0.0  # a flat map ranks nothing


@pytest.mark.parametrize("shapes", [((4,), (5,)), ((2, 3), (3, 2))])
def test_rank_correlation_refuses_maps_of_different_shapes(shapes):
    with pytest.raises(ValueError, match="same shape"):
        rank_correlation(np.zeros(shapes[0]), np.zeros(shapes[1]))


def test_quarter_shares_add_up_to_1_and_find_the_quarter():
    shares = quarter_shares(np.random.default_rng(6).random((7, 9)))
    assert list(shares) == ["top left", "top right", "bottom left", "bottom right"]
    assert sum(shares.values()) == pytest.approx(1.0) and all(0 < share < 0.5 for share in shares.values())
    for quarter, rows, columns in [("top left", slice(0, 3), slice(0, 4)), ("bottom right", slice(3, 7), slice(4, 9)),
                                   ("bottom left", slice(5, 7), slice(0, 2))]:
        importance = np.zeros((7, 9))
        importance[rows, columns] = 1.0
        shares = quarter_shares(importance)
        assert shares[quarter] == pytest.approx(1.0) and sum(shares.values()) == pytest.approx(1.0), quarter


def test_hide_square_hides_exactly_the_square():
    image = np.random.default_rng(7).random((10, 12, 3)).astype(np.float32)
    hidden = hide_square(image, 2, 7, 5, fill=0.25)
    expected = image.copy()
    expected[2:7, 7:12] = 0.25
    np.testing.assert_array_equal(hidden, expected)
    assert not np.any(image == 0.25)  # the original is untouched
    np.testing.assert_array_equal(hide_square(image, 0, 0, 10)[:10, :10], 0.5)


@pytest.mark.parametrize("top, left, size, words", [
    (0, 0, 0, "size must be a whole number of pixels from 1 to 10"),
    (0, 0, 11, "size"),
    (0, 0, 2.5, "size"),
    (-1, 0, 3, "top"),
    (0, 12, 3, "left"),
    (True, 0, 3, "top"),
    (8, 0, 3, "top must be a whole number of pixels from 0 to 7"),  # 8 + 3 > 10: the square would not fit
    (0, 10, 3, "left must be a whole number of pixels from 0 to 9"),
])
def test_hide_square_refuses_squares_that_do_not_fit(top, left, size, words):
    with pytest.raises(ValueError) as raised:
        hide_square(np.zeros((10, 12, 3), np.float32), top, left, size)
    assert words in str(raised.value)


# --- images for attribution ----------------------------------------------------------------------------------


def test_side_by_side_puts_the_photos_in_the_left_and_right_halves():
    red, blue = np.zeros((50, 80, 3), np.float32), np.zeros((100, 60, 3), np.float32)
    red[..., 0], blue[..., 2] = 1.0, 1.0
    both = side_by_side(red, blue)
    assert both.shape == (224, 224, 3) and both.dtype == np.float32
    np.testing.assert_allclose(both[56:168, :112], np.broadcast_to([1.0, 0, 0], (112, 112, 3)), atol=1e-6)
    np.testing.assert_allclose(both[56:168, 112:], np.broadcast_to([0, 0, 1.0], (112, 112, 3)), atol=1e-6)
    np.testing.assert_array_equal(both[:56], 0.5)
    np.testing.assert_array_equal(both[168:], 0.5)
    assert side_by_side(red, blue, size=100).shape == (100, 100, 3)
    with pytest.raises(ValueError, match="right"):
        side_by_side(red, blue * 255)


def test_gaussian_blur_keeps_shape_and_mean_and_smooths_noise():
    noise = np.random.default_rng(8).random((2, 32, 40, 3)).astype(np.float32)
    blurred = gaussian_blur(noise, 2.0).numpy()
    assert blurred.shape == noise.shape
    np.testing.assert_allclose(blurred.mean(axis=(1, 2)), noise.mean(axis=(1, 2)), atol=1e-5)
    assert blurred.std() < 0.25 * noise.std()
    flat = np.full((1, 9, 9, 3), 0.3, np.float32)
    np.testing.assert_allclose(gaussian_blur(flat, 3.0).numpy(), flat, atol=1e-6)


@pytest.mark.parametrize("shape", [(1, 1), (2, 3), (3, 5)])
def test_gaussian_blur_works_on_images_smaller_than_its_kernel(shape):
    image = np.random.default_rng(9).random((1, *shape, 3)).astype(np.float32)
    blurred = gaussian_blur(image, 5.0).numpy()
    assert blurred.shape == image.shape and np.all(np.isfinite(blurred))
    np.testing.assert_allclose(blurred.mean(), image.mean(), atol=1e-5)
    assert blurred.std() <= image.std() + 1e-6
