"""The static site (`make site`, tools/site/build.py): pages from nbval's kept copies or run here, and the index.

nbval's run keeps each notebook whose cells all passed (the root conftest.py);
the site renders those copies without running anything, and runs (or, with
--executed-only, refuses) a notebook whose copy is missing or stale.
"""

import base64
import hashlib
import importlib.util
import os
import re
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tools" / "site"))  # build.py imports its sibling modules, as a script does
_spec = importlib.util.spec_from_file_location("site_build", ROOT / "tools" / "site" / "build.py")
build = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(build)
static_files_module = sys.modules["static_files"]  # where build.py's copies of MathJax and reveal.js come from


@pytest.fixture(autouse=True)
def static_files(tmp_path_factory, monkeypatch):
    """MathJax's and reveal.js's files: the installed packages' where they are, else a stand-in folder with the
    files a page refers to (the Colab-like environment never builds the site; `make slides` installs reveal.js's
    package, after `make test`)."""
    if importlib.util.find_spec(build.MATHJAX_PACKAGE) is None:
        mathjax = tmp_path_factory.mktemp("mathjax")
        (mathjax / "fonts" / "HTML-CSS").mkdir(parents=True)
        (mathjax / "MathJax.js").write_text("// a stand-in")
        monkeypatch.setattr(static_files_module, "mathjax_files", lambda: mathjax)
    if importlib.util.find_spec(build.REVEAL_PACKAGE) is None:
        reveal = tmp_path_factory.mktemp("reveal")
        for name in ("dist/reveal.js", "dist/reveal.css", f"dist/theme/{build.REVEAL_THEME}.css", "plugin/notes/notes.js"):
            (reveal / name).parent.mkdir(parents=True, exist_ok=True)
            (reveal / name).write_text("/* a stand-in */")
        monkeypatch.setattr(static_files_module, "reveal_files", lambda: reveal)


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


def test_a_page_without_an_executed_copy_is_run_with_its_figure_embedded_and_navigation(tmp_path):
    notebook = _tiny_notebook(tmp_path)
    before = notebook.read_bytes()
    site = tmp_path / "site"
    page = site / "lessons" / "99_tiny.html"
    seconds, source = build.build_page(notebook, page, site / "index.html",
                                       previous=("98 · Before", site / "lessons" / "98_before.html"),
                                       following=("100 · After", site / "lessons" / "100_after.html"),
                                       executed=tmp_path / "executed")

    html = page.read_text(encoding="utf-8")
    assert seconds > 0 and source.startswith("run here: no executed copy"), source
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


# ---- pages from the copies nbval's run keeps ------------------------------------------------------------------

def _notebook(path: Path, *sources: str) -> Path:
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell(f"# {path.stem}")]
                                  + [nbformat.v4.new_code_cell(source) for source in sources])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, path)
    return path


GOOD_CELLS = (
    "import matplotlib.pyplot as plt\nprint('printed before the figure')\nplt.plot([0, 1], [1, 0])\nplt.show()\n"
    "print('printed after the figure')\nprint('and a second line')",
    "import ipywidgets\nipywidgets.VBox([ipywidgets.Label('a live widget')])",
    "figure, axes = plt.subplots()\naxes.plot([0, 1], label='a line')\naxes.legend();",
    "6 * 7",
)


@pytest.fixture(scope="module")
def kept(tmp_path_factory):
    """make test's way, on three tiny notebooks: one passes, one fails in its second cell, one has a skipped cell.

    Each of the last two already has an old copy, which must go.
    """
    folder = tmp_path_factory.mktemp("nbval")
    executed = folder / "executed"
    good = _notebook(folder / "lessons" / "97_good.ipynb", *GOOD_CELLS)
    fails = _notebook(folder / "lessons" / "98_fails.ipynb", "print('fine so far')", "1 / 0", "print('after')")
    skips = _notebook(folder / "lessons" / "99_skips.ipynb", "print(1)", "# NBVAL_SKIP\nprint(2)")
    for notebook in (fails, skips):  # copies an earlier, successful run left
        (executed / "lessons").mkdir(parents=True, exist_ok=True)
        (executed / "lessons" / notebook.name).write_bytes(notebook.read_bytes())
    environment = {**os.environ, "SEECAT_MODEL": build.MODEL}
    environment.pop("SEECAT_SEED", None)
    # The root conftest.py is loaded as a plugin (-p conftest, from the project's folder): the notebooks lie outside it.
    done = subprocess.run([sys.executable, "-m", "pytest", "-p", "conftest", "-p", "no:cacheprovider", "--nbval-lax",
                           "-q", "--executed-dir", str(executed), str(good), str(fails), str(skips)],
                          cwd=ROOT, env=environment, capture_output=True, text=True, timeout=600)
    return done, executed, good, fails, skips


def test_nbval_keeps_each_passing_notebook_with_its_outputs_in_order(kept):
    done, executed, good, _, _ = kept
    assert done.returncode == 1 and "1 failed" in done.stdout and "1 skipped" in done.stdout, done.stdout[-3000:]
    copy = nbformat.read(executed / "lessons" / "97_good.ipynb", as_version=4)
    nbformat.validate(copy)
    record = copy.metadata["seecat"]["executed"]
    assert record["source_sha256"] == hashlib.sha256(good.read_bytes()).hexdigest()
    assert record["model"] == build.MODEL and record["seed"] == "" and record["source"] == "lessons/97_good.ipynb"
    printed, widget, legend, answer = [cell for cell in copy.cells if cell.cell_type == "code"]
    assert [cell.execution_count for cell in (printed, widget, legend, answer)] == [1, 2, 3, 4]
    # in the order the kernel sent them, the two prints after the figure joined as Jupyter joins them
    assert [output.output_type for output in printed.outputs] == ["stream", "display_data", "stream"]
    assert printed.outputs[0].text == "printed before the figure\n"
    assert "image/png" in printed.outputs[1].data
    assert printed.outputs[2].text == "printed after the figure\nand a second line\n"
    assert build.WIDGET in widget.outputs[0].data
    assert [output.output_type for output in legend.outputs] == ["display_data"], "the ';' hides the legend's value"
    assert answer.outputs[0].data["text/plain"] == "42" and answer.outputs[0].execution_count == 4


def test_a_failed_or_skipped_notebook_leaves_no_copy_not_even_an_old_one(kept):
    _, executed, _, fails, skips = kept
    assert not (executed / "lessons" / fails.name).exists()
    assert not (executed / "lessons" / skips.name).exists()
    assert not list(executed.rglob("*.partial"))


def test_the_site_renders_a_kept_copy_without_running_it(kept, tmp_path, monkeypatch):
    _, executed, good, _, _ = kept
    monkeypatch.delenv("SEECAT_SEED", raising=False)
    monkeypatch.setattr(build, "run", lambda nb, folder: pytest.fail("the page must come from the kept copy"))
    page = tmp_path / "site" / "lessons" / "97_good.html"
    seconds, source = build.build_page(good, page, tmp_path / "site" / "index.html", executed=executed,
                                       run_missing=False)
    assert source.startswith("outputs from nbval's run"), source
    html = page.read_text(encoding="utf-8")
    before, figure = html.index("<pre>printed before the figure"), html.index('src="data:image/png;base64,')
    assert before < figure < html.index("<pre>printed after the figure\nand a second line")  # outputs, not the code
    assert "VBox(" not in html and build.WIDGET_NOTE in html  # the widget: a note, not its text fallback
    assert "matplotlib.legend.Legend" not in html and "<pre>42</pre>" in html


def test_a_stale_copy_is_run_again_or_refused(kept, tmp_path, monkeypatch):
    _, executed, good, _, _ = kept
    changed = tmp_path / "lessons" / good.name  # the same notebook, one cell longer, next to its kept copy's folder
    nb = nbformat.read(good, as_version=4)
    nb.cells.append(nbformat.v4.new_code_cell("print('a new cell')"))
    changed.parent.mkdir(parents=True)
    nbformat.write(nb, changed)
    monkeypatch.delenv("SEECAT_SEED", raising=False)
    copy, why = build.executed_copy(changed, executed)
    assert copy is None and "stale" in why
    page = tmp_path / "site" / "lessons" / "97_good.html"
    with pytest.raises(build.NotExecuted, match="stale"):
        build.build_page(changed, page, tmp_path / "site" / "index.html", executed=executed, run_missing=False)
    assert not page.exists()

    ran = []
    monkeypatch.setattr(build, "run", lambda nb, folder: ran.append(folder))
    _, source = build.build_page(changed, page, tmp_path / "site" / "index.html", executed=executed)
    assert ran == [changed.parent] and source == f"run here: {why}"


def test_a_copy_made_with_another_model_or_seed_is_not_used(kept, monkeypatch):
    _, executed, good, _, _ = kept
    monkeypatch.delenv("SEECAT_SEED", raising=False)
    assert build.executed_copy(good, executed)[0] is not None
    monkeypatch.setenv("SEECAT_SEED", "3")
    copy, why = build.executed_copy(good, executed)
    assert copy is None and "SEECAT_SEED" in why
    monkeypatch.delenv("SEECAT_SEED")
    monkeypatch.setattr(build, "MODEL", "vgg16")
    copy, why = build.executed_copy(good, executed)
    assert copy is None and "SEECAT_MODEL=efficientnet_lite0, not vgg16" in why


def test_widgets_become_a_note_and_other_outputs_stay():
    widget = nbformat.v4.new_output("display_data", data={
        build.WIDGET: {"model_id": "abc", "version_major": 2, "version_minor": 0},
        "text/plain": "VBox(children=(Label(value='hi'),))"})
    text = nbformat.v4.new_output("stream", name="stdout", text="hello\n")
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("w", outputs=[widget, text])])
    nb.metadata["widgets"] = {"application/vnd.jupyter.widget-state+json": {"state": {"abc": {}}}}
    assert build.static_widgets(nb) == 1
    widget, text = nb.cells[0].outputs
    assert widget.data == {"text/html": build.WIDGET_NOTE,
                           "text/plain": "[an interactive widget (VBox): live when you run the notebook]"}
    assert text.text == "hello\n" and "widgets" not in nb.metadata
    assert build.static_widgets(nb) == 0


# ---- offline pages: the template, MathJax from the site's folder, alt text --------------------------------------

def _figure_output() -> nbformat.NotebookNode:
    png = base64.b64encode(b"\x89PNG\r\n\x1a\n").decode()
    return nbformat.v4.new_output("display_data", data={"image/png": png, "text/plain": "<Figure size 640x480>"})


def test_a_page_loads_nothing_from_outside_the_site_and_mathjax_from_its_own_folder(tmp_path):
    nb = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_markdown_cell("[![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)]"
                                      "(https://colab.research.google.com/x.ipynb)\n\n# A lesson\n\nThe loss $L = -\\log p$."),
        nbformat.v4.new_code_cell("lib.show_top_k(cat, probabilities, k=5)", outputs=[_figure_output()]),
    ])
    assert build.offline_text(nb) == 1 and build.describe_figures(nb) == (1, 1)
    site = tmp_path / "site"
    page = site / "lessons" / "01_a.html"
    build.export(nb, tmp_path, page, site)
    html = page.read_text(encoding="utf-8")

    loaded = re.findall(r'<(?:script|img|link|iframe|source)\b[^>]*\b(?:src|href)="([^"]+)"', html)
    assert loaded and not [url for url in loaded if re.match(r"(https?:)?//", url)], loaded
    assert not re.search(r"""url\(\s*['"]?(https?:)?//""", html), "no style loads a font or image from the web"
    assert "require.min.js" not in html and "mermaid" not in html.lower() and "embed-amd" not in html
    mathjax = f"../_static/mathjax/MathJax.js?config={build.MATHJAX_CONFIG}"
    assert f'<script src="{mathjax}">' in html
    assert (site / build.MATHJAX / "MathJax.js").exists() and (site / build.MATHJAX / "fonts" / "HTML-CSS").is_dir()
    assert "$L = -\\log p$" in html  # left for MathJax, from the site's copy
    assert '<a href="https://colab.research.google.com/x.ipynb">Open In Colab</a>' in html  # a link, no badge image
    assert 'alt="Figure: the image beside a bar chart' in html and "No description has been provided" not in html


@pytest.mark.parametrize("code, kind, words", [
    ("lib.show_top_k(cat, probabilities, k=5)", "bar chart of the model's most probable classes", []),
    ('lib.show_top_k(cat, wrong, title="the same photo, on the wrong scale")', "bar chart",
     ["the same photo, on the wrong scale"]),
    ('lib.show_spectra({"pixel noise": noise, "cat photo": cat})', "amplitude against spatial frequency",
     ["pixel noise", "cat photo"]),
    ('lib.show_history([a, b], labels=[f"cross-entropy + {weight:g} × TV", "logit"])', "line plots",
     ["cross-entropy + … × TV", "logit"]),
    ('lib.show_images([a, b], ["start: noise", f"Adam, {n} steps"])', "images side by side",
     ["start: noise", "Adam, … steps"]),
    ('figure, axes = plt.subplots()\naxes.plot(x, y, "o-", label="copies")\naxes.set(xlabel="tiles", ylabel="p")',
     "a line plot", ["copies", "tiles", "p"]),
    ("axes.barh(names, values)", "a bar chart", []),
    ("print(42)", "", []),
    ("%matplotlib inline\nplt.plot(x)", "", []),  # not Python: described by its section only
])
def test_a_figure_is_described_by_what_its_code_draws_and_the_words_it_gives(code, kind, words):
    found_kind, found_words = build.figure_description(code)
    assert (kind in found_kind) if kind else found_kind == ""
    assert found_words == words


def test_every_figure_gets_an_alt_text_with_its_section(tmp_path):
    nb = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_markdown_cell("# 01 · A lesson"),
        nbformat.v4.new_code_cell("draw_it_somehow()", outputs=[_figure_output()]),
        nbformat.v4.new_markdown_cell("## Random noise\n\nText."),
        nbformat.v4.new_code_cell('lib.show_spectra({"noise": noise})', outputs=[_figure_output(), _figure_output()]),
        nbformat.v4.new_code_cell("print(1)", outputs=[nbformat.v4.new_output("stream", name="stdout", text="1\n")]),
    ])
    assert build.describe_figures(nb) == (3, 2)
    alts = [output.metadata["image/png"]["alt"] for cell in nb.cells for output in cell.get("outputs", [])
            if "image/png" in output.get("data", {})]
    assert alts[0] == "Figure: a figure drawn by the code above (section “01 · A lesson”)"
    assert alts[1].startswith("Figure: a line plot of each image's amplitude") and "Its words: “noise”" in alts[1]
    assert alts[1].endswith("(section “Random noise”, 1 of 2)") and alts[2].endswith("2 of 2)")


# ---- slides: one reveal.js deck per lesson -----------------------------------------------------------------------

@pytest.mark.parametrize("cells, expected", [
    ([("markdown", "# 01 · Title\n\ntext"), ("markdown", "more text"), ("code", "x = 1"),
      ("markdown", "## A section"), ("markdown", "### A part"), ("code", "figure")],
     ["slide", "-", "-", "slide", "subslide", "subslide"]),
    ([("markdown", "#### small heading"), ("code", "print(1)")], ["-", "-"]),
])
def test_headings_start_slides_and_a_figure_gets_its_own(cells, expected):
    nb = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_markdown_cell(source) if kind == "markdown" else
        nbformat.v4.new_code_cell(source, outputs=[_figure_output()] if source == "figure" else [])
        for kind, source in cells])
    assert build.slide_types(nb) == len(cells)
    assert [cell.metadata.slideshow.slide_type for cell in nb.cells] == expected


def test_a_lessons_own_slide_tags_are_kept():
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("# Title"), nbformat.v4.new_markdown_cell("## B")])
    nb.cells[1].metadata["slideshow"] = {"slide_type": "fragment"}
    assert build.slide_types(nb) == 0
    assert "slideshow" not in nb.cells[0].metadata and nb.cells[1].metadata.slideshow.slide_type == "fragment"


def test_a_deck_loads_reveal_js_and_mathjax_from_its_own_folder_and_nothing_from_outside(tmp_path):
    nb = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_markdown_cell("# A lesson\n\nThe loss $L = -\\log p$."),
        nbformat.v4.new_markdown_cell("## Its figure"),
        nbformat.v4.new_code_cell("lib.show_top_k(cat, probabilities)", outputs=[_figure_output()]),
    ])
    build.describe_figures(nb)
    build.slide_types(nb)
    out = tmp_path / "slides"
    deck = out / "lessons" / "01_a.slides.html"
    build.export_deck(nb, tmp_path, deck, out)
    html = deck.read_text(encoding="utf-8")

    loaded = re.findall(r'<(?:script|img|link)\b[^>]*\b(?:src|href)="([^"]+)"', html)
    assert not [url for url in loaded if re.match(r"(https?:)?//", url)], loaded
    assert "require" not in re.findall(r"<script[^>]*>", html).__str__() and "jquery" not in html.lower()
    for url in ("../_static/reveal/dist/reveal.js", "../_static/reveal/plugin/notes/notes.js",
                "../_static/reveal/dist/reveal.css", f"../_static/reveal/dist/theme/{build.REVEAL_THEME}.css",
                f"../_static/mathjax/MathJax.js?config={build.MATHJAX_CONFIG}"):
        assert url in loaded and (deck.parent / url.split("?")[0]).exists(), url
    assert html.count('<section') >= 2 and "Reveal.initialize" in html
    assert 'alt="Figure: the image beside a bar chart' in html


def test_no_lesson_names_a_line_or_a_run_by_its_colour_alone():
    """Issue 25: a reader who can't tell the colours apart (or has the page printed in grey) must find each line."""
    colour_only = re.compile(r"\b(red|orange|blue|green|purple|yellow|pink|brown|grey|gray|black|cyan|magenta)"
                             r"\s+(line|lines|curve|curves|run|runs|series|dots?|markers?|points?)\b", re.IGNORECASE)
    found = [f"{notebook.name}: {match[0]!r}" for notebook in build.notebooks()
             for cell in nbformat.read(notebook, as_version=4).cells if cell.cell_type == "markdown"
             for match in colour_only.finditer(cell.source)]
    assert not found, "name the line by its label, line style or marker: " + "; ".join(found)
