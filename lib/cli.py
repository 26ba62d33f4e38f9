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

import json
import sys
import time

from .cli_output import _attack_bar, _print_human, _progress_bar, _save, _stdout_to_stderr, StepCounter
from .cli_parser import (ATTACK_METHODS, ATTACK_STOP_AT, CHANNEL_EXAMPLE, COMMAND_STEPS, DEFAULT_METHOD,  # noqa: F401
                         FIGURE_FORMATS, MAX_ATTACK_STEPS, UsageError, _check_inner_layer, _check_names, _check_out,
                         build_parser)
from .names import EOT_JPEG_QUALITY

EXIT_BAD_INPUT, EXIT_SAVED_ELSEWHERE = 2, 1


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


COMMANDS = {"classify": run_classify, "ideal": run_ideal, "attack": run_attack, "explain": run_explain,
            "dream": run_dream, "layers": run_layers, "models": run_models}


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
