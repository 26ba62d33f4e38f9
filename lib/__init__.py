"""seecat's shared library: how an ImageNet classifier "sees" a cat.

One import gives the lessons everything:

    import lib
    model = lib.load_model()                      # images in [0, 1] -> 1000 logits
    result = lib.optimise_image(model, lib.cross_entropy("Siamese cat"))
    lib.show_top_k(result.image, result.probabilities, target="Siamese cat")
"""

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")  # keep TensorFlow's start-up chatter out of lessons

from . import environment, parameterisations, transforms  # noqa: E402
from .checks import CheckFailed, check  # noqa: E402
from .classes import class_id_of, class_name, class_names, search_classes, suggest_classes  # noqa: E402
from .images import data_path, load_image, noise_image, save_image, to_uint8  # noqa: E402
from .judge import Opinion, second_opinion  # noqa: E402
from .models import available_offline, default_model_name, ensemble, load_model, model_names, predict  # noqa: E402
from .objectives import Objective, centred_logit, cross_entropy, logit, total_variation  # noqa: E402
from .optimise import Progress, Result, gradient_of, make_step, model_input_size, optimise_image  # noqa: E402
from .plotting import change_size_255, show_change, show_history, show_images, show_top_k  # noqa: E402
from .recipes import RECIPES, ideal_image  # noqa: E402
from .widgets import LiveView, class_picker  # noqa: E402

__all__ = [
    "CheckFailed", "check",
    "class_id_of", "class_name", "class_names", "search_classes", "suggest_classes",
    "data_path", "load_image", "noise_image", "save_image", "to_uint8",
    "available_offline", "default_model_name", "ensemble", "load_model", "model_names", "predict",
    "Objective", "centred_logit", "cross_entropy", "logit", "total_variation",
    "Progress", "Result", "gradient_of", "make_step", "model_input_size", "optimise_image",
    "change_size_255", "show_change", "show_history", "show_images", "show_top_k",
    "LiveView", "class_picker", "Opinion", "second_opinion", "RECIPES", "ideal_image",
    "environment", "parameterisations", "transforms",
]
