"""Model loading: VGG16's built-in preprocessing, the offline fallback, model names."""

import keras
import numpy as np
import pytest
import tensorflow as tf

import lib
from lib import models


@pytest.fixture(scope="module")
def random_vgg16():
    keras.utils.set_random_seed(0)
    return keras.applications.VGG16(weights=None, classifier_activation=None)


def test_vgg16_wrapper_preprocesses_like_keras(random_vgg16, rng):
    images = rng.uniform(size=(2, 224, 224, 3)).astype(np.float32)
    wrapped = models.wrap_vgg16(random_vgg16)
    expected = random_vgg16(keras.applications.vgg16.preprocess_input(255.0 * images))
    assert np.allclose(wrapped(images), expected, rtol=1e-4, atol=1e-4)
    assert wrapped.input_shape == (None, 224, 224, 3) and wrapped.output_shape == (None, 1000)


def _failing_download(*args, **kwargs):
    raise OSError("simulated: no route to host")


def _half_downloaded(tmp_path):
    def get_file(*args, **kwargs):
        path = tmp_path / "vgg16_weights_tf_dim_ordering_tf_kernels.h5"
        path.write_bytes(b"\x89HDF\r\n\x1a\n" + b"\0" * 100)  # an HDF5 header, then nothing
        return str(path)

    return get_file


@pytest.mark.parametrize("fake_download", ["offline", "half-downloaded"])
def test_vgg16_falls_back_to_the_embedded_model_with_one_notice(monkeypatch, capsys, tmp_path, fake_download):
    from keras.src.applications import vgg16

    replacement = _failing_download if fake_download == "offline" else _half_downloaded(tmp_path)
    monkeypatch.setattr(vgg16.file_utils, "get_file", replacement)
    model = lib.load_model("vgg16")
    assert model.name == "efficientnet_lite0" and model.output_shape == (None, 1000)
    notice = capsys.readouterr().err
    assert "could not get VGG16's ImageNet weights" in notice and "efficientnet_lite0" in notice
    assert "SEECAT_MODEL" in notice and "Traceback" not in notice


def test_the_environment_variable_chooses_the_default(monkeypatch):
    monkeypatch.setenv("SEECAT_MODEL", "squeezenet1_1")
    assert lib.default_model_name() == "squeezenet1_1"
    monkeypatch.delenv("SEECAT_MODEL")
    assert lib.default_model_name() == "efficientnet_lite0"  # embedded: no download, the model of every figure


def test_the_default_model_needs_no_download(monkeypatch):
    from keras.src.applications import vgg16

    monkeypatch.delenv("SEECAT_MODEL", raising=False)
    monkeypatch.setattr(vgg16.file_utils, "get_file", _failing_download)  # any download attempt would fail loudly
    assert lib.load_model().name == "efficientnet_lite0"


def test_a_bad_environment_variable_is_named(monkeypatch):
    monkeypatch.setenv("SEECAT_MODEL", "resnet")
    with pytest.raises(ValueError, match="SEECAT_MODEL='resnet'.*efficientnet_lite0"):
        lib.load_model()


def test_embedded_models_are_available_offline():
    assert all(lib.available_offline(name) for name in lib.model_names() if name != "vgg16")


@pytest.mark.parametrize("name", ["efficientnet_lite0", "squeezenet1_1"])
def test_every_embedded_model_takes_unit_range_images_and_gives_logits(name):
    model = lib.load_model(name)
    size = lib.model_input_size(model)
    logits = np.asarray(model(lib.noise_image(size)[None]))
    assert logits.shape == (1, 1000) and abs(logits.sum() - 1.0) > 1e-3  # logits, not probabilities


def test_predict_checks_the_image_size(lite0):
    with pytest.raises(ValueError, match="224x224"):
        lib.predict(lite0, lib.noise_image(100))


def test_an_ensemble_averages_its_members_logits(tiny_model):
    keras.utils.set_random_seed(1)
    image = keras.Input((12, 12, 3))
    other = keras.Model(image, keras.layers.Dense(1000)(keras.layers.GlobalAveragePooling2D()(image)), name="tiny12")
    both = lib.ensemble([tiny_model, other])
    images = np.random.default_rng(0).uniform(size=(2, 8, 8, 3)).astype(np.float32)
    expected = (tiny_model(images).numpy() + other(tf.image.resize(images, [12, 12])).numpy()) / 2
    assert both.name == "tiny_and_tiny12" and both.input_shape == (None, 8, 8, 3)
    assert np.allclose(both(images).numpy(), expected, atol=1e-5)


@pytest.mark.parametrize("members, words", [
    ([], "at least two"), ("efficientnet_lite0", "at least two"), (["tiny", "tiny"], "at least two"),
])
def test_a_bad_ensemble_is_named(members, words):
    with pytest.raises(ValueError, match=words):
        lib.ensemble(members)


def test_an_ensemble_needs_different_members(tiny_model):
    with pytest.raises(ValueError, match="different models"):
        lib.ensemble([tiny_model, tiny_model])


def test_short_names_for_captions():
    assert [models.short_name(name) for name in lib.model_names()] == ["Lite0", "Lite1", "Lite2", "SqueezeNet", "VGG16"]
    assert models.short_name("tiny") == "tiny"


def test_vgg16_is_one_flat_graph_with_named_inner_layers(random_vgg16):
    wrapped = models.wrap_vgg16(random_vgg16)
    assert wrapped.get_layer("block5_conv3").output.shape == (None, 14, 14, 512)
    assert not any(isinstance(layer, keras.Model) for layer in wrapped.layers)  # no nested model
