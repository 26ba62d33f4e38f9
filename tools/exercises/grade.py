"""Grade submitted lesson 05 notebooks: one CSV row per student, one column per exercise, a total and a note.

    python tools/exercises/grade.py SUBMISSIONS [--out outputs/grades.csv] [--jobs 2]
                                    [--cell-timeout 300] [--timeout 1200]

Each .ipynb in SUBMISSIONS is graded by a worker process of its own (this
file with --one), which runs the notebook in a fresh Jupyter kernel, so the
student's code never runs in the grader's process. The kernel runs every
cell of the student, errors allowed (as if each were run by hand after the
last failed); a cell that runs longer than --cell-timeout is interrupted
and the next one runs. Then the grader appends its own cells, one per
exercise, which call that exercise's checker in its strict form
(`exercises.check_x.__wrapped__`, the one whose feedback students see in
their check cells) on the student's variables: a right answer scores the
exercise's points (POINTS: its ★), anything else 0 (the answer missing,
still None, wrong, or an error). A notebook still running after --timeout
seconds in all has its kernel killed and scores 0, with a note.

The CSV's note says why a notebook lost points other than by wrong answers:
the cells that raised or were stopped, or a file that is no notebook.
Each executed submission is kept in outputs/grading/<student>/ to look at.

Not a sandbox: the grading cells run in the student's kernel, after the
student's code, so a student who sets out to cheat (replacing a checker)
can; the grader catches mistakes, not tampering.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import csv
import json
import math
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[2]
WORKDIR = ROOT / "outputs" / "grading"
# One row per exercise: (column, points = its ★, the checker's strict call on the notebook's own variables).
EXERCISES = [
    ("exercise_1", 1, "check_ideal_image.__wrapped__(model, result, picker.value)"),
    ("exercise_2", 2, "check_untargeted_attack.__wrapped__(model, dog, adversarial, epsilon_255=2)"),
    ("exercise_3", 2, 'check_transfer.__wrapped__(model, others, dog_as_cat, "Siamese cat", p_target, fooled)'),
    ("exercise_4", 2, 'check_defence.__wrapped__(model, dog_as_cat, "Siamese cat", defended, undone)'),
    ("exercise_5", 3, 'check_smallest_budget.__wrapped__(model, dog, "Siamese cat", smallest_255)'),
    ("exercise_6", 3, 'check_tv_weight.__wrapped__(model, "Siamese cat", tv_results, best_weight)'),
]
POINTS = {column: points for column, points, _ in EXERCISES}
MARK = "SEECAT-GRADE "  # the grading cells' one printed line, read from their outputs only
GRADER_TAG = "seecat-grader"
CELL_TIMEOUT = 300  # seconds one cell may run; the slowest solution cell takes under 30 on a 2-core CPU
TIMEOUT = 1200  # seconds a whole notebook may run, the grading included
MODEL = "efficientnet_lite0"  # when SEECAT_MODEL is unset: the offline model the exercises' numbers are stated for


def grading_cell(column: str, points: int, call: str) -> nbformat.NotebookNode:
    """A cell of the grader's: prints MARK and {"exercise", "points", "why"} as JSON; 0 points on any exception."""
    source = (f"def _seecat_grade():\n"
              f"    import json\n"
              f"    try:\n"
              f"        from lib import exercises\n"
              f"        exercises.{call}\n"
              f"        return {points}, 'right'\n"
              f"    except BaseException as error:  # NotYet, a missing variable, anything the answer raises\n"
              f"        return 0, f'{{type(error).__name__}}: {{error}}'[:300]\n"
              f"_seecat_points, _seecat_why = _seecat_grade()\n"
              f"print({MARK!r} + __import__('json').dumps({{'exercise': {column!r}, 'points': _seecat_points, "
              f"'why': _seecat_why}}))")
    return nbformat.v4.new_code_cell(source, metadata={"tags": [GRADER_TAG]})


def prepared(notebook: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """The student's cells without outputs, then the grader's cells."""
    cells = [cell for cell in notebook.cells if cell.get("cell_type") in ("code", "markdown")]
    for cell in cells:
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
    cells += [grading_cell(*exercise) for exercise in EXERCISES]
    return nbformat.v4.new_notebook(cells=cells, metadata=notebook.get("metadata", {}))


def _printed(cell: nbformat.NotebookNode) -> str:
    return "".join(output.get("text", "") for output in cell.get("outputs", []) if output.output_type == "stream")


def scores_of(notebook: nbformat.NotebookNode) -> dict[str, int]:
    """{exercise column: points} read from the grader's own cells of an executed notebook (0 where none printed)."""
    scores = dict.fromkeys(POINTS, 0)
    for cell in notebook.cells:
        if GRADER_TAG in cell.get("metadata", {}).get("tags", []):
            for line in _printed(cell).splitlines():
                if line.startswith(MARK):
                    found = json.loads(line[len(MARK):])
                    scores[found["exercise"]] = min(int(found["points"]), POINTS[found["exercise"]])
    return scores


def grade_one(path: Path, cell_timeout: float, timeout: float, workdir: Path) -> dict:
    """Run one submission in a fresh kernel (in this process's child): {"scores": {...}, "note": "..."}."""
    from jupyter_client.manager import AsyncKernelManager  # nbclient's own kind: it can interrupt a cell
    from nbclient import NotebookClient
    from nbclient.exceptions import DeadKernelError

    try:
        notebook = prepared(nbformat.read(path, as_version=4))
    except Exception as error:  # not JSON, not a notebook
        return {"scores": dict.fromkeys(POINTS, 0), "note": f"not a notebook ({type(error).__name__})"}
    problems: list[str] = []
    student_cells = len(notebook.cells) - len(EXERCISES)

    def on_cell_error(cell, cell_index, execute_reply):
        if cell_index < student_cells:
            name = execute_reply["content"].get("ename", "an error")
            problems.append(f"cell {cell_index + 1} stopped after {cell_timeout:g} s" if name == "Timeout"
                            else f"cell {cell_index + 1} raised {name}")

    workdir.mkdir(parents=True, exist_ok=True)  # inside the repository: the setup cell finds lib/ above it
    sockets = tempfile.mkdtemp(prefix="seecat-grade-")
    manager = AsyncKernelManager(kernel_name="python3", transport="ipc", ip=os.path.join(sockets, "kernel"))
    client = NotebookClient(notebook, km=manager, timeout=math.ceil(cell_timeout), allow_errors=True, interrupt_on_timeout=True,
                            error_on_timeout={"ename": "Timeout", "evalue": f"stopped after {cell_timeout:g} s",
                                              "traceback": []},
                            on_cell_error=on_cell_error, resources={"metadata": {"path": str(workdir)}})
    timed_out = threading.Event()

    def stop() -> None:  # the whole notebook ran too long: kill its kernel; if nbclient doesn't notice, end here
        timed_out.set()
        if manager.has_kernel:
            os.kill(manager.provisioner.pid, signal.SIGKILL)
        time.sleep(30)
        print(json.dumps({"scores": dict.fromkeys(POINTS, 0), "note": f"stopped after {timeout:g} s in all"}))
        sys.stdout.flush()
        os._exit(0)

    watchdog = threading.Timer(timeout, stop)
    watchdog.daemon = True
    watchdog.start()
    env = {**os.environ, "SEECAT_MODEL": os.environ.get("SEECAT_MODEL") or MODEL}
    env.pop("MPLBACKEND", None)
    try:
        client.execute(env=env)
    except DeadKernelError:
        problems.append(f"stopped after {timeout:g} s in all" if timed_out.is_set() else "the kernel died")
    finally:
        watchdog.cancel()
        shutil.rmtree(sockets, ignore_errors=True)
    nbformat.write(notebook, workdir / path.name)
    scores = dict.fromkeys(POINTS, 0) if timed_out.is_set() else scores_of(notebook)
    return {"scores": scores, "note": "; ".join(problems)}


def run_worker(path: Path, cell_timeout: float, timeout: float) -> dict:
    """grade_one in a process of its own, killed if it outlives the time limit by a minute."""
    command = [sys.executable, str(Path(__file__).resolve()), "--one", str(path),
               "--cell-timeout", str(cell_timeout), "--timeout", str(timeout)]
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=timeout + 60, cwd=ROOT)
        return json.loads(done.stdout.strip().splitlines()[-1])
    except subprocess.TimeoutExpired:
        return {"scores": dict.fromkeys(POINTS, 0), "note": f"grader stopped after {timeout + 60:g} s"}
    except (json.JSONDecodeError, IndexError):
        return {"scores": dict.fromkeys(POINTS, 0), "note": f"grader failed: {done.stderr.strip()[-200:]}"}


def grade(submissions: Path, out: Path, jobs: int = 2, cell_timeout: float = CELL_TIMEOUT,
          timeout: float = TIMEOUT) -> list[dict]:
    """Grade every .ipynb in `submissions`, `jobs` at a time; write the CSV to `out`; return its rows."""
    if not submissions.is_dir():
        raise FileNotFoundError(f"No folder {submissions}: pass the folder that holds the submitted notebooks.")
    paths = sorted(submissions.glob("*.ipynb"))
    if not paths:
        raise FileNotFoundError(f"No .ipynb files in {submissions}: put one notebook per student there.")
    with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        results = list(pool.map(lambda path: run_worker(path, cell_timeout, timeout), paths))
    rows = [{"student": path.stem, **result["scores"], "total": sum(result["scores"].values()), "note": result["note"]}
            for path, result in zip(paths, results)]
    out.parent.mkdir(parents=True, exist_ok=True)
    with out.open("w", newline="", encoding="utf-8") as file:
        writer = csv.DictWriter(file, fieldnames=["student", *POINTS, "total", "note"])
        writer.writeheader()
        writer.writerows(rows)
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("submissions", type=Path, help="a folder of submitted notebooks (.ipynb), one per student")
    parser.add_argument("--out", type=Path, default=ROOT / "outputs" / "grades.csv", help="the CSV to write")
    parser.add_argument("--jobs", type=int, default=2, help="notebooks graded at a time (one kernel each)")
    parser.add_argument("--cell-timeout", type=float, default=CELL_TIMEOUT, help="seconds one cell may run")
    parser.add_argument("--timeout", type=float, default=TIMEOUT, help="seconds a whole notebook may run")
    parser.add_argument("--one", action="store_true", help=argparse.SUPPRESS)  # a worker: grade one notebook
    arguments = parser.parse_args(argv)
    if arguments.one:
        path = arguments.submissions
        result = grade_one(path, arguments.cell_timeout, arguments.timeout, WORKDIR / path.stem)
        print(json.dumps(result))
        return 0
    began = time.perf_counter()
    rows = grade(arguments.submissions, arguments.out, arguments.jobs, arguments.cell_timeout, arguments.timeout)
    for row in rows:
        note = f" ({row['note']})" if row["note"] else ""
        print(f"{row['student']}: {row['total']} of {sum(POINTS.values())}{note}")
    print(f"wrote {arguments.out} ({len(rows)} notebooks in {time.perf_counter() - began:.0f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
