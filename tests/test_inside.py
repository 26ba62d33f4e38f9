"""Inside the network: readable layer names, activations, the inner-layer objectives, batches, DeepDream, top patches.

Most checks run on a small hand-weighted model (64x64 input, two
convolutions) where every number can be measured in a fraction of a
second; the real embedded models are only asked for their layer names and
the shapes of a few feature maps.
"""

import warnings

import keras
import numpy as np
import pytest
import tensorflow as tf

import lib
from lib import compiled
from lib.images import resize_and_crop
from lib.layers import aliases, channel_count, check_needs, find_layer, spatial_layers

SIZE = 64
K = 7  # a channel of conv_b that is alive on the noise start (98% of positions, 0.26 at the centre): ReLU lets it grow
START = lib.noise_image(SIZE)


def build_small(name: str = "small") -> keras.Model:
    """[batch, 64, 64, 3] in [0, 1] -> 1000 logits, with weights from numpy's seeded generator (not Keras's).

    conv_a (8 channels, linear; channel 0 is mean brightness - 0.5, a "bright patch" detector) -> relu_a ->
    pool_a (2x2) -> conv_b (16 channels, ReLU) -> global average -> Dense(1000).
    """
    rng = np.random.default_rng(0)
    image = keras.Input((SIZE, SIZE, 3), name="image")
    x = keras.layers.Conv2D(8, 3, padding="same", name="conv_a")(image)
    x = keras.layers.ReLU(name="relu_a")(x)
    x = keras.layers.MaxPooling2D(2, name="pool_a")(x)
    x = keras.layers.Conv2D(16, 3, padding="same", activation="relu", name="conv_b")(x)
    x = keras.layers.GlobalAveragePooling2D(name="gap")(x)
    model = keras.Model(image, keras.layers.Dense(1000, name="logits")(x), name=name)
    kernel_a = rng.normal(0, 0.3, (3, 3, 3, 8)).astype(np.float32)
    kernel_a[..., 0] = 1 / 27
    bias_a = np.full(8, 0.2, np.float32)
    bias_a[0] = -0.5
    model.get_layer("conv_a").set_weights([kernel_a, bias_a])
    model.get_layer("conv_b").set_weights([rng.normal(0, 0.15, (3, 3, 8, 16)).astype(np.float32),
                                           np.full(16, 0.1, np.float32)])
    model.get_layer("logits").set_weights([rng.normal(0, 0.5, (16, 1000)).astype(np.float32),
                                           np.zeros(1000, np.float32)])
    return model


@pytest.fixture(scope="module")
def small() -> keras.Model:
    return build_small()


def channel_means(model, image, layer: str) -> np.ndarray:
    """Each channel's mean activation over the positions: [channels]."""
    return lib.activations(model, image, layer).mean(axis=(0, 1))


def energy(model, image, layer: str) -> float:
    return float(np.mean(lib.activations(model, image, layer) ** 2))


def batch_activations(model, images, layer: str) -> np.ndarray:
    return np.stack([lib.activations(model, image, layer) for image in images])


def gram_similarity(values: np.ndarray) -> float:
    """Mean cosine similarity of the Gram matrices over every pair of a batch, in numpy: [batch, h, w, c] -> float."""
    flat = values.reshape(len(values), -1, values.shape[-1]).astype(np.float64)
    grams = np.einsum("bpi,bpj->bij", flat, flat).reshape(len(values), -1)
    grams /= np.linalg.norm(grams, axis=1, keepdims=True)
    pairs = [(i, j) for i in range(len(values)) for j in range(len(values)) if i != j]
    return float(np.mean([grams[i] @ grams[j] for i, j in pairs]))


def diversity_of(model, images, layer: str) -> float:
    """lib.diversity's own value for a batch of images."""
    values = tf.constant(batch_activations(model, images, layer))
    return float(lib.diversity(layer)(None, tf.constant(images), {layer: values}))


# --- the small model: its names, and each objective does what it says ----------------------------------------


def test_the_small_models_layers_are_found(small):
    assert [layer.name for layer in spatial_layers(small)] == ["conv_a", "relu_a", "pool_a", "conv_b"]
    assert lib.layer_names(small) == ["conv_a", "pool_a", "conv_b"]  # its convolutions and pools, as for VGG16
    assert find_layer(small, "relu_a").name == "relu_a"  # any layer with a feature map, by its Keras name
    assert (channel_count(small, "conv_a"), channel_count(small, "conv_b")) == (8, 16)
    assert lib.activations(small, START, "pool_a").shape == (32, 32, 8)
    assert lib.activations(small, START[:40, :40], "conv_a").shape == (64, 64, 8)  # resized to the model's size
    start = lib.activations(small, START, "conv_b")[..., K]
    assert (start > 0).mean() > 0.9 and start[16, 16] > 0.1  # the precondition of the tests below: K is alive


def test_channel_raises_exactly_its_own_channel_a_lot(small):
    before = channel_means(small, START, "conv_b")
    result = lib.optimise_image(small, lib.channel("conv_b", K), START, num_steps=30, stop_at=None, learning_rate=0.05)
    rise = channel_means(small, result.image, "conv_b") - before
    assert rise[K] > 1.0 and rise[K] > 3 * before[K]  # measured: 0.30 -> 2.75
    assert rise[K] > 3 * np.delete(rise, K).mean()  # measured: 2.45 against 0.25 on average
    assert int(np.argmax(rise)) == K
    assert result.losses[-1] == pytest.approx(-float(rise[K] + before[K]), rel=0.05)  # the loss is minus that mean


def test_neuron_raises_the_centre_and_leaves_the_corners(small):
    before = lib.activations(small, START, "conv_b")[..., K]
    result = lib.optimise_image(small, lib.neuron("conv_b", K), START, num_steps=30, stop_at=None, learning_rate=0.05)
    after = lib.activations(small, result.image, "conv_b")[..., K]
    corners = (np.array([0, 0, -1, -1]), np.array([0, -1, 0, -1]))
    assert after[16, 16] - before[16, 16] > 2.0  # measured: 0.26 -> 6.6
    assert np.abs(after[corners] - before[corners]).max() < 1e-6  # out of the centre's receptive field: untouched
    assert np.array_equal(result.image[:20, :20], START[:20, :20])
    assert after[16, 16] > 2 * after.mean()


def test_layer_energy_is_minus_the_mean_square_and_optimising_raises_it(small):
    values = lib.activations(small, START, "conv_b")[None]
    objective = lib.layer_energy("conv_b")
    value = float(objective(None, START[None], {"conv_b": tf.constant(values)}))
    assert value == pytest.approx(-np.mean(values**2), rel=1e-5)
    result = lib.optimise_image(small, objective, START, num_steps=30, stop_at=None, learning_rate=0.05)
    assert energy(small, result.image, "conv_b") > 3 * energy(small, START, "conv_b")  # measured: 0.165 -> 1.29


def test_diversity_is_one_for_copies_and_lower_for_different_images(small):
    stripes = np.zeros((SIZE, SIZE, 3), np.float32)
    stripes[:, ::8] = 1.0
    red = np.zeros((SIZE, SIZE, 3), np.float32)
    red[..., 0] = 0.9
    copies = np.stack([START] * 3)
    different = np.stack([START, stripes, red])
    assert diversity_of(small, copies, "conv_b") == pytest.approx(1.0, abs=1e-5)
    value = diversity_of(small, different, "conv_b")
    assert value == pytest.approx(gram_similarity(batch_activations(small, different, "conv_b")), abs=1e-5)
    assert value < 0.95
    pair = different[:2]  # every pair counted once each way: the mean of one pair is that pair's similarity
    expected = gram_similarity(batch_activations(small, pair, "conv_b"))
    assert diversity_of(small, pair, "conv_b") == pytest.approx(expected, abs=1e-5)


def test_diversity_makes_a_batch_less_alike(small):
    settings = dict(num_steps=30, stop_at=None, batch=3, learning_rate=0.05)
    alone = lib.optimise_image(small, lib.channel("conv_b", K), **settings)
    diverse = lib.optimise_image(small, lib.channel("conv_b", K) + 5 * lib.diversity("conv_b"), **settings)
    assert np.array_equal(alone.start_image, diverse.start_image)  # the same three random starts
    similarity = [gram_similarity(batch_activations(small, run.images, "conv_b")) for run in (alone, diverse)]
    assert similarity[0] > 0.99 and similarity[1] < 0.8  # measured: 0.9997 and 0.17
    distance = [np.mean([np.abs(run.images[i] - run.images[j]).mean() for i in range(3) for j in range(i + 1, 3)])
                for run in (alone, diverse)]
    assert distance[1] > distance[0] + 0.03  # measured: 0.41 and 0.52 (mean |pixel difference| between two images)


def test_a_channel_for_one_image_of_a_batch_moves_only_that_image(small):
    images = np.stack([lib.noise_image(SIZE, seed) for seed in range(3)])
    loss, _, gradient = lib.gradient_of(small, lib.channel("conv_b", K, batch=1), images)
    gradient = gradient.numpy()
    assert not gradient[[0, 2]].any()  # exactly zero for the others
    assert np.abs(gradient[1]).max() > 0
    assert float(loss) == pytest.approx(-float(lib.activations(small, images[1], "conv_b")[..., K].mean()), rel=1e-4)
    _, _, whole = lib.gradient_of(small, lib.neuron("conv_b", K, batch=2), images)
    assert not whole.numpy()[:2].any() and whole.numpy()[2].any()


# --- objectives compose, and refuse what they can't use -------------------------------------------------------


def test_objectives_compose_and_say_which_layers_they_read(small):
    combined = lib.channel("conv_b", 3) + 0.5 * lib.diversity("conv_a")
    assert combined.needs == (("conv_b", 3), ("conv_a", None))
    assert combined.layers == ("conv_b", "conv_a")
    assert (lib.channel("conv_b", 3) + lib.neuron("conv_b", 4) - lib.layer_energy("conv_b")).layers == ("conv_b",)
    assert combined.target is None
    assert "channel('conv_b', 3)" in combined.name and "diversity('conv_a')" in combined.name
    images = np.stack([START, lib.noise_image(SIZE, 1)])
    activations = {name: tf.constant(batch_activations(small, images, name)) for name in combined.layers}
    expected = (lib.channel("conv_b", 3)(None, images, activations)
                + 0.5 * lib.diversity("conv_a")(None, images, activations))
    assert float(combined(None, images, activations)) == pytest.approx(float(expected), rel=1e-5)
    with_class = 10 * lib.cross_entropy("Siamese cat") + lib.channel("conv_b", 3)
    assert with_class.target == lib.class_id_of("Siamese cat") and with_class.layers == ("conv_b",)
    assert lib.total_variation().needs == () and lib.total_variation().layers == ()


def test_an_inner_objective_without_its_activations_is_refused(small):
    logits, image = tf.zeros((1, 1000)), tf.constant(START[None])
    with pytest.raises(ValueError, match=r"reads the activations of conv_b: run it through lib.optimise_image"):
        lib.channel("conv_b", 3)(logits, image)
    combined = lib.channel("conv_b", 3) + 0.5 * lib.diversity("conv_a")
    with pytest.raises(ValueError, match=r"reads the activations of conv_b, conv_a"):
        combined(logits, image, {"conv_b": tf.zeros((1, 32, 32, 16))})  # conv_a's are missing
    with pytest.raises(ValueError, match="reads the activations"):
        lib.layer_energy("conv_a")(logits, image)


@pytest.mark.parametrize("make", [lib.channel, lib.neuron])
@pytest.mark.parametrize("index", [-1, 1.5, True, "3", None])
def test_a_bad_channel_index_is_refused(make, index):
    with pytest.raises(ValueError, match=r"a channel index is a whole number >= 0, got"):
        make("conv_b", index)


@pytest.mark.parametrize("batch", [-1, 0.5, True, "0"])
def test_a_bad_batch_position_is_refused(batch):
    with pytest.raises(ValueError, match=r"batch picks one image of the batch by its position"):
        lib.channel("conv_b", 3, batch=batch)


# --- wrong layers, channels and models are refused clearly -----------------------------------------------------


def test_an_unknown_layer_gets_suggestions_from_activations(small, lite0):
    with pytest.raises(ValueError) as caught:
        lib.activations(small, START, "conv_c")
    message = str(caught.value)
    assert "small has no layer 'conv_c' with a feature map" in message
    assert "Did you mean 'conv_b' or 'conv_a'?" in message  # each name once
    assert "Its layers run from 'conv_a' to 'conv_b': lib.layer_names(model) lists them." in message
    with pytest.raises(ValueError, match=r"no layer 'blok10'.*Did you mean 'block10'"):
        lib.activations(lite0, lib.noise_image(224), "blok10")
    with pytest.raises(ValueError, match=r"from 'stem' to 'head'"):
        lib.activations(lite0, lib.noise_image(224), "block16")
    with pytest.raises(ValueError, match="takes one image"):
        lib.activations(small, np.stack([START, START]), "conv_a")


def test_an_unknown_layer_is_refused_before_optimise_image_compiles_anything(monkeypatch):
    model = build_small("fresh")
    built = []
    monkeypatch.setattr(lib.optimise, "feature_model", lambda *args: built.append(args))
    seen = []
    for objective in (lib.channel("conv_c", 0), lib.layer_energy("conv_b") + lib.neuron("conv_bb", 1)):
        with pytest.raises(ValueError, match=r"Did you mean 'conv_b'"):
            lib.optimise_image(model, objective, num_steps=5, callback=seen.append)
    with pytest.raises(ValueError, match=r"Did you mean 'conv_b'"):
        lib.ideal_image(model, lib.channel("conv_c", 0), "fourier", num_steps=5)
    assert built == [] and seen == []  # neither a feature model nor a step: refused first
    assert compiled.size(model) == 0  # nothing compiled for the model either


def test_a_channel_out_of_range_is_refused_with_the_count(small):
    expected = r"'conv_a' of small has 8 channels, numbered 0 to 7; got channel 8\."
    with pytest.raises(ValueError, match=expected):
        lib.optimise_image(small, lib.channel("conv_a", 8), num_steps=2)
    with pytest.raises(ValueError, match=expected):
        lib.optimise_image(small, lib.layer_energy("conv_b") + lib.neuron("conv_a", 8), num_steps=2)
    with pytest.raises(ValueError, match=expected):
        lib.top_patches(small, {"noise": START}, "conv_a", 8)
    with pytest.raises(ValueError, match=r"'conv_b' of small has 16 channels, numbered 0 to 15"):
        check_needs(small, (("conv_b", 16),))
    check_needs(small, (("conv_a", 7), ("conv_b", 15), ("conv_b", None)))  # the last of each is fine


def test_an_ensemble_is_refused(small):
    both = lib.ensemble([small, build_small("other")])
    for attempt in (lambda: lib.activations(both, START, "conv_a"), lambda: lib.layer_names(both),
                    lambda: lib.optimise_image(both, lib.channel("conv_a", 0), num_steps=2),
                    lambda: lib.deep_dream(both, START, "conv_a", octaves=1, steps_per_octave=1)):
        with pytest.raises(ValueError, match=r"small_and_other is an ensemble of small, other: .*pass one member"):
            attempt()


# --- the real models' layers --------------------------------------------------------------------------------


def _check_every_name_resolves(model, expected_names):
    readable = aliases(model)
    assert lib.layer_names(model) == expected_names
    positions = {layer.name: position for position, layer in enumerate(model.layers)}
    for name, keras_name in readable.items():
        layer = find_layer(model, name)
        assert layer.name == keras_name and len(layer.output.shape) == 4
        if readable.get(keras_name, keras_name) == keras_name:  # Keras's name works too, unless a readable name
            assert find_layer(model, keras_name) is layer    # shadows it (SqueezeNet's conv1 and conv10)
    order = [positions[readable[name]] for name in expected_names]
    assert order == sorted(order)  # input to output
    return readable


def test_lite0_layer_names(lite0):
    names = ["stem", *(f"block{n}" for n in range(16)), "head"]
    readable = _check_every_name_resolves(lite0, names)
    assert len(lib.layer_names(lite0)) == 18
    assert {name: readable[name] for name in ("stem", "block0", "block2", "block10", "block15", "head")} == {
        "stem": "_bn0_relu6", "block0": "_blocks.0._bn2", "block2": "_blocks.2_add", "block10": "_blocks.10_add",
        "block15": "_blocks.15._bn2", "head": "_bn1_relu6"}  # a block's output: after the skip connection if it has one
    widths = [channel_count(lite0, f"block{n}") for n in range(16)]
    assert widths == [16, 24, 24, 40, 40, 80, 80, 80, 112, 112, 112, 192, 192, 192, 192, 320]
    assert find_layer(lite0, "block10_expand").name == "_blocks.10._bn0_relu6"
    assert channel_count(lite0, "block10_expand") == 6 * channel_count(lite0, "block10") == 672
    expanded = sorted(name for name in readable if name.endswith("_expand"))
    assert expanded == sorted(f"block{n}_expand" for n in range(1, 16))
    with pytest.raises(ValueError, match="no layer 'block0_expand'"):  # block 0 doesn't widen
        find_layer(lite0, "block0_expand")
    assert find_layer(lite0, "_blocks.10_add") is find_layer(lite0, "block10")  # Keras's names work too
    assert find_layer(lite0, "_bn1_relu6") is find_layer(lite0, "head")
    assert find_layer(lite0, "_blocks.3._depthwise_conv").name == "_blocks.3._depthwise_conv"


def test_lite0_activation_shapes(lite0):
    photo = lib.load_image(lib.data_path("cat.png"))
    for name, shape in (("stem", (112, 112, 32)), ("block10", (14, 14, 112)), ("head", (7, 7, 1280)),
                        ("block10_expand", (14, 14, 672))):
        values = lib.activations(lite0, photo, name)
        assert values.shape == shape and values.dtype == np.float32
    head = lib.activations(lite0, photo, "head")
    assert head.min() >= 0 and head.max() <= 6  # ReLU6
    assert head.max() > 0


def test_activations_warn_of_nothing():
    """Reading a layer raises no warning (Keras warned that the input was not given as the list the model takes)."""
    model = build_small("fresh")  # Keras warns once per model: a model no other test has read yet
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert lib.activations(model, START, "conv_b").shape == (SIZE // 2, SIZE // 2, 16)


def test_activations_are_the_feature_models_and_one_trace_reads_every_named_layer():
    """The compiled reader gives what each layer's own feature model gives, and traces once for any named layer."""
    model = build_small("readers")
    image = lib.noise_image(SIZE, 5)
    for name in ("conv_a", "pool_a", "conv_b", "relu_a"):  # relu_a is no named layer: its own feature model reads it
        reference = lib.layers.feature_model(model, (name,))([image[None]], training=False)[0].numpy()[0]
        np.testing.assert_allclose(lib.activations(model, image, name), reference, rtol=1e-5, atol=1e-6)
    [(names, read)] = compiled.entries(model, "reader")  # the model's one reader
    assert names == ("conv_a", "pool_a", "conv_b") and read.experimental_get_tracing_count() == 1
    lib.activations(model, lib.noise_image(96, 6), "conv_b")  # another size is resized first: still one trace
    assert read.experimental_get_tracing_count() == 1


def test_squeezenet_layer_names():
    squeezenet = lib.load_model("squeezenet1_1")
    _check_every_name_resolves(squeezenet, ["conv1", *(f"fire{n}" for n in range(2, 10)), "conv10"])
    assert find_layer(squeezenet, "fire5_concat") is find_layer(squeezenet, "fire5")
    assert find_layer(squeezenet, "conv10").name == "conv10_relu"  # the readable name comes first
    assert channel_count(squeezenet, "conv10") == 1000
    assert lib.activations(squeezenet, lib.noise_image(227), "fire9").shape[-1] == 512


def test_vgg16_layer_names():
    vgg16 = lib.models.build_vgg16(weights=None)
    names = [f"block{b}_{kind}" for b, convs in zip(range(1, 6), (2, 2, 3, 3, 3))
             for kind in [*(f"conv{c}" for c in range(1, convs + 1)), "pool"]]
    _check_every_name_resolves(vgg16, names)
    assert len(names) == 18 and names[0] == "block1_conv1" and names[-1] == "block5_pool"
    assert channel_count(vgg16, "block5_conv3") == 512
    with pytest.raises(ValueError, match="no layer 'vgg16_preprocess'"):  # it still shows the pixels
        find_layer(vgg16, "vgg16_preprocess")
    with pytest.raises(ValueError, match=r"Did you mean 'block5_conv3'"):
        find_layer(vgg16, "block5_conv4")


# --- batches ----------------------------------------------------------------------------------------------


def test_a_batch_run_returns_every_image(small):
    result = lib.optimise_image(small, lib.channel("conv_b", K), num_steps=5, batch=3)
    assert result.images.shape == (3, SIZE, SIZE, 3) and result.batch_probabilities.shape == (3, 1000)
    assert np.array_equal(result.image, result.images[0])
    assert np.array_equal(result.probabilities, result.batch_probabilities[0])
    assert result.target is None and result.probability is None
    assert not np.array_equal(result.images[0], result.images[1])  # different random starts
    assert np.array_equal(result.start_image, lib.noise_image(SIZE, 0))  # the starts are noise_image(seed + k)
    for image, probabilities in zip(result.images, result.batch_probabilities):
        np.testing.assert_allclose(lib.predict(small, image), probabilities, atol=1e-5)  # each row is its own image's


def test_a_batch_of_starting_images(small):
    starts = np.stack([lib.noise_image(SIZE, 5), lib.noise_image(SIZE, 6)])
    result = lib.optimise_image(small, lib.channel("conv_b", K), starts, num_steps=10, epsilon=4 / 255,
                                learning_rate=0.01)
    assert result.images.shape == (2, SIZE, SIZE, 3) and np.array_equal(result.start_image, starts[0])
    change = np.abs(result.images - starts)
    assert change.max() <= 4 / 255 + 1e-6  # each image within the budget of its own start
    assert change[0].max() > 1 / 255 and change[1].max() > 1 / 255
    for image, start in zip(result.images, starts):
        assert channel_means(small, image, "conv_b")[K] > channel_means(small, start, "conv_b")[K]


def test_bad_batches_are_refused(small):
    with pytest.raises(ValueError, match="leave image unset, or pass a batch of starting images"):
        lib.optimise_image(small, lib.channel("conv_b", K), START, batch=2, num_steps=1)
    for batch in (0, -1, 65, 1.5, True):
        with pytest.raises(ValueError, match=r"batch is how many images to make at once, a whole number from 1 to 64"):
            lib.optimise_image(small, lib.channel("conv_b", K), batch=batch, num_steps=1)


def test_a_fourier_batch(small):
    result = lib.optimise_image(small, lib.channel("conv_b", K), parameterisation="fourier", batch=2, num_steps=8,
                                stop_at=None, learning_rate=0.05)
    assert result.images.shape == (2, SIZE, SIZE, 3) and result.batch_probabilities.shape == (2, 1000)
    assert 0 < result.images.min() and result.images.max() < 1
    assert not np.allclose(result.images[0], result.images[1])
    assert result.losses[-1] < result.losses[0]


def test_ideal_image_of_a_channel(small):
    result = lib.ideal_image(small, lib.channel("conv_b", K), "fourier", num_steps=10, batch=2)
    assert result.target is None and result.probability is None and result.target_probabilities == []
    assert result.images.shape == (2, SIZE, SIZE, 3) and result.num_steps == 10
    start = channel_means(small, result.start_image, "conv_b")[K]
    assert all(channel_means(small, image, "conv_b")[K] > start for image in result.images)


# --- DeepDream ----------------------------------------------------------------------------------------------


class Recorder:
    """A LiveView-like callback that keeps every Progress, and draws a real LiveView too."""

    def __init__(self, interrupt_at: int | None = None):
        self.seen, self.interrupt_at = [], interrupt_at
        self.view = lib.LiveView()

    def __call__(self, progress) -> None:
        self.seen.append(progress)
        self.view(progress)
        if progress.step == self.interrupt_at and progress.stop_reason is None:
            raise KeyboardInterrupt


def test_deep_dream_raises_the_layers_energy(small):
    photo = lib.load_image(lib.data_path("cat.png"), size=96)  # not the model's size: the dream is
    dream = lib.deep_dream(small, photo, "conv_b", octaves=2, steps_per_octave=5)
    assert dream.image.shape == (SIZE, SIZE, 3) and dream.image.dtype == np.float32
    assert 0 <= dream.image.min() and dream.image.max() <= 1
    before = energy(small, resize_and_crop(photo, SIZE), "conv_b")
    assert energy(small, dream.image, "conv_b") > 1.15 * before  # measured: 0.098 -> 0.129
    assert not dream.interrupted
    assert dream.num_steps == 10 and len(dream.losses) == 12  # both octaves: 5 updates and 6 scores each
    assert np.array_equal(dream.images, dream.image[None])
    np.testing.assert_array_equal(dream.start_image, resize_and_crop(photo, SIZE))  # change: what the dream did
    assert 0 < dream.linf_255 <= 255


def test_deep_dream_runs_60_steps_by_default(small):
    """Lesson 08's live views and the browser test expect "ran all 60 steps": two octaves of 30."""
    recorder = Recorder()
    dream = lib.deep_dream(small, START, "conv_b", callback=recorder)
    assert dream.num_steps == 60 and recorder.view.label.value.startswith("ran all 60 steps")


def test_deep_dream_tells_a_live_view_of_every_step_and_ends_once(small):
    recorder = Recorder()
    lib.deep_dream(small, START, "conv_b", octaves=2, steps_per_octave=5, callback=recorder)
    steps = [progress.step for progress in recorder.seen]
    assert steps[0] == 0 and steps[-1] == 10 and steps == sorted(steps) and set(steps) == set(range(11))
    assert all(progress.num_steps == 10 for progress in recorder.seen)
    assert [progress.stop_reason for progress in recorder.seen].count("finished") == 1
    assert recorder.seen[-1].stop_reason == "finished"
    assert all(progress.stop_reason is None for progress in recorder.seen[:-1])
    assert all(progress.image.shape == (SIZE, SIZE, 3) for progress in recorder.seen)
    assert recorder.view.label.value.startswith("ran all 10 steps")
    assert recorder.view.progress.value == recorder.view.progress.max == 10


def test_deep_dream_interrupted_keeps_the_dream_so_far(small):
    recorder = Recorder(interrupt_at=3)
    dream = lib.deep_dream(small, START, "conv_b", octaves=2, steps_per_octave=5, callback=recorder)
    assert dream.interrupted and dream.image.shape == (SIZE, SIZE, 3)
    assert [progress.stop_reason for progress in recorder.seen] == [None] * 4 + ["interrupted"]
    assert recorder.seen[-1].step == 3  # the second octave never started
    assert dream.num_steps == 3 and dream.start_image.shape == (SIZE, SIZE, 3)
    assert "interrupted after 3 steps" in repr(dream)  # start and dream at one size: the change can be measured


@pytest.mark.parametrize("settings, words", [
    ({"octaves": 0}, "octaves must be a whole number from 1 to 8"),
    ({"octaves": 9}, "octaves must be a whole number from 1 to 8"),
    ({"octaves": 2.0}, "octaves must be a whole number"),
    ({"octaves": True}, "octaves must be a whole number"),
    ({"steps_per_octave": 0}, "steps_per_octave must be a whole number from 1 to 1000"),
    ({"octave_scale": 1}, r"octave_scale is how much each octave enlarges the image, a number in \(1, 2\]"),
    ({"octave_scale": 2.5}, "octave_scale is how much"),
    ({"octave_scale": True}, "octave_scale is how much"),
    ({"octave_scale": "1.4"}, "octave_scale is how much"),
])
def test_deep_dream_refuses_bad_settings(small, settings, words):
    with pytest.raises(ValueError, match=words):
        lib.deep_dream(small, START, "conv_b", **settings)


def test_deep_dream_refuses_an_unknown_layer_and_a_batch(small):
    with pytest.raises(ValueError, match=r"Did you mean 'conv_b'"):
        lib.deep_dream(small, START, "conv_bb", octaves=1, steps_per_octave=1)
    with pytest.raises(ValueError, match="takes one image"):
        lib.deep_dream(small, np.stack([START, START]), "conv_b")


# --- top patches --------------------------------------------------------------------------------------------


def _photo_with_squares(squares: list[tuple[int, int]], value: float, seed: int) -> np.ndarray:
    """Grey noise with bright 8x8 squares at these (top, left) places."""
    photo = lib.noise_image(SIZE, seed, spread=0.03)
    for top, left in squares:
        photo[top:top + 8, left:left + 8] = value
    return photo


def test_top_patches_find_the_bright_feature_first(small):
    squares = [(8, 8), (8, 44), (44, 26)]  # three white squares in one photo
    photos = {"noise": lib.noise_image(SIZE, 3, spread=0.03), "three squares": _photo_with_squares(squares, 1.0, 4),
              "dim square": _photo_with_squares([(30, 30)], 0.8, 5)}
    patches = lib.top_patches(small, photos, "conv_a", 0, count=4)  # channel 0: brightness - 0.5
    assert len(patches) == 4
    assert [patch.source for patch in patches[:3]] == ["three squares", "three squares", "dim square"]
    centres = [(top + 4, left + 4) for top, left in squares]
    for patch in patches[:2]:
        assert min(max(abs(patch.position[0] - r), abs(patch.position[1] - c)) for r, c in centres) <= 3
        assert patch.activation == pytest.approx(0.5, abs=1e-4)  # all white under the 3x3 window: 1 - 0.5
        assert patch.image.shape == (24, 24, 3) and (patch.image == 1.0).mean() > 0.1
    assert abs(patches[2].position[0] - 34) <= 3 and abs(patches[2].position[1] - 34) <= 3
    assert patches[2].activation == pytest.approx(0.3, abs=1e-4)
    nearest = [min(range(3), key=lambda k: np.hypot(*np.subtract(patch.position, centres[k]))) for patch in patches[:2]]
    assert nearest[0] != nearest[1]  # two different squares, not two places on one
    activations = [patch.activation for patch in patches]
    assert activations == sorted(activations, reverse=True)
    assert max(sum(patch.source == name for patch in patches) for name in photos) <= 2
    top, left = (int(np.clip(centre - 12, 0, SIZE - 24)) for centre in patches[0].position)
    np.testing.assert_array_equal(patches[0].image, photos["three squares"][top:top + 24, left:left + 24])


def test_the_layers_are_looked_up_before_the_step_is_traced(monkeypatch):
    """AutoGraph converts whatever the traced step calls; lib.layers' lookups run before, in plain Python."""
    original = lib.layers.aliases

    def outside_tracing_only(model):
        assert not tf.inside_function(), "lib.layers.aliases called while the step was being traced"
        return original(model)

    monkeypatch.setattr(lib.layers, "aliases", outside_tracing_only)
    result = lib.optimise_image(build_small("traced"), lib.channel("conv_b", K) + lib.layer_energy("pool_a"),
                                num_steps=2)
    assert result.num_steps == 2
