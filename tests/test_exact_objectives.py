"""Every objective against a plain numpy formula on small tensors: the logit ones, cross-entropy, total variation
(with weights), the inner-layer ones (channel, neuron, layer energy, diversity), and how objectives combine."""

import numpy as np
import pytest
import tensorflow as tf

import lib
from lib import objectives as O

ZEBRA, TABBY = 340, 281


@pytest.fixture()
def logits():
    """float32 [3, 1000]: small random logits, the zebra's and the tabby's set apart."""
    values = np.random.default_rng(5).normal(0, 1, (3, 1000)).astype(np.float32)
    values[:, ZEBRA], values[:, TABBY] = [2.0, -1.0, 0.5], [0.25, 3.0, -2.0]
    return values


@pytest.fixture()
def images():
    return np.random.default_rng(6).uniform(0, 1, (3, 4, 5, 3)).astype(np.float32)


def numpy_log_softmax(logits: np.ndarray) -> np.ndarray:
    shifted = logits.astype(np.float64) - logits.max(axis=1, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))


def value(objective, logits, images, activations=None) -> float:
    """The objective's loss as a float; logits and images may be None where it doesn't read them."""
    as_tensor = lambda array: None if array is None else tf.constant(array)  # noqa: E731
    return float(objective(as_tensor(logits), as_tensor(images), activations))


def test_logit_and_centred_logit(logits, images):
    """-mean(z_t); -mean(z_t - mean_j z_j), per image then over the batch."""
    assert value(lib.logit("zebra"), logits, images) == pytest.approx(-np.mean([2.0, -1.0, 0.5]), rel=1e-6)
    centred = logits[:, ZEBRA] - logits.astype(np.float64).mean(axis=1)
    assert value(lib.centred_logit("zebra"), logits, images) == pytest.approx(-centred.mean(), rel=1e-5)


def test_logit_objectives_with_one_class_per_image_in_a_variable(logits, images):
    classes = tf.Variable([ZEBRA, TABBY, ZEBRA], dtype=tf.int32)
    chosen = np.array([2.0, 3.0, 0.5])
    assert value(lib.logit(classes), logits, images) == pytest.approx(-chosen.mean(), rel=1e-6)
    centred = chosen - logits.astype(np.float64).mean(axis=1)
    assert value(lib.centred_logit(classes), logits, images) == pytest.approx(-centred.mean(), rel=1e-5)
    assert lib.logit(classes).targets == () and lib.logit(classes).target is None
    with pytest.raises(tf.errors.InvalidArgumentError, match="one class per image"):
        lib.logit(classes)(tf.constant(logits[:2]), tf.constant(images[:2]))
    with pytest.raises(ValueError, match="int32 class ids, one per image"):
        lib.logit(tf.Variable([1.0, 2.0]))


def test_cross_entropy_is_minus_the_log_softmax_of_the_target(logits, images):
    """-mean_i log softmax(z_i)[t]; with a list, image i against class i."""
    log_p = numpy_log_softmax(logits)
    assert value(lib.cross_entropy("zebra"), logits, images) == pytest.approx(-log_p[:, ZEBRA].mean(), rel=1e-5)
    each = -np.mean([log_p[0, ZEBRA], log_p[1, TABBY], log_p[2, TABBY]])
    assert value(lib.cross_entropy(["zebra", TABBY, np.int64(TABBY)]), logits, images) == pytest.approx(each, rel=1e-5)
    classes = tf.Variable([TABBY, ZEBRA, ZEBRA], dtype=tf.int32)
    held = -np.mean([log_p[0, TABBY], log_p[1, ZEBRA], log_p[2, ZEBRA]])
    assert value(lib.cross_entropy(classes), logits, images) == pytest.approx(held, rel=1e-5)


def test_cross_entropy_targets_and_names():
    assert lib.cross_entropy("zebra").targets == (ZEBRA,)
    assert lib.cross_entropy([ZEBRA, TABBY, ZEBRA]).targets == (ZEBRA, TABBY)
    assert lib.cross_entropy([ZEBRA, ZEBRA]).target == ZEBRA
    assert lib.cross_entropy([ZEBRA, ZEBRA]).name == "cross_entropy('zebra')"
    assert lib.cross_entropy([ZEBRA, TABBY]).name == "cross_entropy(2 classes, one per image)"
    assert lib.cross_entropy(tf.Variable([1, 2, 3])).name == "cross_entropy(3 classes held in a variable, one per image)"
    with pytest.raises(ValueError, match="at least one class"):
        lib.cross_entropy([])


def numpy_total_variation(images: np.ndarray) -> np.ndarray:
    """Per image: sum |x[r+1, c] - x[r, c]| + sum |x[r, c+1] - x[r, c]| over every channel, in float64."""
    images = images.astype(np.float64)
    return (np.abs(np.diff(images, axis=1)).sum(axis=(1, 2, 3)) + np.abs(np.diff(images, axis=2)).sum(axis=(1, 2, 3)))


def test_total_variation_by_hand_on_a_2x2_image():
    """Channel 0 [[0, 1], [0.5, 0.25]]: down |0.5| + |-0.75|, across |1| + |-0.25|: 2.5; other channels flat."""
    image = np.zeros((1, 2, 2, 3), np.float32)
    image[0, :, :, 0] = [[0.0, 1.0], [0.5, 0.25]]
    assert value(lib.total_variation(), None, image) == pytest.approx(2.5, rel=1e-6)


def test_total_variation_and_its_weights_against_numpy(images):
    per_image = numpy_total_variation(images)
    assert value(lib.total_variation(), None, images) == pytest.approx(per_image.mean(), rel=1e-5)
    weights = [0.5, 0.0, 2.0]
    weighted = lib.total_variation(weights)
    assert value(weighted, None, images) == pytest.approx(np.mean(per_image * weights), rel=1e-5)
    assert weighted.name == "total_variation(weights=[0.5, 0, 2])" and lib.total_variation().name == "total_variation()"
    if hasattr(O, "total_variation_of"):  # one image's TV as a number
        assert O.total_variation_of(images[1]) == pytest.approx(per_image[1], rel=1e-5)
    with pytest.raises(tf.errors.InvalidArgumentError, match="one weight per image"):
        weighted(None, tf.constant(images[:2]))


@pytest.mark.parametrize("weights", [[], [0.1, -1.0], [0.1, float("inf")], [True], "0.1", [0.1, "x"], 3.0])
def test_total_variation_refuses_weights_that_are_not_numbers_from_0(weights):
    with pytest.raises(ValueError, match="one TV weight per image"):
        lib.total_variation(weights)


def test_total_variation_takes_a_numpy_array_of_weights_including_0(images):
    assert value(lib.total_variation(np.array([0.0, 0.0, 1.0])), None, images) == pytest.approx(
        numpy_total_variation(images)[2] / 3, rel=1e-5)


# --- objectives inside the network ---------------------------------------------------------------------------------


@pytest.fixture()
def activations():
    """{"block": float32 [2, 3, 4, 5]} and {"odd": [2, 5, 5, 2]}: random feature maps."""
    rng = np.random.default_rng(7)
    return {"block": tf.constant(rng.normal(0, 1, (2, 3, 4, 5)).astype(np.float32)),
            "odd": tf.constant(rng.normal(0, 1, (2, 5, 5, 2)).astype(np.float32))}


def test_channel_is_minus_the_mean_of_one_channel_everywhere(activations):
    block = activations["block"].numpy().astype(np.float64)
    assert value(lib.channel("block", 3), None, None, activations) == pytest.approx(-block[..., 3].mean(), rel=1e-5)
    assert value(lib.channel("block", 3, batch=1), None, None, activations) == pytest.approx(-block[1, ..., 3].mean(),
                                                                                             rel=1e-5)
    assert lib.channel("block", 3, batch=1).needs == (("block", 3),)
    assert lib.channel("block", 3, batch=1).name == "channel('block', 3, batch=1)"


@pytest.mark.parametrize("layer, row, column", [("block", 1, 2), ("odd", 2, 2)])  # 3x4: (1, 2); 5x5: (2, 2)
def test_neuron_is_minus_one_channel_at_the_middle_position(activations, layer, row, column):
    values = activations[layer].numpy().astype(np.float64)
    assert value(lib.neuron(layer, 1), None, None, activations) == pytest.approx(-values[:, row, column, 1].mean(),
                                                                                 rel=1e-5)
    assert value(lib.neuron(layer, 1, batch=0), None, None, activations) == pytest.approx(-values[0, row, column, 1],
                                                                                          rel=1e-5)


def test_layer_energy_is_minus_the_mean_square(activations):
    block = activations["block"].numpy().astype(np.float64)
    assert value(lib.layer_energy("block"), None, None, activations) == pytest.approx(-(block**2).mean(), rel=1e-5)
    assert lib.layer_energy("block").needs == (("block", None),)


def numpy_diversity(values: np.ndarray) -> float:
    """lucid's penalty: each image's Gram matrix (channels x channels) flattened and scaled to length 1; the mean
    cosine similarity over the ordered pairs of different images."""
    batch = len(values)
    flat = values.reshape(batch, -1, values.shape[-1]).astype(np.float64)
    grams = np.stack([f.T @ f for f in flat]).reshape(batch, -1)
    grams /= np.linalg.norm(grams, axis=1, keepdims=True)
    similarity = grams @ grams.T
    return float((similarity.sum() - np.trace(similarity)) / (batch * (batch - 1)))


def test_diversity_is_the_mean_cosine_similarity_of_the_gram_matrices():
    values = np.random.default_rng(8).normal(0, 1, (3, 2, 2, 4)).astype(np.float32)
    expected = numpy_diversity(values)
    assert value(lib.diversity("layer"), None, None, {"layer": tf.constant(values)}) == pytest.approx(expected, rel=1e-5)
    same = np.repeat(values[:1], 2, axis=0)  # copies: similarity 1
    assert value(lib.diversity("layer"), None, None, {"layer": tf.constant(same)}) == pytest.approx(1.0, rel=1e-5)
    one = value(lib.diversity("layer"), None, None, {"layer": tf.constant(values[:1])})  # no pairs: 0, not NaN
    assert one == pytest.approx(0.0, abs=1e-6)


def test_an_inner_objective_without_its_activations_is_refused(activations):
    with pytest.raises(ValueError, match="reads the activations of block: run it through lib.optimise_image"):
        lib.channel("block", 0)(None, None)
    with pytest.raises(ValueError, match="reads the activations of odd"):
        lib.channel("odd", 0)(None, None, {"block": activations["block"]})


@pytest.mark.parametrize("make", [lambda: lib.channel("block", -1), lambda: lib.neuron("block", 1.0),
                                  lambda: lib.channel("block", True), lambda: lib.channel("block", 0, batch=-1),
                                  lambda: lib.neuron("block", 0, batch=True)])
def test_bad_indices_are_refused(make):
    with pytest.raises(ValueError, match="channel index.* whole number|batch.* (whole number|position)"):
        make()


# --- combining -------------------------------------------------------------------------------------------------------


def test_sums_products_and_differences_are_those_of_the_values(logits, images, activations):
    logit, tv, channel = lib.logit("zebra"), lib.total_variation(), lib.channel("block", 2)
    a, b, c = (value(o, logits, images, activations) for o in (logit, tv, channel))
    assert value(2 * logit + tv * 0.5, logits, images) == pytest.approx(2 * a + 0.5 * b, rel=1e-5)
    assert value(logit - channel, logits, images, activations) == pytest.approx(a - c, rel=1e-5)
    assert value(-tv, logits, images) == pytest.approx(-b, rel=1e-6)
    assert value(sum([logit, tv]), logits, images) == pytest.approx(a + b, rel=1e-6)
    combined = 3 * logit + channel + lib.channel("block", 2) + lib.neuron("odd", 1)
    assert combined.needs == (("block", 2), ("odd", 1)) and combined.layers == ("block", "odd")
    assert (2 * logit).name == "2 * logit('zebra')" and (logit + tv).name == "logit('zebra') + total_variation()"
    assert (logit + lib.logit(ZEBRA)).targets == (ZEBRA,) and (logit + lib.logit(TABBY)).target is None
    assert (0 * logit).targets == () and (0.5 * logit).target == ZEBRA


@pytest.mark.parametrize("other", [1, True, "text", None])
def test_objectives_add_only_objectives_and_multiply_only_by_numbers(other):
    logit = lib.logit("zebra")
    with pytest.raises(TypeError):
        logit + other
    if not isinstance(other, int) or isinstance(other, bool):
        with pytest.raises(TypeError):
            logit * other
    assert (0 + logit) is logit


@pytest.mark.parametrize("given, expected", [("zebra", ZEBRA), (TABBY, TABBY)])
def test_a_class_becomes_its_cross_entropy(given, expected):
    objective = O.as_objective(given)
    assert objective.targets == (expected,) and objective.name.startswith("cross_entropy(")
    assert O.as_objective(objective) is objective


@pytest.mark.parametrize("given", [True, 1.5, None, [1]])
def test_anything_else_is_not_an_objective(given):
    with pytest.raises(ValueError, match="Expected an objective such as cross_entropy"):
        O.as_objective(given)


def test_each_objective_is_named_and_pushes_towards_its_classes_only():
    assert lib.centred_logit("zebra").name == "centred_logit('zebra')" and lib.centred_logit("zebra").targets == (ZEBRA,)
    assert lib.logit("zebra").name == "logit('zebra')" and lib.logit("zebra").target == ZEBRA
    assert lib.neuron("block", 2, batch=1).name == "neuron('block', 2, batch=1)" and lib.neuron("b", 2).name == \
        "neuron('b', 2)"
    assert lib.layer_energy("block").name == "layer_energy('block')" and lib.layer_energy("block").targets == ()
    assert lib.diversity("block").name == "diversity('block')" and lib.diversity("block").needs == (("block", None),)
    assert lib.channel("block", 4).name == "channel('block', 4)"


@pytest.mark.parametrize("make, name", [(lib.cross_entropy, "cross_entropy"), (lib.logit, "logit"),
                                        (lib.centred_logit, "centred_logit")])
def test_a_variable_of_classes_that_is_not_int32_is_refused_by_name(make, name):
    with pytest.raises(ValueError, match=rf"^{name} takes a tf.Variable of int32 class ids"):
        make(tf.Variable([1.0, 2.0]))


def test_one_class_or_weight_per_image_is_checked_when_the_loss_is_computed(logits, images):
    with pytest.raises(tf.errors.InvalidArgumentError, match=r"(^|\s)cross_entropy: one class per image of the batch"):
        lib.cross_entropy([ZEBRA, TABBY])(tf.constant(logits), tf.constant(images))
    with pytest.raises(tf.errors.InvalidArgumentError, match=r"(^|\s)total_variation: one weight per image of the"):
        lib.total_variation([1.0, 2.0])(None, tf.constant(images))
    with pytest.raises(tf.errors.InvalidArgumentError, match=r"(^|\s)centred_logit: one class per image of the batch"):
        lib.centred_logit(tf.Variable([ZEBRA, TABBY]))(tf.constant(logits), tf.constant(images))


@pytest.mark.parametrize("other", [1, True, 0.5, "text", None])
def test_only_a_zero_on_the_left_adds_to_an_objective(other):
    """sum() starts from 0, so 0 + objective is the objective; any other number or thing on the left is a TypeError."""
    with pytest.raises(TypeError):
        other + lib.logit("zebra")
    logit = lib.logit("zebra")
    assert (0 + logit) is logit and (0.0 + logit) is logit
