"""Build a static web site of the curriculum: every notebook with its outputs (`make site`).

Each lesson and the solutions, as they ran top to bottom in a fresh kernel,
become pages under outputs/site/ (nbconvert's standard "lab" HTML template)
that anyone can read, or project in class, without running anything. The
outputs come from `make test`'s run when it kept one: nbval's run keeps each
notebook whose cells all passed in outputs/executed/ (see conftest.py), and a
kept copy is used when it was made from this very notebook (the SHA-256 of the
file it records matches), with this site's model and seed. A notebook with no
such copy is run here, in a fresh kernel (nbclient), as a student would run
it; `--executed-only` refuses to (CI: the site must not run the curriculum a
second time). Figures are embedded in the pages as data URIs, so a page is a
single file. The notebooks on disk are never changed.

The pages work offline, in a classroom without network: nothing on them is
loaded from outside the site's folder. The template (templates/seecat/, nbconvert's
"lab" template less require.js, mermaid and the widget renderer, which
the pages never need) points MathJax at the site's own _static/mathjax/,
copied at build time from the installed package jupyter-server-mathjax;
an image in a notebook's text that lives on the web (the Colab badge)
becomes its alt text. tools/site/check_offline.py opens every page in
Chromium with the network cut and checks just that.

Each figure gets an alt text saying what it shows (describe_figures): the
kind of picture its lib.plotting function (or matplotlib call) draws, the
words the code gives it (titles, labels, series names) and the section
it is in.

A widget shows on a page as a short note that it is live when you run the
notebook, rather than as its text fallback ("VBox(children=...)"): nbval
keeps no widget state, and drawing a widget from its state would need the
widgets' JavaScript from the internet.

Two things are added to each notebook in memory before it is converted:
a line of links (previous / all lessons / next) at its top and bottom, and
links between notebooks point to their pages (.html) instead of .ipynb.
The index page is made the same way, from a notebook with one markdown cell.

    python tools/site/build.py                   # all pages into outputs/site/
    python tools/site/build.py --out DIR         # somewhere else
    python tools/site/build.py --executed-only   # fail rather than run a notebook that has no kept copy
    python tools/site/build.py --slides          # a reveal.js deck per lesson into outputs/slides/ (make slides)

The decks (`make slides`, templates/seecat_slides/) take their outputs the
same way. A lesson's own slide tags (cells' "slideshow" metadata) are kept
where it has them; otherwise a heading starts a slide and a figure gets a
slide of its own (slide_types). reveal.js comes from the package
sphinx-revealjs (tools/site/requirements-slides.txt, installed without its
dependencies: only its files are used), copied next to the decks with
MathJax, so the decks too work offline.
"""

from __future__ import annotations

import argparse
import ast
import hashlib
import importlib.util
import os
import re
import shutil
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient
from nbconvert import HTMLExporter, SlidesExporter

ROOT = Path(__file__).resolve().parents[2]
SITE = ROOT / "outputs" / "site"
EXECUTED = ROOT / "outputs" / "executed"  # where make test's nbval run keeps each notebook it ran (conftest.py)
MODEL = "efficientnet_lite0"  # the model whose figures and checks the lessons' text describes
CELL_TIMEOUT = 1200  # seconds one cell may run before the build gives up
WIDGET = "application/vnd.jupyter.widget-view+json"
TEMPLATES = Path(__file__).resolve().parent / "templates"  # the page template, "seecat" (offline "lab")
MATHJAX_PACKAGE = "jupyter_server_mathjax"  # MathJax 2.7's files, in its folder static/ (requirements.txt)
MATHJAX = Path("_static") / "mathjax"  # where the site keeps its copy, relative to the site's folder
MATHJAX_CONFIG = "TeX-AMS-MML_HTMLorMML-full,Safe"  # the configurations that package ships
SLIDES = ROOT / "outputs" / "slides"  # `make slides`: one reveal.js deck per lesson
REVEAL_PACKAGE = "sphinx_revealjs"  # reveal.js's built files, in its folder _static/revealjs/ (requirements-slides.txt)
REVEAL = Path("_static") / "reveal"  # where the decks' folder keeps its copy
REVEAL_THEME = "white"  # its fonts are in reveal.js's folder ("simple", nbconvert's default, loads Google's)
IMAGES = ("image/png", "image/jpeg")
# What each lib.plotting function draws, for the alt text of its figures.
FIGURE_KINDS = {
    "show_top_k": "the image beside a bar chart of the model's most probable classes with their probabilities",
    "show_images": "images side by side, each with its caption",
    "show_change": "the image before and after, and the change between them magnified around mid-grey",
    "show_history": "line plots, step by step through the optimisation, of the loss and of the target's probability",
    "show_spectra": "a line plot of each image's amplitude against spatial frequency, on log-log axes",
    "show_explanation": "the photo and, laid over it, one importance map per method",
    "show_deletion_curves": "a line plot of the class's probability as more and more pixels are removed, "
                            "one line per map",
    "show_success_curves": "a line plot of the share of photos each attack fools against its budget",
    "show_transfer": "a grid of shares: how often the attack made on each row's model fools each column's model",
    "show_judged_row": "images side by side, each with the verdicts of other networks underneath",
}
# matplotlib's own drawing calls, when a lesson draws a figure itself.
PLOT_KINDS = {"plot": "a line plot", "barh": "a bar chart", "bar": "a bar chart", "scatter": "a scatter plot",
              "imshow": "images", "hist": "a histogram"}
WORD_ARGUMENTS = {"title", "titles", "labels", "label", "xlabel", "ylabel", "suptitle", "set_title",
                  "set_xlabel", "set_ylabel"}
WIDGET_NOTE = ("<p><em>An interactive widget is here when you run the notebook "
               "(JupyterLab, Colab or Binder); a static page cannot show it.</em></p>")


def notebooks(root: Path = ROOT) -> list[Path]:
    """The notebooks in reading order: the lessons, then the solutions (last, so "next" never spoils them)."""
    return sorted((root / "lessons").glob("*.ipynb")) + sorted((root / "solutions").glob("*.ipynb"))


def title_of(nb: nbformat.NotebookNode) -> str:
    """The notebook's first markdown heading, e.g. "01 · What a classifier sees in noise"."""
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            for line in cell.source.splitlines():
                if line.startswith("#"):
                    return line.lstrip("#").strip()
    return "Untitled"


def _plain(markdown: str) -> str:
    """Markdown without images (the Colab badges) and with links reduced to their text."""
    markdown = re.sub(r"\[!\[[^\]]*\]\([^)]*\)\]\([^)]*\)|!\[[^\]]*\]\([^)]*\)", "", markdown)
    return re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", markdown).strip()


def descriptions(readme: Path = ROOT / "README.md") -> dict[str, str]:
    """One line per lesson, from the "what you learn" column of the README's lesson table."""
    found = {}
    for row in readme.read_text(encoding="utf-8").splitlines():
        match = re.match(r"\| \[[^\]]*\]\(([^)]+\.ipynb)\)[^|]*\| ([^|]+) \|", row)
        if match:  # lesson 05's row also links to the solutions: keep only the words before that
            found[match[1]] = _plain(re.sub(r"\s*\(\[solutions\].*", "", match[2]))
    return found


def description_of(notebook: Path, nb: nbformat.NotebookNode, root: Path = ROOT) -> str:
    """The README's line for this notebook; otherwise the first sentence under its title."""
    key = notebook.resolve().relative_to(root).as_posix() if notebook.resolve().is_relative_to(root) else ""
    from_readme = descriptions(root / "README.md")
    if key in from_readme:
        return from_readme[key]
    text = next((c.source for c in nb.cells if c.cell_type == "markdown"), "")
    paragraphs = [p for p in text.split("\n\n") if p.strip() and not p.lstrip().startswith(("#", "[!["))]
    return _plain(paragraphs[0]).split(". ")[0].rstrip(".") + "." if paragraphs else ""


def source_sha256(notebook: Path) -> str:
    """The SHA-256 of the notebook's file, as a kept copy records it (conftest.py)."""
    return hashlib.sha256(notebook.read_bytes()).hexdigest()


def executed_copy(notebook: Path, executed: Path = EXECUTED) -> tuple[nbformat.NotebookNode | None, str]:
    """(the kept copy of `notebook`, "") when it is usable; otherwise (None, why not).

    The copy is executed/<folder>/<name>.ipynb; usable when it records this
    notebook's hash, this site's model and the seed of this run (SEECAT_SEED).
    """
    copy = executed / notebook.parent.name / notebook.name
    if not copy.exists():
        return None, f"no executed copy in {executed}"
    try:
        nb = nbformat.read(copy, as_version=4)
    except Exception as error:  # a damaged file is no copy  # noqa: BLE001
        return None, f"its executed copy is unreadable ({type(error).__name__})"
    record = nb.metadata.get("seecat", {}).get("executed", {})
    if record.get("source_sha256") != source_sha256(notebook):
        return None, "its executed copy is stale (the notebook changed since it ran)"
    if record.get("model") != MODEL:
        return None, f"its executed copy ran with SEECAT_MODEL={record.get('model') or '(unset)'}, not {MODEL}"
    seed = os.environ.get("SEECAT_SEED", "").strip()
    if record.get("seed", "") != seed:
        return None, f"its executed copy ran with SEECAT_SEED={record.get('seed') or '(unset)'}, not {seed or '(unset)'}"
    return nb, ""


def static_widgets(nb: nbformat.NotebookNode) -> int:
    """Replace each widget's output by a note that it is live when the notebook runs; returns how many.

    A page never shows a widget itself: nbval keeps no widget state, and with
    state a page would need the widgets' JavaScript from the internet.
    """
    replaced = 0
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            if WIDGET in output.get("data", {}):
                kind = output["data"].get("text/plain", "").split("(")[0].strip() or "widget"
                output["data"] = {"text/html": WIDGET_NOTE,
                                  "text/plain": f"[an interactive widget ({kind}): live when you run the notebook]"}
                output["metadata"] = {}
                replaced += 1
    nb.metadata.pop("widgets", None)
    return replaced


def _words(node: ast.AST) -> list[str]:
    """The strings in an expression, in order; an f-string's computed parts become "…"."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [node.value]
    if isinstance(node, ast.JoinedStr):
        return ["".join(part.value if isinstance(part, ast.Constant) else "…" for part in node.values)]
    if isinstance(node, (ast.List, ast.Tuple, ast.Set)):
        return [word for element in node.elts for word in _words(element)]
    if isinstance(node, ast.Dict):  # {series name: data}: the names
        return [word for key in node.keys if key is not None for word in _words(key)]
    if isinstance(node, ast.BinOp):  # ["a"] + [f"{n} b" for ...]
        return _words(node.left) + _words(node.right)
    if isinstance(node, ast.ListComp):
        return _words(node.elt)
    return []


def figure_description(code: str) -> tuple[str, list[str]]:
    """(what the cell's drawing calls draw, the words they give the figure), from the cell's code; ("", []) if unknown.

    A lib.plotting function (`lib.show_top_k(...)`) is described by FIGURE_KINDS;
    matplotlib's calls (`axes.plot(...)`) by PLOT_KINDS. The words are the
    titles, labels and series names the code passes as strings.
    """
    try:
        tree = ast.parse(code)
    except SyntaxError:  # e.g. a cell with IPython magics
        return "", []
    kinds, words = [], []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        method = isinstance(node.func, ast.Attribute)  # lib.show_top_k(...), axes.plot(...)
        name = node.func.attr if method else getattr(node.func, "id", "")
        kind = FIGURE_KINDS.get(name) or (PLOT_KINDS.get(name) if method else None)
        if kind and kind not in kinds:
            kinds.append(kind)
        if name in FIGURE_KINDS:  # its series names (a dict) or captions (a list)
            words += [word for argument in node.args[1:] if isinstance(argument, (ast.Dict, ast.List, ast.BinOp))
                      for word in _words(argument)] + (_words(node.args[0]) if node.args
                                                       and isinstance(node.args[0], ast.Dict) else [])
        if name in WORD_ARGUMENTS:
            words += [word for argument in node.args for word in _words(argument)]
        words += [word for keyword in node.keywords if keyword.arg in WORD_ARGUMENTS for word in _words(keyword.value)]
    unique = [" ".join(word.split()) for word in dict.fromkeys(words) if word.strip(" …")]
    return "; ".join(kinds), unique


def describe_figures(nb: nbformat.NotebookNode) -> tuple[int, int]:
    """Give each figure output an alt text (its metadata "alt" under its image type); returns (figures, described).

    The text says what the figure shows (figure_description), the words
    its code gives it, and the section it is in (the nearest heading
    above). A figure whose code names no known drawing call gets "a figure
    drawn by the code above" with its section: honest, if less useful.
    """
    section, figures, described = title_of(nb), 0, 0
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            headings = [line.lstrip("#").strip() for line in cell.source.splitlines() if line.startswith("#")]
            section = headings[-1] if headings else section
            continue
        outputs = [output for output in cell.get("outputs", [])
                   if any(kind in output.get("data", {}) for kind in IMAGES)]
        kinds, words = figure_description(cell.get("source", ""))
        for number, output in enumerate(outputs, 1):
            text = f"Figure: {kinds}" if kinds else "Figure: a figure drawn by the code above"
            if words:
                shown = [f"“{word}”" for word in words[:8]] + (["…"] if len(words) > 8 else [])
                text += ". Its words: " + "; ".join(shown)
            text += f" (section “{section}”" + (f", {number} of {len(outputs)})" if len(outputs) > 1 else ")")
            for kind in IMAGES:
                if kind in output.data:
                    output.setdefault("metadata", {}).setdefault(kind, {})["alt"] = text
            figures += 1
            described += bool(kinds)
    return figures, described


def offline_text(nb: nbformat.NotebookNode) -> int:
    """In markdown, an image from the web (the Colab badge) becomes its alt text, so no page loads it; returns the count."""
    replaced = 0
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            cell.source, count = re.subn(r"!\[([^\]]*)\]\((?:https?:)?//[^)]*\)", r"\1", cell.source)
            replaced += count
    return replaced


def package_folder(package: str, how: str) -> Path:
    """The folder of an installed package, found without importing it (FileNotFoundError saying `how` to install it)."""
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise FileNotFoundError(f"the package {package} is not installed in this environment: {how}")
    return Path(spec.submodule_search_locations[0])


def mathjax_files() -> Path:
    """The folder of MathJax's files in the installed package jupyter-server-mathjax."""
    return package_folder(MATHJAX_PACKAGE, "build the site with `make site` (its .venv has it), "
                                           "or `pip install -r requirements.txt`") / "static"


def reveal_files() -> Path:
    """The folder of reveal.js's built files (dist/, plugin/) in the installed package sphinx-revealjs."""
    return package_folder(REVEAL_PACKAGE, "build the decks with `make slides`, which installs it "
                                          "(tools/site/requirements-slides.txt)") / "_static" / "revealjs"


def copy_reveal(out: Path) -> Path:
    """reveal.js's files from the installed package into `out`/_static/reveal/ (unless there); returns that folder."""
    target = out / REVEAL
    if not (target / "dist" / "reveal.js").exists():
        shutil.copytree(reveal_files(), target, dirs_exist_ok=True)
    return target


def copy_mathjax(site: Path) -> Path:
    """MathJax's files from the installed package into `site`/_static/mathjax/ (unless there); returns MathJax.js."""
    target = site / MATHJAX
    if not (target / "MathJax.js").exists():
        shutil.copytree(mathjax_files(), target, dirs_exist_ok=True)
    return target / "MathJax.js"


def run(nb: nbformat.NotebookNode, folder: Path) -> None:
    """Execute every cell in a fresh kernel started in `folder`, the notebook's own folder.

    The lessons' first cell finds the project by walking up from the current
    directory.
    """
    env = {**os.environ, "SEECAT_MODEL": MODEL}
    client = NotebookClient(nb, timeout=CELL_TIMEOUT, kernel_name="python3",
                            resources={"metadata": {"path": str(folder)}})
    client.execute(env=env)


def slide_types(nb: nbformat.NotebookNode) -> int:
    """Give every cell a slide type (its "slideshow" metadata) unless the notebook has its own; returns how many.

    A heading of level 1 or 2 starts a slide, one of level 3 a slide below it
    (a sub-slide), and so does a code cell with a figure, so that the figure
    gets the screen; every other cell continues the slide before it.
    """
    if any(cell.metadata.get("slideshow", {}).get("slide_type") for cell in nb.cells):
        return 0
    for cell in nb.cells:
        first = cell.source.lstrip().split("\n", 1)[0] if cell.cell_type == "markdown" else ""
        figure = any(kind in output.get("data", {}) for output in cell.get("outputs", []) for kind in IMAGES)
        kind = ("slide" if re.match(r"#{1,2} ", first) else "subslide" if first.startswith("### ") or figure
                else "-")
        cell.metadata["slideshow"] = {"slide_type": kind}
    return len(nb.cells)


def export_deck(nb: nbformat.NotebookNode, folder: Path, deck: Path, out: Path) -> None:
    """Write `nb` as a reveal.js deck in `out` (templates/seecat_slides/), reveal.js and MathJax from `out`/_static/."""
    exporter = SlidesExporter(template_name="seecat_slides", extra_template_basedirs=[str(TEMPLATES)],
                              extra_template_paths=[str(TEMPLATES)], embed_images=True, reveal_theme=REVEAL_THEME,
                              reveal_url_prefix=link(deck, copy_reveal(out)),
                              mathjax_url=f"{link(deck, copy_mathjax(out))}?config={MATHJAX_CONFIG}")
    html, _ = exporter.from_notebook_node(nb, resources={"metadata": {"path": str(folder), "name": deck.stem}})
    deck.parent.mkdir(parents=True, exist_ok=True)
    deck.write_text(html, encoding="utf-8")


def build_slides(out: Path = SLIDES, root: Path = ROOT, executed: Path | None = EXECUTED,
                 run_missing: bool = True) -> list[Path]:
    """One reveal.js deck per lesson in `out` (lessons/01_x.slides.html), its outputs as for the site; returns them."""
    shutil.rmtree(out / MATHJAX, ignore_errors=True)  # both copied again from the installed packages
    shutil.rmtree(out / REVEAL, ignore_errors=True)
    decks = []
    for notebook in sorted((root / "lessons").glob("*.ipynb")):
        start = time.perf_counter()
        try:
            nb, source = with_outputs(notebook, executed, run_missing)
        except NotExecuted as error:
            raise NotExecuted(f"no deck for {notebook.relative_to(root).as_posix()}: {error}; --executed-only runs "
                              "none. Run `make test` first, or build without --executed-only.") from None
        tagged = slide_types(nb)
        deck = out / notebook.relative_to(root).with_suffix(".slides.html")
        nb.metadata["title"] = title_of(nb)
        export_deck(nb, notebook.parent, deck, out)
        decks.append(deck)
        slides = sum(cell.metadata.get("slideshow", {}).get("slide_type") == "slide" for cell in nb.cells)
        print(f"{time.perf_counter() - start:7.1f} s  {deck.relative_to(out)}  ({slides} slides, "
              f"{'from its headings' if tagged else 'as the lesson tags them'}; {source})", flush=True)
    return decks


def link(source_page: Path, target_page: Path) -> str:
    """A relative URL from one page to another, so the site works from any folder or server."""
    return Path(os.path.relpath(target_page, source_page.parent)).as_posix()


def export(nb: nbformat.NotebookNode, folder: Path, page: Path, site: Path) -> None:
    """Write `nb` as a page of `site` with the offline template (templates/seecat/); local images become data URIs.

    MathJax is loaded from `site`'s own copy (copied there if missing), by a relative URL.
    """
    mathjax = f"{link(page, copy_mathjax(site))}?config={MATHJAX_CONFIG}"
    exporter = HTMLExporter(template_name="seecat", extra_template_basedirs=[str(TEMPLATES)],
                            extra_template_paths=[str(TEMPLATES)], embed_images=True, mathjax_url=mathjax)
    html, _ = exporter.from_notebook_node(nb, resources={"metadata": {"path": str(folder), "name": page.stem}})
    page.parent.mkdir(parents=True, exist_ok=True)
    page.write_text(html, encoding="utf-8")


class NotExecuted(Exception):
    """A notebook has no usable executed copy, and the build may not run it."""


def with_outputs(notebook: Path, executed: Path | None = EXECUTED,
                 run_missing: bool = True) -> tuple[nbformat.NotebookNode, str]:
    """(`notebook` with its outputs, ready to show offline, where the outputs came from).

    The outputs are those of its executed copy in `executed` when usable (see
    executed_copy; `executed=None` ignores copies); otherwise the notebook
    runs here, unless `run_missing` is False (then NotExecuted, saying why).
    Widgets become a note, web images their alt text, and figures get alt text.
    """
    nb, why = executed_copy(notebook, executed) if executed is not None else (None, "executed copies ignored")
    if nb is not None:
        source = f"outputs from nbval's run, kept in {executed.name}/{notebook.parent.name}/{notebook.name}"
    elif not run_missing:
        raise NotExecuted(why)
    else:
        nb = nbformat.read(notebook, as_version=4)
        run(nb, notebook.parent)
        source = f"run here: {why}"
    static_widgets(nb)
    offline_text(nb)
    describe_figures(nb)
    return nb, source


def build_page(notebook: Path, page: Path, index: Path,
               previous: tuple[str, Path] | None = None, following: tuple[str, Path] | None = None,
               executed: Path | None = EXECUTED, run_missing: bool = True) -> tuple[float, str]:
    """Write `notebook`, with its outputs and navigation links, to `page`; returns (seconds, where the outputs came from).

    The outputs are those of its executed copy in `executed` when usable (see
    executed_copy; `executed=None` ignores copies); otherwise the notebook
    runs here, unless `run_missing` is False (then NotExecuted, saying why).
    `previous` and `following` are (title, page) of the neighbours, or None.
    """
    start = time.perf_counter()
    nb, source = with_outputs(notebook, executed, run_missing)

    # Links between notebooks (e.g. lesson 05 <-> its solutions) point to their pages.
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            cell.source = re.sub(r"\]\((?![a-z]+://)([^)\s]+)\.ipynb\)", r"](\1.html)", cell.source)

    # One line of navigation, above the title and again after the last cell.
    parts = [f"[← {previous[0]}]({link(page, previous[1])})" if previous else "",
             f"[all lessons]({link(page, index)})",
             f"[{following[0]} →]({link(page, following[1])})" if following else ""]
    navigation = " &nbsp;|&nbsp; ".join(part for part in parts if part)
    nb.cells.insert(0, nbformat.v4.new_markdown_cell(navigation))
    nb.cells.append(nbformat.v4.new_markdown_cell("---\n\n" + navigation))
    nb.metadata["title"] = title_of(nb)  # the page's <title>

    export(nb, notebook.parent, page, index.parent)
    return time.perf_counter() - start, source


def build_index(entries: list[tuple[str, str, Path]], index: Path, root: Path = ROOT) -> None:
    """The front page: the title, each page (title and one line) in order, and the gallery of lesson 06."""
    rows = "\n".join(f"| [{title}]({link(index, page)}) | {text} |" for title, text, page in entries)
    gallery = root / "docs" / "gallery.jpg"
    source = (
        "# seecat: how a neural network sees a cat\n\n"
        "Every lesson of the curriculum, run top to bottom with the embedded EfficientNet-Lite0, "
        "with all its outputs: to read without running anything, or to show in class.\n\n"
        f"| lesson | what you learn |\n|---|---|\n{rows}\n\n"
        "## What the network really sees\n\n"
        "The ideal images of ten ImageNet classes, made in lesson 06 by EfficientNet-Lite0 alone; "
        "under each, the rank of the class for two networks that never saw the image being made.\n\n"
        f"![Ideal images of ten ImageNet classes]({gallery.relative_to(root).as_posix()})\n"
    )
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell(source)])
    nb.metadata["title"] = "seecat: how a neural network sees a cat"
    export(nb, root, index, index.parent)  # the gallery's path is relative to `root`, from where it is embedded


def figures_on(page: Path) -> tuple[int, int]:
    """(figures embedded in a built page, those of them with an alt text of describe_figures)."""
    images = re.findall(r"<img [^>]*>", page.read_text(encoding="utf-8"))
    figures = [image for image in images if 'src="data:image/' in image]
    return len(figures), sum(bool(re.search(r"""alt=["']Figure: """, image)) for image in figures)


def build_site(site: Path = SITE, root: Path = ROOT, executed: Path | None = EXECUTED,
               run_missing: bool = True) -> list[tuple[Path, float]]:
    """Every notebook's page in `site` (from its executed copy, or run), plus index.html; prints and returns the times.

    With `run_missing` False, a notebook without a usable copy gets no page;
    the others are built, then NotExecuted names the missing ones.
    """
    index = site / "index.html"
    shutil.rmtree(site / MATHJAX, ignore_errors=True)  # copied again from the installed package by the first page
    sources = notebooks(root)
    # A notebook's page keeps its place in the project: lessons/01_x.ipynb -> site/lessons/01_x.html.
    pages = [site / n.relative_to(root).with_suffix(".html") for n in sources]
    nbs = [nbformat.read(n, as_version=4) for n in sources]
    titles = [title_of(nb) for nb in nbs]

    times, missing = [], []
    for i, (notebook, page) in enumerate(zip(sources, pages)):
        previous = (titles[i - 1], pages[i - 1]) if i > 0 else None
        following = (titles[i + 1], pages[i + 1]) if i + 1 < len(pages) else None
        try:
            seconds, source = build_page(notebook, page, index, previous, following, executed, run_missing)
        except NotExecuted as error:
            missing.append(notebook.relative_to(root).as_posix())
            print(f"  no page  {page.relative_to(site)}: {error}", flush=True)
            continue
        times.append((page, seconds))
        figures, described = figures_on(page)
        print(f"{seconds:7.1f} s  {page.relative_to(site)}  ({source}; {described} of {figures} figures with alt text)",
              flush=True)

    start = time.perf_counter()
    build_index([(t, description_of(n, nb, root), p) for t, n, nb, p in zip(titles, sources, nbs, pages)], index, root)
    times.append((index, time.perf_counter() - start))
    print(f"{times[-1][1]:7.1f} s  {index.relative_to(site)}")
    print(f"{sum(s for _, s in times):7.1f} s  all {len(times)} pages, in {site}")
    if missing:
        raise NotExecuted(f"no page for {len(missing)} notebook(s) without a usable executed copy ({', '.join(missing)}): "
                          "--executed-only runs none. Run `make test` first (its nbval run keeps each notebook "
                          "whose cells all pass), or build without --executed-only.")
    return times


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=SITE, help=f"folder for the pages (default: {SITE})")
    parser.add_argument("--executed", type=Path, default=EXECUTED,
                        help=f"folder of the executed copies make test keeps (default: {EXECUTED})")
    parser.add_argument("--executed-only", action="store_true",
                        help="run no notebook: fail for those without a usable executed copy (CI)")
    parser.add_argument("--run-all", action="store_true", help="ignore executed copies: run every notebook here")
    parser.add_argument("--slides", action="store_true",
                        help=f"write a reveal.js deck per lesson instead of the site (default --out: {SLIDES})")
    args = parser.parse_args()
    executed = None if args.run_all else args.executed.resolve()
    try:
        if args.slides:
            build_slides((SLIDES if args.out == SITE else args.out).resolve(), executed=executed,
                         run_missing=not args.executed_only)
        else:
            build_site(args.out.resolve(), executed=executed, run_missing=not args.executed_only)
    except NotExecuted as error:
        raise SystemExit(f"make {'slides' if args.slides else 'site'}: {error}") from None
