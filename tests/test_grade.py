"""tools/exercises/grade.py: full marks for the solutions, 0 for the untouched lesson, exactly one exercise's points
for a notebook that solves only it; a notebook that raises, hangs, lost its cells or is no notebook is scored
without stopping the others. One grader call on one folder of submissions (two at a time): about 2 minutes.
"""

import csv
import sys
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tools" / "exercises"))
import generate  # noqa: E402
import grade  # noqa: E402

CELL_TIMEOUT = 60  # seconds: the hanging cell is stopped after this; the slowest solution cell takes about 20
SOLVED = 4  # the one exercise the partial submissions solve


def _exercise_cells(notebook: nbformat.NotebookNode, number: int) -> list[int]:
    """Indices of the student cells of exercise `number` (between its heading and the next one)."""
    headings = [index for index, cell in enumerate(notebook.cells) if cell.source.startswith("## ")]
    start = next(index for index in headings if notebook.cells[index].source.startswith(f"## Exercise {number} "))
    end = next((index for index in headings if index > start), len(notebook.cells))
    return [index for index in range(start, end) if generate.STUDENT_TAG in generate._tags(notebook.cells[index])]


def _solving(student: nbformat.NotebookNode, source: nbformat.NotebookNode, number: int) -> nbformat.NotebookNode:
    """The student's notebook with exercise `number`'s own cells holding the solution."""
    notebook = nbformat.from_dict(student)
    for index in _exercise_cells(notebook, number):
        notebook.cells[index].source = generate.split_code(source.cells[index].source)[1]
    return notebook


def _with_cell(notebook: nbformat.NotebookNode, index: int, code: str) -> nbformat.NotebookNode:
    changed = nbformat.from_dict(notebook)
    changed.cells.insert(index, nbformat.v4.new_code_cell(code))
    return changed


@pytest.fixture(scope="module")
def graded(tmp_path_factory) -> dict[str, dict]:
    """Every kind of submission in one folder, graded by one call; {student: CSV row}."""
    folder = tmp_path_factory.mktemp("submissions")
    source = generate.read_source()
    student = generate.student_notebook(source)
    only = _solving(student, source, SOLVED)
    solved_cell = _exercise_cells(only, SOLVED)[0]
    raises = nbformat.from_dict(only)
    raises.cells[_exercise_cells(raises, 2)[0]].source = 'raise ValueError("a mistake in exercise 2")'
    submissions = {
        "reference": generate.solutions_notebook(source),
        "untouched": student,
        "only_exercise": only,
        "raises": raises,
        "hangs": _with_cell(only, solved_cell, "while True:\n    pass"),
        "deleted_cells": nbformat.from_dict({**source, "cells": source.cells[:3] + source.cells[7:9]}),
    }
    for name, notebook in submissions.items():
        nbformat.write(notebook, folder / f"{name}.ipynb")
    (folder / "not_json.ipynb").write_text("{ this is no notebook", encoding="utf-8")
    out = folder / "grades.csv"
    grade.grade(folder, out, jobs=2, cell_timeout=CELL_TIMEOUT, timeout=600)
    with out.open(encoding="utf-8") as file:
        return {row["student"]: row for row in csv.DictReader(file)}


def _points(row: dict) -> dict[str, int]:
    return {column: int(row[column]) for column in grade.POINTS}


def test_the_csv_has_one_row_per_notebook_one_column_per_exercise_a_total_and_a_note(graded):
    assert sorted(graded) == ["deleted_cells", "hangs", "not_json", "only_exercise", "raises", "reference", "untouched"]
    for row in graded.values():
        assert list(row) == ["student", *grade.POINTS, "total", "note"]
        assert int(row["total"]) == sum(_points(row).values())


def test_the_reference_solution_scores_full_marks(graded):
    assert _points(graded["reference"]) == grade.POINTS, graded["reference"]
    assert int(graded["reference"]["total"]) == sum(grade.POINTS.values()) == 13
    assert graded["reference"]["note"] == ""


def test_the_untouched_lesson_scores_0(graded):
    assert int(graded["untouched"]["total"]) == 0 and graded["untouched"]["note"] == ""


def test_one_solved_exercise_scores_exactly_its_points(graded):
    expected = {column: (points if column == f"exercise_{SOLVED}" else 0) for column, points in grade.POINTS.items()}
    assert _points(graded["only_exercise"]) == expected, graded["only_exercise"]


def test_a_cell_that_raises_loses_its_exercise_and_the_rest_still_counts(graded):
    row = graded["raises"]
    assert int(row["total"]) == grade.POINTS[f"exercise_{SOLVED}"] and "raised ValueError" in row["note"], row


def test_a_hanging_cell_is_stopped_and_the_rest_still_counts(graded):
    row = graded["hangs"]
    assert int(row["total"]) == grade.POINTS[f"exercise_{SOLVED}"], row
    assert f"stopped after {CELL_TIMEOUT} s" in row["note"], row


def test_deleted_cells_and_a_file_that_is_no_notebook_score_0(graded):
    assert int(graded["deleted_cells"]["total"]) == 0, graded["deleted_cells"]
    assert int(graded["not_json"]["total"]) == 0 and "not a notebook" in graded["not_json"]["note"]


def test_a_whole_notebook_past_its_time_limit_has_its_kernel_killed_and_scores_0(tmp_path):
    forever = nbformat.v4.new_code_cell("import time\nwhile True:\n    time.sleep(0.1)")
    notebook = nbformat.v4.new_notebook(cells=[forever])
    nbformat.write(notebook, tmp_path / "slow.ipynb")
    result = grade.run_worker(tmp_path / "slow.ipynb", cell_timeout=60, timeout=5)
    assert result == {"scores": dict.fromkeys(grade.POINTS, 0), "note": "stopped after 5 s in all"}
