"""Reading photos into arrays a model can take, and writing images back to files.

Every image in seecat is a numpy float32 array `[height, width, 3]` of RGB
values in [0, 1] (a batch adds a first axis).
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

from ._validate import DATA_DIR, outside_data, whole  # noqa: F401  (lib.images.DATA_DIR)
from .seeds import seed_or_default

PHOTO_LABELS = DATA_DIR / "photos" / "labels.tsv"
SAVE_FORMATS = {".png": "PNG", ".jpg": "JPEG", ".jpeg": "JPEG", ".bmp": "BMP", ".webp": "WEBP", ".gif": "GIF"}


def data_path(name: str) -> Path:
    """The path of a file shipped in `data/`, e.g. `data_path("cat.png")`."""
    path = DATA_DIR / name
    if not path.is_file():
        shipped = sorted(p.name for p in DATA_DIR.iterdir() if p.suffix in SAVE_FORMATS)
        raise FileNotFoundError(f"There is no {name!r} in {DATA_DIR}. The photos shipped are: {', '.join(shipped)}.")
    return path


def _to_rgb_array(picture: Image.Image) -> np.ndarray:
    """RGB float32 [height, width, 3] in [0, 1] from a PIL image of any mode."""
    picture = ImageOps.exif_transpose(picture)
    if picture.mode in ("I;16", "I;16B", "I;16L", "I", "F"):
        values = np.asarray(picture, dtype=np.float32)
        top = 65535.0 if picture.mode.startswith("I;16") or values.max() > 255 else 255.0
        grey = np.clip(values / top, 0.0, 1.0)
        return np.repeat(grey[..., None], 3, axis=-1)
    if picture.mode == "P" and "transparency" in picture.info:
        picture = picture.convert("RGBA")
    if picture.mode in ("RGBA", "LA", "PA", "RGBa", "La"):
        background = Image.new("RGBA", picture.size, (255, 255, 255, 255))
        picture = Image.alpha_composite(background, picture.convert("RGBA"))
    return np.asarray(picture.convert("RGB"), dtype=np.float32) / 255.0


def resize_and_crop(image: np.ndarray, size: int) -> np.ndarray:
    """Resize so the shorter side is `size`, then cut the centre square.

    image: float32 [height, width, 3] in [0, 1]. Returns float32 [size, size, 3].
    """
    height, width = image.shape[:2]
    scale = size / min(height, width)
    new_width, new_height = max(size, round(width * scale)), max(size, round(height * scale))
    channels = [Image.fromarray(image[..., c]).resize((new_width, new_height), Image.BICUBIC) for c in range(3)]
    resized = np.stack([np.asarray(c) for c in channels], axis=-1)
    top, left = (new_height - size) // 2, (new_width - size) // 2
    return np.clip(resized[top : top + size, left : left + size], 0.0, 1.0).astype(np.float32)


def load_image(path: str | os.PathLike, size: int | None = 224) -> np.ndarray:
    """Read an image file as RGB float32 [size, size, 3] in [0, 1].

    Any format Pillow reads (JPEG, PNG, GIF, BMP, WebP, TIFF...) and any mode
    (grey, palette, RGBA on white, CMYK, 16-bit); EXIF rotation is applied.
    size: the model's input size (224 for most); None keeps the original size.
    """
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"No image file at {str(path)!r}. Check the path; photos shipped with seecat are in {DATA_DIR}.")
    if path.is_dir():
        raise ValueError(f"{str(path)!r} is a folder, not an image file.")
    if size is not None:
        whole("size", size, 8, unit="pixels")
    try:
        with Image.open(path) as picture:
            picture.seek(0)
            image = _to_rgb_array(picture)
    except (UnidentifiedImageError, OSError, SyntaxError) as error:
        raise ValueError(f"{str(path)!r} is not an image Pillow can read ({error}). Use a JPEG, PNG, GIF, BMP or WebP file.") from None
    return image if size is None else resize_and_crop(image, size)


def load_photo_set(size: int = 224) -> tuple[np.ndarray, list[str], list[str]]:
    """The labelled real photos listed in `data/photos/labels.tsv` (see `data/README.md`).

    Returns (images float32 [n, size, size, 3] in [0, 1], each read with
    `load_image(path, size)`; their ImageNet class names; their file names,
    relative to `data/`, e.g. "cat.png" or "photos/eagle.jpg").
    """
    from .classes import class_id_of, class_name

    if not PHOTO_LABELS.is_file():
        raise FileNotFoundError(
            f"The photo set's list {str(PHOTO_LABELS)!r} is missing: it ships with seecat, "
            f"so restore it from the repository (git checkout -- data/photos)."
        )
    lines = PHOTO_LABELS.read_text(encoding="utf-8").splitlines()
    header = lines[0].split("\t") if lines else []
    if header[:2] != ["file", "class"]:
        raise ValueError(f"{PHOTO_LABELS} must start with a header line 'file<TAB>class<TAB>...', got {header!r}.")
    images, classes, files = [], [], []
    for number, line in enumerate(lines[1:], start=2):
        if not line.strip():
            continue
        fields = line.split("\t")
        if len(fields) < 2:
            raise ValueError(f"{PHOTO_LABELS}, line {number}: expected a file and a class separated by a tab, got {line!r}.")
        file, label = fields[0].strip(), fields[1].strip()
        try:
            label = class_name(class_id_of(label))
        except ValueError as error:
            raise ValueError(f"{PHOTO_LABELS}, line {number} ({file}): {error}") from None
        path = DATA_DIR / file
        if not path.is_file():
            raise FileNotFoundError(f"{PHOTO_LABELS}, line {number}: there is no {file!r} in {DATA_DIR}.")
        images.append(load_image(path, size))
        classes.append(label)
        files.append(file)
    if not files:
        raise ValueError(f"{PHOTO_LABELS} lists no photos.")
    return np.stack(images), classes, files


def check_image(image: np.ndarray, name: str = "image") -> np.ndarray:
    """Check an image array and return it as float32 [batch, height, width, 3].

    image: [height, width, 3] or [batch, height, width, 3], values in [0, 1].
    """
    array = np.asarray(image)
    if array.ndim == 3:
        array = array[None]
    if array.ndim != 4 or array.shape[-1] != 3:
        raise ValueError(f"{name} must be (height, width, 3) or (batch, height, width, 3) RGB, but was {array.shape}.")
    if not np.issubdtype(array.dtype, np.floating):
        raise ValueError(f"{name} must hold floats in [0, 1], but has dtype {array.dtype}; divide 8-bit pixels by 255.")
    if not np.all(np.isfinite(array)):
        raise ValueError(f"{name} contains NaN or infinite values.")
    if array.min() < 0.0 or array.max() > 1.0:
        raise ValueError(f"{name} values must be in [0, 1], but range from {array.min():.3g} to {array.max():.3g}.")
    return array.astype(np.float32)


def one_image(image: np.ndarray, name: str = "image") -> np.ndarray:
    """Check an image and return it as float32 [height, width, 3] in [0, 1] (ValueError naming `name` for a batch)."""
    batch = check_image(image, name)
    if batch.shape[0] != 1:
        raise ValueError(f"{name} must be one image (height, width, 3), but was a batch of {batch.shape[0]}.")
    return batch[0]


def change_size_255(before: np.ndarray, after: np.ndarray) -> tuple[float, float]:
    """(L-inf, L2) of `after - before` in 0-255 pixel levels: max |diff| * 255, sqrt(sum diff^2) * 255.

    before, after: float32 [height, width, 3] in [0, 1], of the same shape.
    """
    before, after = one_image(before, "before"), one_image(after, "after")
    if before.shape != after.shape:
        raise ValueError(f"before and after must have the same shape, but were {before.shape} and {after.shape}.")
    difference = after.astype(np.float64) - before.astype(np.float64)
    return float(np.abs(difference).max() * 255), float(np.sqrt(np.sum(np.square(difference))) * 255)


def check_one_image(image: np.ndarray, function: str) -> np.ndarray:
    """check_image for a function that takes one image: float32 [1, height, width, 3], or ValueError for a batch."""
    batch = check_image(image)
    if batch.shape[0] != 1:
        raise ValueError(f"{function} takes one image [height, width, 3], got a batch of {batch.shape[0]}; "
                         f"call it for each image in turn.")
    return batch


def to_uint8(image: np.ndarray) -> np.ndarray:
    """Round an image in [0, 1] to 8-bit pixels (what a PNG stores)."""
    return np.round(np.clip(np.asarray(image, dtype=np.float32), 0.0, 1.0) * 255.0).astype(np.uint8)


def save_image(image: np.ndarray, path: str | os.PathLike) -> Path:
    """Save an image in [0, 1] as an 8-bit file; the suffix picks the format.

    image: float32 [height, width, 3] (or a batch of one). Refuses to write
    into `data/`, so the shipped photos are never overwritten.
    """
    path = Path(path)
    array = check_image(image)
    if array.shape[0] != 1:
        raise ValueError(f"save_image saves one image, but got a batch of {array.shape[0]}; save them one by one.")
    if path.suffix.lower() not in SAVE_FORMATS:
        raise ValueError(f"Can't tell the format from {str(path)!r}: end the name with one of {', '.join(SAVE_FORMATS)}.")
    outside_data(path, "save_image")
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(to_uint8(array[0])).save(path, SAVE_FORMATS[path.suffix.lower()])
    return path


def noise_image(size: int = 224, seed: int | None = None, spread: float = 0.1) -> np.ndarray:
    """Random noise around mid-grey: float32 [size, size, 3] in [0, 1]; seed None: the run's (lib.seeds)."""
    rng = np.random.default_rng(seed_or_default(seed))
    return np.clip(0.5 + spread * rng.standard_normal((size, size, 3)), 0.0, 1.0).astype(np.float32)


def side_by_side(left: np.ndarray, right: np.ndarray, size: int = 224) -> np.ndarray:
    """Two photos in one square image: each shrunk to size/2 x size/2, side by side on mid-grey.

    left, right: float32 [height, width, 3] in [0, 1] (cropped to their
    centre square first). Returns float32 [size, size, 3]: a scene with two
    objects, at the model's own size, for attribution ("which half did it look at?").
    """
    half = size // 2
    canvas = np.full((size, size, 3), 0.5, np.float32)
    top = (size - half) // 2
    canvas[top:top + half, :half] = resize_and_crop(check_image(left, "left")[0], half)
    canvas[top:top + half, half:2 * half] = resize_and_crop(check_image(right, "right")[0], half)
    return canvas


def cat_and_dog(size: int = 224) -> np.ndarray:
    """Lesson 07's scene: the cat photo (left) and the dog photo (right) side by side on grey, float32 [size, size, 3]."""
    size = whole("size", size, 2)
    cat, dog = (load_image(data_path(name), size=size) for name in ("cat.png", "dog.png"))
    return side_by_side(cat, dog, size)


def resized(image: np.ndarray, model) -> np.ndarray:
    """The image at `model`'s input size (bicubic, centre square), float32 [size, size, 3] in [0, 1].

    image: float32 [height, width, 3] in [0, 1]; returned as it is when it already has the model's size.
    """
    from .models import model_input_size  # here, not at the top: lib.images loads without TensorFlow

    size, image = model_input_size(model), one_image(image)
    return image if image.shape[:2] == (size, size) else resize_and_crop(image, size)
