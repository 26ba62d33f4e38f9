"""What the `seecat` command line accepts (lib.cli runs it): the parser, and the checks made before TensorFlow loads.

Names, files, LAYER:INDEX values and the --out path are checked here, so that
bad input gets its one-line error at once instead of after a model has loaded.
"""

from __future__ import annotations

import argparse
import difflib
from pathlib import Path

from ._validate import in_data
from .names import ATTACK_METHODS, ATTACK_STEPS, ATTRIBUTION_METHODS, EOT_DRAWS, EOT_JPEG_QUALITY, MAX_DRAWS, RECIPES

DEFAULT_METHOD = "gradcam"
FIGURE_FORMATS = (".png", ".jpg", ".jpeg", ".webp")  # what matplotlib's savefig writes of lib.images.SAVE_FORMATS
CHANNEL_EXAMPLE = "block10:7"
MAX_OCTAVES, MAX_STEPS_PER_OCTAVE = 8, 1000  # lib.features.deep_dream's limits, checked here before TensorFlow loads
COMMAND_STEPS = {**ATTACK_STEPS, "adam": 200}  # default --steps: lib.attack's, but up to 200 for adam, which stops early
MAX_ATTACK_STEPS = 10_000  # lib.attack's limit, checked here before TensorFlow loads
ATTACK_STOP_AT = 0.9  # adam, targeted: stop once p(target) reaches this (lib.optimise_image's default)


class UsageError(Exception):
    """Bad input from the command line."""


class Parser(argparse.ArgumentParser):
    """argparse with a one-line error and exit status 2."""

    def error(self, message: str):
        raise UsageError(f"{message} (see: seecat {self.prog.split()[-1]} --help)")


def _positive_int(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number >= 1, got {text!r}")
    return int(text)


def _non_negative_int(text: str) -> int:
    if not text.isdigit() or int(text) > 2**31 - 1:
        raise argparse.ArgumentTypeError(f"expected a whole number from 0 to 2147483647, got {text!r}")
    return int(text)


def _at_most(limit: int):
    """An argparse type: a whole number from 1 to `limit`."""

    def whole_number(text: str) -> int:
        value = _positive_int(text)
        if value > limit:
            raise argparse.ArgumentTypeError(f"expected a whole number from 1 to {limit}, got {text!r}")
        return value

    return whole_number


def _channel(text: str) -> tuple[str, int]:
    """LAYER:INDEX -> (layer, index); whether the model has them is checked once it has loaded."""
    layer, colon, index = text.rpartition(":")
    if not colon or not layer.strip() or not (index.isascii() and index.isdigit()):
        raise argparse.ArgumentTypeError(f"expected LAYER:INDEX, a layer name and a channel number from 0, "
                                         f"e.g. {CHANNEL_EXAMPLE} (`seecat layers` lists the layers), got {text!r}")
    return layer, int(index)


def _non_negative_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
    if not 0 <= value < float("inf"):
        raise argparse.ArgumentTypeError(f"expected a number >= 0, got {text!r}")
    return value


def _method_in(methods: tuple[str, ...]):
    """An argparse type: one of `methods`, or an error naming the closest one and them all."""

    def method(text: str) -> str:
        if text not in methods:
            close = difflib.get_close_matches(text, methods, n=1, cutoff=0.5)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            raise argparse.ArgumentTypeError(f"unknown method {text!r}{hint}; choose one of: {', '.join(methods)}")
        return text

    return method


def build_parser() -> Parser:
    """The argument parser for all commands."""
    parser = Parser(prog="seecat", description="How an ImageNet classifier sees a cat.")
    commands = parser.add_subparsers(dest="command", required=True, parser_class=Parser)
    shared = Parser(add_help=False)
    shared.add_argument("--model", help="efficientnet_lite0/1/2, squeezenet1_1 or vgg16 (the article's, a download); "
                                        "default: $SEECAT_MODEL or efficientnet_lite0")
    shared.add_argument("--json", action="store_true", help="print one JSON object on stdout")
    shared.add_argument("--quiet", action="store_true", help="no progress bar")

    classify = commands.add_parser("classify", parents=[shared], help="the top classes of an image")
    classify.add_argument("image", help="an image file (JPEG, PNG, GIF, BMP, WebP)")
    classify.add_argument("--top", type=_positive_int, default=5, help="how many classes (default 5)")

    ideal = commands.add_parser("ideal", parents=[shared], help="turn noise into a class's or a channel's ideal image")
    ideal.add_argument("target", metavar="CLASS", nargs="?",
                       help='a class name, e.g. "Siamese cat", or an id 0..999 (or give --channel instead)')
    ideal.add_argument("--channel", type=_channel, metavar="LAYER:INDEX",
                       help=f"the ideal image of one channel of an inner layer instead of a class, "
                            f"e.g. {CHANNEL_EXAMPLE} (`seecat layers` lists the layers)")
    ideal.add_argument("--recipe", choices=RECIPES,
                       help="naive (default for a class), tv, robust (transforms) or fourier "
                            "(Fourier + colour + transforms; default for a channel)")
    ideal.add_argument("--steps", type=_positive_int, help="at most this many steps (default: the recipe's)")
    ideal.add_argument("--tv", type=_non_negative_float, help="total-variation weight (default: 0.01 for tv, 0.0003 for fourier, else 0)")
    ideal.add_argument("--judge", help="a second model that never saw the image gives its opinion")
    ideal.add_argument("--seed", type=_non_negative_int, help="seed of the starting noise and the transforms (default: $SEECAT_SEED, or 0)")
    ideal.add_argument("--no-early-stop", action="store_true", help="run exactly --steps steps")
    ideal.add_argument("--out", required=True, help="where to save the image (.png)")

    attack = commands.add_parser("attack", parents=[shared],
                                 help="nudge a photo until the model sees CLASS, or anything but what it saw")
    attack.add_argument("image", help="the photo to change")
    attack.add_argument("--target", help="the class the model should see (or give --untargeted)")
    attack.add_argument("--untargeted", action="store_true",
                        help="no target: push the photo's own top class down until another class wins")
    attack.add_argument("--method", type=_method_in(ATTACK_METHODS), default="adam",
                        help=f"adam (default: lesson 03's Adam loop; with a target it stops once p(target) >= "
                             f"{ATTACK_STOP_AT}), fgsm (one signed step of the whole budget; --steps is ignored), "
                             f"pgd (signed steps from a random start, kept within the budget), mifgsm (signed steps "
                             f"with momentum, made to transfer to other networks) or eot (each step averages "
                             f"--draws views: the image as saved and random camera shots, all saved as JPEG "
                             f"{EOT_JPEG_QUALITY}; judged as saved, after the JPEG and on fresh shots)")
    attack.add_argument("--eps", type=_non_negative_float, default=4.0, help="L-inf budget in 0-255 units (default 4)")
    attack.add_argument("--steps", type=_positive_int,
                        help=f"at most this many steps (default: the method's, {COMMAND_STEPS['adam']} for adam, "
                             f"{COMMAND_STEPS['pgd']} for pgd and mifgsm, {COMMAND_STEPS['eot']} for eot; fgsm always "
                             f"takes one)")
    attack.add_argument("--draws", type=_at_most(MAX_DRAWS),
                        help=f"eot only: views averaged at each step, the image as saved and draws - 1 camera shots "
                             f"(default {EOT_DRAWS}; more survive more shots, and each step costs about that many "
                             f"times a pgd step)")
    attack.add_argument("--out", required=True, help="where to save the changed image (.png)")

    explain = commands.add_parser("explain", parents=[shared], help="which pixels made the model say CLASS")
    explain.add_argument("image", help="the photo to explain")
    explain.add_argument("--target", help="the class to explain (default: the model's top class)")
    explain.add_argument("--method", type=_method_in(ATTRIBUTION_METHODS), default=DEFAULT_METHOD,
                         help="gradcam (default), gradient, smoothgrad, integrated_gradients or occlusion (slow)")
    explain.add_argument("--out", help="where to save the photo and the map laid over it (.png); "
                                       "without it, only the numbers")

    dream = commands.add_parser("dream", parents=[shared], help="DeepDream: more of what a layer sees in a photo")
    dream.add_argument("image", help="the photo to dream on")
    dream.add_argument("--layer", required=True, help="an inner layer, e.g. block6 (`seecat layers` lists them)")
    dream.add_argument("--octaves", type=_at_most(MAX_OCTAVES), default=3,
                       help=f"how many scales, small to full size (default 3, at most {MAX_OCTAVES})")
    dream.add_argument("--steps-per-octave", type=_at_most(MAX_STEPS_PER_OCTAVE), default=20,
                       help="steps at each scale (default 20)")
    dream.add_argument("--out", required=True, help="where to save the dream (.png)")

    commands.add_parser("layers", parents=[shared], help="the model's inner layers that --channel and --layer take")
    commands.add_parser("models", parents=[shared], help="the models and whether each works offline now")
    return parser


def _check_out(path: str, formats=None) -> Path:
    """The --out path, once its folder exists and a file can be written there; UsageError otherwise.

    formats: the file name endings allowed (default: those lib.save_image writes).
    """
    from .images import SAVE_FORMATS

    out, formats = Path(path), SAVE_FORMATS if formats is None else formats
    if out.suffix.lower() not in formats:
        raise UsageError(f"--out {path!r}: end the file name with .png (or {', '.join(formats)})")
    if in_data(out):
        raise UsageError(f"--out {path!r}: data/ holds the shipped originals; write elsewhere, e.g. outputs/")
    if out.is_dir():
        raise UsageError(f"--out {path!r} is a folder; give a file name, e.g. {str(out / 'image.png')!r}")
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise UsageError(f"--out {path!r}: can't create the folder {str(out.parent)!r} "
                         f"({error.strerror or error}); choose another path") from None
    existed = out.exists()
    try:
        with open(out, "ab"):
            pass
    except OSError as error:
        raise UsageError(f"--out {path!r} can't be written ({error.strerror or error}); choose another path") from None
    if not existed:
        out.unlink()
    return out


def _check_inner_layer(model, layer: str, index: int | None, option: str) -> None:
    """Refuse a layer the model lacks, or a channel it doesn't have, with the library's message (a UsageError)."""
    from .layers import check_needs

    try:
        check_needs(model, ((layer, index),))
    except ValueError as error:
        message = str(error).replace("lib.layer_names(model)", f"`seecat layers --model {model.name}`")
        raise UsageError(f"{option}: {message}") from None


def _check_names(args) -> None:
    """Refuse unknown model names before anything loads."""
    from .names import check_model_name, default_model_name
    from .seeds import deterministic, run_seed

    default_model_name()  # a bad $SEECAT_MODEL is named here
    run_seed(), deterministic()  # and a bad $SEECAT_SEED or $SEECAT_DETERMINISTIC
    for name in (args.model, getattr(args, "judge", None)):
        if name is not None:
            check_model_name(name)
