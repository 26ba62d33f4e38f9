"""The `seecat` command line: classify, ideal, attack and models.

    seecat classify data/cat.png --top 5
    seecat ideal "Siamese cat" --tv 0.0005 --out outputs/ideal_cat.png
    seecat ideal "Siamese cat" --recipe fourier --judge efficientnet_lite2 --out outputs/cat.png
    seecat attack data/dog.png --target "Siamese cat" --eps 4 --out outputs/dog_as_cat.png
    seecat models

Every command takes --model NAME and --json (one JSON object on stdout).
Bad input exits with status 2 and a one-line error on stderr.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from .recipes import RECIPES

EXIT_BAD_INPUT = 2
ATTACK_LEARNING_RATE = 1 / 255


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


def _non_negative_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
    if not 0 <= value < float("inf"):
        raise argparse.ArgumentTypeError(f"expected a number >= 0, got {text!r}")
    return value


def build_parser() -> Parser:
    """The argument parser for all commands."""
    parser = Parser(prog="seecat", description="How an ImageNet classifier sees a cat.")
    commands = parser.add_subparsers(dest="command", required=True, parser_class=Parser)
    shared = Parser(add_help=False)
    shared.add_argument("--model", help="vgg16, efficientnet_lite0/1/2 or squeezenet1_1 (default: $SEECAT_MODEL or vgg16)")
    shared.add_argument("--json", action="store_true", help="print one JSON object on stdout")

    classify = commands.add_parser("classify", parents=[shared], help="the top classes of an image")
    classify.add_argument("image", help="an image file (JPEG, PNG, GIF, BMP, WebP)")
    classify.add_argument("--top", type=_positive_int, default=5, help="how many classes (default 5)")

    ideal = commands.add_parser("ideal", parents=[shared], help="turn noise into a class's ideal image")
    ideal.add_argument("target", metavar="CLASS", help='a class name, e.g. "Siamese cat", or an id 0..999')
    ideal.add_argument("--recipe", choices=RECIPES, default="naive",
                       help="naive (default), tv, robust (transforms) or fourier (Fourier + colour + transforms)")
    ideal.add_argument("--steps", type=_positive_int, help="at most this many steps (default: the recipe's)")
    ideal.add_argument("--tv", type=_non_negative_float, help="total-variation weight (default: 0.0005 for tv, 0.0003 for fourier, else 0)")
    ideal.add_argument("--judge", help="a second model that never saw the image gives its opinion")
    ideal.add_argument("--seed", type=int, default=0, help="seed of the starting noise (default 0)")
    ideal.add_argument("--no-early-stop", action="store_true", help="run exactly --steps steps")
    ideal.add_argument("--out", required=True, help="where to save the image (.png)")

    attack = commands.add_parser("attack", parents=[shared], help="nudge a photo until the model sees CLASS")
    attack.add_argument("image", help="the photo to change")
    attack.add_argument("--target", required=True, help="the class the model should see")
    attack.add_argument("--eps", type=_non_negative_float, default=4.0, help="L-inf budget in 0-255 units (default 4)")
    attack.add_argument("--steps", type=_positive_int, default=200, help="at most this many steps (default 200)")
    attack.add_argument("--out", required=True, help="where to save the changed image (.png)")

    commands.add_parser("models", parents=[shared], help="the models and whether each works offline now")
    return parser


def _check_out(path: str) -> Path:
    from .images import DATA_DIR, SAVE_FORMATS

    out = Path(path)
    if out.suffix.lower() not in SAVE_FORMATS:
        raise UsageError(f"--out {path!r}: end the file name with .png (or {', '.join(SAVE_FORMATS)})")
    if out.resolve().parent == DATA_DIR:
        raise UsageError(f"--out {path!r}: data/ holds the shipped originals; write elsewhere, e.g. outputs/")
    return out


def _top(probabilities, k: int) -> list[dict]:
    from .classes import class_name

    order = probabilities.argsort()[::-1][:k]
    return [{"id": int(i), "name": class_name(int(i)), "probability": round(float(probabilities[i]), 6)} for i in order]


def run_classify(args) -> dict:
    import lib

    lib.load_image(args.image, size=None)  # a bad file fails here, before the model loads
    model = lib.load_model(args.model)
    image = lib.load_image(args.image, size=lib.model_input_size(model))
    return {"model": model.name, "image": args.image, "top": _top(lib.predict(model, image), args.top)}


def run_ideal(args) -> dict:
    import lib

    target, out = lib.class_id_of(args.target), _check_out(args.out)
    if args.judge is not None:
        lib.models.check_model_name(args.judge)
    model = lib.load_model(args.model)
    settings = lib.recipes.recipe_settings(args.recipe, target, args.tv, model.name)
    if args.steps is not None:
        settings["num_steps"] = args.steps
    if args.no_early_stop:
        settings["stop_at"] = None
    objective = settings.pop("objective")
    result = lib.optimise_image(model, objective, target=target, seed=args.seed, **settings)
    lib.save_image(result.image, out)
    report = {"model": model.name, "recipe": args.recipe, "target": {"id": target, "name": lib.class_name(target)},
              "probability": round(result.probability, 6), "steps": result.num_steps, "reached": result.reached,
              "interrupted": result.interrupted, "seconds": round(result.seconds, 2), "out": str(out)}
    if args.judge is not None:
        opinion = lib.second_opinion(lib.load_model(args.judge), result.image, target)
        report["judge"] = {"model": opinion.judge, "probability": round(opinion.target_probability, 6),
                           "rank": opinion.target_rank, "agrees": opinion.agrees,
                           "top": [{"id": i, "name": n, "probability": round(p, 6)} for i, n, p in opinion.top]}
    return report


def run_attack(args) -> dict:
    import lib

    target, out = lib.class_id_of(args.target), _check_out(args.out)
    if args.eps > 255:
        raise UsageError(f"--eps {args.eps:g} is in 0-255 pixel units and can't exceed 255 (try 4)")
    lib.load_image(args.image, size=None)  # a bad file fails here, before the model loads
    model = lib.load_model(args.model)
    image = lib.load_image(args.image, size=lib.model_input_size(model))
    result = lib.optimise_image(model, lib.cross_entropy(target), image, num_steps=args.steps,
                                learning_rate=ATTACK_LEARNING_RATE, epsilon=args.eps / 255)
    lib.save_image(result.image, out)
    top1 = int(result.probabilities.argmax())
    return {"model": model.name, "target": {"id": target, "name": lib.class_name(target)},
            "success": bool(result.reached and top1 == target), "probability": round(result.probability, 6),
            "steps": result.num_steps, "linf_255": round(result.linf_255, 3), "l2_255": round(result.l2_255, 3),
            "top": _top(result.probabilities, 3), "interrupted": result.interrupted, "out": str(out)}


def run_models(args) -> dict:
    from .models import MODELS, available_offline, default_model_name

    return {"default": default_model_name(),
            "models": [{"name": name, "available_offline": available_offline(name), "about": about}
                       for name, (_, _, about) in MODELS.items()]}


def _print_human(command: str, report: dict) -> None:
    if command == "classify":
        for row in report["top"]:
            print(f"{row['probability']:8.4f}  {row['id']:4d}  {row['name']}")
    elif command == "models":
        for row in report["models"]:
            state = "offline now" if row["available_offline"] else "needs a download"
            marker = "*" if row["name"] == report["default"] else " "
            print(f"{marker} {row['name']:20s} {state:17s} {row['about']}")
    else:
        for key, value in report.items():
            print(f"{key}: {value}")


COMMANDS = {"classify": run_classify, "ideal": run_ideal, "attack": run_attack, "models": run_models}


def main(argv: list[str] | None = None) -> int:
    """Run the command line; returns the exit status."""
    try:
        args = build_parser().parse_args(argv)
        report = COMMANDS[args.command](args)
    except (UsageError, ValueError, FileNotFoundError, ModuleNotFoundError) as error:
        message = " ".join(str(error).split())
        print(f"seecat: error: {message}", file=sys.stderr)
        return EXIT_BAD_INPUT
    if args.json:
        print(json.dumps(report))
    else:
        _print_human(args.command, report)
    return 0
