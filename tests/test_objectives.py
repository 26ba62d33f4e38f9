"""Objectives: checked against TensorFlow's own functions, and how they compose."""

import numpy as np
import pytest
import tensorflow as tf

import lib


@pytest.fixture()
def batch(rng):
    images = tf.constant(rng.uniform(size=(2, 16, 16, 3)).astype(np.float32))
    logits = tf.constant(rng.normal(size=(2, 1000)).astype(np.float32))
    return logits, images


def test_total_variation_matches_tensorflow(batch):
    logits, images = batch
    expected = tf.reduce_mean(tf.image.total_variation(images))
    assert float(lib.total_variation()(logits, images)) == pytest.approx(float(expected), rel=1e-5)


def test_cross_entropy_matches_keras_on_logits(batch):
    logits, images = batch
    expected = tf.keras.losses.sparse_categorical_crossentropy(tf.constant([284, 284]), logits, from_logits=True)
    assert float(lib.cross_entropy("Siamese cat")(logits, images)) == pytest.approx(float(tf.reduce_mean(expected)), rel=1e-5)


def test_logit_is_minus_the_target_logit(batch):
    logits, images = batch
    assert float(lib.logit("zebra")(logits, images)) == pytest.approx(-float(tf.reduce_mean(logits[:, 340])), rel=1e-5)


def test_centred_logit_is_the_target_logit_over_the_mean_and_ignores_a_common_shift(batch):
    logits, images = batch
    expected = -np.mean(logits.numpy()[:, 340] - logits.numpy().mean(axis=1))
    objective = lib.centred_logit("zebra")
    assert float(objective(logits, images)) == pytest.approx(expected, rel=1e-5)
    assert float(objective(logits + 7.0, images)) == pytest.approx(expected, rel=1e-4)  # softmax ignores it, so does this
    assert objective.target == 340


def test_weighted_sums_compose(batch):
    logits, images = batch
    combined = 10 * lib.cross_entropy("Siamese cat") + 0.005 * lib.total_variation()
    expected = 10 * lib.cross_entropy(284)(logits, images) + 0.005 * lib.total_variation()(logits, images)
    assert float(combined(logits, images)) == pytest.approx(float(expected), rel=1e-5)
    assert combined.target == 284
    assert "cross_entropy('Siamese cat')" in combined.name and "total_variation" in combined.name
    difference = lib.cross_entropy(284) - lib.cross_entropy(284)
    assert float(difference(logits, images)) == pytest.approx(0.0, abs=1e-5)


def test_two_targets_have_no_single_target():
    assert (lib.cross_entropy("zebra") + lib.cross_entropy("tabby")).target is None


def test_a_negative_weight_drops_the_target():
    """-cross_entropy(dog) pushes away from the dog: early stopping must not watch p(dog)."""
    assert (-lib.cross_entropy("malamute")).target is None
    assert (0.5 * lib.cross_entropy("malamute")).target == lib.class_id_of("malamute")


def test_cross_entropy_reads_a_variable_of_classes_that_can_change_between_calls():
    logits = tf.constant(np.random.default_rng(0).normal(size=(2, 1000)).astype(np.float32))
    classes = tf.Variable([284, 1], dtype=tf.int32)
    objective = lib.cross_entropy(classes)
    assert objective.name == "cross_entropy(2 classes held in a variable, one per image)" and objective.targets == ()
    assert float(objective(logits, None)) == pytest.approx(float(lib.cross_entropy([284, 1])(logits, None)))
    classes.assign([3, 4])
    assert float(objective(logits, None)) == pytest.approx(float(lib.cross_entropy([3, 4])(logits, None)))
    with pytest.raises(ValueError, match="int32 class ids, one per image"):
        lib.cross_entropy(tf.Variable([284.0, 1.0]))


@pytest.mark.parametrize("make", [lib.logit, lib.centred_logit])
def test_logit_objectives_read_a_variable_of_classes_that_can_change_between_calls(make):
    logits = tf.constant(np.random.default_rng(0).normal(size=(2, 1000)).astype(np.float32))
    classes = tf.Variable([284, 1], dtype=tf.int32)
    objective = make(classes)
    assert objective.name.endswith("(2 classes held in a variable, one per image)") and objective.target is None

    def expected(ids):  # each image's own class, then the mean over the batch
        return np.mean([float(make(class_id)(logits[k:k + 1], None)) for k, class_id in enumerate(ids)])

    assert float(objective(logits, None)) == pytest.approx(expected([284, 1]), rel=1e-5)
    classes.assign([3, 4])
    assert float(objective(logits, None)) == pytest.approx(expected([3, 4]), rel=1e-5)
    with pytest.raises(tf.errors.InvalidArgumentError, match="one class per image"):
        objective(logits[:1], None)
    with pytest.raises(ValueError, match=f"{make.__name__} takes a tf.Variable of int32 class ids"):
        make(tf.Variable(284))


def test_total_variation_takes_one_weight_per_image(batch):
    logits, images = batch
    each = tf.image.total_variation(images).numpy()
    objective = lib.total_variation([0.5, 3])
    assert float(objective(logits, images)) == pytest.approx(np.mean([0.5 * each[0], 3 * each[1]]), rel=1e-5)
    assert objective.name == "total_variation(weights=[0.5, 3])"
    with pytest.raises(tf.errors.InvalidArgumentError, match="one weight per image of the batch"):
        lib.total_variation([1.0, 2.0, 3.0])(logits, images)


@pytest.mark.parametrize("weights", [[], [-1], ["a"], [True], "0.1", 0.1, [float("nan")], [float("inf")]])
def test_total_variation_refuses_weights_that_are_not_one_number_per_image(weights):
    with pytest.raises(ValueError, match="one TV weight per image of the batch"):
        lib.total_variation(weights)


def test_a_batch_with_one_tv_weight_per_image_moves_each_image_as_its_own_adam_run(tiny_model, rng):
    """The sweep in one run: with Adam, image k of the batch moves as a run of weight k alone would."""
    start = rng.uniform(size=(1, 8, 8, 3)).astype(np.float32)
    weights = [0.001, 0.1]

    def three_steps(objective, images):
        variable = tf.Variable(images)
        step = lib.make_step(tiny_model, objective, variable, learning_rate=0.05)
        for _ in range(3):
            step()
        return variable.numpy()

    together = three_steps(lib.logit("zebra") + lib.total_variation(weights), np.repeat(start, 2, axis=0))
    for k, weight in enumerate(weights):
        alone = three_steps(lib.logit("zebra") + weight * lib.total_variation(), start)
        np.testing.assert_allclose(together[k], alone[0], atol=1e-5)
    assert not np.allclose(together[0], together[1])


def test_total_variation_of_one_image_matches_tensorflow(rng):
    image = rng.random((10, 12, 3), dtype=np.float32)
    expected = float(tf.image.total_variation(tf.constant(image)))
    assert lib.objectives.total_variation_of(image) == pytest.approx(expected, rel=1e-5)
