"""A table of bad inputs, each with the clear error a student must get."""

import numpy as np
import pytest

import lib
from lib.images import DATA_DIR

CASES = [
    # (what, call, expected error, words the message must hold)
    ("missing image file", lambda m: lib.load_image("no/such/photo.jpg"), FileNotFoundError, "No image file"),
    ("folder as image", lambda m: lib.load_image(DATA_DIR), ValueError, "is a folder"),
    ("text file as image", lambda m: lib.load_image(DATA_DIR / "README.md"), ValueError, "not an image Pillow can read"),
    ("bad size", lambda m: lib.load_image(lib.data_path("cat.png"), size=0), ValueError, "size must be"),
    ("unknown shipped photo", lambda m: lib.data_path("horse.png"), FileNotFoundError, "cat.png"),
    ("2-D image", lambda m: lib.optimise_image(m, "zebra", np.zeros((8, 8), np.float32)), ValueError, "(height, width, 3)"),
    ("8-bit image", lambda m: lib.optimise_image(m, "zebra", np.zeros((8, 8, 3), np.uint8)), ValueError, "divide 8-bit"),
    ("image above 1", lambda m: lib.optimise_image(m, "zebra", np.full((8, 8, 3), 255.0, np.float32)), ValueError, "[0, 1]"),
    ("NaN image", lambda m: lib.optimise_image(m, "zebra", np.full((8, 8, 3), np.nan, np.float32)), ValueError, "NaN"),
    ("wrong image size", lambda m: lib.optimise_image(m, "zebra", lib.noise_image(16)), ValueError, "size=8"),
    ("unknown class", lambda m: lib.cross_entropy("kitty"), ValueError, "tabby"),
    ("class id too big", lambda m: lib.cross_entropy(1000), ValueError, "0 to 999"),
    ("class id negative", lambda m: lib.class_name(-1), ValueError, "0 to 999"),
    ("class as float", lambda m: lib.class_id_of(2.5), ValueError, "name such as"),
    ("budget in 0-255 units", lambda m: lib.optimise_image(m, "zebra", epsilon=4), ValueError, "4/255"),
    ("negative budget", lambda m: lib.optimise_image(m, "zebra", epsilon=-0.1), ValueError, "L-inf budget"),
    ("zero learning rate", lambda m: lib.optimise_image(m, "zebra", learning_rate=0), ValueError, "positive"),
    ("unknown method", lambda m: lib.optimise_image(m, "zebra", method="rmsprop"), ValueError, "adam"),
    ("negative steps", lambda m: lib.optimise_image(m, "zebra", num_steps=-1), ValueError, "num_steps"),
    ("stop_at above 1", lambda m: lib.optimise_image(m, "zebra", stop_at=1.5), ValueError, "stop_at"),
    ("not a model", lambda m: lib.optimise_image("vgg16", "zebra"), ValueError, "lib.load_model"),
    ("unknown model", lambda m: lib.load_model("resnet50"), ValueError, "efficientnet_lite0"),
    ("objective of wrong type", lambda m: lib.optimise_image(m, 3.5), ValueError, "cross_entropy"),
    ("save without suffix", lambda m: lib.save_image(lib.noise_image(8), "outputs/picture"), ValueError, ".png"),
]


@pytest.mark.parametrize("call, error, words", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_bad_input_gives_a_clear_error(tiny_model, call, error, words):
    with pytest.raises(error) as raised:
        call(tiny_model)
    assert words in str(raised.value)
