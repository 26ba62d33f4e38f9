"""Reading any common image file as RGB in [0, 1], and saving without touching data/."""

import numpy as np
import pytest
from PIL import Image

import lib
from lib.images import DATA_DIR


def _gradient_rgb(width=64, height=48) -> Image.Image:
    x = np.linspace(0, 255, width, dtype=np.uint8)
    pixels = np.stack([np.tile(x, (height, 1)), np.tile(x[::-1], (height, 1)), np.full((height, width), 128, np.uint8)], -1)
    return Image.fromarray(pixels, "RGB")


@pytest.mark.parametrize("suffix", [".jpg", ".png", ".gif", ".bmp", ".webp", ".tiff"])
def test_every_common_format_loads_as_rgb_in_unit_range(tmp_path, suffix):
    path = tmp_path / f"photo{suffix}"
    _gradient_rgb().save(path)
    image = lib.load_image(path, size=32)
    assert image.shape == (32, 32, 3) and image.dtype == np.float32
    assert 0.0 <= image.min() and image.max() <= 1.0 and image.std() > 0.05


@pytest.mark.parametrize("mode", ["L", "P", "RGBA", "CMYK", "LA", "1", "I;16"])
def test_every_mode_becomes_rgb(tmp_path, mode):
    picture = _gradient_rgb()
    picture = picture.convert("I;16") if mode == "I;16" else picture.convert(mode)
    path = tmp_path / ("photo.tiff" if mode in ("CMYK",) else "photo.png")
    picture.save(path)
    image = lib.load_image(path, size=None)
    assert image.shape == (48, 64, 3) and 0.0 <= image.min() and image.max() <= 1.0


def test_sixteen_bit_keeps_its_full_range(tmp_path):
    values = np.linspace(0, 65535, 64 * 48).reshape(48, 64).astype(np.uint16)
    Image.fromarray(values).save(tmp_path / "deep.png")
    image = lib.load_image(tmp_path / "deep.png", size=None)
    assert image.max() == pytest.approx(1.0, abs=1e-3) and image.min() == pytest.approx(0.0, abs=1e-3)


def test_transparent_pixels_become_white_not_black(tmp_path):
    Image.new("RGBA", (10, 10), (0, 0, 0, 0)).save(tmp_path / "clear.png")
    assert lib.load_image(tmp_path / "clear.png", size=None).min() == pytest.approx(1.0)


def test_exif_rotation_is_applied(tmp_path):
    picture = Image.new("RGB", (40, 20), (255, 0, 0))
    exif = picture.getexif()
    exif[0x0112] = 6  # "rotate 90 degrees clockwise to display"
    picture.save(tmp_path / "rotated.jpg", exif=exif)
    assert lib.load_image(tmp_path / "rotated.jpg", size=None).shape == (40, 20, 3)


def test_resize_keeps_the_centre():
    image = np.zeros((100, 300, 3), np.float32)
    image[:, 100:200] = 1.0  # a white centre square between black sides
    cropped = lib.images.resize_and_crop(image, 50)
    assert cropped.shape == (50, 50, 3) and cropped[5:45, 5:45].min() > 0.95


def test_shipped_photos_load():
    for name in ("cat.png", "dog.png", "coffee.png"):
        assert lib.load_image(lib.data_path(name)).shape == (224, 224, 3)


def test_save_then_load_round_trips_to_8_bits(tmp_path):
    image = lib.noise_image(32, seed=1)
    path = lib.save_image(image, tmp_path / "sub" / "noise.png")
    again = lib.load_image(path, size=None)
    assert np.abs(again - image).max() <= 0.5 / 255 + 1e-6


def test_save_refuses_to_write_into_data(tmp_path):
    with pytest.raises(ValueError, match="shipped originals"):
        lib.save_image(lib.noise_image(8), DATA_DIR / "cat.png")
    assert lib.load_image(DATA_DIR / "cat.png", size=None).shape == (300, 451, 3)


def test_noise_is_seeded():
    assert np.array_equal(lib.noise_image(16, seed=3), lib.noise_image(16, seed=3))
    assert not np.array_equal(lib.noise_image(16, seed=3), lib.noise_image(16, seed=4))


def test_photo_set_loads_with_imagenet_labels():
    images, classes, files = lib.load_photo_set(size=64)
    assert 10 <= len(files) <= 14 and len(classes) == len(files) == images.shape[0]
    assert images.shape == (len(files), 64, 64, 3) and images.dtype == np.float32
    assert 0.0 <= images.min() and images.max() <= 1.0 and images.reshape(len(files), -1).std(axis=1).min() > 0.05
    assert len(set(classes)) >= 5 and len(set(files)) == len(files)
    assert all(lib.class_name(lib.class_id_of(name)) == name for name in classes)


def test_photo_set_lists_every_photo_in_its_folder():
    _, _, files = lib.load_photo_set(size=32)
    folder = DATA_DIR / "photos"
    assert all((DATA_DIR / name).is_file() for name in files)
    on_disk = {f"photos/{path.name}" for path in folder.iterdir() if path.suffix.lower() in lib.images.SAVE_FORMATS}
    assert on_disk <= set(files), f"not in labels.tsv: {sorted(on_disk - set(files))}"


def test_photo_set_names_a_bad_class(tmp_path, monkeypatch):
    labels = tmp_path / "labels.tsv"
    labels.write_text("file\tclass\twhat\tsource\tlicence\ncat.png\tkitty\ta cat\tx\ty\n", encoding="utf-8")
    monkeypatch.setattr(lib.images, "PHOTO_LABELS", labels)
    with pytest.raises(ValueError, match="line 2.*not one of the 1000 ImageNet class names"):
        lib.load_photo_set()
    monkeypatch.setattr(lib.images, "PHOTO_LABELS", tmp_path / "missing.tsv")
    with pytest.raises(FileNotFoundError, match="missing"):
        lib.load_photo_set()


def test_lite0_puts_the_label_first_for_most_photos(lite0):
    images, classes, files = lib.load_photo_set(lib.model_input_size(lite0))
    top = np.asarray(lite0(images, training=False)).argmax(axis=1)
    right = [lib.class_name(int(t)) == name for t, name in zip(top, classes)]
    wrong = [f"{file}: {lib.class_name(int(t))} (label {name})" for t, name, file, ok in zip(top, classes, files, right) if not ok]
    assert np.mean(right) >= 0.75, f"Lite0 gets only {sum(right)}/{len(right)} right: {wrong}"


def test_resized_fits_the_model_and_keeps_an_image_of_its_size(tiny_model):
    dog = lib.load_image(lib.data_path("dog.png"), size=224)
    small = lib.images.resized(dog, tiny_model)
    assert small.shape == (8, 8, 3) and small.dtype == np.float32
    np.testing.assert_array_equal(small, lib.images.resize_and_crop(dog, 8))  # the reference: bicubic, centre square
    np.testing.assert_array_equal(lib.images.resized(small, tiny_model), small)  # already the model's size
    with pytest.raises(ValueError, match="divide 8-bit pixels by 255"):
        lib.images.resized(lib.to_uint8(dog), tiny_model)


def test_cat_and_dog_is_the_two_photos_side_by_side():
    scene = lib.images.cat_and_dog(64)
    cat, dog = (lib.load_image(lib.data_path(name), size=64) for name in ("cat.png", "dog.png"))
    np.testing.assert_array_equal(scene, lib.side_by_side(cat, dog, 64))
    with pytest.raises(ValueError, match="size must be a whole number >= 2, got 0.5"):
        lib.images.cat_and_dog(0.5)
