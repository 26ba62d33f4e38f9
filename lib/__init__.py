"""seecat's shared library: how an ImageNet classifier "sees" a cat.

One import gives the lessons everything:

    import lib
    model = lib.load_model()                      # images in [0, 1] -> 1000 logits
    result = lib.optimise_image(model, lib.cross_entropy("Siamese cat"))
    lib.show_top_k(result.image, result.probabilities, target="Siamese cat")

`import lib` itself is instant: each name below is imported from its module
the first time it is used, so a notebook's setup cell and the command line's
checks of bad input don't wait for TensorFlow (lib.quiet loads it, silently).
"""

from __future__ import annotations

import importlib

# name -> the module of lib that defines it
_NAMES = {
    "checks": ("CheckFailed", "check"),
    "attribution": ("explain", "integrated_gradients"),
    "faithfulness": ("DeletionCurve", "deletion_curve", "randomised_top", "rank_correlation"),
    "classes": ("class_id_of", "class_name", "class_names", "search_classes", "suggest_classes"),
    "images": ("change_size_255", "data_path", "load_image", "load_photo_set", "noise_image", "save_image", "side_by_side",
               "to_uint8"),
    "layers": ("activations", "layer_names"),
    "features": ("deep_dream", "top_patches"),
    "attacks": ("AttackResult", "attack", "fgsm", "pgd", "success_rate"),
    "judge": ("Jury", "Opinion", "second_opinion"),
    "evidence": ("probability_in_views", "quarter_gains", "target_logit", "uncover_quarters"),
    "image_statistics": ("colour_correlation", "spectrum"),
    "names": ("available_offline", "default_model_name", "model_names"),
    "models": ("ensemble", "load_model", "model_input_size", "predict"),
    "objectives": ("Objective", "centred_logit", "channel", "cross_entropy", "diversity", "layer_energy", "logit",
                   "neuron", "total_variation"),
    "optimise": ("Progress", "Result", "gradient_of", "make_step", "optimise_image"),
    "plotting": ("show_change", "show_deletion_curves", "show_explanation",
                 "show_history", "show_images", "show_judged_row", "show_spectra", "show_success_curves", "show_top_k",
                 "show_transfer"),
    "recipes": ("RECIPES", "ideal_image"),
    "widgets": ("LiveView", "channel_explorer", "class_picker", "explanation_explorer"),
}
_MODULE_OF = {name: module for module, names in _NAMES.items() for name in names}
_SUBMODULES = ("attack_step", "cli", "compiled", "environment", "exercises", "fooling", "layers", "parameterisations",
               "quiet", "seeds", "timing", "transforms", *_NAMES)

__all__ = sorted([*_MODULE_OF, "environment", "layers", "parameterisations", "seeds", "timing", "transforms"])


def __getattr__(name: str):
    if name in _MODULE_OF:
        value = getattr(importlib.import_module(f".{_MODULE_OF[name]}", __name__), name)
    elif name in _SUBMODULES:
        value = importlib.import_module(f".{name}", __name__)
    else:
        raise AttributeError(f"module 'lib' has no attribute {name!r}")
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
