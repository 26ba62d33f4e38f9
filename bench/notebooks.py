"""Sections 3 and 4 of the benchmark: each notebook's run time against its compute floor, and lesson 02's memory.

A notebook runs in a fresh kernel (run_notebook). A cell added after its
setup cell (INSTRUMENT_CELL) times every call of lib's compiled functions; a
cell added at its end (REPORT_CELL) prints the kernel's peak memory and those
calls, from which compute_floor finds the time the notebook would spend in
them at steady-state speed.
"""

from __future__ import annotations

import inspect
import os
import sys
import time
from pathlib import Path

from common import ROOT, peak_rss_mb

BINDER_LIMIT_MB = 2048


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


PEAK_RSS_CELL = f"{inspect.getsource(peak_rss_mb)}\nprint(peak_rss_mb())"  # the kernel's peak, printed by its last cell


def instrument_compiled_functions() -> dict:
    """Runs in a notebook's kernel, right after its setup cell: times every call of lib's compiled functions.

    Wraps lib.make_step (optimise_image, ideal_image, deep_dream and the
    attacks reach it through it) so that each step it returns is timed, and
    lib.compiled.cached, the one way lib keeps a compiled function, so that
    each function it builds of the kinds in `timed_kinds` (attribution's
    gradients and Grad-CAM, predict_batch's predictor) is timed, call by call.
    Nothing in lib changes: only this kernel's module attributes.
    Returns {id of a compiled function: [kind, [seconds of each call]]}.
    """
    import sys
    import time

    from lib import attacks, compiled, optimise  # noqa: F401  (attacks: loaded, so that its make_step is wrapped)

    timed_kinds = {"gradients": "attribution", "predict": "predict"}  # lib.compiled's kind -> the floor's
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

    make_step, cached = optimise.make_step, compiled.cached

    def timed_make_step(*args, **kwargs):
        return Timed(make_step(*args, **kwargs), "step")

    def timed_cached(model, kind, key, build):
        if kind not in timed_kinds:
            return cached(model, kind, key, build)
        return cached(model, kind, key, lambda: Timed(build(), timed_kinds[kind]))

    for name, module in list(sys.modules.items()):  # lib and each of its modules that imported make_step
        if (name == "lib" or name.startswith("lib.")) and getattr(module, "make_step", None) is make_step:
            module.make_step = timed_make_step
    compiled.cached = timed_cached
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
    """Section 4: the peak memory of lesson 02's kernel with Lite0 and with VGG16's architecture, against Binder's."""
    lesson = ROOT / "lessons" / "02_naive_ideal_cat.ipynb"
    rows = ["| lesson 02 with | peak RSS of the kernel, MB | share of Binder's 2 GB |", "|---|---|---|"]
    for label, environment in (("efficientnet_lite0", {"SEECAT_MODEL": "efficientnet_lite0"}),
                               ("vgg16 architecture (random weights)", {"SEECAT_MODEL": "vgg16", "SEECAT_VGG16_WEIGHTS": "random"})):
        _, peak, _ = run_notebook(lesson, PEAK_RSS_CELL, environment)
        megabytes = int(peak) if peak.isdigit() else float("nan")
        rows.append(f"| {label} | {megabytes} | {megabytes / BINDER_LIMIT_MB:.0%} |")
        print(rows[-1], file=sys.stderr, flush=True)
    return rows
