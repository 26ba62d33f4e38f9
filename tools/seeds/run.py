"""Run every lesson under several seeds, as Run All does, and say which seeds each lesson's claims survive.

`make test-seeds` runs this for SEECAT_SEED = 1, 2 and 3 (CI runs seed 0,
through `make test`). Each (lesson, seed) runs top to bottom in a fresh
kernel with the embedded EfficientNet-Lite0, and stops at the first cell
that raises, as JupyterLab's Run All does. It prints a table, lesson by
seed: the seconds it took when it passed, or the failing check's message.
A contributor runs it before changing a lesson: a claim must hold on every
seed, not just on the one you happened to run.

    python tools/seeds/run.py                     # seeds 1 2 3, every lesson and the solutions
    python tools/seeds/run.py --seeds 0 1 2 3 4 lessons/09_attacks_and_defences.ipynb
    python tools/seeds/run.py --jobs 2 --busy     # two notebooks at a time, both cores also kept busy

With every notebook (the default) the table also goes to docs/test-seeds.md,
with the date, the commit and the machine, so the last result is kept.
Exit status: 0 if every run passed, 1 if any failed.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import datetime
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nbformat
from jupyter_client.manager import KernelManager
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError

ROOT = Path(__file__).resolve().parents[2]
RECORD = ROOT / "docs" / "test-seeds.md"
SEEDS = (1, 2, 3)
MODEL = "efficientnet_lite0"  # the model the lessons' checks are stated for
CELL_TIMEOUT = 1200  # seconds one cell may run


def notebooks(root: Path = ROOT) -> list[Path]:
    """Every lesson in order, then the solutions."""
    return sorted((root / "lessons").glob("*.ipynb")) + sorted((root / "solutions").glob("*.ipynb"))


def failure_message(error: Exception) -> str:
    """The failing check's own message (✗ Expected: ...), or the last line of the error, on one line."""
    text = re.sub(r"\x1b\[[0-9;]*m", "", str(error))  # no terminal colours
    check = re.search(r"(✗ Expected: .*)", text)
    if check:
        return " ".join(check[1].split())
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    named = [line for line in lines if re.match(r"^[A-Za-z_.]*(Error|Exception|Failed|Interrupt)\b", line)]
    return " ".join((named or lines or [type(error).__name__])[-1].split())


def run_one(notebook: Path, seed: int, keep: Path | None = None) -> tuple[bool, float, str]:
    """Run `notebook` with SEECAT_SEED=seed in a fresh kernel; returns (passed, seconds, failure message)."""
    nb = nbformat.read(notebook, as_version=4)
    env = {**os.environ, "SEECAT_SEED": str(seed), "SEECAT_MODEL": MODEL}
    env.pop("MPLBACKEND", None)
    # The kernel talks over files of its own folder (IPC), not TCP ports: two kernels started at the same moment
    # can pick the same free ports, and then a client waits for good on a kernel that answers another one.
    sockets = tempfile.mkdtemp(prefix="seecat-kernel-")
    manager = KernelManager(kernel_name="python3", transport="ipc", ip=os.path.join(sockets, "kernel"))
    client = NotebookClient(nb, km=manager, timeout=CELL_TIMEOUT, resources={"metadata": {"path": str(notebook.parent)}})
    began = time.perf_counter()
    try:
        client.execute(env=env)
        passed, message = True, ""
    except (CellExecutionError, CellTimeoutError, DeadKernelError) as error:
        passed, message = False, failure_message(error)
    finally:
        shutil.rmtree(sockets, ignore_errors=True)
    seconds = time.perf_counter() - began
    if keep is not None:
        keep.mkdir(parents=True, exist_ok=True)
        nbformat.write(nb, keep / f"{notebook.stem}.seed{seed}.ipynb")
    return passed, seconds, message


def busy_cores() -> list[subprocess.Popen]:
    """One `yes > /dev/null` per core: the machine is as busy as a shared laptop or CI runner can be."""
    return [subprocess.Popen(["yes"], stdout=subprocess.DEVNULL) for _ in range(os.cpu_count() or 1)]


def table(paths: list[Path], seeds: list[int], results: dict) -> list[str]:
    """Markdown rows: one per notebook, one column per seed."""
    rows = ["| notebook | " + " | ".join(f"seed {seed}" for seed in seeds) + " |",
            "|---|" + "---|" * len(seeds)]
    for path in paths:
        cells = []
        for seed in seeds:
            passed, seconds, message = results[path, seed]
            cells.append(f"pass ({seconds:.0f} s)" if passed else f"**fail**: {message.replace('|', '/')}")
        rows.append(f"| {path.relative_to(ROOT).as_posix()} | " + " | ".join(cells) + " |")
    return rows


def commit() -> str:
    """The commit checked out, with "+ changes" if the working tree differs from it."""
    try:
        head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True,
                              check=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=ROOT,
                               capture_output=True, text=True).stdout.strip()
        return head + (" + uncommitted changes" if dirty else "")
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def record(rows: list[str], seeds: list[int], busy: bool, jobs: int, seconds: float, path: Path = RECORD) -> None:
    """Keep the last full result in docs/test-seeds.md."""
    import tensorflow as tf

    when = datetime.datetime.now().strftime("%Y-%m-%d %H:%M")
    load = "both cores also kept busy (`--busy`)" if busy else "nothing else running"
    path.write_text(
        "# The lessons under other seeds\n\n"
        "The last result of `make test-seeds` (`python tools/seeds/run.py`): every lesson and the solutions, "
        "run top to bottom in a fresh kernel with Run All's rule (the first error stops the notebook), once per "
        "seed (`SEECAT_SEED`). Seed 0, the default, is what `make test` runs. Run it before changing a lesson, "
        "and commit this file with the change.\n\n"
        f"- date: {when}\n- commit: {commit()}\n- machine: {platform.machine()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}, TensorFlow {tf.__version__}, {MODEL}\n"
        f"- seeds: {', '.join(map(str, seeds))}; {jobs} notebook(s) at a time, {load}; {seconds / 60:.0f} minutes "
        "in all\n\n" + "\n".join(rows) + "\n", encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebooks", nargs="*", type=Path, help="notebooks to run (default: every lesson and the solutions)")
    parser.add_argument("--seeds", nargs="+", type=int, default=list(SEEDS), help="seeds to run (default: 1 2 3)")
    parser.add_argument("--jobs", type=int, default=1, help="notebooks run at the same time (default 1)")
    parser.add_argument("--busy", action="store_true", help="keep every core busy with `yes` while the notebooks run")
    parser.add_argument("--keep", type=Path, help="save each executed notebook in this folder, to read its outputs")
    parser.add_argument("--no-record", action="store_true", help=f"don't write {RECORD.relative_to(ROOT)}")
    args = parser.parse_args(argv)

    paths = [path.resolve() for path in args.notebooks] or notebooks()
    missing = [str(path) for path in paths if not path.is_file()]
    if missing or args.jobs < 1 or any(seed < 0 for seed in args.seeds):
        parser.error(f"no such notebook: {', '.join(missing)}" if missing else "--jobs must be 1 or more, seeds 0 or more")
    runs = [(path, seed) for seed in args.seeds for path in paths]
    print(f"{len(runs)} runs: {len(paths)} notebook(s) x seeds {', '.join(map(str, args.seeds))}, "
          f"{args.jobs} at a time{', every core kept busy' if args.busy else ''}", flush=True)
    load = busy_cores() if args.busy else []
    began, results = time.perf_counter(), {}
    try:
        with concurrent.futures.ThreadPoolExecutor(args.jobs) as pool:
            futures = {pool.submit(run_one, path, seed, args.keep): (path, seed) for path, seed in runs}
            for future in concurrent.futures.as_completed(futures):
                path, seed = futures[future]
                results[path, seed] = passed, seconds, message = future.result()
                print(f"{'✓' if passed else '✗'} seed {seed} {path.relative_to(ROOT)}: {seconds:.0f} s"
                      + ("" if passed else f": {message}"), flush=True)
    finally:
        for process in load:
            process.kill()
    seconds = time.perf_counter() - began
    rows = table(paths, args.seeds, results)
    print("\n" + "\n".join(rows))
    failed = sum(not passed for passed, _, _ in results.values())
    print(f"\n{len(results) - failed} of {len(results)} runs passed in {seconds / 60:.1f} minutes")
    if not args.notebooks and not args.no_record:
        record(rows, args.seeds, args.busy, args.jobs, seconds)
        print(f"kept in {RECORD.relative_to(ROOT)}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
