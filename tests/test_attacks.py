"""lib.attacks: one entry point for every method, budgets never exceeded, EOT's views and its promises, clear errors."""

import functools

import numpy as np
import pytest
import tensorflow as tf

import lib
from lib import attack_step, attacks, compiled, transforms


@pytest.fixture(scope="module")
def photos(lite0):
    images = np.stack([lib.load_image(lib.data_path(name)) for name in ("cat.png", "dog.png", "coffee.png")])
    labels = [int(np.argmax(lib.predict(lite0, image))) for image in images]
    return images, labels


def _noise(count: int, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).uniform(0.2, 0.8, (count, 8, 8, 3)).astype(np.float32)


@pytest.mark.parametrize("budget", [0.5, 2, 8, 16])
def test_linf_attacks_stay_within_the_budget_and_in_range(tiny_model, budget):
    images = _noise(3)
    for attacked in (attacks.fgsm(tiny_model, images, [1, 2, 3], budget),
                     attacks.pgd(tiny_model, images, [1, 2, 3], budget, steps=5),
                     attacks.pgd(tiny_model, images, [1, 2, 3], budget, steps=5, targets=[7, 7, 7]),
                     attacks.attack(tiny_model, images, [1, 2, 3], "eot", budget, steps=5, draws=2,
                                    transforms=[transforms.jitter(1)]).images):
        assert np.abs(attacked - images).max() * 255 <= budget + 1e-3
        assert attacked.min() >= 0 and attacked.max() <= 1 and attacked.shape == images.shape


def test_fgsm_moves_every_value_by_the_whole_budget_where_it_can(tiny_model):
    images = _noise(2)
    attacked = attacks.fgsm(tiny_model, images, [1, 2], 4)
    change = np.abs(attacked - images) * 255
    assert np.allclose(change[change > 0.01], 4, atol=1e-3) and (change > 0.01).mean() > 0.9


@pytest.mark.parametrize("budget", [1, 30, 200])
def test_l2_attacks_stay_within_the_budget(tiny_model, budget):
    images = _noise(3, seed=1)
    attacked = attacks.pgd(tiny_model, images, [1, 2, 3], budget, norm="l2", steps=5)
    lengths = np.sqrt(((attacked - images) ** 2).sum(axis=(1, 2, 3))) * 255
    assert np.all(lengths <= budget + 1e-2) and attacked.min() >= 0 and attacked.max() <= 1
    assert lengths.max() > 0.5 * min(budget, 0.3 * 255 * np.sqrt(images[0].size))  # it does use the budget


def test_a_batch_gives_the_same_images_as_one_at_a_time(tiny_model):
    images, labels = _noise(3, seed=2), [4, 5, 6]
    together = attacks.pgd(tiny_model, images, labels, 4, steps=5, random_start=False)
    alone = np.concatenate([attacks.pgd(tiny_model, images[k:k + 1], labels[k:k + 1], 4, steps=5, random_start=False)
                            for k in range(3)])
    np.testing.assert_allclose(together, alone, atol=1e-6)


@pytest.mark.parametrize("batch_size", [1, 2, 4])
def test_the_batch_size_changes_the_memory_not_the_images(tiny_model, batch_size):
    images, labels = _noise(5, seed=7), [1, 2, 3, 4, 5]
    np.testing.assert_allclose(attacks.pgd(tiny_model, images, labels, 4, steps=5, batch_size=batch_size),
                               attacks.pgd(tiny_model, images, labels, 4, steps=5, batch_size=5), atol=1e-6)
    np.testing.assert_allclose(attacks.pgd(tiny_model, images, labels, 4, steps=5, targets=[7] * 5, norm="l2",
                                           batch_size=batch_size),
                               attacks.pgd(tiny_model, images, labels, 4, steps=5, targets=[7] * 5, norm="l2",
                                           batch_size=5), atol=1e-6)


def test_pgd_fools_lite0_on_the_shipped_photos_where_fgsm_may_not(lite0, photos):
    images, labels = photos
    assert not attacks.fooled(lite0, images, labels).any()  # untouched, the labels are the model's own
    assert attacks.fooled(lite0, attacks.pgd(lite0, images, labels, 2), labels).all()
    targeted = attacks.pgd(lite0, images, labels, 4, steps=20, targets=["Siamese cat"] * 3)
    assert attacks.fooled(lite0, targeted, labels, targets=["Siamese cat"] * 3).all()


def _always(class_name: str) -> "keras.Model":
    """A model whose top class is `class_name` for any 8x8 image."""
    import keras

    image = keras.Input((8, 8, 3))
    logits = keras.layers.Dense(1000, kernel_initializer="zeros",
                                bias_initializer=keras.initializers.Constant(np.eye(1000)[lib.class_id_of(class_name)]))(
        keras.layers.Flatten()(image))
    return keras.Model(image, logits, name=f"always_{lib.class_id_of(class_name)}")


@pytest.mark.parametrize("answer, label, is_fooled", [
    ("tiger cat", "Egyptian cat", False), ("tabby", "Egyptian cat", False), ("orange", "lemon", False),
    ("Egyptian cat", "Egyptian cat", False), ("lynx", "Egyptian cat", True), ("espresso", "Egyptian cat", True),
    ("banana", "lemon", True), ("boxer", "German shepherd", True), ("collie", "German shepherd", False),
])
def test_an_untargeted_attack_fools_only_when_the_top_class_leaves_the_label_and_its_near_neighbours(
        answer, label, is_fooled):
    model = _always(answer)
    assert attacks.fooled(model, _noise(2), [label, "zebra"]).tolist() == [is_fooled, True]
    assert attacks.fooled(model, _noise(1), [label], targets=[answer]).tolist() == [True]  # targeted: the target only
    assert attacks.fooled(model, _noise(1), ["zebra"], targets=[label]).tolist() == [answer == label]


def test_success_rate_measures_each_model_at_each_budget(lite0, photos):
    images, labels = photos
    rates = attacks.success_rate([lite0], images, labels, functools.partial(attacks.pgd, lite0, steps=3), [0, 2])
    assert list(rates) == ["efficientnet_lite0"] and rates["efficientnet_lite0"].tolist()[0] == 0.0
    assert rates["efficientnet_lite0"][1] > 0.5


def test_jpeg_is_straight_through_and_blur_smooths():
    images = tf.constant(_noise(2, seed=3))
    generator = tf.random.Generator.from_seed(0)
    with tf.GradientTape() as tape:
        tape.watch(images)
        compressed = transforms.jpeg(50)(images, generator)
        total = tf.reduce_sum(compressed)
    np.testing.assert_allclose(tape.gradient(total, images).numpy(), 1.0)
    assert 0 < np.abs(compressed.numpy() - images.numpy()).mean() < 0.2
    assert transforms.blur(1.0)(images, generator).numpy().std() < images.numpy().std()


@pytest.mark.parametrize("call, message", [
    (lambda m, x: attacks.pgd(m, x, [1, 2], 300), "levels of 255"),
    (lambda m, x: attacks.pgd(m, x, [1, 2], -1), "levels of 255"),
    (lambda m, x: attacks.pgd(m, x, [1], 4), "one class per image: 2 images, but 1 labels"),
    (lambda m, x: attacks.pgd(m, x, [1, 2], 4, targets=["tabby"]), "2 images, but 1 targets"),
    (lambda m, x: attacks.pgd(m, x, [1, "kitty"], 4), "kitty"),
    (lambda m, x: attacks.pgd(m, x, [1, 2], 4, norm="l1"), "norm must be one of"),
    (lambda m, x: attacks.pgd(m, x, [1, 2], 4, steps=0), "steps must be a whole number"),
    (lambda m, x: attacks.pgd(m, x, [1, 2], 4, batch_size=0), "batch_size is how many images"),
    (lambda m, x: attacks.pgd(m, x * 255, [1, 2], 4), "values must be in [0, 1]"),
    (lambda m, x: attacks.pgd(m, np.zeros((2, 9, 9, 3), np.float32), [1, 2], 4), "takes 8x8 images"),
    (lambda m, x: attacks.pgd("model", x, [1, 2], 4), "lib.load_model"),
    (lambda m, x: attacks.attack(m, x, [1, 2], "eot", 4, draws=3, then=transforms.jpeg(75)), "need a random transform"),
    (lambda m, x: attacks.attack(m, x, [1, 2], "pgd", 4, transforms=transforms.jitter(1)), "belong to method='eot'"),
    (lambda m, x: attacks.attack(m, x, [1, 2], "fgsm", 4, steps=3), "fgsm is one step"),
    (lambda m, x: attacks.attack(m, x, [1, 2], "mifgsm", 4, norm="l2"), "L-inf attack"),
    (lambda m, x: attacks.attack(m, x, [1, 2], "cw", 4), "method must be one of adam, fgsm, pgd, mifgsm, eot"),
    (lambda m, x: attacks.attack(m, x, [1, 2], "eot", 4, draws=0), "draws is how many views"),
    (lambda m, x: attacks.attack(m, x, [1, 2], "eot", 4, until_fooled=True), "leave them unset for eot"),
    (lambda m, x: attacks.attack(m, x, [1, 2], "adam", 4, stop_at=0.9), "for a targeted attack"),
    (lambda m, x: attacks.attack(m, x, [1, 2], "pgd", 4, step_255=-1), "step_255 is how far each step goes"),
    (lambda m, x: transforms.jpeg(0), "quality"),
    (lambda m, x: transforms.blur(0), "sigma"),
])
def test_bad_input_is_named(tiny_model, call, message):
    with pytest.raises(ValueError, match=message.replace("[", r"\[").replace("]", r"\]")):
        call(tiny_model, _noise(2))


def test_ctrl_c_keeps_the_attack_so_far(tiny_model, ctrl_c_at, capsys):
    images, calls = _noise(2, seed=4), ctrl_c_at(3)
    attacked = attacks.pgd(tiny_model, images, [1, 2], 8, steps=10, random_start=False)
    assert "Interrupted after 2 of 10 steps on images 1 to 2: returning the images as they are now." in capsys.readouterr().out
    assert 0 < np.abs(attacked - images).max() * 255 <= 8 + 1e-3  # two steps made, within the budget
    calls.clear()
    compiled.clear(tiny_model)
    attacked = attacks.pgd(tiny_model, images, [1, 2], 8, steps=2, random_start=False, batch_size=1)
    assert "Interrupted after 0 of 2 steps on image 2: returning the images as they are now." in capsys.readouterr().out
    assert np.abs(attacked[0] - images[0]).max() > 0 and np.array_equal(attacked[1], images[1])  # the first one done



def test_transformed_applies_a_defence_or_a_camera_to_a_batch_at_its_own_size():
    images = np.random.default_rng(5).uniform(0.2, 0.8, (2, 48, 48, 3)).astype(np.float32)  # room for the camera's shift
    compressed = attacks.transformed(images, transforms.jpeg(50))
    assert compressed.shape == images.shape and 0 < np.abs(compressed - images).mean() < 0.2
    shots = [attacks.transformed(images, transforms.camera(), seed) for seed in (0, 0, 1)]
    assert all(shot.shape == images.shape and 0 <= shot.min() and shot.max() <= 1 for shot in shots)
    np.testing.assert_array_equal(shots[0], shots[1])  # the seed picks the draw
    assert not np.allclose(shots[0], shots[2])
    with pytest.raises(ValueError, match="transform is missing"):
        attacks.transformed(images, None)


def test_survival_counts_the_draws_after_which_an_attack_still_fools(lite0, photos):
    images, labels = photos
    attacked = attacks.pgd(lite0, images, labels, 2)
    assert not attacks.survival(lite0, images, labels, transforms.blur(0.3)).any()  # untouched photos stay right
    np.testing.assert_array_equal(attacks.survival(lite0, attacked, labels, transforms.blur(0.3)),
                                  attacks.fooled(lite0, attacks.transformed(attacked, transforms.blur(0.3)), labels))
    shares = attacks.survival(lite0, attacked, labels, transforms.camera(), draws=4)
    assert shares.shape == (3,) and set(np.round(shares * 4, 6)) <= {0, 1, 2, 3, 4}
    with pytest.raises(ValueError, match="draws must be a whole number"):
        attacks.survival(lite0, attacked, labels, transforms.camera(), draws=0)


def test_a_compiled_attack_is_reused_at_other_budgets_and_gives_what_a_fresh_one_gives(tiny_model, monkeypatch):
    compiled.clear(tiny_model)
    images, shift = _noise(2, seed=6), transforms.jitter(1)

    def eot(budget, labels=(1, 2)):
        return attacks.attack(tiny_model, images, list(labels), "eot", budget, steps=4, draws=2, transforms=shift).images

    strong, weak = eot(8), eot(2)
    assert len(compiled.entries(tiny_model, "attack")) == 1  # one trace for both budgets
    assert np.abs(weak - images).max() * 255 <= 2 + 1e-3 < np.abs(strong - images).max() * 255
    compiled.clear(tiny_model)
    np.testing.assert_array_equal(weak, eot(2))
    for label in range(3):  # other labels, other budgets and steps: the same compiled step
        attacks.fgsm(tiny_model, images, [label, 9], 2)
        attacks.pgd(tiny_model, images, [label, 9], 4, steps=2)
        eot(4, (label, 9))
    assert len(compiled.entries(tiny_model, "attack")) == 2  # FGSM and PGD share a step; EOT's views make another
    attacks.fgsm(tiny_model, images, [1, 9], 2, targets=[5, 6])  # targeted: the same step, pushing up...
    warm = attacks.fgsm(tiny_model, images, [1, 9], 2, targets=[3, 4])  # ...as other targets do
    assert len(compiled.entries(tiny_model, "attack")) == 2
    compiled.clear(tiny_model)
    np.testing.assert_array_equal(warm, attacks.fgsm(tiny_model, images, [1, 9], 2, targets=[3, 4]))
    for count in range(1, 7):  # other numbers of images: the same step, traced once for any batch
        attacks.fgsm(tiny_model, _noise(count), list(range(count)), 2)
    assert len(compiled.entries(tiny_model, "attack")) == 1  # one step for the targeted attack above and every count
    shifts = [transforms.jitter(1) for _ in range(compiled.KEPT["attack"] + 2)]  # other transforms: other steps...
    for shift in shifts:
        attacks.attack(tiny_model, images, [1, 2], "eot", 2, steps=1, draws=2, transforms=shift)
    assert len(compiled.entries(tiny_model, "attack")) == compiled.KEPT["attack"]  # ...of which only the last few are kept


def test_the_untargeted_loss_is_the_log_probability_of_the_class_and_its_near_neighbours():
    logits = tf.constant(np.random.default_rng(8).normal(size=(2, 1000)), tf.float32)
    aims = np.zeros((2, 1000), np.float32)
    aims[0, 281], aims[1, [281, 282, 285]] = 1, 1
    probabilities = tf.nn.softmax(logits).numpy()
    expected = np.mean([np.log(probabilities[0, 281]), np.log(probabilities[1, [281, 282, 285]].sum())])
    assert np.isclose(float(attack_step.log_probability(tf.Variable(aims))(logits, None)), expected, atol=1e-5)
    one = tf.nn.sparse_softmax_cross_entropy_with_logits(labels=[281], logits=logits[:1])
    assert np.isclose(float(attack_step.log_probability(tf.Variable(aims[:1]))(logits[:1], None)), -float(one[0]), atol=1e-5)


@pytest.mark.parametrize("targets, budget", [(None, 8), ([7, 7, 7, 7, 7], 64)])
def test_until_fooled_stops_each_image_once_it_fools_and_takes_fewer_steps(tiny_model, ctrl_c_at, targets, budget):
    images, labels = _noise(5, seed=9), [1, 2, 3, 4, 5]
    calls = ctrl_c_at(10**6)  # counts the compiled steps' calls, never presses Ctrl-C
    full = attacks.pgd(tiny_model, images, labels, budget, steps=10, targets=targets, batch_size=2)
    full_calls, _ = len(calls), calls.clear()
    early = attacks.pgd(tiny_model, images, labels, budget, steps=10, targets=targets, batch_size=2, until_fooled=True)
    fooled_full, fooled_early = (attacks.fooled(tiny_model, x, labels, targets) for x in (full, early))
    assert fooled_early.any() and np.all(fooled_early >= fooled_full)  # whatever the full attack fools, so does this
    assert len(calls) < full_calls == 3 * 10
    assert np.abs(early - images).max() * 255 <= budget + 1e-3
    np.testing.assert_allclose(early[~fooled_early], full[~fooled_early], atol=1e-6)  # the rest took every step
    with pytest.raises(ValueError, match="until_fooled"):
        attacks.attack(tiny_model, images, labels, "eot", 8, until_fooled=True, transforms=transforms.jitter(1))


def test_one_trace_serves_any_number_of_images_without_padding(tiny_model, monkeypatch):
    compiled.clear(tiny_model)
    images, labels = _noise(7, seed=10), [1, 2, 3, 4, 5, 6, 7]
    attacks.pgd(tiny_model, images, labels, 4, steps=3, batch_size=3)  # parts of 3, 2 and 2 images
    for count in (1, 5):
        attacks.pgd(tiny_model, images[:count], labels[:count], 4, steps=2)
    (attack,) = compiled.entries(tiny_model, "attack")
    assert attack.update.experimental_get_tracing_count() == 1
    assert [len(part) for part in attacks._parts(np.arange(13), 4)] == [4, 3, 3, 3]


def test_fooled_count_tries_only_the_chosen_images():
    model, images = _always("tiger cat"), _noise(4, seed=11)
    labels = ["Egyptian cat", "zebra", "lemon", "tiger cat"]  # fooled: no, yes, yes, no
    assert attacks.fooled_count(model, images, labels) == (2, 4)
    assert attacks.fooled_count(model, images, labels, among=np.array([True, True, False, False])) == (1, 2)
    assert attacks.fooled_count(model, images, labels, among=np.zeros(4, bool)) == (0, 0)
    assert attacks.fooled_count(model, images, labels, among=[False, True, True, True], targets=["zebra"] * 4) == (0, 3)
    with pytest.raises(ValueError, match="one True or False per image: 4 images"):
        attacks.fooled_count(model, images, labels, among=[True, False])
