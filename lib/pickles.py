"""Safe readers for pickled weight files: an allow-list unpickler, no torch needed.

Unpickling runs whatever code the file names, so these readers resolve only the
few globals that weight files need and refuse everything else.
"""

import collections
import os
import pickle
from pathlib import Path
from typing import Any, BinaryIO, NamedTuple

import numpy as np

# The legacy (pre-1.6) torch format starts with this number, then this protocol.
TORCH_MAGIC_NUMBER = 0x1950A86A20F9469CFC6C
TORCH_PROTOCOL_VERSION = 1001

# torch storage classes, as tokens: `torch.FloatStorage` becomes a numpy dtype.
TORCH_STORAGE_DTYPES = {
    "FloatStorage": np.dtype("<f4"),
    "DoubleStorage": np.dtype("<f8"),
    "HalfStorage": np.dtype("<f2"),
    "LongStorage": np.dtype("<i8"),
    "IntStorage": np.dtype("<i4"),
    "ShortStorage": np.dtype("<i2"),
    "CharStorage": np.dtype("i1"),
    "ByteStorage": np.dtype("u1"),
    "BoolStorage": np.dtype("?"),
}

# `ndarray.__reduce__` hands back numpy's own `_reconstruct`; numpy 1 and 2 name its module differently.
_NUMPY_RECONSTRUCT = np.ndarray.__reduce__(np.zeros(1))[0]
NUMPY_GLOBALS = {
    ("numpy.core.multiarray", "_reconstruct"): _NUMPY_RECONSTRUCT,
    ("numpy._core.multiarray", "_reconstruct"): _NUMPY_RECONSTRUCT,
    ("numpy", "ndarray"): np.ndarray,
    ("numpy", "dtype"): np.dtype,
}


class UnsafePickleError(pickle.UnpicklingError):
    """A pickle asked for a global that is not on the allow-list."""


class TensorRecipe(NamedTuple):
    """Where a tensor lives: a storage key, an element offset, a shape and strides in elements."""

    storage_key: str
    offset: int
    shape: tuple[int, ...]
    strides: tuple[int, ...]


def rebuild_tensor_recipe(storage_key, offset, shape, strides, *unused) -> TensorRecipe:
    """Stand-in for `torch._utils._rebuild_tensor_v2`: records the tensor instead of building it."""
    return TensorRecipe(storage_key, offset, tuple(shape), tuple(strides))


TORCH_GLOBALS = {
    ("collections", "OrderedDict"): collections.OrderedDict,
    ("torch._utils", "_rebuild_tensor_v2"): rebuild_tensor_recipe,
    **{("torch", name): dtype for name, dtype in TORCH_STORAGE_DTYPES.items()},
}


class RestrictedUnpickler(pickle.Unpickler):
    """Unpickler that resolves only the globals in `allowed` and refuses all others.

    Args:
        file: binary file opened for reading.
        allowed: maps (module, name) to the object to use for it.
        source: file name used in error messages.
    """

    def __init__(self, file: BinaryIO, allowed: dict[tuple[str, str], Any], source: str):
        super().__init__(file)
        self.allowed = allowed
        self.source = source

    def find_class(self, module: str, name: str) -> Any:
        if (module, name) not in self.allowed:
            raise UnsafePickleError(
                f"refused to load {module}.{name} from {self.source}: "
                f"it is not a weights file we trust (allowed: {sorted(f'{m}.{n}' for m, n in self.allowed)})"
            )
        return self.allowed[(module, name)]


class TorchUnpickler(RestrictedUnpickler):
    """Restricted unpickler for torch's legacy format: storages become their keys."""

    def __init__(self, file: BinaryIO, source: str):
        super().__init__(file, TORCH_GLOBALS, source)
        self.storage_dtypes: dict[str, np.dtype] = {}

    def persistent_load(self, persistent_id: tuple) -> str:
        kind, dtype, key, _location, _size, view = persistent_id  # ('storage', FloatStorage, '1031', 'cpu', 864, None)
        if kind != "storage" or not isinstance(dtype, np.dtype) or view is not None:
            raise ValueError(f"{self.source}: unsupported torch storage {persistent_id!r}, expected a plain storage")
        self.storage_dtypes[key] = dtype
        return key


def _open(path: str | Path) -> BinaryIO:
    """Open a weights file, saying which file was expected if it is missing."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"weights file {path} does not exist: check the path, or reinstall its package")
    return path.open("rb")


def _unpickle(unpickler: RestrictedUnpickler, expected: str) -> Any:
    """Run one restricted load; broken data becomes a ValueError that says what was expected."""
    try:
        return unpickler.load()
    except UnsafePickleError:
        raise
    except (pickle.UnpicklingError, EOFError, ValueError, TypeError, KeyError, IndexError, AttributeError) as error:
        raise ValueError(f"{unpickler.source} is truncated or corrupt: expected {expected} ({error})") from None


def _read_storage(file: BinaryIO, dtype: np.dtype | None, source: str) -> np.ndarray:
    """Read one storage: an 8-byte little-endian element count, then the raw elements."""
    header = file.read(8)
    num_bytes = int.from_bytes(header, "little") * (dtype.itemsize if dtype else 0)
    bytes_left = os.fstat(file.fileno()).st_size - file.tell()
    if dtype is None or len(header) < 8 or num_bytes > bytes_left:
        raise ValueError(f"{source} is truncated or corrupt: a tensor storage is missing or ends early")
    return np.frombuffer(file.read(num_bytes), dtype=dtype)


def _tensor_from_recipe(recipe: TensorRecipe, storage: np.ndarray, source: str) -> np.ndarray:
    """Copy a (possibly strided) tensor out of its storage, checking it stays inside it."""
    if not all(isinstance(number, int) for number in (recipe.offset, *recipe.shape, *recipe.strides)):
        raise ValueError(f"{source}: tensor {recipe} has non-integer offset, shape or strides")
    last_index = recipe.offset + sum((size - 1) * stride for size, stride in zip(recipe.shape, recipe.strides))
    inside = recipe.offset >= 0 and min(recipe.strides, default=0) >= 0 and last_index < len(storage)
    if 0 in recipe.shape:
        return np.zeros(recipe.shape, storage.dtype)
    if not inside or len(recipe.shape) != len(recipe.strides):
        raise ValueError(f"{source}: tensor {recipe} does not fit in its storage of {len(storage)} elements")
    byte_strides = [stride * storage.itemsize for stride in recipe.strides]
    view = np.lib.stride_tricks.as_strided(storage[recipe.offset :], recipe.shape, byte_strides, writeable=False)
    return view.copy()


def load_torch_state_dict(path: str | Path) -> dict[str, np.ndarray]:
    """Read a legacy-format (pre-1.6, not zip) torch `.pth` state dict without torch.

    Args:
        path: the `.pth` file.

    Returns:
        name -> numpy array, e.g. "_fc.weight" -> float32 [1000, 1280], as `torch.load` gives.
    """
    expected = "a legacy-format (pre-1.6, not zip) torch state dict"
    with _open(path) as file:
        if file.read(4) == b"PK\x03\x04":
            raise ValueError(f"{path} is a zip-format torch file (torch >= 1.6); expected {expected}")
        file.seek(0)
        unpickler = TorchUnpickler(file, str(path))
        if _unpickle(unpickler, expected) != TORCH_MAGIC_NUMBER:
            raise ValueError(f"{path} does not start with torch's magic number; expected {expected}")
        if _unpickle(unpickler, expected) != TORCH_PROTOCOL_VERSION:
            raise ValueError(f"{path} has an unknown torch protocol version; expected {expected}")
        system_info = _unpickle(unpickler, expected)
        if not isinstance(system_info, dict) or system_info.get("little_endian") is not True:
            raise ValueError(f"{path} was not written on a little-endian machine; expected {expected}")
        state_dict = _unpickle(unpickler, expected)
        storage_keys = _unpickle(unpickler, expected)
        storages = {key: _read_storage(file, unpickler.storage_dtypes.get(key), str(path)) for key in storage_keys}
    recipes = state_dict.values() if isinstance(state_dict, dict) else [None]
    if not all(isinstance(recipe, TensorRecipe) and recipe.storage_key in storages for recipe in recipes):
        raise ValueError(f"{path} holds a {type(state_dict).__name__} of other things; expected a dict of tensors")
    return {name: _tensor_from_recipe(r, storages[r.storage_key], str(path)) for name, r in state_dict.items()}


def _flatten(value: Any, prefix: str, source: str) -> dict[str, np.ndarray]:
    """Flatten nested dicts and lists of arrays into "outer/inner" keys."""
    if isinstance(value, np.ndarray) and value.dtype != object:
        return {prefix: value}
    if isinstance(value, dict):
        items = value.items()
    elif isinstance(value, (list, tuple)):
        items = enumerate(value)
    else:
        raise ValueError(f"{source}: {prefix or 'the top level'} is a {type(value).__name__}; expected numeric arrays")
    flat = {}
    for key, item in items:
        flat.update(_flatten(item, f"{prefix}/{key}" if prefix else str(key), source))
    return flat


def load_numpy_pickle(path: str | Path) -> dict[str, np.ndarray]:
    """Read a pickled dict of numpy arrays (lists of arrays allowed), refusing any other global.

    Args:
        path: the `.pkl` file.

    Returns:
        flat name -> numpy array; list items get their index, e.g. {"conv1": [kernel, bias]}
        becomes "conv1/0" (the kernel) and "conv1/1" (the bias).
    """
    with _open(path) as file:
        weights = _unpickle(RestrictedUnpickler(file, NUMPY_GLOBALS, str(path)), "a pickled dict of numpy arrays")
    if not isinstance(weights, dict):
        raise ValueError(f"{path} holds a {type(weights).__name__}; expected a pickled dict of numpy arrays")
    return _flatten(weights, "", str(path))
