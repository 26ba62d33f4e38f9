"""Lesson 06's measurements: spectra and colour correlation of images, a model's evidence (its logit, random views,
quarters on grey) and a Jury's remembered opinions, checked on tiny known cases and against the lesson's own code."""

from types import SimpleNamespace

import numpy as np
import pytest

import lib
from lib import judge
from lib.classes import class_id_of
from lib.evidence import QUARTERS, probability_in_views, quarter_gains, target_logit, uncover_quarters
from lib.image_statistics import colour_correlation, ring_of_each_coefficient, spectrum
from lib.optimise import Result

SIAMESE = class_id_of("Siamese cat")
COLUMNS = np.arange(8)


def wave(cycles: int, amplitude: float = 0.25, size: int = 8) -> np.ndarray:
    """A grey image [size, size, 3] whose brightness is 0.5 + amplitude * cos, `cycles` times across."""
    row = 0.5 + amplitude * np.cos(2 * np.pi * cycles * np.arange(size) / size)
    return np.repeat(np.repeat(row[None, :, None], size, axis=0), 3, axis=2).astype(np.float32)


def test_a_cosine_puts_all_its_amplitude_in_the_ring_of_its_frequency():
    # an 8x8 FFT has 7 coefficients in ring 2 (frequencies rounding to 2 cycles): the cosine's 0.25 * 64 / 2 is one
    assert (ring_of_each_coefficient(8) == 2).sum() == 7
    np.testing.assert_allclose(spectrum(wave(2)), [0, 0.25 * 64 / 2 / 7, 0], atol=1e-6)  # float32 pixels
    np.testing.assert_allclose(spectrum(wave(1, 0.1)), [0.1 * 64 / 2 / (ring_of_each_coefficient(8) == 1).sum(), 0, 0],
                               atol=1e-6)  # float32 pixels


def test_spectrum_is_the_lessons_own_computation():
    image = np.random.default_rng(0).random((32, 32, 3)).astype(np.float32)
    grey = image.mean(axis=-1) - image.mean()  # lesson 06's spectrum, as it was written in the notebook
    bins = np.round(lib.parameterisations.frequencies(32) * 32).astype(int).ravel()
    reference = np.bincount(bins, np.abs(np.fft.rfft2(grey)).ravel()) / np.bincount(bins)
    np.testing.assert_array_equal(spectrum(image), reference[1:16])


def test_a_smooth_photo_like_image_falls_and_noise_stays_flat():
    noise = spectrum(lib.noise_image(64, seed=0))
    smooth = spectrum(np.clip(wave(1, 0.3, 64) + 0.05 * wave(8, 1, 64) - 0.025, 0, 1))
    assert noise.max() / noise.min() < 3 and smooth[0] > 5 * smooth[7] > 0


@pytest.mark.parametrize("image, message", [
    (np.zeros((8, 6, 3), np.float32), "square image.*got 6x8"),
    (np.zeros((3, 3, 3), np.float32), "at least 4x4"),
    (np.zeros((8, 8), np.float32), r"\(height, width, 3\)"),
])
def test_spectrum_rejects_what_it_cannot_measure(image, message):
    with pytest.raises(ValueError, match=message):
        spectrum(image)


def test_colour_correlation_of_known_channels():
    ramp = np.linspace(0, 1, 12, dtype=np.float32).reshape(3, 4)
    assert colour_correlation(np.stack([ramp, ramp, ramp], axis=-1)) == pytest.approx(1.0)
    assert colour_correlation(np.stack([ramp, ramp, 1 - ramp], axis=-1)) == pytest.approx(-1 / 3)  # (1 - 1 - 1) / 3
    unrelated = np.array([[[0, 0, 0], [1, 0, 1], [0, 1, 1], [1, 1, 0]]], np.float32)  # (1, 4, 3): every pair at 0
    assert colour_correlation(unrelated) == pytest.approx(0.0)


def test_colour_correlation_refuses_a_flat_channel():
    with pytest.raises(ValueError, match="B has one value throughout"):
        colour_correlation(np.stack([wave(1)[..., 0], wave(2)[..., 0], np.full((8, 8), 0.5, np.float32)], axis=-1))


def test_uncover_quarters_shows_the_quarters_named_and_greys_the_rest():
    image = np.arange(48, dtype=np.float32).reshape(4, 4, 3) / 47
    assert QUARTERS == ("top left", "top right", "bottom left", "bottom right")
    np.testing.assert_array_equal(uncover_quarters(image, []), np.full((4, 4, 3), 0.5, np.float32))
    np.testing.assert_array_equal(uncover_quarters(image, range(4)), image)
    bottom_right = uncover_quarters(image, [3], fill=0.0)
    np.testing.assert_array_equal(bottom_right[2:, 2:], image[2:, 2:])
    assert bottom_right[:2].sum() == 0 and bottom_right[:, :2].sum() == 0
    top = uncover_quarters(image, [0, 1])
    np.testing.assert_array_equal(top[:2], image[:2])
    np.testing.assert_array_equal(top[2:], 0.5)


@pytest.mark.parametrize("quarters, fill, message", [
    ([4], 0.5, "0 top left, 1 top right, 2 bottom left, 3 bottom right.*from 0 to 3, got 4"),
    ([True], 0.5, "got True"),
    ([0], 1.5, "fill is the grey.*got 1.5"),
    (2, 0.5, r"a list of quarters to show, e.g. \[2\]"),
])
def test_uncover_quarters_rejects_bad_quarters(quarters, fill, message):
    with pytest.raises(ValueError, match=message):
        uncover_quarters(np.zeros((4, 4, 3), np.float32), quarters, fill)


def logits_of(model, images) -> np.ndarray:
    return model(np.stack(images), training=False).numpy()  # (batch, 1000)


def test_target_logit_plain_and_centred_against_the_objective(tiny_model):
    image = np.random.default_rng(2).random((8, 8, 3)).astype(np.float32)
    logits = logits_of(tiny_model, [image])[0]
    assert target_logit(tiny_model, image, "Siamese cat") == pytest.approx(logits[SIAMESE])
    centred_loss = lib.centred_logit("Siamese cat")(tiny_model(image[None], training=False), image[None])
    assert target_logit(tiny_model, image, SIAMESE, centred=True) == pytest.approx(-float(centred_loss), abs=1e-5)
    with pytest.raises(ValueError, match=r"tiny takes 8x8 images, but got 16x16.*resize_and_crop\(image, 8\)"):
        target_logit(tiny_model, np.zeros((16, 16, 3), np.float32), SIAMESE)


def test_quarter_gains_are_logits_over_grey(tiny_model):
    image = np.random.default_rng(3).random((8, 8, 3)).astype(np.float32)
    together, alone = quarter_gains(tiny_model, image, "Siamese cat")
    views = [uncover_quarters(image, []), image, *[uncover_quarters(image, [quarter]) for quarter in range(4)]]
    logits = logits_of(tiny_model, views)[:, SIAMESE]
    assert together == pytest.approx(logits[1] - logits[0], abs=1e-5)
    np.testing.assert_allclose(alone, logits[2:] - logits[0], atol=1e-5)


def test_probability_in_views_repeats_its_views_and_without_a_move_is_the_prediction(tiny_model):
    image = np.random.default_rng(4).random((8, 8, 3)).astype(np.float32)
    small = lib.transforms.random_view(2, "REFLECT", 2, 0.9, 1.1, 10, 1)  # lucid's moves, scaled down to 8x8 pixels
    first, again = (probability_in_views(tiny_model, image, SIAMESE, count=3, transform=small) for _ in range(2))
    assert first.shape == (3,) and np.array_equal(first, again) and len(set(first.tolist())) == 3
    other_seed = probability_in_views(tiny_model, image, SIAMESE, count=3, transform=small, seed=99)
    assert not np.array_equal(first, other_seed)
    still = probability_in_views(tiny_model, image, SIAMESE, count=2, transform=lambda images, generator: images)
    np.testing.assert_allclose(still, [lib.predict(tiny_model, image)[SIAMESE]] * 2, rtol=1e-5)
    for count in (0, 65, 2.0):
        with pytest.raises(ValueError, match="count is how many random views"):
            probability_in_views(tiny_model, image, SIAMESE, count=count)


def test_probability_in_views_by_default_is_the_lessons_own_computation():
    import keras
    import tensorflow as tf

    keras.utils.set_random_seed(0)
    pixels = keras.Input((32, 32, 3))  # large enough for lucid's 12-pixel mirrored padding
    model = keras.Model(pixels, keras.layers.Dense(1000)(keras.layers.GlobalAveragePooling2D()(
        keras.layers.Conv2D(4, 3, activation="tanh")(pixels))), name="tiny32")
    image = np.random.default_rng(5).random((32, 32, 3)).astype(np.float32)
    transform = lib.transforms.standard_transforms()  # lesson 06's p_in_views, as it was written in the notebook
    generator = tf.random.Generator.from_seed(lib.seeds.run_seed() + 1)
    views = tf.concat([transform(image[None], generator) for _ in range(8)], axis=0)
    reference = tf.nn.softmax(model(views, training=False))[:, SIAMESE].numpy()
    np.testing.assert_array_equal(probability_in_views(model, image, "Siamese cat"), reference)


def opinion(name: str, rank: int, probability: float) -> judge.Opinion:
    return judge.Opinion(name, SIAMESE, probability, rank, [(SIAMESE, "Siamese cat", probability)])


@pytest.fixture()
def asked(monkeypatch) -> list:
    """Every (judge, target) that lib.judge.second_opinion is asked; Lite2 answers rank 1, SqueezeNet rank 12."""
    calls = []

    def second_opinion(model, image, target):
        calls.append((model.name, target))
        return opinion(model.name, *{"efficientnet_lite2": (1, 0.84), "squeezenet1_1": (12, 0.012)}[model.name])

    monkeypatch.setattr(judge, "second_opinion", second_opinion)
    return calls


JUDGES = [SimpleNamespace(name="efficientnet_lite2"), SimpleNamespace(name="squeezenet1_1")]
MAKER = SimpleNamespace(name="efficientnet_lite0")


def result(probability: float = 0.97) -> Result:
    probabilities = np.full(1000, (1 - probability) / 999, np.float32)
    probabilities[SIAMESE] = probability
    return Result(np.zeros((8, 8, 3), np.float32), np.zeros((8, 8, 3), np.float32), probabilities, SIAMESE)


def test_a_jury_asks_each_judge_once_per_result_and_class(asked):
    jury, made = lib.Jury(JUDGES, maker=MAKER), result()
    first = jury(made, "Siamese cat")
    assert [said.judge for said in first] == ["efficientnet_lite2", "squeezenet1_1"] and jury(made, SIAMESE) == first
    assert asked == [("efficientnet_lite2", SIAMESE), ("squeezenet1_1", SIAMESE)]
    jury(result(), SIAMESE)  # another result: asked again
    assert len(asked) == 4


def test_a_jury_writes_the_makers_p_then_each_judges_rank_or_a_brief_tick(asked):
    jury, made = lib.Jury(JUDGES, maker=MAKER), result(0.97)
    assert jury.caption(made, SIAMESE) == "Lite0: p = 0.97\nLite2: #1, p = 0.84\nSqueezeNet: #12, p = 0.01"
    assert jury.caption(made, SIAMESE, brief=True) == "Lite2 #1 ✓\nSqueezeNet #12 ✗"
    assert lib.Jury(JUDGES).caption(made, SIAMESE) == "Lite2: #1, p = 0.84\nSqueezeNet: #12, p = 0.01"


@pytest.mark.parametrize("judges, maker, message", [
    ([], None, "at least one judge"),
    (JUDGES, SimpleNamespace(name="squeezenet1_1"), "'squeezenet1_1' made the images, so it is no fair judge"),
])
def test_a_jury_needs_fair_judges(judges, maker, message):
    with pytest.raises(ValueError, match=message):
        lib.Jury(judges, maker)


def test_a_jury_judges_results_not_bare_images(asked):
    with pytest.raises(ValueError, match="got ndarray; for a bare image use lib.second_opinion"):
        lib.Jury(JUDGES)(np.zeros((8, 8, 3), np.float32), SIAMESE)
