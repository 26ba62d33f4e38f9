"""The static site (`make site`, tools/site/build.py): one small page built for real, and the index."""

import base64
import importlib.util
import re
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parent.parent
_spec = importlib.util.spec_from_file_location("site_build", ROOT / "tools" / "site" / "build.py")
build = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(build)


def _tiny_notebook(folder: Path) -> Path:
    """Two cells like a lesson's: a matplotlib figure and a printed line, with a title and a link."""
    nb = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_markdown_cell("# 99 · A tiny lesson\n\nSee [the next one](98_next.ipynb)."),
        nbformat.v4.new_code_cell("import os\nimport matplotlib.pyplot as plt\n"
                                  "plt.plot([0, 1], [1, 0])\nplt.show()\nprint('model', os.environ['SEECAT_MODEL'])"),
    ])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    path = folder / "99_tiny.ipynb"
    nbformat.write(nb, path)
    return path


def test_a_page_is_run_with_its_figure_embedded_and_navigation(tmp_path):
    notebook = _tiny_notebook(tmp_path)
    before = notebook.read_bytes()
    site = tmp_path / "site"
    page = site / "lessons" / "99_tiny.html"
    seconds = build.build_page(notebook, page, site / "index.html",
                               previous=("98 · Before", site / "lessons" / "98_before.html"),
                               following=("100 · After", site / "lessons" / "100_after.html"))

    html = page.read_text(encoding="utf-8")
    assert seconds > 0
    assert notebook.read_bytes() == before, "the notebook on disk must not change"
    assert "<title>99 · A tiny lesson</title>" in html
    figure = re.search(r'<img [^>]*src="data:image/png;base64,([A-Za-z0-9+/=\s]+)"', html)
    assert figure, "the figure is embedded in the page"
    assert base64.b64decode(figure[1]).startswith(b"\x89PNG")
    assert "model efficientnet_lite0" in html  # run with SEECAT_MODEL set, in a real kernel
    # previous / index / next, at the top and at the bottom; links between notebooks point to pages
    for link in ('href="98_before.html"', 'href="../index.html"', 'href="100_after.html"'):
        assert html.count(link) == 2, link
    assert 'href="98_next.html"' in html and ".ipynb" not in html


def test_the_index_lists_the_lessons_in_order_with_the_gallery(tmp_path):
    sources = build.notebooks()
    lessons = sorted((ROOT / "lessons").glob("*.ipynb"))
    assert sources == lessons + [ROOT / "solutions" / "05_exercises_solutions.ipynb"]

    entries = []
    for notebook in sources:
        nb = nbformat.read(notebook, as_version=4)
        entries.append((build.title_of(nb), build.description_of(notebook, nb),
                        tmp_path / notebook.relative_to(ROOT).with_suffix(".html")))
    lesson_01 = entries[sources.index(ROOT / "lessons" / "01_noise_classification.ipynb")]
    assert lesson_01[0] == "01 · What a classifier sees in noise"  # the notebook's first heading
    assert lesson_01[1].startswith("what a pretrained classifier outputs")  # the README's line for it
    assert all(description and "](" not in description for _, description, _ in entries)

    build.build_index(entries, tmp_path / "index.html")
    html = (tmp_path / "index.html").read_text(encoding="utf-8")
    positions = [html.index(f'href="{page.relative_to(tmp_path).as_posix()}"') for _, _, page in entries]
    assert positions == sorted(positions), "the pages are listed in reading order"
    assert lesson_01[1] in html
    assert re.search(r'<img [^>]*src="data:image/jpeg;base64,', html), "the gallery is embedded"
