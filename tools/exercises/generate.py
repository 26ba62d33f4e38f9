"""Write the student's lesson 05 from its one source, the solutions notebook; optionally publish clean solutions.

solutions/05_exercises_solutions.ipynb is the only copy of the exercises kept
by hand. Two annotations in it hold what only the student sees:

- a code cell tagged `student` (the student's own cell) opens with the
  student's stub, each line behind `# STUDENT: `; the lines after them are
  the solution:

      # STUDENT: # your code here: make `result`, ...
      # STUDENT: result = None
      view = lib.LiveView(...)

- a markdown cell may end with the student's version of itself in an HTML
  comment, `<!-- STUDENT` ... `-->` (the title cell does: the student's title
  links to the solutions), which no notebook viewer shows.

The student's notebook is the source with each such cell replaced by its
student version; every other cell is copied as it is. The published
solutions are the source without the annotations.

    python tools/exercises/generate.py                                # writes lessons/05_exercises.ipynb
    python tools/exercises/generate.py --publish-solutions ~/handout  # and the clean solutions, there
    python tools/exercises/generate.py --no-solutions-link            # a title that doesn't point to the solutions
    python tools/exercises/generate.py --check                        # exit 1 if the committed lesson is stale

Only the standard library and nbformat: nbgrader and otter-grader would each
add a dependency and their own markers and cell ids to the student's notebook.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[2]
SOURCE = ROOT / "solutions" / "05_exercises_solutions.ipynb"
STUDENT_NOTEBOOK = ROOT / "lessons" / "05_exercises.ipynb"
STUDENT_TAG = "student"
STUB_LINE = re.compile(r"^# STUDENT:(?: (.*))?$")
STUDENT_MARKDOWN = re.compile(r"\n\n<!-- STUDENT\n(.*)\n-->\Z", re.DOTALL)
# The title's paragraph that sends a stuck student to the solutions (dropped by --no-solutions-link).
SOLUTIONS_LINK = re.compile(r"\n\n[^\n]*05_exercises_solutions\.ipynb[^\n]*(?=\n\n)")


def split_code(source: str) -> tuple[str, str]:
    """(student stub, solution) of a student code cell: its `# STUDENT:` lines, then the rest."""
    lines = source.split("\n")
    count = next((index for index, line in enumerate(lines) if not STUB_LINE.match(line)), len(lines))
    stub = [STUB_LINE.match(line)[1] or "" for line in lines[:count]]
    return "\n".join(stub), "\n".join(lines[count:])


def split_markdown(source: str) -> tuple[str | None, str]:
    """(the student's version or None, the solutions' version) of a markdown cell."""
    match = STUDENT_MARKDOWN.search(source)
    return (match[1], source[:match.start()]) if match else (None, source)


def _tags(cell: nbformat.NotebookNode) -> list[str]:
    return cell.get("metadata", {}).get("tags", [])


def _check_stub(cell: nbformat.NotebookNode, index: int, stub: str) -> None:
    if not stub:
        raise ValueError(f"cell {index} of {SOURCE.name} is tagged {STUDENT_TAG!r} but has no `# STUDENT: ` lines "
                         "opening it: write the student's stub there, e.g. `# STUDENT: result = None`.")


def student_notebook(source: nbformat.NotebookNode, solutions_link: bool = True) -> nbformat.NotebookNode:
    """The student's notebook: each annotated cell replaced by its student version."""
    notebook = nbformat.from_dict(source)
    for index, cell in enumerate(notebook.cells):
        if cell.cell_type == "code" and STUDENT_TAG in _tags(cell):
            stub, _ = split_code(cell.source)
            _check_stub(cell, index, stub)
            cell.source = stub
        elif cell.cell_type == "markdown":
            student, _ = split_markdown(cell.source)
            if student is not None:
                cell.source = student if solutions_link else SOLUTIONS_LINK.sub("", student)
    return notebook


def solutions_notebook(source: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """The solutions as a student may read them: the source without its `# STUDENT:` lines and comments."""
    notebook = nbformat.from_dict(source)
    for cell in notebook.cells:
        if cell.cell_type == "code" and STUDENT_TAG in _tags(cell):
            cell.source = split_code(cell.source)[1]
        elif cell.cell_type == "markdown":
            cell.source = split_markdown(cell.source)[1]
    return notebook


def text_of(notebook: nbformat.NotebookNode) -> str:
    """The notebook as committed: nbformat's JSON, one space of indent, a final newline."""
    return nbformat.writes(notebook) + "\n"


def read_source(path: Path = SOURCE) -> nbformat.NotebookNode:
    """The annotated source notebook, as it is (no upgrade of its format)."""
    return nbformat.read(path, as_version=nbformat.NO_CONVERT)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--source", type=Path, default=SOURCE, help="the annotated solutions notebook")
    parser.add_argument("--out", type=Path, default=STUDENT_NOTEBOOK, help="the student's notebook to write")
    parser.add_argument("--publish-solutions", type=Path, metavar="DIR",
                        help="also write the solutions, without annotations, to DIR/05_exercises_solutions.ipynb")
    parser.add_argument("--no-solutions-link", action="store_true",
                        help="drop the title's paragraph that links to the solutions (when students don't get them)")
    parser.add_argument("--check", action="store_true", help="write nothing; exit 1 if --out differs from the source's")
    arguments = parser.parse_args(argv)
    if not arguments.source.is_file():
        raise FileNotFoundError(f"No source notebook at {arguments.source}: pass --source path/to/solutions.ipynb.")
    source = read_source(arguments.source)
    text = text_of(student_notebook(source, solutions_link=not arguments.no_solutions_link))
    if arguments.check:
        current = arguments.out.read_text(encoding="utf-8") if arguments.out.is_file() else ""
        if current != text:
            print(f"{arguments.out} differs from what {arguments.source.name} generates: run "
                  "python tools/exercises/generate.py (edit the solutions notebook, never the lesson).")
            return 1
        print(f"{arguments.out} is up to date with {arguments.source.name}.")
        return 0
    arguments.out.parent.mkdir(parents=True, exist_ok=True)
    arguments.out.write_text(text, encoding="utf-8")
    print(f"wrote {arguments.out}")
    if arguments.publish_solutions:
        published = arguments.publish_solutions / SOURCE.name
        published.parent.mkdir(parents=True, exist_ok=True)
        published.write_text(text_of(solutions_notebook(source)), encoding="utf-8")
        print(f"wrote {published}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
