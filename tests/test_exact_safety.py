"""The safety checks, case by case: the unpickler's allow-list needs the module AND the name, the data/ guard
refuses data/ and everything under it (links and `..` resolved) and nothing else, however alike its name."""

import collections
import io
import os
import pickle
import sys
import types

import numpy as np
import pytest

import lib
from lib import _validate, images, pickles
from lib.pickles import (NUMPY_GLOBALS, TORCH_GLOBALS, RestrictedUnpickler, TensorRecipe, UnsafePickleError,
                         _read_storage, _tensor_from_recipe, load_numpy_pickle)

# --- the unpickler's allow-list ----------------------------------------------------------------------------------


def global_pickle(module: str, name: str) -> bytes:
    """A pickle (protocol 2) that asks for the global `module.name` and returns it: GLOBAL then STOP."""
    return b"\x80\x02c" + module.encode() + b"\n" + name.encode() + b"\n."


ALLOWED = {("allowed.module", "allowed_name"): "the allowed object"}


@pytest.mark.parametrize("module, name, refused", [
    ("allowed.module", "allowed_name", False),
    ("allowed.module", "other_name", True),  # the module is allowed, the name is not
    ("other.module", "allowed_name", True),  # the name is allowed, under another module
    ("allowed", "module.allowed_name", True),  # the same dotted text, cut elsewhere
    ("os", "system", True),
])
def test_the_allow_list_needs_both_the_module_and_the_name(module, name, refused):
    """find_class resolves (module, name) only if that very pair is a key of `allowed`; the value comes back."""
    unpickler = RestrictedUnpickler(io.BytesIO(global_pickle(module, name)), ALLOWED, "test.pkl")
    if refused:
        with pytest.raises(UnsafePickleError, match=rf"refused to load {module}\.{name} from test\.pkl"):
            unpickler.load()
    else:
        assert unpickler.load() == "the allowed object"


@pytest.mark.parametrize("module, name", [
    ("numpy", "load"), ("numpy", "frombuffer"), ("numpy.core.multiarray", "scalar"), ("numpy", "_reconstruct"),
    ("collections", "Counter"), ("torch", "load"), ("torch._utils", "_rebuild_parameter"), ("builtins", "eval"),
])
@pytest.mark.parametrize("allowed", [NUMPY_GLOBALS, TORCH_GLOBALS], ids=["numpy", "torch"])
def test_the_weight_readers_refuse_other_names_from_their_own_modules(module, name, allowed):
    """Every module here is one the readers trust for some name: the name must be allowed as well."""
    with pytest.raises(UnsafePickleError, match="not a weights file we trust"):
        RestrictedUnpickler(io.BytesIO(global_pickle(module, name)), allowed, "weights").load()


@pytest.mark.parametrize("key", sorted(NUMPY_GLOBALS) + sorted(TORCH_GLOBALS))
def test_each_allowed_global_resolves_to_its_stand_in(key):
    allowed = {**NUMPY_GLOBALS, **TORCH_GLOBALS}
    assert RestrictedUnpickler(io.BytesIO(global_pickle(*key)), allowed, "weights").load() is allowed[key]


def test_the_refusal_names_the_file_and_what_is_allowed(tmp_path):
    path = tmp_path / "evil.pkl"
    path.write_bytes(global_pickle("numpy", "load"))
    with pytest.raises(UnsafePickleError) as caught:
        load_numpy_pickle(path)
    assert str(path) in str(caught.value) and "numpy.ndarray" in str(caught.value)  # sorted 'module.name' list


def test_a_numpy_pickle_round_trips_flattened(tmp_path):
    """{"a": [k, b], "c": {"d": x}} -> "a/0", "a/1", "c/d", arrays equal to the originals."""
    kernel, bias, inner = np.arange(6, dtype=np.float32).reshape(2, 3), np.array([1.5, -2]), np.int64(7) * np.ones(2)
    path = tmp_path / "weights.pkl"
    path.write_bytes(pickle.dumps({"a": [kernel, bias], "c": {"d": inner}}))
    loaded = load_numpy_pickle(path)
    assert sorted(loaded) == ["a/0", "a/1", "c/d"]
    for name, expected in (("a/0", kernel), ("a/1", bias), ("c/d", inner)):
        np.testing.assert_array_equal(loaded[name], expected)
        assert loaded[name].dtype == expected.dtype


@pytest.mark.parametrize("content, words", [([np.zeros(2)], "holds a list; expected a pickled dict"),
                                            ({"a": "text"}, "a is a str; expected numeric arrays"),
                                            ({"a": [np.array([None])]}, "a/0 is a ndarray; expected numeric arrays")])
def test_a_numpy_pickle_of_other_things_is_refused(tmp_path, content, words):
    path = tmp_path / "weights.pkl"
    path.write_bytes(pickle.dumps(content))
    with pytest.raises(ValueError, match=words):
        load_numpy_pickle(path)


# --- torch storages and tensors ------------------------------------------------------------------------------------


def test_a_storage_is_its_count_then_its_elements(tmp_path):
    """Header: 8 bytes little-endian = 3; then 3 float32: read back exactly, and the file stops after them."""
    path = tmp_path / "storage"
    values = np.array([1.5, -2.0, 3.25], "<f4")
    path.write_bytes((3).to_bytes(8, "little") + values.tobytes() + b"rest")
    with path.open("rb") as file:
        np.testing.assert_array_equal(_read_storage(file, np.dtype("<f4"), "x"), values)
        assert file.read() == b"rest"


@pytest.mark.parametrize("count, extra, dtype", [(4, b"", "<f4"), (3, b"", None), (0, b"", None)])
def test_a_storage_that_ends_early_or_has_no_type_is_refused(tmp_path, count, extra, dtype):
    path = tmp_path / "storage"
    path.write_bytes(count.to_bytes(8, "little") + np.zeros(3, "<f4").tobytes() + extra)
    with path.open("rb") as file, pytest.raises(ValueError, match="storage is missing or ends early"):
        _read_storage(file, None if dtype is None else np.dtype(dtype), "x")


def test_a_storage_exactly_as_long_as_the_file_is_read(tmp_path):
    path = tmp_path / "storage"
    path.write_bytes((2).to_bytes(8, "little") + np.array([7, 8], "<i8").tobytes())
    with path.open("rb") as file:
        np.testing.assert_array_equal(_read_storage(file, np.dtype("<i8"), "x"), [7, 8])


@pytest.mark.parametrize("offset, shape, strides, expected", [
    (0, (2, 3), (3, 1), np.arange(6).reshape(2, 3)),
    (4, (3, 2), (1, 3), np.arange(4, 10).reshape(2, 3).T),  # transposed: element [i, j] at 4 + i + 3 j
    (11, (1,), (1,), np.array([11])),  # the last element: just inside
    (5, (0, 3), (3, 1), np.zeros((0, 3))),
    (2, (), (), np.array(2)),  # a scalar
])
def test_a_tensor_is_read_from_its_storage_at_its_offset_and_strides(offset, shape, strides, expected):
    storage = np.arange(12, dtype=np.float32)
    tensor = _tensor_from_recipe(TensorRecipe("k", offset, shape, strides), storage, "x")
    np.testing.assert_array_equal(tensor, expected)
    assert tensor.shape == shape and tensor.flags.writeable


@pytest.mark.parametrize("offset, shape, strides", [(12, (1,), (1,)), (10, (3,), (1,)), (0, (2, 7), (7, 1)),
                                                    (-1, (2,), (1,)), (4, (2,), (-1,)), (0, (2, 2), (1,))])
def test_a_tensor_outside_its_storage_is_refused(offset, shape, strides):
    with pytest.raises(ValueError, match="does not fit in its storage of 12 elements"):
        _tensor_from_recipe(TensorRecipe("k", offset, shape, strides), np.arange(12, dtype=np.float32), "x")


def test_a_tensor_with_non_integer_numbers_is_refused():
    with pytest.raises(ValueError, match="non-integer"):
        _tensor_from_recipe(TensorRecipe("k", 0, (2.0,), (1,)), np.arange(4, dtype=np.float32), "x")


def test_rebuild_tensor_recipe_records_what_torch_would_build():
    assert pickles.rebuild_tensor_recipe("7", 3, [2, 4], [4, 1], False, {}) == TensorRecipe("7", 3, (2, 4), (4, 1))


class _Storage:
    """A torch storage as torch's legacy writer sees it: a key, a type and its values."""

    def __init__(self, key: str, values: np.ndarray):
        self.key, self.values = key, values


class _Tensor:
    """A torch tensor as pickled: `torch._utils._rebuild_tensor_v2(storage, offset, shape, strides, ...)`."""

    def __init__(self, storage: _Storage, offset: int, shape: tuple, strides: tuple):
        self.args = (storage, offset, shape, strides, False, collections.OrderedDict())

    def __reduce__(self):
        return sys.modules["torch._utils"]._rebuild_tensor_v2, self.args


@pytest.fixture()
def legacy_torch_file(monkeypatch, tmp_path):
    """`write(state_dict of _Tensor, ...)`: a legacy (pre-1.6) torch file written as torch writes one, without torch.

    Five pickles (magic number, protocol, system info, the state dict with storages as persistent ids
    ('storage', torch.FloatStorage, key, 'cpu', size, None), the storage keys), then each storage: its element
    count as 8 bytes little-endian and its values. Stand-in modules named torch let pickle name the globals.
    """
    torch, utils = types.ModuleType("torch"), types.ModuleType("torch._utils")
    for name in pickles.TORCH_STORAGE_DTYPES:
        setattr(torch, name, type(name, (), {"__module__": "torch", "__qualname__": name}))

    def _rebuild_tensor_v2(*args):
        raise AssertionError("never called: the reader must use its own stand-in")

    _rebuild_tensor_v2.__module__, _rebuild_tensor_v2.__qualname__ = "torch._utils", "_rebuild_tensor_v2"
    utils._rebuild_tensor_v2 = _rebuild_tensor_v2
    monkeypatch.setitem(sys.modules, "torch", torch)
    monkeypatch.setitem(sys.modules, "torch._utils", utils)
    storage_types = {dtype: name for name, dtype in pickles.TORCH_STORAGE_DTYPES.items()}

    def write(state_dict, little_endian=True, magic=pickles.TORCH_MAGIC_NUMBER,
              protocol=pickles.TORCH_PROTOCOL_VERSION, name="weights.pth"):
        storages = {}

        class Writer(pickle.Pickler):
            def persistent_id(self, obj):
                if isinstance(obj, _Storage):
                    storages[obj.key] = obj
                    kind = getattr(torch, storage_types[obj.values.dtype])
                    return "storage", kind, obj.key, "cpu", obj.values.size, None
                return None

        out = io.BytesIO()
        for part in (magic, protocol, {"little_endian": little_endian}):
            pickle.dump(part, out, protocol=2)
        Writer(out, protocol=2).dump(state_dict)
        pickle.dump(list(storages), out, protocol=2)
        for storage in storages.values():
            out.write(storage.values.size.to_bytes(8, "little") + storage.values.tobytes())
        path = tmp_path / name
        path.write_bytes(out.getvalue())
        return path

    return write


def test_a_legacy_torch_file_gives_each_tensor_with_its_offset_shape_strides_and_type(legacy_torch_file):
    """Two tensors share one float32 storage 0..11 (a [2, 3] block at 0 and its transpose at 6), one int64 scalar."""
    floats, longs = _Storage("0", np.arange(12, dtype="<f4")), _Storage("1", np.array([5, 9], "<i8"))
    path = legacy_torch_file({"a.weight": _Tensor(floats, 0, (2, 3), (3, 1)),
                              "a.bias_t": _Tensor(floats, 6, (3, 2), (1, 3)),
                              "count": _Tensor(longs, 1, (), ())})
    state = pickles.load_torch_state_dict(path)
    assert list(state) == ["a.weight", "a.bias_t", "count"]
    np.testing.assert_array_equal(state["a.weight"], np.arange(6).reshape(2, 3))
    np.testing.assert_array_equal(state["a.bias_t"], np.arange(6, 12).reshape(2, 3).T)
    assert state["a.weight"].dtype == np.float32 and state["count"].dtype == np.int64 and state["count"] == 9


@pytest.mark.parametrize("change, words", [
    ({"magic": 12345}, "magic number"), ({"protocol": 1000}, "protocol version"),
    ({"little_endian": False}, "little-endian"),
])
def test_a_torch_file_with_a_wrong_header_is_refused(legacy_torch_file, change, words):
    path = legacy_torch_file({"w": _Tensor(_Storage("0", np.zeros(2, "<f4")), 0, (2,), (1,))}, **change)
    with pytest.raises(ValueError, match=words):
        pickles.load_torch_state_dict(path)


def test_a_torch_file_of_something_else_than_tensors_is_refused(legacy_torch_file):
    with pytest.raises(ValueError, match="holds a dict of other things"):
        pickles.load_torch_state_dict(legacy_torch_file({"w": 3}))
    with pytest.raises(ValueError, match="holds a list of other things"):
        pickles.load_torch_state_dict(legacy_torch_file([1, 2]))


def test_a_zip_format_torch_file_is_named(tmp_path):
    path = tmp_path / "new.pth"
    path.write_bytes(b"PK\x03\x04" + bytes(100))
    with pytest.raises(ValueError, match="zip-format torch file"):
        pickles.load_torch_state_dict(path)


def test_an_empty_tensor_keeps_its_storages_type():
    tensor = _tensor_from_recipe(TensorRecipe("k", 0, (0, 2), (2, 1)), np.arange(4, dtype="<i8"), "x")
    assert tensor.shape == (0, 2) and tensor.dtype == np.int64


def test_every_refusal_of_a_weights_file_names_the_file_and_what_was_expected(tmp_path, legacy_torch_file):
    """Broken files: each message starts with the file's path (or names it) and says what kind of file was expected."""
    numpy_file = tmp_path / "cut.pkl"
    numpy_file.write_bytes(pickle.dumps({"a": np.zeros(3)})[:-5])
    with pytest.raises(ValueError, match=f"^{numpy_file} is truncated or corrupt: expected a pickled dict of numpy"):
        load_numpy_pickle(numpy_file)
    numpy_file.write_bytes(pickle.dumps({"a": {"b": "text"}}))
    with pytest.raises(ValueError, match=f"^{numpy_file}: a/b is a str; expected numeric arrays"):
        load_numpy_pickle(numpy_file)
    path = legacy_torch_file({"w": _Tensor(_Storage("0", np.zeros(2, "<f4")), 0, (2,), (1,))})
    whole = path.read_bytes()
    path.write_bytes(whole[:-4])  # the storage's last value cut off
    with pytest.raises(ValueError, match=f"^{path} is truncated or corrupt: a tensor storage is missing or ends early"):
        pickles.load_torch_state_dict(path)
    path = legacy_torch_file({"w": _Tensor(_Storage("0", np.zeros(2, "<f4")), 1, (2,), (1,))})  # one past the end
    with pytest.raises(ValueError, match=f"^{path}: tensor .* does not fit in its storage of 2 elements"):
        pickles.load_torch_state_dict(path)
    path.write_bytes(whole[:30])
    with pytest.raises(ValueError, match=rf"^{path} is truncated or corrupt: expected a legacy-format \(pre-1.6, not zip\)"):
        pickles.load_torch_state_dict(path)
    with pytest.raises(ValueError, match=f"^{path} is a zip-format torch file .*; expected a legacy-format"):
        path.write_bytes(b"PK\x03\x04" + whole)
        pickles.load_torch_state_dict(path)


def test_a_storage_id_other_than_a_plain_storage_is_refused(legacy_torch_file):
    unpickler = pickles.TorchUnpickler(io.BytesIO(b""), "weights.pth")
    assert unpickler.persistent_load(("storage", np.dtype("<f4"), "7", "cpu", 3, None)) == "7"
    assert unpickler.storage_dtypes == {"7": np.dtype("<f4")} and unpickler.source == "weights.pth"
    for persistent_id in (("module", np.dtype("<f4"), "1", "cpu", 3, None), ("storage", "FloatStorage", "1", "cpu", 3,
                                                                               None),
                          ("storage", np.dtype("<f4"), "1", "cpu", 3, ("view", 0, 2))):
        with pytest.raises(ValueError, match=r"^weights.pth: unsupported torch storage .* expected a plain storage"):
            unpickler.persistent_load(persistent_id)


# --- the data/ guard -------------------------------------------------------------------------------------------------

DATA = _validate.DATA_DIR


@pytest.mark.parametrize("relative, inside", [
    (".", True), ("cat.png", True), ("photos/new.png", True), ("photos/deeper/still.png", True),
    ("photos/../cat.png", True), ("../data/cat.png", True),
    ("..", False), ("../data_extra/cat.png", False), ("../database.png", False), ("../data.png", False),
    ("../datax", False), ("../outputs/cat.png", False), ("../../data/cat.png", False),
    ("photos/../../outputs/cat.png", False), ("../lib/data/cat.png", False),
])
def test_in_data_is_data_and_what_lies_below_it_only(relative, inside):
    """Resolved paths: in data/ when the path is data/ itself or data/ is one of its parents (never a prefix match)."""
    assert _validate.in_data(DATA / relative) is inside
    assert _validate.in_data(os.path.join(str(DATA), relative)) is inside  # a str works as well as a Path


def test_relative_paths_are_read_from_the_working_folder(monkeypatch, tmp_path):
    monkeypatch.chdir(DATA.parent)
    assert _validate.in_data("data") and _validate.in_data("data/cat.png") and _validate.in_data("./data/")
    assert not _validate.in_data("data_extra/cat.png") and not _validate.in_data("database.png")
    monkeypatch.chdir(tmp_path)
    assert not _validate.in_data("data/cat.png")  # another folder's data/ is not seecat's


def test_links_are_followed_both_ways(tmp_path):
    """A link outside data/ that points into it is in data/; a link inside data/ that points out is followed too."""
    into = tmp_path / "looks_harmless"
    into.symlink_to(DATA, target_is_directory=True)
    assert _validate.in_data(into) and _validate.in_data(into / "cat.png")
    to_file = tmp_path / "picture.png"
    to_file.symlink_to(DATA / "cat.png")
    assert _validate.in_data(to_file)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    assert not _validate.in_data(elsewhere / "cat.png")


@pytest.mark.parametrize("relative", [".", "cat.png", "photos/deeper/new.png", "../data/x.png"])
def test_outside_data_refuses_data_with_the_callers_name(relative):
    with pytest.raises(ValueError, match=r"^save_image: refusing to write .* shipped originals\. Save elsewhere"):
        _validate.outside_data(DATA / relative, "save_image")


def test_outside_data_names_seecat_when_no_caller_is_given():
    with pytest.raises(ValueError, match=r"^seecat: refusing to write"):
        _validate.outside_data(DATA / "cat.png")


@pytest.mark.parametrize("relative", ["../data_extra/x.png", "../database.png", "../outputs/x.png"])
def test_outside_data_gives_back_a_path_elsewhere(relative):
    given = str(DATA / relative)
    assert _validate.outside_data(given) == _validate.Path(given)


@pytest.fixture()
def fake_data(monkeypatch, tmp_path):
    """data/ moved into a temporary folder, for lib.save_image (wherever its check lives now)."""
    data = (tmp_path / "data").resolve()
    data.mkdir()
    monkeypatch.setattr(_validate, "DATA_DIR", data)
    monkeypatch.setattr(images, "DATA_DIR", data, raising=False)
    return data


@pytest.mark.parametrize("relative", ["cat.png", "photos/new.png", "photos/../../data/x.png"])
def test_save_image_refuses_data_and_below(fake_data, relative):
    with pytest.raises(ValueError, match="shipped originals"):
        lib.save_image(np.zeros((2, 2, 3), np.float32), fake_data / relative)
    assert not any(fake_data.rglob("*.png"))


@pytest.mark.parametrize("relative", ["../data_extra/x.png", "../database.png", "../data.png"])
def test_save_image_writes_next_to_data(fake_data, relative):
    path = lib.save_image(np.zeros((2, 2, 3), np.float32), fake_data / relative)
    assert path.is_file() and path.resolve().parent == (fake_data / relative).resolve().parent


# --- the argument validators -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("value, low, high, expected", [(3, 1, 5, 3), (1, 1, 5, 1), (5, 1, 5, 5), (np.int64(7), 0, None, 7),
                                                        (10**6, 0, None, 10**6), (0, 0, 0, 0)])
def test_whole_takes_whole_numbers_inside_the_range(value, low, high, expected):
    result = _validate.whole("steps", value, low, high)
    assert result == expected and type(result) is int


@pytest.mark.parametrize("value, low, high, message", [
    (0, 1, 5, "steps must be a whole number from 1 to 5, got 0."), (6, 1, 5, "from 1 to 5, got 6."),
    (True, 0, 5, "got True."), (2.0, 0, 5, "got 2.0."), ("3", 0, None, "steps must be a whole number >= 0, got '3'."),
    (-1, 0, None, ">= 0, got -1."),
])
def test_whole_refuses_the_rest_saying_what_it_wanted(value, low, high, message):
    with pytest.raises(ValueError) as caught:
        _validate.whole("steps", value, low, high)
    assert str(caught.value).endswith(message)


def test_a_hint_replaces_the_start_of_the_message():
    with pytest.raises(ValueError, match=r"^batch is how many images a whole number from 1 to 64, got 0\.$"):
        _validate.whole("batch", 0, 1, 64, hint="batch is how many images")


@pytest.mark.parametrize("value, settings, expected", [
    (0.5, {"low": 0, "high": 1}, 0.5), (0, {"low": 0, "high": 1}, 0.0), (1, {"low": 0, "high": 1}, 1.0),
    (1e-9, {"low": 0, "low_open": True}, 1e-9), (-5, {}, -5.0), (np.float32(0.25), {"high": 1}, 0.25),
    (0.999, {"low": 0, "high": 1, "high_open": True}, 0.999),
])
def test_number_takes_finite_numbers_inside_the_range(value, settings, expected):
    result = _validate.number("rate", value, **settings)
    assert result == pytest.approx(expected) and type(result) is float


@pytest.mark.parametrize("value, settings, message", [
    (0, {"low": 0, "low_open": True}, "rate must be a positive number, got 0."),
    (-0.1, {"low": 0}, "rate must be a number >= 0, got -0.1."),
    (1, {"low": 0, "high": 1, "high_open": True}, "rate must be a number in [0, 1), got 1."),
    (0, {"low": 0, "high": 1, "low_open": True}, "rate must be a number in (0, 1], got 0."),
    (1, {"low": 1, "low_open": True}, "rate must be a number > 1, got 1."),
    (1.5, {"low": 0, "high": 1}, "rate must be a number from 0 to 1, got 1.5."),
    (2, {"high": 1}, "rate must be a number <= 1, got 2."),
    (float("nan"), {}, "rate must be a number, got nan."), (float("inf"), {}, "got inf."),
    (-float("inf"), {}, "got -inf."), (False, {}, "got False."), ("1", {}, "got '1'."),
])
def test_number_refuses_the_rest_saying_what_it_wanted(value, settings, message):
    with pytest.raises(ValueError) as caught:
        _validate.number("rate", value, **settings)
    assert str(caught.value).endswith(message)


def test_one_of_gives_back_a_choice_and_names_the_closest_otherwise():
    assert _validate.one_of("method", "pgd", ("fgsm", "pgd")) == "pgd"
    with pytest.raises(ValueError) as caught:
        _validate.one_of("method", "pgdd", ("fgsm", "pgd"))
    assert str(caught.value).startswith("method must be one of ") and "fgsm" in str(caught.value)
    assert str(caught.value).endswith("; got 'pgdd'. Did you mean 'pgd'?")
    with pytest.raises(ValueError) as caught:
        _validate.one_of("method", "xyz", ["fgsm", "pgd"], hint="the attack must be")
    assert str(caught.value).startswith("the attack must be one of ") and str(caught.value).endswith("; got 'xyz'.")
    with pytest.raises(ValueError, match=r"got \['pgd'\]\."):
        _validate.one_of("method", ["pgd"], ("fgsm", "pgd"))  # unhashable: not a choice, and no crash
