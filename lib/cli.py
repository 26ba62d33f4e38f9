"""The `seecat` command line: classify, ideal, attack, explain, dream, layers and models.

    seecat classify data/cat.png --top 5
    seecat ideal "Siamese cat" --recipe tv --out outputs/ideal_cat.png
    seecat ideal "Siamese cat" --recipe fourier --judge efficientnet_lite2 --out outputs/cat.png
    seecat ideal --channel block10:7 --out outputs/block10_7.png
    seecat attack data/dog.png --target "Siamese cat" --eps 4 --out outputs/dog_as_cat.png
    seecat attack data/dog.png --untargeted --method pgd --eps 2 --out outputs/dog_pgd.png
    seecat attack data/dog.png --target "Siamese cat" --method eot --eps 8 --out outputs/dog_cat_camera.png
    seecat explain data/cat.png --method gradcam --out outputs/cat_gradcam.png
    seecat dream data/cat.png --layer block6 --out outputs/cat_dream.png
    seecat layers
    seecat models

Every command takes --model NAME and --json (one JSON object on stdout,
whatever else loading a model prints: that goes to stderr). Bad input exits
with status 2 and a one-line error on stderr, before TensorFlow loads where
it can: names, files, LAYER:INDEX and the --out path are checked first; a
layer name or channel index once the model has loaded. `ideal`, `attack` and
`dream` draw a progress bar on stderr when it is a terminal (--quiet hides
it). If
the image can't be saved after all, it goes to a fallback file and the
message says where (exit status 1): the work is never lost.
"""

from __future__ import annotations

import argparse
import contextlib
import difflib
import json
import os
import sys
import tempfile
import time
from pathlib import Path

from .names import ATTACK_METHODS, ATTACK_STEPS, ATTRIBUTION_METHODS, EOT_DRAWS, EOT_JPEG_QUALITY, MAX_DRAWS, RECIPES

EXIT_BAD_INPUT, EXIT_SAVED_ELSEWHERE = 2, 1
BAR_WIDTH = 30
DEFAULT_METHOD = "gradcam"
FIGURE_FORMATS = (".png", ".jpg", ".jpeg", ".webp")  # what matplotlib's savefig writes of lib.images.SAVE_FORMATS
FIGURE_DPI = 150
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
    from .images import DATA_DIR, SAVE_FORMATS

    out, formats = Path(path), SAVE_FORMATS if formats is None else formats
    if out.suffix.lower() not in formats:
        raise UsageError(f"--out {path!r}: end the file name with .png (or {', '.join(formats)})")
    if DATA_DIR in out.resolve().parents:
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


def _write(picture, path) -> None:
    """Write an image array (lib.save_image) or a matplotlib figure (savefig); the suffix picks the format."""
    import lib

    if hasattr(picture, "savefig"):
        picture.savefig(path, dpi=FIGURE_DPI)
    else:
        lib.save_image(picture, path)


def _save(picture, out: Path, report: dict) -> None:
    """Save the image or figure to `out`, or to a fallback file if that fails (the report then says where)."""
    try:
        _write(picture, out)
    except OSError as error:
        handle, fallback = tempfile.mkstemp(prefix="seecat-", suffix=".png")
        os.close(handle)
        _write(picture, fallback)
        report["out"], report["saved_to_fallback"] = fallback, True
        print(f"seecat: could not save to {str(out)!r} ({error.strerror or error}); "
              f"the image is safe in {fallback}", file=sys.stderr)


class ProgressBar:
    """A one-line progress bar on stderr for optimise_image's callback: p(target), or the loss when there is none."""

    def __init__(self, target_name: str):
        self.target_name = target_name

    def __call__(self, progress) -> None:
        done = progress.num_steps if progress.stop_reason else progress.step
        filled = round(BAR_WIDTH * done / max(progress.num_steps, 1))
        score = (f" loss = {progress.loss:.4g}" if progress.probability is None
                 else f" p({self.target_name}) = {progress.probability:.3f}")
        ending = {"reached": " reached, stopped early", "finished": " done", "interrupted": " interrupted"}
        line = (f"\r[{'#' * filled}{'.' * (BAR_WIDTH - filled)}] step {progress.step}/{progress.num_steps}"
                f"{score}{ending.get(progress.stop_reason, '')}")
        print(line, end="\n" if progress.stop_reason else "", file=sys.stderr, flush=True)


class StepCounter:
    """A callback that remembers how many steps a run has made, and passes each Progress on to `then` (or not)."""

    def __init__(self, then=None):
        self.then, self.steps = then, 0

    def __call__(self, progress) -> None:
        self.steps = progress.step
        if self.then is not None:
            self.then(progress)


def _progress_bar(args, target_name: str):
    return None if args.quiet or not sys.stderr.isatty() else ProgressBar(target_name)


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


def _class(probabilities, class_id: int) -> dict:
    """{"id", "name", "probability"} of one class."""
    from .classes import class_name

    return {"id": class_id, "name": class_name(class_id), "probability": round(float(probabilities[class_id]), 6)}


def _top(probabilities, k: int) -> list[dict]:
    return [_class(probabilities, int(i)) for i in probabilities.argsort()[::-1][:k]]


def run_classify(args) -> dict:
    import lib

    _check_names(args)
    lib.load_image(args.image, size=None)  # a bad file fails here, before the model loads
    model = lib.load_model(args.model)
    image = lib.load_image(args.image, size=lib.model_input_size(model))
    return {"model": model.name, "image": args.image, "top": _top(lib.predict(model, image), args.top)}


def run_ideal(args) -> dict:
    import lib

    _check_names(args)
    if args.target is not None and args.channel is not None:
        raise UsageError("give a CLASS or --channel LAYER:INDEX, not both (see: seecat ideal --help)")
    if args.target is None and args.channel is None:
        raise UsageError(f"ideal needs a CLASS (e.g. \"Siamese cat\") or --channel LAYER:INDEX "
                         f"(e.g. {CHANNEL_EXAMPLE}) (see: seecat ideal --help)")
    if args.channel is not None and args.judge is not None:
        raise UsageError("--judge asks a second model about a class: give a CLASS, not --channel")
    target = None if args.target is None else lib.class_id_of(args.target)
    out = _check_out(args.out)
    recipe = args.recipe or ("naive" if args.channel is None else "fourier")
    model = lib.load_model(args.model)
    if args.channel is None:
        goal, label = target, lib.class_name(target)
    else:
        (layer, index), label = args.channel, f"{args.channel[0]}:{args.channel[1]}"
        _check_inner_layer(model, layer, index, f"--channel {label}")
        goal = lib.channel(layer, index)
    settings = lib.recipes.recipe_settings(recipe, goal, args.tv, model.name)
    if args.steps is not None:
        settings["num_steps"] = args.steps
    if args.no_early_stop:
        settings["stop_at"] = None
    objective = settings.pop("objective")
    result = lib.optimise_image(model, objective, target=target, seed=args.seed, callback=_progress_bar(args, label),
                                **settings)
    report = {"model": model.name, "recipe": recipe}
    if args.channel is None:
        report.update(target={"id": target, "name": lib.class_name(target)},
                      probability=round(result.probability, 6), reached=result.reached)
    else:  # no probability to watch: the channel's mean activation on the image made
        mean = float(lib.activations(model, result.image, layer)[..., index].mean())
        report.update(layer=layer, index=index, mean_activation=round(mean, 6))
    report.update(steps=result.num_steps, interrupted=result.interrupted, seconds=round(result.seconds, 2),
                  out=str(out))
    _save(result.image, out, report)
    if args.judge is not None:
        opinion = lib.second_opinion(lib.load_model(args.judge), result.image, target)
        report["judge"] = {"model": opinion.judge, "probability": round(opinion.target_probability, 6),
                           "rank": opinion.target_rank, "agrees": opinion.agrees,
                           "top": [{"id": i, "name": n, "probability": round(p, 6)} for i, n, p in opinion.top]}
    return report


def run_attack(args) -> dict:
    """Change the photo within --eps (L-inf) by --method, towards --target or away from its own top class.

    One lib.attack call. The report: method, untargeted, target, success
    (lib.attack's: the top class is the target, or untargeted outside the
    photo's class and its near neighbours; for eot, also as saved, after
    the JPEG and on >= 80% of fresh shots), fooled (the top class alone),
    probability (p(target) after; untargeted, p(original class) after),
    original and result (the top class before and after), steps, the
    change's size, interrupted, seconds; eot adds draws and survival.
    """
    import lib

    _check_names(args)
    if args.target is not None and args.untargeted:
        raise UsageError("give --target CLASS or --untargeted, not both (see: seecat attack --help)")
    if args.target is None and not args.untargeted:
        raise UsageError("attack needs --target CLASS (e.g. \"Siamese cat\"), or --untargeted to push the photo's "
                         "own class down (see: seecat attack --help)")
    if args.eps > 255:
        raise UsageError(f"--eps {args.eps:g} is in 0-255 pixel units and can't exceed 255 (try 4)")
    if args.draws is not None and args.method != "eot":
        raise UsageError(f"--draws belongs to --method eot (views averaged at each step), not {args.method}")
    steps = COMMAND_STEPS[args.method] if args.steps is None or args.method == "fgsm" else args.steps
    if steps > MAX_ATTACK_STEPS:
        raise UsageError(f"--steps {steps}: {args.method} takes at most {MAX_ATTACK_STEPS} steps")
    lib.load_image(args.image, size=None)  # a bad file fails here, before anything is written or loaded
    target = None if args.untargeted else lib.class_id_of(args.target)
    out = _check_out(args.out)
    model = lib.load_model(args.model)
    from . import attacks

    image = lib.load_image(args.image, size=lib.model_input_size(model))
    original = int(lib.predict(model, image).argmax())
    watched = original if target is None else target  # the class whose probability the attack moves
    settings = {"targets": None if target is None else [target], "steps": None if args.method == "fgsm" else steps}
    if args.method == "adam" and target is not None:
        settings["stop_at"] = ATTACK_STOP_AT
    if args.method == "eot":
        settings["draws"] = args.draws  # the library's default threat: camera shots saved as JPEG EOT_JPEG_QUALITY
    bar = _attack_bar(args)
    result = attacks.attack(model, image, [original], args.method, args.eps, callback=bar, **settings)
    if bar is not None:
        bar.finish(result)
    before, after = result.before[0], result.after[0]
    top1 = int(after.argmax())
    report = {"model": model.name, "method": args.method, "untargeted": target is None,
              "target": None if target is None else {"id": target, "name": lib.class_name(target)},
              "success": bool(result.success[0]), "fooled": bool(result.fooled[0]),
              "probability": round(float(after[watched]), 6),
              "original": _class(before, original), "result": _class(after, top1), "steps": result.steps,
              "linf_255": round(float(result.linf_255[0]), 3), "l2_255": round(float(result.l2_255[0]), 3),
              "top": _top(after, 3), "interrupted": result.interrupted, "seconds": round(result.seconds, 2),
              "out": str(out)}
    if args.method == "eot":
        shots = round(float(result.shot_share[0]) * result.shots)
        report.update(draws=result.draws, survival={
            "as_saved": bool(result.as_saved[0]), f"after_jpeg_{EOT_JPEG_QUALITY}": bool(result.after_then[0]),
            "fresh_shots": {"fooled": shots, "of": result.shots, "needed": attacks.SURVIVAL_SHARE}})
        if not result.success[0]:
            print(f"seecat: the attack does not survive where eot promises it (as saved, after JPEG "
                  f"{EOT_JPEG_QUALITY}, and on at least {attacks.SURVIVAL_SHARE:.0%} of {result.shots} fresh camera "
                  f"shots): try more --draws (now {result.draws}), more --steps (now {result.steps}) or a larger --eps "
                  f"(now {args.eps:g})", file=sys.stderr)
    _save(result.images[0], out, report)
    return report


class AttackBar:
    """A one-line progress bar on stderr for lib.attack's callback(steps done, steps in all)."""

    def __init__(self, method: str, epsilon_255: float):
        self.label, self.began = f"{method} within {epsilon_255:g}/255", time.perf_counter()

    def __call__(self, done: int, total: int) -> None:
        filled = round(BAR_WIDTH * done / max(total, 1))
        print(f"\r[{'#' * filled}{'.' * (BAR_WIDTH - filled)}] {self.label}: step {done}/{total}", end="",
              file=sys.stderr, flush=True)

    def finish(self, result) -> None:
        ending = "interrupted" if result.interrupted else "done"
        print(f"\r{self.label}: {result.steps} step{'s' * (result.steps != 1)} {ending} in "
              f"{time.perf_counter() - self.began:.1f}s{' ' * BAR_WIDTH}", file=sys.stderr, flush=True)


def _attack_bar(args) -> AttackBar | None:
    return None if args.quiet or not sys.stderr.isatty() else AttackBar(args.method, args.eps)


def run_explain(args) -> dict:
    import lib

    _check_names(args)
    lib.load_image(args.image, size=None)  # a bad file fails here, before anything is written or loaded
    target = None if args.target is None else lib.class_id_of(args.target)
    out = None if args.out is None else _check_out(args.out, FIGURE_FORMATS)
    import matplotlib

    # A command line draws into files and opens no windows. Set for this process only: an environment variable
    # would pass to every process started after it (a notebook kernel would then draw no figures).
    matplotlib.use("Agg")
    from . import attribution  # TensorFlow loads here, once the input has been checked

    model = lib.load_model(args.model)
    image = lib.load_image(args.image, size=lib.model_input_size(model))
    probabilities = lib.predict(model, image)
    target = int(probabilities.argmax()) if target is None else target  # the top class, as `classify` shows it
    start = time.perf_counter()
    importance = attribution.explain(model, image, target, args.method)
    seconds = time.perf_counter() - start
    shares = attribution.quarter_shares(importance)
    report = {"model": model.name, "image": args.image, "method": args.method,
              "target": {"id": target, "name": lib.class_name(target)},
              "probability": round(float(probabilities[target]), 6),
              "quarter_shares": {quarter: round(share, 6) for quarter, share in shares.items()},
              "seconds": round(seconds, 2), "out": None if out is None else str(out)}
    if out is not None:
        _save(lib.show_explanation(image, importance, [f"{args.method}: {lib.class_name(target)}"]), out, report)
    return report


def run_dream(args) -> dict:
    import lib

    _check_names(args)
    lib.load_image(args.image, size=None)  # a bad file fails here, before anything is written or loaded
    out = _check_out(args.out)
    model = lib.load_model(args.model)
    _check_inner_layer(model, args.layer, None, f"--layer {args.layer}")
    photo = lib.load_image(args.image, size=lib.model_input_size(model))
    counter = StepCounter(_progress_bar(args, args.layer))
    start = time.perf_counter()
    result = lib.deep_dream(model, photo, args.layer, octaves=args.octaves, steps_per_octave=args.steps_per_octave,
                            callback=counter)
    seconds = time.perf_counter() - start  # every octave's (the Result's own seconds are the last octave's)
    before, after = (float((lib.activations(model, image, args.layer) ** 2).mean()) for image in (photo, result.image))
    report = {"model": model.name, "image": args.image, "layer": args.layer, "octaves": args.octaves,
              "steps_per_octave": args.steps_per_octave, "steps": counter.steps,
              "mean_squared_activation": {"before": round(before, 6), "after": round(after, 6)},
              "interrupted": result.interrupted, "seconds": round(seconds, 2), "out": str(out)}
    _save(result.image, out, report)
    return report


def run_layers(args) -> dict:
    import lib

    _check_names(args)
    model = lib.load_model(args.model)
    keras_names = lib.layers.aliases(model)
    rows = []
    for name in lib.layer_names(model):
        _, height, width, channels = model.get_layer(keras_names[name]).output.shape
        rows.append({"name": name, "keras_name": keras_names[name], "height": int(height), "width": int(width),
                     "channels": int(channels)})
    return {"model": model.name, "layers": rows}


def run_models(args) -> dict:
    from .names import MODELS, available_offline, default_model_name

    return {"default": default_model_name(),
            "models": [{"name": name, "available_offline": available_offline(name), "about": about}
                       for name, (_, about) in MODELS.items()]}


def _print_human(command: str, report: dict) -> None:
    if command == "classify":
        for row in report["top"]:
            print(f"{row['probability']:8.4f}  {row['id']:4d}  {row['name']}")
    elif command == "explain":
        target = report["target"]
        print(f"{report['model']}: p({target['name']!r}, id {target['id']}) = {report['probability']:.4f}; "
              f"{report['method']}'s map, share by quarter:")
        for quarter, share in report["quarter_shares"].items():
            print(f"{share:8.1%}  {quarter}")
        if not any(report["quarter_shares"].values()):
            print(f"(the map is all zero: nothing in the image speaks for this class, as {report['method']} sees it)")
        print(f"overlay: {report['out']}" if report["out"] else "overlay: not saved (add --out overlay.png)")
    elif command == "layers":
        rows = report["layers"]
        print(f"{report['model']}: {len(rows)} layers, input to output (height x width x channels)")
        name_width, keras_width = (max((len(row[key]) for row in rows), default=0) for key in ("name", "keras_name"))
        for row in rows:
            print(f"{row['name']:{name_width}s}  {row['keras_name']:{keras_width}s}  "
                  f"{row['height']:3d} x {row['width']:3d} x {row['channels']:4d}")
    elif command == "models":
        for row in report["models"]:
            state = "offline now" if row["available_offline"] else "needs a download"
            marker = "*" if row["name"] == report["default"] else " "
            print(f"{marker} {row['name']:20s} {state:17s} {row['about']}")
    else:
        for key, value in report.items():
            if key != "survival":
                print(f"{key}: {value}")
        if "survival" in report:  # eot: where it survives, in words
            survival, yes = report["survival"], {True: "yes", False: "no"}
            shots = survival["fresh_shots"]
            jpeg = next(key for key in survival if key.startswith("after_jpeg"))
            print(f"survives: as saved {yes[survival['as_saved']]}, after JPEG {jpeg.rsplit('_', 1)[-1]} "
                  f"{yes[survival[jpeg]]}, on {shots['fooled']} of {shots['of']} fresh camera shots "
                  f"({shots['needed']:.0%} needed)")


COMMANDS = {"classify": run_classify, "ideal": run_ideal, "attack": run_attack, "explain": run_explain,
            "dream": run_dream, "layers": run_layers, "models": run_models}


@contextlib.contextmanager
def _stdout_to_stderr():
    """Everything written to stdout inside goes to stderr, Python's prints and C libraries' alike."""
    sys.stdout.flush()
    try:
        saved = os.dup(1)
        os.dup2(2, 1)
    except (OSError, ValueError):  # no real stdout file descriptor (tests capturing it): Python-level only
        saved = None
    try:
        with contextlib.redirect_stdout(sys.stderr):
            yield
    finally:
        if saved is not None:
            sys.stdout.flush()
            os.dup2(saved, 1)
            os.close(saved)


def main(argv: list[str] | None = None) -> int:
    """Run the command line; returns the exit status."""
    try:
        args = build_parser().parse_args(argv)
        with _stdout_to_stderr():
            report = COMMANDS[args.command](args)
    except (UsageError, ValueError, FileNotFoundError, ModuleNotFoundError) as error:
        message = " ".join(str(error).split())
        print(f"seecat: error: {message}", file=sys.stderr)
        return EXIT_BAD_INPUT
    status = EXIT_SAVED_ELSEWHERE if report.get("saved_to_fallback") else 0
    if args.json:
        print(json.dumps(report))
    else:
        _print_human(args.command, report)
    return status
