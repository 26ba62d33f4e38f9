"""Every notebook's setup cell: one repository address, the README's, and a one-line reason when it can't start.

The address and branch come from repository.toml (`make fork` rewrites them; tests/test_fork.py).
"""

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted([*ROOT.glob("lessons/*.ipynb"), *ROOT.glob("solutions/*.ipynb")])
BRANCH = re.search(r'^branch = "(.+)"$', (ROOT / "repository.toml").read_text(), re.MULTILINE)[1]
BADGE = re.compile(rf"https://colab\.research\.google\.com/github/([\w.-]+/[\w.-]+)/blob/{re.escape(BRANCH)}/"
                   r"([\w./-]+\.ipynb)")


def _readme_repository() -> str:
    """owner/name of the repository the README's Colab badges point to (all of them must agree)."""
    repositories = {repository for repository, _ in BADGE.findall((ROOT / "README.md").read_text())}
    assert len(repositories) == 1, repositories
    return repositories.pop()


def _cells(path: Path) -> list[dict]:
    return json.loads(path.read_text())["cells"]


def _setup_source(path: Path) -> str:
    sources = ["".join(cell["source"]) for cell in _cells(path) if cell["cell_type"] == "code"]
    assert sources[0].startswith("# Setup (run me first)"), path.name
    return sources[0]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda path: path.name)
def test_setup_cell_and_colab_badge_agree_with_the_readme(path):
    repository = _readme_repository()
    text = path.read_text()
    assert text.count(f"https://github.com/{repository}") == 1, "the address appears once, in the setup cell"
    assert f'REPOSITORY = "https://github.com/{repository}"' in _setup_source(path)
    assert f'BRANCH = "{BRANCH}"' in _setup_source(path)
    shown = re.sub(r"<!-- STUDENT.*?-->", "", text, flags=re.S)  # the solutions' hidden student title: lesson 05's
    badges = BADGE.findall(shown)
    assert badges == [(repository, str(path.relative_to(ROOT)))], badges
    assert f"(https://colab.research.google.com/github/{repository}/blob/{BRANCH}/{path.relative_to(ROOT)})" in (
        ROOT / "README.md").read_text()



@pytest.mark.parametrize("path", sorted(ROOT.glob("lessons/*.ipynb")), ids=lambda path: path.name)
def test_the_introduction_says_how_long_the_lesson_takes(path):
    first = "".join(_cells(path)[0]["source"])
    time_line = next((line for line in first.splitlines() if line.startswith("Time: about")), "")
    assert time_line, f"{path.name}: the first cell has no 'Time: about ...' line"
    assert re.search(r"running alone takes about [\w -]*(second|minute)", time_line) or "the given cells run in" in time_line, (
        f"{path.name}: the time line must say how long running takes, in seconds or minutes: {time_line!r}")

def _run_setup(tmp_path: Path, colab: bool, repository: str) -> subprocess.CompletedProcess:
    """The first setup cell's code, run as Colab (or not) would in an empty folder, with another address."""
    source = _setup_source(NOTEBOOKS[0]).replace(f"https://github.com/{_readme_repository()}", repository)
    pretend = "import sys, types; sys.modules['google.colab'] = types.ModuleType('google.colab')\n" if colab else ""
    script = pretend + "try:\n" + "".join(f"    {line}\n" for line in source.splitlines()) + (
        "except SystemExit as stop:\n    print('STOP:', stop)\n")
    return subprocess.run([sys.executable, "-c", script], cwd=tmp_path, capture_output=True, text=True, timeout=120)


def test_a_failed_clone_says_why_in_one_line(tmp_path):
    done = _run_setup(tmp_path, colab=True, repository=str(tmp_path / "no-such-repository"))
    stop = [line for line in done.stdout.splitlines() if line.startswith("STOP:")]
    assert len(stop) == 1 and "Could not download seecat from" in stop[0] and "runtime online" in stop[0], done
    assert "Traceback" not in done.stdout + done.stderr


def test_a_folder_without_lib_says_why_in_one_line(tmp_path):
    (tmp_path / "seecat").mkdir()  # e.g. a half-finished clone
    done = _run_setup(tmp_path, colab=False, repository="unused")
    stop = [line for line in done.stdout.splitlines() if line.startswith("STOP:")]
    assert len(stop) == 1 and "No seecat folder with lib/" in stop[0] and "delete the folder 'seecat'" in stop[0]
    assert "StopIteration" not in done.stdout + done.stderr


def test_a_fresh_kernel_shows_no_tensorflow_log_lines(tmp_path):
    """The setup cell, then TensorFlow imported directly and a model loaded: no stderr output in any cell."""
    import nbformat
    from nbclient import NotebookClient

    cells = [_setup_source(ROOT / "lessons" / "05_exercises.ipynb"), "import tensorflow as tf\nimport keras",
             "model = lib.load_model()\nprint(model.name)"]
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(source) for source in cells])
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    NotebookClient(notebook, timeout=300, kernel_name="python3",
                   resources={"metadata": {"path": str(ROOT / "lessons")}}).execute()
    outputs = [output for cell in notebook.cells for output in cell.outputs]
    stderr = [output.text for output in outputs if output.output_type == "stream" and output.name == "stderr"]
    assert stderr == [], stderr
    assert any("efficientnet_lite0" in output.get("text", "") for output in outputs)
