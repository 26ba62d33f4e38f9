"""seecat's benchmark: how fast and how well, in one run, as a Markdown table.

    make bench                      # everything (about 55 minutes on a 2-core CPU)
    python bench/run.py --tiny      # a smoke run: one model, a few steps, no notebooks
    python bench/run.py --notebooks # only each notebook's time against its compute floor, and peak memory (README)
    python bench/run.py --notebooks lessons/01_noise_classification.ipynb   # only the notebooks named
    python bench/run.py --goals     # only steps and seconds to the goal
    python bench/run.py --explain   # only seconds per attribution map, batched and one image per call
    python bench/run.py --inside    # only lesson 08's costs: a channel's image, a diverse batch, DeepDream
    python bench/run.py --attacks   # only lesson 09's costs: PGD batched and one photo at a time, the success curves
    python bench/run.py --peers     # only seecat side by side with tf-keras-vis, PAIR's saliency, foolbox (bench/peers.py)
    python bench/run.py --determinism  # only the cost of SEECAT_DETERMINISTIC=1, and whether runs are bit-identical

Sections: 1. the cost of one step (eager loop, lib loop, bare tf.function);
2. steps and seconds to the goal, the article's recipe against lib's defaults;
3. each notebook's run time against its compute floor (its compiled steps' calls at steady-state speed, timed by
a cell the benchmark adds after the notebook's setup cell), and its kernel's peak memory; 4. peak memory of lesson 02's kernel, Lite0 against VGG16;
5. how often a second network agrees with each recipe's ideal images; 6. seconds per attribution map
(lib.attribution), each method batched and one image per model call; 7. inside the network: one channel's ideal
image, a batch of four with the diversity term, DeepDream; 8. attacks: PGD on the photo set in one batch and one photo
at a time, and lesson 09's success curves; 9. the cost of SEECAT_DETERMINISTIC=1 (TensorFlow's op determinism) on a
Fourier-recipe run and PGD, in processes of their own, and whether two runs with one seed give bit-identical images.
"""

from __future__ import annotations

import argparse
import inspect
import os
import platform
import statistics
import sys
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

import lib  # noqa: E402
from lib import models  # noqa: E402

ARTICLE_STEPS = 1000
BINDER_LIMIT_MB = 2048


def median_ms(function, repeats: int, warmup: int = 3) -> float:
    """Median wall time of `function()` in milliseconds, after warm-up calls."""
    for _ in range(warmup):
        function()
    times = []
    for _ in range(repeats):
        began = time.perf_counter()
        function()
        times.append(time.perf_counter() - began)
    return 1000 * statistics.median(times)


def eager_step_ms(model, repeats: int) -> float:
    """The article's way: an uncompiled GradientTape step, then an update."""
    objective = lib.cross_entropy("Siamese cat")
    image = tf.Variable(lib.noise_image(lib.model_input_size(model))[None])

    def step():
        loss, _, gradient = lib.gradient_of(model, objective, tf.convert_to_tensor(image))
        image.assign(image - 0.01 * gradient)
        return float(loss)

    return median_ms(step, repeats)


def floor_step_ms(model, repeats: int) -> float:
    """The floor: a bare compiled function computing the same gradient, nothing else."""
    objective = lib.cross_entropy("Siamese cat")
    image = tf.constant(lib.noise_image(lib.model_input_size(model))[None])
    gradient = tf.function(lambda x: lib.gradient_of(model, objective, x)[2])
    return median_ms(lambda: gradient(image), repeats)  # returns once computed (eager calls are synchronous)


def loop_step_ms(model, repeats: int) -> float:
    """lib's loop as a user runs it: the median time between consecutive steps."""
    stamps = []
    lib.optimise_image(model, "Siamese cat", num_steps=repeats + 3, stop_at=None,
                       callback=lambda progress: stamps.append(time.perf_counter()))
    gaps = np.diff(stamps[3:])
    return 1000 * float(np.median(gaps))


def step_cost_rows(names: list[str], repeats: int) -> list[str]:
    rows = ["| model | (a) eager loop, ms | (b) lib loop, ms | (c) bare tf.function, ms | (a)/(b) | (b)/(c) |",
            "|---|---|---|---|---|---|"]
    for name in names:
        model = models.build_vgg16(weights=None) if name == "vgg16 (random weights)" else lib.load_model(name)
        eager, loop, floor = eager_step_ms(model, repeats), loop_step_ms(model, repeats), floor_step_ms(model, repeats)
        rows.append(f"| {name} | {eager:.0f} | {loop:.0f} | {floor:.0f} | {eager / loop:.1f}x | {loop / floor:.3f} |")
        print(rows[-1], file=sys.stderr, flush=True)
    return rows


def first_reach(result: lib.Result, threshold: float = 0.9) -> str:
    """The step at which p(target) first reached the threshold, or a dash."""
    hits = [i for i, p in enumerate(result.target_probabilities) if p >= threshold]
    return str(hits[0]) if hits else "never"


def describe(model, result: lib.Result, image: np.ndarray) -> str:
    """Final p, L-inf / L2 of the change and TV relative to the start, for `image`."""
    tv, change = lib.total_variation(), image - result.start_image
    final_p = float(tf.nn.softmax(model(image[None]))[0, result.target])
    tv_ratio = float(tv(None, image[None]) / tv(None, result.start_image[None]))
    linf, l2 = np.abs(change).max() * 255, np.sqrt(np.sum(change**2)) * 255
    return f"{final_p:.3f} | {linf:.1f} / {l2:.0f} | {tv_ratio:.3f}"


def goal_rows(model, article_steps: int, lib_steps: int | None = None) -> list[str]:
    """The article's recipe against lib's defaults (lesson 04's tv recipe for the TV rows); lib_steps caps lib's runs."""
    dog = lib.load_image(lib.data_path("dog.png"), size=lib.model_input_size(model))
    cat, zebra = lib.cross_entropy("Siamese cat"), lib.cross_entropy("zebra")
    tv_cat, tv_zebra = (lib.recipes.recipe_settings("tv", name) for name in ("Siamese cat", "zebra"))  # lesson 04's
    tasks = [  # (task, article objective, lib objective, start image, lib settings)
        ("naive ideal Siamese cat", cat, cat, None, {}),
        ("dog -> Siamese cat", cat, cat, dog, {"learning_rate": 1 / 255, "epsilon": 4 / 255}),
        ("TV ideal Siamese cat", 10 * cat + 0.005 * lib.total_variation(), tv_cat.pop("objective"), None, tv_cat),
        ("TV ideal zebra", 10 * zebra + 0.005 * lib.total_variation(), tv_zebra.pop("objective"), None, tv_zebra),
    ]
    rows = ["| task | recipe | first step with p >= 0.9 | steps run | seconds | final p | L-inf / L2 (0-255) | TV / TV(start) |",
            "|---|---|---|---|---|---|---|---|"]
    for task, article_objective, lib_objective, start, settings in tasks:
        last = [None]  # the article kept its last image, whatever its loss: so do we, for its row
        article = lib.optimise_image(model, article_objective, start, num_steps=article_steps, method="gd",
                                     learning_rate=1.0, stop_at=None, callback=lambda p: last.__setitem__(0, p.image))
        if lib_steps is not None:
            settings = {**settings, "num_steps": min(settings.get("num_steps", lib_steps), lib_steps)}
        ours = lib.optimise_image(model, lib_objective, start, **settings)
        for recipe, result, image in (("article: GD eta=1, fixed steps", article, last[0]),
                                      ("lib defaults", ours, ours.image)):
            rows.append(f"| {task} | {recipe} | {first_reach(result)} | {result.num_steps} | {result.seconds:.1f} | "
                        f"{describe(model, result, image)} |")
            print(rows[-1], file=sys.stderr, flush=True)
    return rows


def run_notebook(path: Path, extra_cell: str | None = None, environment: dict | None = None,
                 after_setup: str | None = None) -> tuple[float, str, list[str]]:
    """Execute a notebook in a fresh kernel; returns (seconds, output of the extra last cell, the cells' errors).

    `after_setup` is a cell run right after the notebook's setup cell (its first code cell that imports lib).
    """
    import tempfile

    import nbformat
    from jupyter_client.manager import KernelManager
    from nbclient import NotebookClient

    notebook = nbformat.read(path, as_version=4)
    if after_setup:
        setup = next((i for i, cell in enumerate(notebook.cells)
                      if cell.cell_type == "code" and "import lib" in cell.source), None)
        if setup is None:
            raise ValueError(f"{path} has no setup cell (a code cell with 'import lib') to run the instrument after.")
        notebook.cells.insert(setup + 1, nbformat.v4.new_code_cell(after_setup))
    if extra_cell:
        notebook.cells.append(nbformat.v4.new_code_cell(extra_cell))
    old = dict(os.environ)
    os.environ.update(environment or {})
    try:
        with tempfile.TemporaryDirectory(prefix="seecat-kernel-") as sockets:
            # The kernel talks over IPC files in a folder of its own, not TCP ports: a kernel started on ports that
            # another process had just taken waited idle for good (seen twice, as in tools/seeds/run.py).
            manager = KernelManager(kernel_name="python3", transport="ipc", ip=os.path.join(sockets, "kernel"))
            began = time.perf_counter()
            try:
                NotebookClient(notebook, km=manager, timeout=1800, allow_errors=True,
                               resources={"metadata": {"path": str(path.parent)}}).execute()
                seconds = time.perf_counter() - began
            finally:  # a client given its kernel manager leaves the kernel running
                if manager.has_kernel:
                    manager.shutdown_kernel(now=True)
    finally:
        os.environ.clear()
        os.environ.update(old)
    outputs = notebook.cells[-1].get("outputs", []) if extra_cell else []
    errors = [f"cell {i}: {output.ename}: {output.evalue}" for i, cell in enumerate(notebook.cells)
              for output in cell.get("outputs", []) if output.output_type == "error"]
    return seconds, "".join(o.get("text", "") for o in outputs).strip(), errors


def peak_rss_mb() -> int:
    """Peak resident set size of this process, in MB (self-contained: it also runs as a notebook's last cell)."""
    import pathlib
    import resource
    import sys

    # On Linux VmHWM belongs to this process alone; ru_maxrss would not do for a kernel: Linux carries it over from
    # the parent across fork and exec, so it would report this benchmark's own peak.
    status = pathlib.Path("/proc/self/status")
    if status.exists():
        return next(int(line.split()[1]) // 1024 for line in status.read_text().splitlines() if line.startswith("VmHWM:"))
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // (1024 * 1024 if sys.platform == "darwin" else 1024)  # macOS: bytes


PEAK_RSS_CELL = f"{inspect.getsource(peak_rss_mb)}\nprint(peak_rss_mb())"  # the kernel's peak, printed by its last cell


def instrument_compiled_functions() -> dict:
    """Runs in a notebook's kernel, right after its setup cell: times every call of lib's compiled functions.

    Wraps lib.optimise.make_step (lib.attacks, optimise_image, ideal_image and
    deep_dream reach it through it) so that each step it returns is timed, and
    likewise attribution's compiled gradients and Grad-CAM, and predict_batch's
    compiled predict. Nothing in lib changes: only this kernel's module
    attributes. Returns {id of a compiled function: [kind, [seconds of each call]]}.
    """
    import time
    import weakref

    import lib
    from lib import attacks, attribution, models, optimise

    calls: dict = {}
    kept = []  # the functions, so that an id stays theirs

    class Timed:
        def __init__(self, function, kind):
            self.function, self.times = function, calls.setdefault(id(function), [kind, []])[1]
            kept.append(function)

        def __call__(self, *args, **kwargs):
            began = time.perf_counter()
            try:
                return self.function(*args, **kwargs)  # eager calls return once computed, on CPU and GPU alike
            finally:
                self.times.append(time.perf_counter() - began)

        def __getattr__(self, name):  # step.restart and the like
            return getattr(self.function, name)

    make_step = optimise.make_step

    def timed_make_step(*args, **kwargs):
        return Timed(make_step(*args, **kwargs), "step")

    optimise.make_step = attacks.make_step = lib.make_step = timed_make_step
    for name in ("_gradient_function", "_gradcam_function"):
        def build(*args, _build=getattr(attribution, name), **kwargs):
            return Timed(_build(*args, **kwargs), "attribution")
        setattr(attribution, name, build)

    class TimedPredictors(weakref.WeakKeyDictionary):
        def __setitem__(self, model, function):
            super().__setitem__(model, function if isinstance(function, Timed) else Timed(function, "predict"))

    models._PREDICTORS = TimedPredictors(models._PREDICTORS)
    return calls


def compiled_calls_summary(calls: dict) -> str:
    """Runs in the kernel's last cell: one line, "COMPILED-CALLS " and JSON [[kind, calls, first, median of the rest]]."""
    import json
    import statistics

    return "COMPILED-CALLS " + json.dumps([[kind, len(times), times[0] if times else None,
                                            statistics.median(times[1:]) if len(times) > 1 else None]
                                           for kind, times in calls.values()])


INSTRUMENT_CELL = f"{inspect.getsource(instrument_compiled_functions)}\n_bench_calls = instrument_compiled_functions()"
REPORT_CELL = (f"{inspect.getsource(peak_rss_mb)}\n{inspect.getsource(compiled_calls_summary)}\n"
               "print(peak_rss_mb())\nprint(compiled_calls_summary(_bench_calls))")
FLOOR_KINDS = ("step", "attribution", "predict")


def compute_floor(report: str) -> dict:
    """The compute floor from a notebook's REPORT_CELL output: {kind: seconds}, plus calls and what it leaves out.

    A compiled function's floor is its number of calls times its median call
    after the first (the first also traces it): what the notebook would spend
    in it at steady-state speed. A function called once has no steady-state
    time: it is counted in "once" (and its time in "once_seconds"), not in the floor.
    "functions" counts the compiled functions, "first_seconds" their first calls' time, tracing included.
    """
    lines = [line for line in report.splitlines() if line.startswith("COMPILED-CALLS ")]
    if not lines:
        raise ValueError(f"no COMPILED-CALLS line in the notebook's last output: {report[-300:]!r}")
    import json

    floor = {kind: 0.0 for kind in FLOOR_KINDS} | {"calls": {kind: 0 for kind in FLOOR_KINDS}, "once": 0,
                                                   "once_seconds": 0.0, "functions": 0, "first_seconds": 0.0}
    for kind, count, first, median in json.loads(lines[-1].removeprefix("COMPILED-CALLS ")):
        floor["functions"] += 1
        floor["calls"][kind] += count
        floor["first_seconds"] += first or 0.0
        if median is None:
            floor["once"] += count
            floor["once_seconds"] += first or 0.0
        else:
            floor[kind] += count * median
    return floor


NOTEBOOKS_TARGET_S, LESSON_TARGET_S = 360, 90  # the whole curriculum, and any one notebook (issue 22)


def notebook_rows(paths: list[Path] | None = None) -> list[str]:
    """Each notebook's run time in a fresh kernel against its compute floor, and its kernel's peak memory.

    paths: the notebooks to run (default: all lessons, then the solutions).
    """
    everything = sorted((ROOT / "lessons").glob("*.ipynb")) + sorted((ROOT / "solutions").glob("*.ipynb"))
    for path in paths or []:
        if not (path.suffix == ".ipynb" and path.is_file()):
            raise ValueError(f"--notebooks takes notebook files, e.g. lessons/01_noise_classification.ipynb; "
                             f"{path} is not one.")
    measured = []
    for path in [path.resolve() for path in paths] if paths else everything:
        seconds, report, errors = run_notebook(path, REPORT_CELL, environment={"SEECAT_MODEL": "efficientnet_lite0"},
                                               after_setup=INSTRUMENT_CELL)
        peak = next((line for line in report.splitlines() if line.isdigit()), "?")
        name = path.relative_to(ROOT).as_posix() if path.is_relative_to(ROOT) else str(path)
        try:
            floor = compute_floor(report)
        except ValueError as error:  # e.g. the instrument found no make_step to wrap: its error says which
            raise ValueError(f"{name}: {error} The notebook's errors: {errors[:3]}") from None
        measured.append((name, seconds, floor, peak, errors))
        print(f"{seconds:7.1f} s  {measured[-1][0]}", file=sys.stderr, flush=True)
    return notebook_table(measured, whole_curriculum=not paths)


def notebook_table(measured: list[tuple[str, float, dict, str, list[str]]], whole_curriculum: bool = True) -> list[str]:
    """The notebooks' table from (name, seconds, compute_floor(...), peak MB, errors) of each.

    The targets (all in 360 s, each in 90 s) are judged for the whole curriculum only.
    """
    rows = ["| notebook | seconds | share | compute floor, s (steps + attribution/predict) | gap to the floor, s "
            "| seconds / floor | calls (steps, other) | first calls, with tracing: functions, s "
            "| peak memory of its kernel, MB |", "|---|---|---|---|---|---|---|---|---|"]
    total = sum(seconds for _, seconds, _, _, _ in measured)
    floors = []
    for name, seconds, floor, peak, errors in measured:
        other = floor["attribution"] + floor["predict"]
        whole = floor["step"] + other
        floors.append(whole)
        calls = floor["calls"]
        note = f" (error in {errors[0]})" if errors else ""
        rows.append(f"| {name}{note} | {seconds:.0f} | {seconds / total:.0%} | {whole:.1f} ({floor['step']:.1f} + "
                    f"{other:.1f}) | {seconds - whole:.0f} | {f'{seconds / whole:.1f}x' if whole > 0 else '—'} | "
                    f"{calls['step']}, {calls['attribution'] + calls['predict']} | "
                    f"{floor['functions']}, {floor['first_seconds']:.1f} | {peak} |")
    peaks = [int(peak) for _, _, _, peak, _ in measured if str(peak).isdigit()]
    first = sum(floor["first_seconds"] for _, _, floor, _, _ in measured)
    functions = sum(floor["functions"] for _, _, floor, _, _ in measured)
    steps = sum(floor["calls"]["step"] for _, _, floor, _, _ in measured)
    others = sum(floor["calls"]["attribution"] + floor["calls"]["predict"] for _, _, floor, _, _ in measured)
    rows.append(f"| **all** | **{total:.0f}** | 100% | **{sum(floors):.1f}** | {total - sum(floors):.0f} | "
                f"{f'{total / sum(floors):.1f}x' if sum(floors) > 0 else '—'} | {steps}, {others} | {functions}, {first:.1f} | "
                f"**{max(peaks) if peaks else '?'}** (the largest) |")
    name, largest = max(((name, seconds) for name, seconds, *_ in measured), key=lambda m: m[1])
    once = sum(floor["once"] for _, _, floor, _, _ in measured)
    judged = (f"All notebooks: {total:.0f} s against the target of {NOTEBOOKS_TARGET_S} s "
              f"({'within' if total <= NOTEBOOKS_TARGET_S else 'over'}); " if whole_curriculum else
              f"These {len(measured)} notebooks (not the whole curriculum): {total:.0f} s; ")
    return rows + [
        "", judged + f"the largest, {name}: {largest:.0f} s against {LESSON_TARGET_S} s for one notebook "
            f"({'within' if largest <= LESSON_TARGET_S else 'over'}).",
        "", "Compute floor: the time a notebook's kernel spends in lib's compiled functions at steady-state speed: for "
            "each compiled function, its number of calls times its median call after the first (the first call also "
            "traces it). Steps: lib.optimise.make_step's (optimise_image, ideal_image, deep_dream and the attacks run "
            "them); attribution/predict: lib.attribution's compiled gradients and Grad-CAM, and predict_batch's "
            "batched predictions. Not in the floor: tracing, eager model calls (lib.predict), NumPy, plotting, the "
            "kernel's start and imports. First calls: each compiled function's first call, which traces it (1-2 s for "
            "a Lite0 step) and runs it once" + (f", and {once} call(s) of compiled functions called only once (no "
                                             "steady-state time to count)." if once else ".")]


def memory_rows() -> list[str]:
    lesson = ROOT / "lessons" / "02_naive_ideal_cat.ipynb"
    rows = ["| lesson 02 with | peak RSS of the kernel, MB | share of Binder's 2 GB |", "|---|---|---|"]
    for label, environment in (("efficientnet_lite0", {"SEECAT_MODEL": "efficientnet_lite0"}),
                               ("vgg16 architecture (random weights)", {"SEECAT_MODEL": "vgg16", "SEECAT_VGG16_WEIGHTS": "random"})):
        _, peak, _ = run_notebook(lesson, PEAK_RSS_CELL, environment)
        megabytes = int(peak) if peak.isdigit() else float("nan")
        rows.append(f"| {label} | {megabytes} | {megabytes / BINDER_LIMIT_MB:.0%} |")
        print(rows[-1], file=sys.stderr, flush=True)
    return rows


GALLERY = ["Siamese cat", "zebra", "goldfish", "flamingo", "school bus", "strawberry", "volcano", "daisy",
           "jellyfish", "golden retriever"]
# (source model(s), recipe label, settings). "recipe" takes the fourier recipe's settings (its centred logit among them);
# the other rows maximise the target's logit. "transforms": "lucid" is lib.transforms.standard_transforms(), "strong"
# is strong_transforms().
AGREEMENT_ROWS = [
    ("efficientnet_lite0", "naive pixels", {}),
    ("efficientnet_lite0", "pixels + TV", {"tv": lib.recipes.DEFAULT_TV_WEIGHT}),
    ("efficientnet_lite0", "pixels + lucid's transforms", {"transforms": "lucid"}),
    ("efficientnet_lite0", "Fourier 1/f + colour, no transforms", {"parameterisation": "fourier"}),
    ("efficientnet_lite0", "Fourier 1/f + colour + lucid's transforms", {"parameterisation": "fourier", "transforms": "lucid"}),
    ("efficientnet_lite0", "Fourier 1/f^1.5 + colour + strong transforms with noise",
     {"parameterisation": "fourier", "decay": lib.recipes.FOURIER_DECAY, "transforms": "strong",
      "learning_rate": lib.recipes.FOURIER_LEARNING_RATE}),
    ("efficientnet_lite0", "recipe \"fourier\": the same + 0.0003 TV, centred logit", {"recipe": True, "seeds": (0, 1, 2)}),
    ("efficientnet_lite0+efficientnet_lite1", "recipe \"fourier\", both models at once", {"recipe": True}),
    ("squeezenet1_1", "recipe \"fourier\" (learning rate 0.01)", {"recipe": True, "seeds": (0, 1, 2)}),
]
JUDGES = ["efficientnet_lite2", "squeezenet1_1", "efficientnet_lite0"]
GALLERY_ROW = 6  # the README's gallery: Lite0 with the fourier recipe


def save_gallery(images: list, classes: list[str], verdicts: list[str], path: Path) -> None:
    """The README's gallery: each class's ideal image, the judges' ranks for the class underneath."""
    figure = lib.show_images(images, classes, columns=5)
    figure.set_size_inches(14, 7)
    for axes, verdict in zip(figure.axes, verdicts):
        axes.set_xlabel(verdict, fontsize=11)
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, dpi=72, bbox_inches="tight", pil_kwargs={"quality": 85, "optimize": True})


def row_settings(target: str, settings: dict, num_steps: int, model_name: str | None = None) -> dict:
    """optimise_image's arguments for one row of AGREEMENT_ROWS."""
    from lib.transforms import standard_transforms, strong_transforms

    if settings.get("recipe"):
        return {**lib.recipes.recipe_settings("fourier", target, model_name=model_name), "num_steps": num_steps}
    fourier = settings.get("parameterisation") == "fourier"
    transforms = {"lucid": standard_transforms, "strong": strong_transforms}.get(settings.get("transforms"))
    return {"objective": lib.logit(target) + settings.get("tv", 0.0) * lib.total_variation(), "num_steps": num_steps,
            "stop_at": None, "parameterisation": "fourier" if fourier else "pixels", "decay": settings.get("decay"),
            "learning_rate": settings.get("learning_rate", 0.05 if fourier else 0.01),
            "transforms": transforms() if transforms else None}


def agreement_cell(counts: list[int], total: int) -> str:
    """"7/10" for one seed; "7, 6, 8 of 10 (mean 7.0)" for several."""
    if len(counts) == 1:
        return f"{counts[0]}/{total}"
    return f"{', '.join(map(str, counts))} of {total} (mean {statistics.mean(counts):.1f})"


def agreement_rows(classes: list[str], num_steps: int, gallery: Path | None = None) -> list[str]:
    """How often a judge that never saw an image puts its class in the top-5."""
    names = {name for row in AGREEMENT_ROWS for name in row[0].split("+")} | set(JUDGES)
    loaded = {name: lib.load_model(name) for name in sorted(names)}
    rows = [f"| source model, recipe ({num_steps} steps, Adam) | s / image | "
            + " | ".join(f"judge {judge}" for judge in JUDGES) + " |", "|---" * (2 + len(JUDGES)) + "|"]
    for index, (source, label, settings) in enumerate(AGREEMENT_ROWS):
        makers = source.split("+")
        model = loaded[makers[0]] if len(makers) == 1 else lib.ensemble([loaded[name] for name in makers])
        seeds = settings.get("seeds", (0,))
        agree, seconds, images, captions = {judge: [0] * len(seeds) for judge in JUDGES}, [], [], []
        for run, seed in enumerate(seeds):
            for target in classes:
                arguments = row_settings(target, settings, num_steps, model.name)
                began = time.perf_counter()
                result = lib.optimise_image(model, arguments.pop("objective"), target=target, seed=seed, **arguments)
                seconds.append(time.perf_counter() - began)
                verdicts = []
                for judge in JUDGES:
                    if judge not in makers:  # a judge never judges an image it helped to make
                        opinion = lib.second_opinion(loaded[judge], result.image, target)
                        agree[judge][run] += opinion.agrees
                        verdicts.append(f"{models.short_name(judge)} #{opinion.target_rank}")
                if run == 0:
                    images.append(result.image)
                    captions.append(", ".join(verdicts))
        if gallery is not None and index == GALLERY_ROW:
            save_gallery(images, classes, captions, gallery)
        cells = [("-" if judge in makers else agreement_cell(agree[judge], len(classes))) for judge in JUDGES]
        rows.append(f"| {source.replace('+', ' + ')}, {label} | {statistics.mean(seconds):.0f} | " + " | ".join(cells) + " |")
        print(rows[-1], file=sys.stderr, flush=True)
    return rows


# Section 6: (method, the settings timed, the issue's target in seconds per map on 2 cores with Lite0)
EXPLAIN_ROWS = [
    ("gradient", {}, 0.2),
    ("smoothgrad", {"samples": 32}, 2.0),
    ("integrated_gradients", {"steps": 64}, 2.0),
    ("gradcam", {}, 0.2),
    ("occlusion", {"patch": 32, "stride": 16}, 3.0),
]
TINY_EXPLAIN_SETTINGS = {"samples": 8, "steps": 8, "patch": 112, "stride": 112}  # --tiny: one batch per map
EXPLAIN_REPEATS = 7


def explain_rows(repeats: int, tiny: bool = False) -> list[str]:
    """Seconds per map of each attribution method on the cat photo with Lite0, medians of `repeats`: batched (the
    method's default batch_size) and unbatched (batch_size=1, one image per model call); the process's peak memory."""
    from lib import attribution

    model = lib.load_model("efficientnet_lite0")
    image = lib.load_image(lib.data_path("cat.png"), size=224)
    target = attribution.top_class(model, image)  # given to each call, so no map pays for finding it
    rows = ["| method | settings | batched s/map | unbatched s/map | speed-up | target | within target |",
            "|---|---|---|---|---|---|---|"]
    for method, settings, target_seconds in EXPLAIN_ROWS:
        settings = {name: TINY_EXPLAIN_SETTINGS[name] for name in settings} if tiny else settings
        batch_size = attribution.METHODS[method].get("batch_size")

        def seconds(**extra) -> float:  # median of `repeats` after one warm-up call (the first call compiles)
            return median_ms(lambda: attribution.explain(model, image, target, method, **settings, **extra),
                             repeats, warmup=1) / 1000

        batched = seconds()
        unbatched = None if batch_size is None else seconds(batch_size=1)
        described = ", ".join([f"{name}={value}" for name, value in settings.items()]
                              + ([] if batch_size is None else [f"batch_size={batch_size} (unbatched: 1)"]))
        rows.append(f"| {method} | {described or '—'} | {batched:.3f} | "
                    + ("— | — |" if unbatched is None else f"{unbatched:.3f} | {unbatched / batched:.1f}x |")
                    + f" <= {target_seconds:g} s | {'yes' if batched <= target_seconds else 'no'} |")
        print(rows[-1], file=sys.stderr, flush=True)
    return rows + ["", "Unbatched —: gradient and gradcam send the one image through the model in one call, there is "
                   "nothing to batch. Within target judges the batched time (explain's default). Each map explains "
                   f"the photo's top class, {lib.class_name(target)}.",
                   f"Peak memory of this process (TensorFlow, Lite0, the maps): {peak_rss_mb()} MB."]


INSIDE_STEPS = 256  # the Fourier recipe's own number of steps
INSIDE_CHANNEL = ("block10", 33)  # lesson 08's block10 channel


def yes(within: bool) -> str:
    return "yes" if within else "no"


def echoed(rows: list[str]) -> list[str]:
    """A table's rows, each printed to stderr as well (below its two header lines), to follow a long run."""
    for row in rows[2:]:
        print(row, file=sys.stderr, flush=True)
    return rows


def inside_rows(tiny: bool = False) -> list[str]:
    """Lesson 08's costs with Lite0: one channel's ideal image, a batch of four with the diversity term against one,
    DeepDream on the cat photo (each run once, after a short warm-up run)."""
    model = lib.load_model("efficientnet_lite0")
    steps = 4 if tiny else INSIDE_STEPS
    layer, index = INSIDE_CHANNEL
    one_objective = lib.channel(layer, index)
    four_objective = lib.channel(layer, index) + 10.0 * lib.diversity(layer)

    def run(objective, batch: int):
        lib.ideal_image(model, objective, "fourier", num_steps=2, batch=batch)  # warm-up
        began = time.perf_counter()
        result = lib.ideal_image(model, objective, "fourier", num_steps=steps, batch=batch)
        return time.perf_counter() - began, result

    one_seconds, one = run(one_objective, 1)
    four_seconds, _ = run(four_objective, 4)
    cat = lib.load_image(lib.data_path("cat.png"), size=224)
    octaves, per_octave = (1, 2) if tiny else (3, 20)
    lib.deep_dream(model, cat, "block11", octaves=octaves, steps_per_octave=1)  # warm-up
    began = time.perf_counter()
    lib.deep_dream(model, cat, "block11", octaves=octaves, steps_per_octave=per_octave)
    dream_seconds = time.perf_counter() - began
    reached = float(lib.activations(model, one.image, layer)[..., index].mean())
    rows = echoed(["| task | settings | seconds | target | within target |", "|---|---|---|---|---|",
                   f"| one channel's ideal image | {layer} #{index}, Fourier recipe, {steps} steps | {one_seconds:.1f} "
                   f"| <= 15 s | {yes(one_seconds <= 15)} |",
                   f"| four diverse images in one batch | + 10 x diversity({layer!r}), {steps} steps | {four_seconds:.1f} "
                   f"({four_seconds / one_seconds:.1f}x one) | <= 2x one | {yes(four_seconds <= 2 * one_seconds)} |",
                   f"| DeepDream on the cat photo, 224 px | block11, {octaves} octaves x {per_octave} steps | "
                   f"{dream_seconds:.1f} | <= 20 s | {yes(dream_seconds <= 20)} |"])
    return rows + ["", f"The channel's mean activation over its ideal image: {reached:.1f}. Each run compiles its own "
                   "step (about a second, included); a short run before each warms TensorFlow up."]


ATTACK_BUDGETS = [0.5, 1, 2, 4, 8, 16]  # lesson 09's success curves
ATTACK_TARGET = "Siamese cat"


def attack_rows(tiny: bool = False) -> list[str]:
    """Lesson 09's costs with Lite0 on the photo set: PGD (20 steps) on all photos in one batch against one photo at a
    time, each after a warm-up call that compiles its step; then the lesson's four success curves, from cold."""
    import functools

    from lib import attacks

    model = lib.load_model("efficientnet_lite0")
    photos, labels, _ = lib.load_photo_set(224)
    photos, labels = (photos[:3], labels[:3]) if tiny else (photos, labels)
    steps, budgets = (2, ATTACK_BUDGETS[2:4]) if tiny else (20, ATTACK_BUDGETS)

    def timed(function) -> float:
        began = time.perf_counter()
        function()
        return time.perf_counter() - began

    def batch():
        return attacks.pgd(model, photos, labels, 4, steps=steps)

    def one_at_a_time():
        return [attacks.pgd(model, photos[k:k + 1], labels[k:k + 1], 4, steps=steps) for k in range(len(photos))]

    attacks._COMPILED.clear()
    batch_cold, batch_warm = timed(batch), timed(batch)
    single_cold, single_warm = timed(lambda: attacks.pgd(model, photos[:1], labels[:1], 4, steps=steps)), timed(one_at_a_time)
    attacks._COMPILED.clear()  # the curves as the lesson runs them: each attack compiles once
    made_by = {"FGSM": functools.partial(lib.fgsm, model), "PGD": functools.partial(lib.pgd, model)}
    began, rates = time.perf_counter(), {}
    for kind, targets in (("untargeted", None), ("targeted", [ATTACK_TARGET] * len(photos))):
        for name, attack in made_by.items():
            rates[f"{name}, {kind}"] = lib.success_rate(model, photos, labels, attack, budgets, targets)[model.name]
    curves = time.perf_counter() - began
    rows = echoed(["| task | seconds | target | within target |", "|---|---|---|---|",
                   f"| PGD, {steps} steps at 4/255, all {len(photos)} photos in one call | {batch_warm:.1f} "
                   f"(first call {batch_cold:.1f}, with compiling) | — | — |",
                   f"| the same, one photo at a time | {single_warm:.1f} ({single_warm / batch_warm:.1f}x the batch; the "
                   f"first photo {single_cold:.1f}, with compiling) | — | — |",
                   f"| lesson 09's curves: FGSM and PGD (10 steps), untargeted and targeted, at {len(budgets)} budgets "
                   f"| {curves:.1f} | <= 60 s | {yes(curves <= 60)} |"])
    budgets_row = " | ".join(f"{budget:g}/255" for budget in budgets)
    table = [f"| attack | {budgets_row} |", "|---|" + "---|" * len(budgets)]
    table += [f"| {name} | " + " | ".join(f"{100 * rate:.0f}%" for rate in values) + " |" for name, values in rates.items()]
    return rows + ["", f"Share of the {len(photos)} photos fooled (targeted: made a {ATTACK_TARGET}):", "", *table, "",
                   f"Peak memory of this process: {peak_rss_mb()} MB."]


EOT_SETTINGS = [(2, 50), (2, 100), (4, 50), (4, 100), (8, 50), (8, 100)]  # (draws, steps) tried for EOT's defaults
EOT_BUDGET = 8  # levels of 255: the targeted camera attack of issue 23 and `seecat attack --method eot --eps 8`


def eot_rows(tiny: bool = False) -> list[str]:
    """EOT's defaults by measurement: the targeted camera attack (Siamese cat, 8/255, camera shots saved as JPEG 75)
    on lesson 09's photos, one photo at a time as `seecat attack` makes it, at each (draws, steps) of EOT_SETTINGS;
    then, per photo, the default's result: as saved, after JPEG 75, and the share of 20 fresh camera + JPEG shots."""
    from lib import attacks

    model = lib.load_model("efficientnet_lite0")
    photos, labels, files = lib.load_photo_set(224)
    right = ~attacks.fooled(model, photos, labels)
    photos, labels, files = photos[right], [y for y, ok in zip(labels, right) if ok], [f for f, ok in zip(files, right) if ok]
    settings = [(2, 2)] if tiny else EOT_SETTINGS
    if tiny:
        photos, labels, files = photos[:2], labels[:2], files[:2]
    summary = ["| draws | steps | succeed (all three) | as saved | after JPEG 75 | fresh shots (mean) | seconds a photo |",
               "|---|---|---|---|---|---|---|"]
    per_photo = {}
    for draws, steps in settings:
        attacks.attack(model, photos[:1], labels[:1], "eot", EOT_BUDGET, targets=[ATTACK_TARGET], draws=draws,
                       steps=1)  # compiles this number of views' step, so that no photo's seconds include it
        results = []
        for k in range(len(photos)):
            results.append(attacks.attack(model, photos[k:k + 1], labels[k:k + 1], "eot", EOT_BUDGET,
                                          targets=[ATTACK_TARGET], draws=draws, steps=steps))
        per_photo[(draws, steps)] = results
        seconds = np.mean([r.seconds for r in results])
        count = sum(r.count for r in results)
        default = " (default)" if (draws, steps) == (attacks.EOT_DRAWS, attacks.STEPS["eot"]) else ""
        summary.append(f"| {draws}{default} | {steps} | {count} of {len(photos)} | "
                       f"{sum(int(r.as_saved[0]) for r in results)} | {sum(int(r.after_then[0]) for r in results)} | "
                       f"{100 * np.mean([r.shot_share[0] for r in results]):.0f}% | {seconds:.1f} |")
        print(summary[-1], flush=True)
    chosen = per_photo.get((attacks.EOT_DRAWS, attacks.STEPS["eot"]), per_photo[settings[-1]])
    table = ["| photo | class | as saved | after JPEG 75 | fresh camera + JPEG shots | seconds |", "|---|---|---|---|---|---|"]
    for name, label, r in zip(files, labels, chosen):
        table.append(f"| {Path(name).name} | {label} | {yes(bool(r.as_saved[0]))} | {yes(bool(r.after_then[0]))} | "
                     f"{round(r.shot_share[0] * r.shots)} of {r.shots} | {r.seconds:.1f} |")
    table.append(f"| mean | | {np.mean([r.as_saved[0] for r in chosen]):.0%} | "
                 f"{np.mean([r.after_then[0] for r in chosen]):.0%} | {np.mean([r.shot_share[0] for r in chosen]):.0%} | "
                 f"{np.mean([r.seconds for r in chosen]):.1f} |")
    return [f"Targeted to {ATTACK_TARGET} at {EOT_BUDGET}/255 on {len(photos)} photos, each alone:", "", *summary, "",
            "Per photo, with the defaults:", "", *table, "", f"Peak memory of this process: {peak_rss_mb()} MB."]


DETERMINISM_STEPS = {"fourier": 64, "pgd": 20}  # enough steps for a steady median, few enough for a short section
DETERMINISM_PHOTOS = 4  # one batch of lib.attacks' default size


def determinism_worker(out: Path, tiny: bool = False) -> dict:
    """One process of the determinism section (SEECAT_DETERMINISTIC comes from its environment): a Lite0 run of the
    Fourier recipe and a PGD attack, each twice with the run's seed; saves the images to `out` (.npz), returns the
    seconds per step of the second run of each (the first also traces its step)."""
    from lib import attacks, seeds

    model = lib.load_model("efficientnet_lite0")
    fourier_steps, pgd_steps = (3, 2) if tiny else (DETERMINISM_STEPS["fourier"], DETERMINISM_STEPS["pgd"])
    fourier = [lib.ideal_image(model, "Siamese cat", "fourier", num_steps=fourier_steps) for _ in range(2)]
    photos, labels, _ = lib.load_photo_set(224)
    photos, labels = photos[:2 if tiny else DETERMINISM_PHOTOS], labels[:2 if tiny else DETERMINISM_PHOTOS]
    attacked, seconds = [], []
    for _ in range(2):
        began = time.perf_counter()
        attacked.append(attacks.pgd(model, photos, labels, 4, steps=pgd_steps))
        seconds.append(time.perf_counter() - began)
    np.savez(out, fourier_1=fourier[0].image, fourier_2=fourier[1].image, pgd_1=attacked[0], pgd_2=attacked[1])
    return {"deterministic": seeds.deterministic(), "seed": seeds.run_seed(), "fourier_steps": fourier_steps,
            "fourier_s_per_step": fourier[1].seconds_per_step, "pgd_steps": pgd_steps, "pgd_photos": len(photos),
            "pgd_s_per_step": seconds[1] / pgd_steps}


def same_images(a: np.ndarray, b: np.ndarray) -> str:
    """"yes" when bit-identical, else "no" and the largest difference in levels of 255."""
    if a.shape == b.shape and a.dtype == b.dtype and a.tobytes() == b.tobytes():
        return "yes"
    return f"no (up to {np.abs(a.astype(np.float64) - b).max() * 255:.2g}/255)" if a.shape == b.shape else "no (shapes)"


def determinism_rows(tiny: bool = False) -> list[str]:
    """The cost of SEECAT_DETERMINISTIC=1: two processes with it off and two with it on, each running the Fourier
    recipe and PGD twice with the same seed; seconds per step, and whether the images came out bit-identical."""
    import json
    import subprocess
    import tempfile

    results = {}
    with tempfile.TemporaryDirectory() as folder:
        for process in (1, 2):  # off, on, off, on: a machine whose load drifts weighs on both alike
            for mode in ("0", "1"):
                out = Path(folder, f"{mode}-{process}.npz")
                done = subprocess.run([sys.executable, __file__, "--determinism-worker", str(out)]
                                      + (["--tiny"] if tiny else []),
                                      env={**os.environ, "SEECAT_DETERMINISTIC": mode}, capture_output=True, text=True)
                if done.returncode != 0:
                    raise RuntimeError(f"the determinism worker (SEECAT_DETERMINISTIC={mode}) failed:\n{done.stderr[-3000:]}")
                report = json.loads(done.stdout.strip().splitlines()[-1])
                with np.load(out) as images:
                    results[mode, process] = report, {name: images[name] for name in images.files}
                print(f"SEECAT_DETERMINISTIC={mode}, process {process}: {report}", file=sys.stderr, flush=True)
    return determinism_table(results)


def determinism_table(results: dict) -> list[str]:
    """The section's table from {(mode "0" or "1", process 1 or 2): (worker's report, its images)}."""
    report = results["0", 1][0]
    if results["1", 1][0]["deterministic"] is not True or report["deterministic"] is not False:
        raise RuntimeError("SEECAT_DETERMINISTIC did not reach the workers as set: " + repr(
            {key: value[0]["deterministic"] for key, value in results.items()}))
    tasks = {"fourier": f"Fourier recipe, {report['fourier_steps']} steps (Lite0, 224 px, batch 1)",
             "pgd": f"PGD at 4/255, {report['pgd_steps']} steps on {report['pgd_photos']} photos at once (Lite0)"}
    rows = ["| task | op determinism | ms / step (process 1, 2) | on / off | same seed, bit-identical: "
            "two runs in one process | two processes |", "|---|---|---|---|---|---|"]
    for task, label in tasks.items():
        means = {mode: statistics.mean(results[mode, k][0][f"{task}_s_per_step"] for k in (1, 2)) for mode in "01"}
        ratio = {"0": "—", "1": f"{means['1'] / means['0']:.2f}x"}
        for mode in "01":
            (one, first), (two, second) = results[mode, 1], results[mode, 2]
            within = [same_images(images[f"{task}_1"], images[f"{task}_2"]) for images in (first, second)]
            rows.append(f"| {label} | {'on' if mode == '1' else 'off'} | {1000 * one[f'{task}_s_per_step']:.0f}, "
                        f"{1000 * two[f'{task}_s_per_step']:.0f} | "
                        f"{ratio[mode]} | "
                        f"{within[0] if within[0] == within[1] else ', '.join(within)} | "
                        f"{same_images(first[f'{task}_1'], second[f'{task}_1'])} |")
    return rows + ["", f"Each process (off, on, off, on) runs each task twice with seed {report['seed']} (SEECAT_SEED) "
                   "and times the second run: the Fourier recipe's median step (lib's Result.seconds_per_step), "
                   "PGD's whole call over its steps. On / off: the mean of the two processes with "
                   "SEECAT_DETERMINISTIC=1 over the mean of the two with it off."]


def machine() -> str:
    return f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, TensorFlow {tf.__version__}"


SECTION_FLAGS = {  # --flag: runs only that section
    "goals": "only section 2: steps and seconds to the goal",
    "explain": "only section 6: seconds per attribution map (with --tiny: smaller settings, one repeat)",
    "inside": "only section 7: lesson 08's channel images, a diverse batch and DeepDream (with --tiny: a few steps)",
    "attacks": "only section 8: lesson 09's attacks, batched and one photo at a time, and its success curves",
    "peers": "only the side by side: seecat against tf-keras-vis, PAIR's saliency and foolbox "
             "(bench/requirements-peers.txt)",
    "determinism": "only section 9: the cost of SEECAT_DETERMINISTIC=1 (with --tiny: a few steps)",
    "eot": "only section 10: EOT's draws and steps against survival on fresh camera shots, and the targeted camera "
           "attack per photo (with --tiny: two photos, two steps)",
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tiny", action="store_true", help="a smoke run: one model, few steps, no notebooks")
    only = parser.add_mutually_exclusive_group()
    only.add_argument("--notebooks", nargs="*", type=Path, metavar="NOTEBOOK",
                      help="only section 3: each notebook's time against its compute floor, and its memory "
                           "(all notebooks, or those named)")
    for flag, text in SECTION_FLAGS.items():
        only.add_argument(f"--{flag}", action="store_true", help=text)
    only.add_argument("--determinism-worker", type=Path, metavar="OUT.npz", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.determinism_worker:
        import json

        print(json.dumps(determinism_worker(args.determinism_worker, args.tiny)))
        return 0
    import peers  # bench/peers.py imports this module, so it is imported here rather than at the top
    explain_repeats = 1 if args.tiny else EXPLAIN_REPEATS
    if args.notebooks is not None or args.goals or args.explain or args.inside or args.attacks or args.peers \
            or args.determinism or args.eot:
        rows = notebook_rows(args.notebooks or None) if args.notebooks is not None else \
            eot_rows(args.tiny) if args.eot else \
            determinism_rows(args.tiny) if args.determinism else \
            explain_rows(explain_repeats, args.tiny) if args.explain else \
            inside_rows(args.tiny) if args.inside else attack_rows(args.tiny) if args.attacks else peers.side_by_side_rows() if args.peers else \
            goal_rows(lib.load_model("efficientnet_lite0"), ARTICLE_STEPS)
        print(f"Measured on {machine()}, {time.strftime('%Y-%m-%d')}.\n", *rows, sep="\n")
        return 0
    explain = explain_rows(explain_repeats, args.tiny)  # first, while the process holds only Lite0: its peak is its own
    repeats = 3 if args.tiny else 20
    names = ["efficientnet_lite0"] if args.tiny else \
        ["efficientnet_lite0", "efficientnet_lite2", "squeezenet1_1", "vgg16 (random weights)"]
    sections = [f"Measured on {machine()}, {time.strftime('%Y-%m-%d')}.",
                "\n### 1. One step (forward + backward to the input, batch 1), medians\n", *step_cost_rows(names, repeats),
                "\n### 2. Steps and seconds to the goal, efficientnet_lite0\n",
                *goal_rows(lib.load_model("efficientnet_lite0"), 5 if args.tiny else ARTICLE_STEPS, 5 if args.tiny else None)]
    if not args.tiny:
        sections += ["\n### 3. Each notebook under the test settings (fresh kernel, embedded model)\n", *notebook_rows(),
                     "\n### 4. Peak memory of lesson 02\n", *memory_rows()]
    sections += ["\n### 5. Would another network agree? Judges' top-5 agreement on the class of each ideal image\n",
                 *agreement_rows(GALLERY[:1] if args.tiny else GALLERY, 4 if args.tiny else 256,
                                 None if args.tiny else ROOT / "docs" / "gallery.jpg"),
                 "\n### 6. Attribution maps, efficientnet_lite0 on data/cat.png at 224x224: seconds per map, medians "
                 f"of {explain_repeats} after a warm-up call\n", *explain,
                 "\n### 7. Inside the network (lesson 08), efficientnet_lite0\n", *inside_rows(args.tiny),
                 "\n### 8. Attacks (lesson 09), efficientnet_lite0 on the photo set\n", *attack_rows(args.tiny),
                 "\n### 9. The cost of SEECAT_DETERMINISTIC=1 (TensorFlow's op determinism)\n",
                 *determinism_rows(args.tiny),
                 "\n### 10. Attacks that survive a camera: EOT's draws and steps (efficientnet_lite0)\n",
                 *eot_rows(args.tiny)]
    if not args.tiny:
        sections += ["\n### Side by side with the peers: tf-keras-vis, PAIR's saliency, foolbox\n", *peers.side_by_side_rows()]
    print("\n".join(sections))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
