"""The unsolved exercise notebook: its own cells run, each check cell answers "Not done yet" without a traceback.

nbval can't run lessons/05_exercises.ipynb (its check cells fail on purpose, so
conftest.py keeps nbval away from it); nbval runs the solved notebook instead.
"""

import os
import re
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parent.parent
EXERCISES = ROOT / "lessons" / "05_exercises.ipynb"
SOLUTIONS = ROOT / "solutions" / "05_exercises_solutions.ipynb"
STUDENT, CHECK = "student", "check"
NOT_DONE = re.compile(r"^Not done yet: fill in `[^`]+` above, then run this cell again\.$")


def _tags(cell) -> list[str]:
    return cell.get("metadata", {}).get("tags", [])


def _errors(cell) -> list:
    return [output for output in cell.get("outputs", []) if output.output_type == "error"]


@pytest.fixture(scope="module")
def executed() -> nbformat.NotebookNode:
    """The exercise notebook run top to bottom in a fresh kernel, errors kept in the outputs."""
    notebook = nbformat.read(EXERCISES, as_version=4)
    client = NotebookClient(notebook, timeout=300, kernel_name="python3", allow_errors=True,
                            resources={"metadata": {"path": str(EXERCISES.parent)}})
    with pytest.MonkeyPatch.context() as patch:  # the kernel inherits SEECAT_MODEL; unset, it takes the offline model
        patch.setenv("SEECAT_MODEL", os.environ.get("SEECAT_MODEL") or "efficientnet_lite0")
        client.execute()
    return notebook


def test_the_cells_that_are_not_checks_run_without_error(executed):
    for index, cell in enumerate(executed.cells):
        if cell.cell_type == "code" and CHECK not in _tags(cell):
            errors = _errors(cell)
            assert not errors, f"cell {index} failed: {errors[0].ename}: {errors[0].evalue}\n{cell.source}"


def test_each_unsolved_check_says_not_done_yet_without_a_traceback(executed):
    checks = [cell for cell in executed.cells if CHECK in _tags(cell)]
    assert len(checks) >= 6
    for cell in checks:
        errors = _errors(cell)
        assert len(errors) == 1, f"this check cell should raise NotYet:\n{cell.source}"
        error = errors[0]
        assert error.ename == "NotYet", f"{error.ename}: {error.evalue}"
        assert error.traceback == [error.evalue]  # what Jupyter shows: the message alone
        assert NOT_DONE.match(error.evalue), error.evalue
        assert "Traceback" not in error.evalue and ".py" not in error.evalue and str(ROOT) not in error.evalue


def _shared_cells(path: Path) -> list[tuple[str, str, list[str]]]:
    """(type, source, tags) of every cell but the title and the student's own cells."""
    cells = nbformat.read(path, as_version=4).cells
    return [(cell.cell_type, cell.source, _tags(cell)) for cell in cells[1:] if STUDENT not in _tags(cell)]


def test_exercises_and_solutions_differ_only_in_the_student_cells():
    exercises, solutions = nbformat.read(EXERCISES, as_version=4), nbformat.read(SOLUTIONS, as_version=4)
    assert [_tags(cell) for cell in exercises.cells] == [_tags(cell) for cell in solutions.cells]
    assert _shared_cells(EXERCISES) == _shared_cells(SOLUTIONS)
    assert "05_exercises_solutions.ipynb" in exercises.cells[0].source
    assert "05_exercises.ipynb" in solutions.cells[0].source


def test_each_exercise_has_a_task_with_a_hint_a_student_cell_and_a_check():
    cells = nbformat.read(EXERCISES, as_version=4).cells
    tasks = [index for index, cell in enumerate(cells) if cell.source.startswith("## Exercise")]
    assert len(tasks) >= 6
    for start, end in zip(tasks, tasks[1:] + [len(cells)]):
        task, following = cells[start], cells[start + 1 : end]
        assert "Hint:" in task.source and ("★" in task.source), task.source[:80]
        students = [cell for cell in following if STUDENT in _tags(cell)]
        assert students and "# your code here" in students[0].source, task.source[:80]
        assert re.search(r"= None\b", students[0].source), "the answer variables start as None"
        assert any(CHECK in _tags(cell) for cell in following), task.source[:80]


@pytest.mark.parametrize("path", [EXERCISES, SOLUTIONS], ids=["exercises", "solutions"])
def test_notebooks_are_committed_without_outputs(path):
    notebook = nbformat.read(path, as_version=4)
    assert notebook.metadata.kernelspec.name == "python3"
    for cell in notebook.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None
