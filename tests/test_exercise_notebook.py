"""The unsolved exercise notebook: Run All goes top to bottom, each check cell says "Not done yet" and how to start.

nbval runs it too (it must not raise anywhere); this test reads what each check cell prints. The lesson is
generated from the solutions notebook (tools/exercises/generate.py): the committed one must be what it writes.
"""

import os
import re
from pathlib import Path

import sys

import nbformat
import pytest
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tools" / "exercises"))
import generate  # noqa: E402

EXERCISES = ROOT / "lessons" / "05_exercises.ipynb"
SOLUTIONS = ROOT / "solutions" / "05_exercises_solutions.ipynb"
STUDENT, CHECK = "student", "check"
NOT_DONE = re.compile(r"^Not done yet: fill in `[^`]+` in the cell above \(open the hint to see how to start\), "
                      r"then run this cell again\.$")


def _tags(cell) -> list[str]:
    return cell.get("metadata", {}).get("tags", [])


def _errors(cell) -> list:
    return [output for output in cell.get("outputs", []) if output.output_type == "error"]


@pytest.fixture(scope="module")
def executed() -> nbformat.NotebookNode:
    """The exercise notebook run top to bottom in a fresh kernel, as Run All does (it stops at an error)."""
    notebook = nbformat.read(EXERCISES, as_version=4)
    client = NotebookClient(notebook, timeout=300, kernel_name="python3", allow_errors=False,
                            resources={"metadata": {"path": str(EXERCISES.parent)}})
    with pytest.MonkeyPatch.context() as patch:  # the kernel inherits SEECAT_MODEL; unset, it takes the offline model
        patch.setenv("SEECAT_MODEL", os.environ.get("SEECAT_MODEL") or "efficientnet_lite0")
        client.execute()
    return notebook


def test_run_all_never_stops_every_cell_runs_without_error(executed):
    for index, cell in enumerate(executed.cells):
        if cell.cell_type == "code":
            errors = _errors(cell)
            assert not errors, f"cell {index} failed: {errors[0].ename}: {errors[0].evalue}\n{cell.source}"
            assert cell.execution_count is not None, f"cell {index} did not run"


def test_each_unsolved_check_says_not_done_yet_and_how_to_start(executed):
    checks = [cell for cell in executed.cells if CHECK in _tags(cell)]
    assert len(checks) >= 6
    for cell in checks:
        printed = "".join(output.get("text", "") for output in cell.outputs if output.output_type == "stream")
        assert NOT_DONE.match(printed.strip()), f"{printed!r}\n{cell.source}"
        echoed = [output for output in cell.outputs if output.output_type != "stream"]
        assert not echoed, f"the Verdict the checker returns adds nothing under its feedback: {echoed}\n{cell.source}"


def _shared_cells(notebook: nbformat.NotebookNode) -> list[tuple[str, str, list[str]]]:
    """(type, source, tags) of every cell but the title and the student's own cells."""
    return [(cell.cell_type, cell.source, _tags(cell)) for cell in notebook.cells[1:] if STUDENT not in _tags(cell)]


def test_the_committed_lesson_is_what_the_generator_writes_from_the_solutions(tmp_path):
    written = tmp_path / EXERCISES.name
    assert generate.main(["--out", str(written)]) == 0
    assert written.read_bytes() == EXERCISES.read_bytes(), (
        "lessons/05_exercises.ipynb differs from what the solutions notebook generates: edit the solutions "
        "notebook (the one source), then run `make exercises`")
    assert generate.main(["--check"]) == 0


def test_exercises_and_published_solutions_differ_only_in_the_student_cells_and_the_title():
    source = generate.read_source(SOLUTIONS)
    exercises, solutions = generate.student_notebook(source), generate.solutions_notebook(source)
    assert [_tags(cell) for cell in exercises.cells] == [_tags(cell) for cell in solutions.cells]
    assert _shared_cells(exercises) == _shared_cells(solutions) == _shared_cells(source)
    assert "05_exercises_solutions.ipynb" in exercises.cells[0].source
    assert "05_exercises.ipynb" in solutions.cells[0].source and "<!--" not in solutions.cells[0].source
    for student, solved in zip(exercises.cells, solutions.cells):
        if STUDENT in _tags(student):
            assert student.source and solved.source and student.source != solved.source
            assert "# STUDENT:" not in student.source + solved.source


def test_without_the_solutions_link_the_title_keeps_everything_else():
    source = generate.read_source(SOLUTIONS)
    linked, unlinked = (generate.student_notebook(source, solutions_link=link).cells[0].source
                        for link in (True, False))
    assert "05_exercises_solutions" not in unlinked and "Stuck, or done?" not in unlinked
    assert linked.replace("\n\nStuck, or done? The solved notebook is [solutions/05_exercises_solutions.ipynb]"
                          "(../solutions/05_exercises_solutions.ipynb).", "") == unlinked


def test_a_student_cell_without_its_stub_is_refused():
    source = generate.read_source(SOLUTIONS)
    index = next(index for index, cell in enumerate(source.cells) if STUDENT in _tags(cell))
    source.cells[index].source = generate.split_code(source.cells[index].source)[1]
    with pytest.raises(ValueError, match=f"cell {index} .* no `# STUDENT: ` lines"):
        generate.student_notebook(source)


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
