"""lib.attack and EOT on small cases with exact expectations: per-image draws, the averaged gradient, the JPEG's
straight-through gradient, MI-FGSM's momentum by hand, fresh draws, every method inside its budget."""

import numpy as np
import pytest
import tensorflow as tf

import lib
from lib import attack_step, attacks, transforms
from lib.optimise import make_step
from lib.parameterisations import PixelImage
from test_attacks import _always, _noise  # tests/ is on sys.path (pytest's default "prepend" import mode)

SIZE = 8
TARGET = 7


@pytest.fixture(scope="module")
def linear_model():
    """logits = flatten(image) @ W + b, with W and b known: gradients can be written out by hand."""
    import keras

    rng = np.random.default_rng(23)
    weights = rng.normal(0, 0.3, (SIZE * SIZE * 3, 1000)).astype(np.float32)
    bias = rng.normal(0, 0.1, 1000).astype(np.float32)
    image = keras.Input((SIZE, SIZE, 3))
    dense = keras.layers.Dense(1000)
    logits = dense(keras.layers.Flatten()(image))
    dense.set_weights([weights, bias])
    return keras.Model(image, logits, name="linear"), weights.astype(np.float64), bias.astype(np.float64)


def _targeted_gradient(weights, bias, images):
    """d/dx of the mean over images of -log p(TARGET): -(1/n) W (e_target - softmax)."""
    flat = images.reshape(len(images), -1).astype(np.float64)
    logits = flat @ weights + bias
    probabilities = np.exp(logits - logits.max(axis=1, keepdims=True))
    probabilities /= probabilities.sum(axis=1, keepdims=True)
    onehot = np.eye(1000)[TARGET]
    return (-(onehot - probabilities) @ weights.T / len(images)).reshape(images.shape)


def test_each_image_of_a_batch_gets_its_own_draw():
    image = _noise(1, seed=1)
    copies = tf.constant(np.repeat(image, 4, axis=0))
    shifted = transforms.jitter(3)(copies, tf.random.Generator.from_seed(5)).numpy()
    offsets = tf.random.Generator.from_seed(5).uniform([4, 2], 0, 4, dtype=tf.int32).numpy()  # what jitter draws
    for view, (row, column) in zip(shifted, offsets):
        np.testing.assert_array_equal(view, image[0, row:row + SIZE - 3, column:column + SIZE - 3])
    assert len({tuple(offset) for offset in offsets}) > 1
    photo = np.random.default_rng(3).uniform(0, 1, (1, 48, 48, 3)).astype(np.float32)  # room for the camera's shift
    shots = transforms.camera()(tf.constant(np.repeat(photo, 3, axis=0)), tf.random.Generator.from_seed(0)).numpy()
    assert all(np.abs(shots[0] - shots[k]).max() > 0.1 for k in (1, 2))  # three copies, three different shots


def test_views_are_the_image_then_fresh_draws_in_blocks():
    images = tf.constant(_noise(2, seed=4))
    shift = transforms.jitter(1)
    seen = transforms.views(3, shift, transforms.jpeg(75))(images, tf.random.Generator.from_seed(6)).numpy()
    assert seen.shape == (6, SIZE, SIZE, 3)
    np.testing.assert_array_equal(seen[:2], transforms.jpeg(75)(images, None).numpy())  # the images as saved
    drawn = transforms.shot(shift, transforms.jpeg(75))(tf.tile(images, [2, 1, 1, 1]),
                                                        tf.random.Generator.from_seed(6)).numpy()
    np.testing.assert_array_equal(seen[2:], drawn)  # view k of image i is row k * 2 + i
    assert transforms.views(1)(images, None) is images


def _brightness(images, generator):
    """A random transform whose draws are easy to replay: each image brightened by its own u in [0, 0.1)."""
    return images + generator.uniform(tf.shape(images)[:1], 0, 0.1)[:, None, None, None]


def test_the_eot_gradient_is_the_mean_of_the_per_view_gradients(tiny_model):
    photos, draws = _noise(2, seed=7), 3
    aims = tf.Variable(np.eye(1000, dtype=np.float32)[[TARGET, TARGET + 1]], shape=[None, 1000])
    objective = attack_step.log_probability(aims, -1.0)  # targeted: the loss is -log p(target)
    pixels = PixelImage(photos)
    rate = 1e-3  # small enough that no value reaches 0 or 1, where it would be clipped
    step = make_step(tiny_model, objective, pixels, method="gd", learning_rate=rate,
                     transforms=transforms.views(draws, _brightness), generator=tf.random.Generator.from_seed(11))
    step()  # plain gradient descent: the pixels move by minus rate times the gradient
    update = (photos - pixels.variable.numpy()) / rate
    brighter = tf.random.Generator.from_seed(11).uniform([2 * (draws - 1)], 0, 0.1).numpy()  # the step's draws
    per_view = []
    for view in range(draws):
        shift = np.zeros(2, np.float32) if view == 0 else brighter[2 * (view - 1): 2 * view]
        x = tf.constant(photos)
        with tf.GradientTape() as tape:
            tape.watch(x)
            loss = objective(tiny_model(x + shift[:, None, None, None], training=False), x)
        per_view.append(tape.gradient(loss, x).numpy())
    np.testing.assert_allclose(update, np.mean(per_view, axis=0), rtol=1e-3, atol=2e-4)  # float32 pixels: 6e-8 / rate
    assert np.abs(per_view[1] - per_view[2]).max() > 0  # the views really differ


def test_the_jpeg_views_gradient_is_the_identitys_at_the_saved_image(tiny_model):
    images = tf.constant(_noise(2, seed=8))
    saved = transforms.jpeg(75)(images, None)
    assert np.abs(saved.numpy() - images.numpy()).max() > 0.01  # the JPEG changes the image...
    with tf.GradientTape() as tape:
        tape.watch(images)
        through = tf.reduce_sum(tiny_model(transforms.views(1, then=transforms.jpeg(75))(images, None))[:, TARGET])
    straight_through = tape.gradient(through, images).numpy()
    with tf.GradientTape() as tape:
        tape.watch(saved)
        identity = tf.reduce_sum(tiny_model(saved)[:, TARGET])
    assert float(through) == float(identity)  # ...the model sees the saved image...
    np.testing.assert_array_equal(straight_through, tape.gradient(identity, saved).numpy())  # ...and its gradient


def test_mifgsm_takes_signed_steps_along_the_sum_of_normalised_gradients(linear_model):
    model, weights, bias = linear_model
    x0, alpha, epsilon = _noise(2, seed=9).astype(np.float64), 2 / 255, 8 / 255
    low, high = np.maximum(x0 - epsilon, 0), np.minimum(x0 + epsilon, 1)
    g1 = _targeted_gradient(weights, bias, x0)
    v1 = g1 / np.abs(g1).mean(axis=(1, 2, 3), keepdims=True)  # each image's gradient over its mean size
    x1 = np.clip(x0 - alpha * np.sign(v1), low, high)  # down the loss -log p(target)
    g2 = _targeted_gradient(weights, bias, x1)
    v2 = v1 + g2 / np.abs(g2).mean(axis=(1, 2, 3), keepdims=True)  # momentum 1: the past direction is kept whole
    x2 = np.clip(x1 - alpha * np.sign(v2), low, high)
    result = attacks.attack(model, x0.astype(np.float32), [1, 2], "mifgsm", 8, targets=[TARGET] * 2, steps=2,
                            step_255=2)
    np.testing.assert_allclose(result.images, x2, atol=1e-6)
    assert np.sign(v2).tolist() != np.sign(g2).tolist()  # the momentum changed some signs: this is not plain PGD
    assert result.steps == 2 and result.method == "mifgsm"


@pytest.mark.parametrize("method, norm", [(method, norm) for method in attacks.METHODS for norm in ("linf", "l2")
                                          if (method, norm) != ("mifgsm", "l2")])  # refused: test_attacks' bad input
def test_every_method_stays_inside_its_budget_ball_and_in_range(tiny_model, method, norm):
    images, budget = np.clip(_noise(3, seed=12) * 1.6 - 0.3, 0, 1).astype(np.float32), 6  # some values at 0 and 1
    settings = {"draws": 2, "transforms": transforms.jitter(1)} if method == "eot" else {}
    result = attacks.attack(tiny_model, images, [1, 2, 3], method, budget, norm=norm, steps=None if method == "fgsm" else 4,
                            **settings)
    size = result.linf_255 if norm == "linf" else result.l2_255
    assert np.all(size <= budget + 1e-3) and 0 <= result.images.min() and result.images.max() <= 1
    np.testing.assert_allclose(size, (np.abs(result.images - images).max(axis=(1, 2, 3)) if norm == "linf" else
                                      np.sqrt(((result.images - images) ** 2).sum(axis=(1, 2, 3)))) * 255, rtol=1e-4)
    small = attacks.attack(tiny_model, images, [1, 2, 3], "pgd", budget, norm=norm, steps=1, step_255=0.01 * budget,
                           random_start=False)
    small_size = small.linf_255 if norm == "linf" else small.l2_255
    assert np.all(small_size < 0.5 * budget)  # a short walk stays well inside: a ball, not its surface


def test_fresh_shots_are_never_the_attacks_draws():
    images = np.random.default_rng(13).uniform(0, 1, (3, 48, 48, 3)).astype(np.float32)
    camera = transforms.camera()
    attacks_draws = attacks.transformed(images, camera, 5)  # what an attack with seed 5 draws first
    fresh = attacks.transformed(images, camera, generator=attacks.fresh_generator(5))
    assert all(np.abs(attacks_draws[k] - fresh[k]).max() > 0.05 for k in range(3))
    again = attacks.transformed(images, camera, generator=attacks.fresh_generator(5))
    np.testing.assert_array_equal(fresh, again)  # and they are the same from run to run


def test_the_result_holds_what_the_attack_did(tiny_model):
    images = _noise(3, seed=14)
    result = attacks.attack(tiny_model, images, [1, 2, 3], "pgd", 4, steps=3)
    assert result.images.shape == images.shape and result.before.shape == result.after.shape == (3, 1000)
    np.testing.assert_allclose(result.before, lib.models.predict_batch(tiny_model, images), atol=1e-6)
    np.testing.assert_allclose(result.after, lib.models.predict_batch(tiny_model, result.images), atol=1e-6)
    assert result.success.dtype == bool and result.success.tolist() == attacks.fooled(tiny_model, result.images,
                                                                                        [1, 2, 3]).tolist()
    assert result.steps == 3 and not result.interrupted and result.seconds > 0 and result.as_saved is None
    assert "pgd 4/255 linf, untargeted" in repr(result) and not hasattr(attacks, "interrupted")


def test_ctrl_c_is_told_by_the_result_not_by_a_module_flag(tiny_model, ctrl_c_at, capsys):
    calls = ctrl_c_at(3)
    result = attacks.attack(tiny_model, _noise(2, seed=15), [1, 2], "pgd", 8, steps=10, random_start=False)
    assert result.interrupted and result.steps == 2 and len(calls) == 3
    assert "Interrupted after 2 of 10 steps" in capsys.readouterr().out
    calls.clear()
    assert not attacks.attack(tiny_model, _noise(2, seed=15), [1, 2], "fgsm", 8).interrupted


@pytest.mark.parametrize("target, expected", [("tiger cat", True), ("zebra", False)])
def test_eot_is_judged_as_saved_after_then_and_on_fresh_shots(target, expected):
    model = _always("tiger cat")  # whatever it sees, the answer is tiger cat
    images = np.random.default_rng(16).uniform(0.2, 0.8, (2, SIZE, SIZE, 3)).astype(np.float32)
    result = attacks.attack(model, images, ["zebra", "lemon"], "eot", 4, targets=[target] * 2, steps=2, draws=2,
                            transforms=transforms.rotate(5), then=transforms.jpeg(75), shots=5)
    assert result.as_saved.tolist() == result.after_then.tolist() == [expected] * 2
    assert result.shot_share.tolist() == [float(expected)] * 2 and result.shots == 5 and result.draws == 2
    assert result.success.tolist() == [expected] * 2


def test_eot_success_needs_all_three_promises(monkeypatch, tiny_model):
    answers = iter([np.array([True, True, True]), np.array([True, False, True])])  # as saved, then after the JPEG
    monkeypatch.setattr(attacks, "fooled", lambda *args, **kwargs: next(answers))
    monkeypatch.setattr(attacks, "survival", lambda *args, **kwargs: np.array([1.0, 1.0, 0.75]))  # fresh shots
    result = attacks.attack(tiny_model, _noise(3, seed=17), [1, 2, 3], "eot", 4, steps=1, draws=2,
                            transforms=transforms.jitter(1), then=transforms.jpeg(75))
    assert result.success.tolist() == [True, False, False]  # the third fools on 75% of shots: fewer than 80%


def test_stop_at_stops_each_image_once_the_target_is_that_likely(linear_model):
    model, _, _ = linear_model
    images = _noise(3, seed=18)
    result = attacks.attack(model, images, [1, 2, 3], "adam", 64, targets=[TARGET] * 3, steps=50, step_255=4,
                            stop_at=0.6)
    probabilities = result.after[:, TARGET]
    assert np.all(probabilities >= 0.6) and result.steps < 50 and result.success.all()
