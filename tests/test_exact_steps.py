"""Each update rule and projection against numpy, step by step: make_step's gd, sign, l2, momentum and Adam on a
loss whose gradient is known, the budgets (L-inf box, L2 ball, [0, 1]), the attacks' steps on a linear model, their
random starts and default step sizes, and the batch's early stop that waits for the worst image."""

import keras
import numpy as np
import pytest
import tensorflow as tf

import lib
from lib import attacks
from lib.objectives import Objective
from lib.optimise import ADAM_BETAS, ADAM_EPSILON, MOMENTUM_DECAY, Result

SIZE = 2  # the models' input side: [batch, 2, 2, 3], 12 values an image
TARGET = 7


def linear_model(weights: np.ndarray, name: str = "linear") -> keras.Model:
    """logits = flatten(image) @ weights (float [12, 1000]), no bias: d logit_k / d image = weights[:, k]."""
    image = keras.Input((SIZE, SIZE, 3))
    dense = keras.layers.Dense(1000, use_bias=False)
    model = keras.Model(image, dense(keras.layers.Flatten()(image)), name=name)
    dense.set_weights([weights.astype(np.float32)])
    return model


@pytest.fixture(scope="module")
def model():
    return linear_model(np.random.default_rng(31).normal(0, 0.5, (SIZE * SIZE * 3, 1000)))


# the loss 0.5 * sum(scale * (image - goal)^2) over the batch: its gradient is scale * (image - goal)
SCALE = np.random.default_rng(1).uniform(0.5, 2.0, (2, SIZE, SIZE, 3)).astype(np.float32)
SCALE[1] *= 10  # the second image's gradient is ten times larger: per-image normalisations show
GOAL = np.random.default_rng(2).uniform(0.3, 0.7, (2, SIZE, SIZE, 3)).astype(np.float32)
START = np.random.default_rng(3).uniform(0.4, 0.6, (2, SIZE, SIZE, 3)).astype(np.float32)
START[0, 0, 0] = GOAL[0, 0, 0]  # a zero gradient on three values: sign() keeps them


def quadratic() -> Objective:
    return Objective(lambda logits, image: 0.5 * tf.reduce_sum(SCALE * tf.square(image - GOAL)), "quadratic")


def gradient(image: np.ndarray) -> np.ndarray:
    return SCALE.astype(np.float64) * (image - GOAL)


def run_steps(model, method: str, learning_rate, count: int, start=START, **settings) -> list[np.ndarray]:
    """The images after each of `count` steps of make_step (the pixels are a tf.Variable holding `start`)."""
    pixels = tf.Variable(start)
    step = lib.make_step(model, quadratic(), pixels, method=method, learning_rate=learning_rate, **settings)
    images = []
    for _ in range(count):
        step()
        images.append(pixels.numpy().astype(np.float64))
    return images


def per_image(values: np.ndarray, reduce) -> np.ndarray:
    return reduce(values.reshape(len(values), -1), axis=1).reshape(-1, 1, 1, 1)


def test_gd_moves_by_minus_the_rate_times_the_gradient(model):
    x = START.astype(np.float64)
    for after in run_steps(model, "gd", 0.05, 2):
        x = x - 0.05 * gradient(x)
        np.testing.assert_allclose(after, x, atol=1e-6)


def test_sign_moves_each_value_by_the_rate_against_its_gradients_sign(model):
    x = START.astype(np.float64)
    for after in run_steps(model, "sign", 0.01, 3):
        x = x - 0.01 * np.sign(gradient(x))
        np.testing.assert_allclose(after, x, atol=1e-6)
    assert np.all(x[0, 0, 0] == GOAL[0, 0, 0])  # a zero gradient: no move


def test_l2_moves_each_image_by_the_rate_in_euclidean_length(model):
    x = START.astype(np.float64)
    for after in run_steps(model, "l2", 0.03, 2):
        g = gradient(x)
        x = x - 0.03 * g / np.sqrt(per_image(g**2, np.sum))
        np.testing.assert_allclose(after, x, atol=1e-6)
    assert np.sqrt(((run_steps(model, "l2", 0.03, 1)[0] - START) ** 2).sum(axis=(1, 2, 3))) == pytest.approx(
        [0.03, 0.03], rel=1e-4)


def test_l2_leaves_an_image_with_no_gradient_where_it_is(model):
    at_goal = np.stack([GOAL[0], START[1]])
    after = run_steps(model, "l2", 0.03, 1, start=at_goal)[0]
    np.testing.assert_array_equal(after[0], GOAL[0])


def test_momentum_signs_the_running_sum_of_gradients_over_their_mean_size(model):
    """v <- MOMENTUM_DECAY v + g / mean|g| per image; x <- x - rate sign(v). A rate large enough to overshoot the
    goal makes later gradients point back, so v and g disagree in sign somewhere."""
    x, velocity, disagree = START.astype(np.float64), np.zeros_like(START, np.float64), False
    for after in run_steps(model, "momentum", 0.08, 4):
        g = gradient(x)
        velocity = MOMENTUM_DECAY * velocity + g / per_image(np.abs(g), np.mean)
        disagree |= bool(np.any(np.sign(velocity) != np.sign(g)))
        x = x - 0.08 * np.sign(velocity)
        np.testing.assert_allclose(after, x, atol=1e-6)
    assert disagree and MOMENTUM_DECAY == 1.0


def numpy_adam(x: np.ndarray, rate: float, count: int) -> list[np.ndarray]:
    """Kingma & Ba's Adam with bias correction, on the quadratic's gradient, in float64."""
    (beta1, beta2), moment1, moment2, images = ADAM_BETAS, np.zeros_like(x), np.zeros_like(x), []
    for t in range(1, count + 1):
        g = gradient(x)
        moment1 = beta1 * moment1 + (1 - beta1) * g
        moment2 = beta2 * moment2 + (1 - beta2) * g**2
        x = x - rate * (moment1 / (1 - beta1**t)) / (np.sqrt(moment2 / (1 - beta2**t)) + ADAM_EPSILON)
        images.append(x)
    return images


def test_adam_is_kingma_and_bas_with_bias_correction(model):
    assert ADAM_BETAS == (0.9, 0.999) and ADAM_EPSILON == 1e-8
    for after, expected in zip(run_steps(model, "adam", 0.02, 4), numpy_adam(START.astype(np.float64), 0.02, 4)):
        np.testing.assert_allclose(after, expected, atol=2e-6)


def test_forget_and_restart_empty_adams_state_and_keep_keeps_some_images(model):
    pixels = tf.Variable(START)
    step = lib.make_step(model, quadratic(), pixels, method="adam", learning_rate=0.02)
    step(), step()
    pixels.assign(START)
    step.forget()
    step()
    np.testing.assert_allclose(pixels.numpy(), numpy_adam(START.astype(np.float64), 0.02, 1)[0], atol=2e-6)
    pixels.assign(START)
    step.restart(0)
    step()
    np.testing.assert_allclose(pixels.numpy(), numpy_adam(START.astype(np.float64), 0.02, 1)[0], atol=2e-6)


def test_a_learning_rate_variable_is_read_at_each_step(model):
    rate = tf.Variable(0.05)
    pixels = tf.Variable(START)
    step = lib.make_step(model, quadratic(), pixels, method="gd", learning_rate=rate)
    step()
    rate.assign(0.01)
    before = pixels.numpy().astype(np.float64)
    step()
    np.testing.assert_allclose(pixels.numpy(), before - 0.01 * gradient(before), atol=1e-6)


def test_a_step_reports_the_loss_probabilities_and_image_before_its_update(model):
    pixels = tf.Variable(START)
    loss, probabilities, scored = lib.make_step(model, quadratic(), pixels, method="gd", learning_rate=0.05)()
    assert float(loss) == pytest.approx(0.5 * float(np.sum(SCALE * (START - GOAL) ** 2)), rel=1e-5)
    np.testing.assert_allclose(probabilities, tf.nn.softmax(model(START)).numpy(), atol=1e-6)
    np.testing.assert_array_equal(scored, START)


def test_the_model_sees_the_transformed_image_and_the_loss_reads_the_image_itself(model):
    """Loss = -mean logit_t(2 x) + 0.5 sum(x^2): gradient -2 W_t / n + x; with a transform doubling the image."""
    weights = model.get_weights()[0].astype(np.float64)
    objective = lib.logit(TARGET) + Objective(lambda logits, image: 0.5 * tf.reduce_sum(tf.square(image)), "half")
    pixels = tf.Variable(START)
    step = lib.make_step(model, objective, pixels, method="gd", learning_rate=0.01,
                         transforms=lambda images, generator: 2.0 * images)
    step()
    g = -2 * weights[:, TARGET].reshape(1, SIZE, SIZE, 3) / 2 + START
    np.testing.assert_allclose(pixels.numpy(), START - 0.01 * g, atol=1e-6)


@pytest.mark.parametrize("epsilon", [0.02, 0.3])
def test_a_step_with_a_budget_is_clipped_into_the_linf_box_and_0_to_1(model, epsilon):
    start = np.clip(START + np.array([0.45, -0.45, 0.0]), 0, 1).astype(np.float32)  # values near 0 and 1
    pixels = tf.Variable(start)
    step = lib.make_step(model, quadratic(), pixels, start=start, epsilon=epsilon, method="gd", learning_rate=2.0)
    step()
    moved = start - 2.0 * gradient(start)
    np.testing.assert_allclose(pixels.numpy(), np.clip(np.clip(moved, start - epsilon, start + epsilon), 0, 1),
                               atol=1e-6)


# --- the attacks' steps on a linear model ------------------------------------------------------------------------------


def softmax(logits: np.ndarray) -> np.ndarray:
    shifted = np.exp(logits - logits.max(axis=1, keepdims=True))
    return shifted / shifted.sum(axis=1, keepdims=True)


def targeted_gradient(weights: np.ndarray, images: np.ndarray) -> np.ndarray:
    """d/dx of mean_i -log p_target(x_i) for logits x W: (softmax - onehot) W^T / n."""
    flat = images.reshape(len(images), -1)
    p = softmax(flat @ weights)
    return ((p - np.eye(1000)[TARGET]) @ weights.T / len(images)).reshape(images.shape)


def untargeted_gradient(weights: np.ndarray, images: np.ndarray, groups: list[list[int]]) -> np.ndarray:
    """d/dx of mean_i log sum_{c in group_i} p_c(x_i), the loss an untargeted attack lowers: (q - p) W^T / n, q = p
    restricted to the group, renormalised."""
    flat = images.reshape(len(images), -1)
    p = softmax(flat @ weights)
    q = np.zeros_like(p)
    for row, group in enumerate(groups):
        q[row, group] = p[row, group] / p[row, group].sum()
    return ((q - p) @ weights.T / len(images)).reshape(images.shape)


@pytest.fixture(scope="module")
def photos():
    return np.random.default_rng(41).uniform(0.1, 0.9, (3, SIZE, SIZE, 3)).astype(np.float32)


def test_targeted_pgd_linf_takes_signed_steps_clipped_into_the_box(model, photos):
    weights, epsilon, step = model.get_weights()[0].astype(np.float64), 3 / 255, 2 / 255
    x0 = photos.astype(np.float64)
    low, high = np.maximum(x0 - epsilon, 0), np.minimum(x0 + epsilon, 1)
    x = x0
    for _ in range(3):
        x = np.clip(x - step * np.sign(targeted_gradient(weights, x)), low, high)
    result = lib.attack(model, photos, [1, 2, 3], "pgd", 3, targets=[TARGET] * 3, steps=3, step_255=2,
                        random_start=False)
    np.testing.assert_allclose(result.images, x, atol=1e-6)


def test_pgd_l2_steps_then_projects_only_what_left_the_ball(model, photos):
    """Each step moves each image by `step` along its gradient; a change longer than epsilon is scaled back to
    epsilon, a shorter one left alone; then [0, 1]. First step 6/255 > 4/255: projected; then inside."""
    weights, epsilon = model.get_weights()[0].astype(np.float64), 4 / 255
    x0 = photos.astype(np.float64)

    def walk(step: float, count: int) -> np.ndarray:
        x = x0
        for _ in range(count):
            g = targeted_gradient(weights, x)
            x = x - step * g / np.sqrt(per_image(g**2, np.sum))
            change = x - x0
            length = np.sqrt(per_image(change**2, np.sum))
            x = np.clip(x0 + change * np.minimum(1.0, epsilon / length), 0, 1)
        return x

    for step_255, count in ((6, 2), (1, 2)):
        result = lib.attack(model, photos, [1, 2, 3], "pgd", 4, norm="l2", targets=[TARGET] * 3, steps=count,
                            step_255=step_255, random_start=False)
        np.testing.assert_allclose(result.images, walk(step_255 / 255, count), atol=1e-6)
    lengths = np.sqrt(((walk(1 / 255, 2) - x0) ** 2).sum(axis=(1, 2, 3)))
    assert np.all(lengths < 0.9 * epsilon)  # the short walk stayed inside: a projection onto the sphere would move it


def test_untargeted_pgd_pushes_down_the_class_and_its_near_neighbours(model, photos):
    from lib.classes import class_group

    weights, labels = model.get_weights()[0].astype(np.float64), [281, 1, 340]  # tabby has near neighbours
    groups = [list(class_group(label)) for label in labels]
    assert len(groups[0]) > 1
    x0 = photos.astype(np.float64)
    x1 = np.clip(x0 - (1 / 255) * np.sign(untargeted_gradient(weights, x0, groups)), x0 - 2 / 255, x0 + 2 / 255)
    result = lib.attack(model, photos, labels, "pgd", 2, steps=1, step_255=1, random_start=False)
    np.testing.assert_allclose(result.images, x1, atol=1e-6)


@pytest.mark.parametrize("method, steps, expected_255", [("pgd", 4, 2.5 * 8 / 4), ("mifgsm", 4, 8 / 4),
                                                         ("fgsm", None, 8), ("adam", 1, 1)])
def test_each_method_has_its_documented_default_step(model, photos, method, steps, expected_255):
    """pgd: 2.5 x budget / steps; mifgsm: budget / steps; fgsm: the budget; adam: 1/255 (its first step moves each
    value by the rate times g / (|g| + 1e-8): the rate). Compared with the same attack given that step_255."""
    settings = {"targets": [TARGET] * 3, "steps": steps, "random_start": False}
    default = lib.attack(model, photos, [1, 2, 3], method, 8, **settings).images
    given = lib.attack(model, photos, [1, 2, 3], method, 8, step_255=expected_255, **settings).images
    np.testing.assert_allclose(default, given, atol=1e-7)
    moved = np.abs(default - photos).max() * 255
    assert moved == pytest.approx(min(8, expected_255 * (steps or 1)), rel=1e-3)


def test_the_linf_random_start_is_uniform_in_the_box_then_clipped():
    images = np.random.default_rng(5).uniform(0, 1, (2, 3, 3, 3)).astype(np.float32)
    start = attacks._random_start(images, 0.1, "linf", np.random.default_rng(9))
    expected = np.clip(images + np.random.default_rng(9).uniform(-0.1, 0.1, images.shape), 0, 1)
    np.testing.assert_allclose(start, expected, atol=1e-7)
    assert start.dtype == np.float32


def test_the_l2_random_start_is_a_random_direction_times_a_random_share_of_the_radius():
    images = np.full((3, 3, 3, 3), 0.5, np.float32)
    start = attacks._random_start(images, 0.2, "l2", np.random.default_rng(9))
    rng = np.random.default_rng(9)
    direction = rng.standard_normal(images.shape)
    direction /= np.sqrt((direction**2).sum(axis=(1, 2, 3), keepdims=True))
    expected = np.clip(images + direction * 0.2 * rng.uniform(0, 1, (3, 1, 1, 1)), 0, 1)
    np.testing.assert_allclose(start, expected, atol=1e-7)
    lengths = np.sqrt(((start - images) ** 2).sum(axis=(1, 2, 3)))
    assert np.all(lengths <= 0.2 + 1e-6) and len(set(np.round(lengths, 4))) == 3


# --- the early stop of a batch -----------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def brightness_model():
    """logit_t = 20 x mean(image), every other logit 0: p_t = e^z / (e^z + 999) >= 0.9 once mean >= 0.4552."""
    weights = np.zeros((SIZE * SIZE * 3, 1000))
    weights[:, TARGET] = 20 / (SIZE * SIZE * 3)
    return linear_model(weights, "brightness")


def test_a_batch_stops_only_when_its_worst_image_reaches_stop_at(brightness_model):
    """Image 0 (grey 0.5, p 0.957) has reached 0.9 at once; image 1 (0.3) climbs 0.02 a signed step: p >= 0.9 after
    8 steps (0.46, p 0.9095; 0.44 gives 0.869). The run stops there, at the worst image's step, not at step 0."""
    images = np.stack([np.full((SIZE, SIZE, 3), 0.5), np.full((SIZE, SIZE, 3), 0.3)]).astype(np.float32)
    result = lib.optimise_image(brightness_model, lib.cross_entropy(TARGET), images, method="sign",
                                learning_rate=0.02, stop_at=0.9, num_steps=50)
    z = 20 * (0.3 + 0.02 * np.arange(9))
    worst = np.exp(z) / (np.exp(z) + 999)
    assert result.reached and result.num_steps == 8
    np.testing.assert_allclose(result.target_probabilities, worst, rtol=1e-4)  # the batch's lowest p at each step
    np.testing.assert_allclose(result.images[1], 0.46, atol=1e-6)
    assert result.batch_probabilities[:, TARGET].min() >= 0.9


def test_a_run_without_stop_at_makes_every_step_and_keeps_the_lowest_loss(brightness_model):
    images = np.full((1, SIZE, SIZE, 3), 0.3, np.float32)
    result = lib.optimise_image(brightness_model, lib.cross_entropy(TARGET), images, method="sign",
                                learning_rate=0.02, stop_at=None, num_steps=5)
    assert not result.reached and result.num_steps == 5 and len(result.losses) == 6
    np.testing.assert_allclose(result.image, 0.3 + 0.02 * 5, atol=1e-6)  # the last is the best: the loss fell
    z = 20 * (0.3 + 0.02 * np.arange(6))
    np.testing.assert_allclose(result.losses, -(z - np.log(np.exp(z) + 999)), rtol=1e-5)


def test_the_result_measures_the_change_in_levels_of_255():
    start = np.zeros((2, 2, 3), np.float32)
    image = start.copy()
    image[0, 0, 0], image[1, 1, 2] = 0.3, -0.4
    result = Result(image, start, np.eye(1000, dtype=np.float32)[TARGET], TARGET,
                    step_seconds=[5.0, 1.0, 3.0, 2.0])
    assert result.linf_255 == pytest.approx(0.4 * 255) and result.l2_255 == pytest.approx(0.5 * 255)
    assert result.seconds_per_step == 2.0  # the median without the first (tracing) step
    assert result.probability == 1.0 and result.top_k(1)[0][:1] == (TARGET,)
    assert Result(image, start, np.zeros(1000, np.float32), None, step_seconds=[4.0]).seconds_per_step == 4.0


def test_stop_at_keeps_each_image_as_it_was_scored_when_it_first_reached_it(model, photos):
    """Targeted PGD, signed steps (the batch's size doesn't change them): image i is kept as x_k for the first k with
    p_target(x_k) >= stop_at, the others go on; in parts of batch_size 2 (images 0-1, then 2)."""
    weights, epsilon, step = model.get_weights()[0].astype(np.float64), 16 / 255, 2 / 255
    x0 = photos.astype(np.float64)
    low, high = np.maximum(x0 - epsilon, 0), np.minimum(x0 + epsilon, 1)
    path = [x0]
    for _ in range(8):
        path.append(np.clip(path[-1] - step * np.sign(targeted_gradient(weights, path[-1])), low, high))
    p = np.stack([softmax(x.reshape(3, -1) @ weights)[:, TARGET] for x in path])  # [9 images along the path, 3]
    assert np.all(np.diff(p, axis=0) > 0)
    stop_at = float((p[2, 0] + p[3, 0]) / 2)  # image 0 reaches it at x_3
    first = [int(np.argmax(p[:, i] >= stop_at)) if np.any(p[:8, i] >= stop_at) else 8 for i in range(3)]
    assert first[0] == 3 and len(set(first)) > 1  # the images stop at different steps
    calls = []
    result = lib.attack(model, photos, [1, 2, 3], "pgd", 16, targets=[TARGET] * 3, steps=8, step_255=2,
                        random_start=False, stop_at=stop_at, batch_size=2,
                        callback=lambda done, total: calls.append((done, total)))
    np.testing.assert_allclose(result.images, np.stack([path[k][i] for i, k in enumerate(first)]), atol=1e-6)
    made = [k + 1 if k < 8 and p[k, i] >= stop_at else 8 for i, k in enumerate(first)]  # steps taken per image
    assert result.steps == max(made)
    assert calls[0] == (1, 16) and calls[-1] == (8 + max(made[2:]), 16)  # two parts of 8 steps each, counted on


def test_gradient_of_gives_the_loss_the_logits_and_the_gradient(model):
    weights = model.get_weights()[0].astype(np.float64)
    objective = lib.logit(TARGET) + quadratic()
    loss, logits, gradient_ = lib.gradient_of(model, objective, START.astype(np.float64))  # float64 in: float32 used
    x = START.astype(np.float64)
    expected_loss = -np.mean(x.reshape(2, -1) @ weights[:, TARGET]) + 0.5 * np.sum(SCALE * (x - GOAL) ** 2)
    assert float(loss) == pytest.approx(expected_loss, rel=1e-5)
    np.testing.assert_allclose(logits, x.reshape(2, -1) @ weights, rtol=1e-4, atol=1e-5)
    expected = -weights[:, TARGET].reshape(1, SIZE, SIZE, 3) / 2 + gradient(x)
    np.testing.assert_allclose(gradient_, expected, rtol=1e-4, atol=1e-6)


def test_an_objective_inside_the_network_reads_that_layers_activations():
    """channel("inner", 1) on inner = 1x1 convolution (K, b): loss -mean(x K[:, 1] + b_1) over 2 images x 4
    positions, gradient -K[:, 1] / 8 at every pixel; the gd step moves by minus the rate times that."""
    kernel = np.random.default_rng(7).normal(0, 1, (1, 1, 3, 2))
    image = keras.Input((SIZE, SIZE, 3))
    inner = keras.layers.Conv2D(2, 1, name="inner")
    dense = keras.layers.Dense(1000)
    model = keras.Model(image, dense(keras.layers.Flatten()(inner(image))), name="inner_model")
    inner.set_weights([kernel.astype(np.float32), np.array([0.1, -0.2], np.float32)])
    pixels = tf.Variable(START)
    loss, _, _ = lib.make_step(model, lib.channel("inner", 1), pixels, method="gd", learning_rate=0.5)()
    assert float(loss) == pytest.approx(-np.mean(START.astype(np.float64) @ kernel[0, 0, :, 1] - 0.2), rel=1e-5)
    np.testing.assert_allclose(pixels.numpy(), START + 0.5 * kernel[0, 0, :, 1] / 8, atol=1e-6)
    loss, _, gradient_ = lib.gradient_of(model, lib.channel("inner", 1), START)
    np.testing.assert_allclose(gradient_, np.broadcast_to(-kernel[0, 0, :, 1] / 8, START.shape), atol=1e-7)


def test_until_fooled_keeps_each_image_as_it_was_scored_when_its_top_class_first_left_its_group(model, photos):
    """Untargeted PGD: image i stops at the first x_k whose top class is outside its label's group (lib.classes'
    near neighbours); labels chosen as each photo's own top class, so none is fooled at the start."""
    from lib.classes import class_group

    weights, epsilon, step = model.get_weights()[0].astype(np.float64), 32 / 255, 4 / 255
    x0 = photos.astype(np.float64)
    labels = [int(k) for k in (x0.reshape(3, -1) @ weights).argmax(axis=1)]
    groups = [list(class_group(label)) for label in labels]
    low, high = np.maximum(x0 - epsilon, 0), np.minimum(x0 + epsilon, 1)
    path = [x0]
    for _ in range(6):
        path.append(np.clip(path[-1] - step * np.sign(untargeted_gradient(weights, path[-1], groups)), low, high))
    fooled = np.array([[int((x.reshape(3, -1) @ weights)[i].argmax()) not in groups[i] for i in range(3)]
                       for x in path])  # [7, 3]
    first = [int(np.argmax(fooled[:6, i])) if fooled[:6, i].any() else 6 for i in range(3)]
    assert 0 < min(first) and len(set(first)) > 1  # none fooled at the start; they stop at different steps
    result = lib.attack(model, photos, labels, "pgd", 32, steps=6, step_255=4, random_start=False,
                        until_fooled=True)
    np.testing.assert_allclose(result.images, np.stack([path[k][i] for i, k in enumerate(first)]), atol=1e-6)


def test_an_attack_aims_at_the_target_alone_or_at_the_true_class_and_its_near_neighbours():
    """attack_step.aim: targeted, a single 1 at the target; untargeted, 1 on lib.classes.class_group(label)."""
    from lib import attack_step
    from lib.classes import class_group

    targeted, untargeted = attack_step.aim(285, untargeted=False), attack_step.aim(285, untargeted=True)
    assert targeted.dtype == np.float32 and targeted.shape == (1000,)
    np.testing.assert_array_equal(np.flatnonzero(targeted), [285])
    np.testing.assert_array_equal(np.flatnonzero(untargeted), sorted(class_group(285)))
    assert len(class_group(285)) > 1  # Egyptian cat has near neighbours: the two aims differ


def test_the_attack_loss_is_the_mean_log_probability_of_the_aimed_classes_over_every_view():
    """attack_step.log_probability(aims, direction) on logits [k * n, 1000] (view j of image i in row j * n + i):
    direction x mean over rows of log(sum of softmax over the image's aimed classes), computed here in float64."""
    from lib import attack_step

    rng = np.random.default_rng(44)
    n, views = 2, 3
    logits = rng.normal(0, 2, (views * n, 1000))
    aims = np.zeros((n, 1000), np.float32)
    aims[0, [3, 9]], aims[1, 500] = 1.0, 1.0
    probabilities = np.exp(logits - logits.max(axis=1, keepdims=True))
    probabilities /= probabilities.sum(axis=1, keepdims=True)
    rows = [np.log(probabilities[row, np.flatnonzero(aims[row % n])].sum()) for row in range(views * n)]
    for direction in (1.0, -1.0):
        loss = attack_step.log_probability(tf.Variable(aims), tf.Variable(direction))
        value = float(loss(tf.constant(logits, tf.float32), None))
        np.testing.assert_allclose(value, direction * np.mean(rows), rtol=1e-5)
