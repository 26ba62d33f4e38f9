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
import hashlib
import os
import re
import shutil
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient
from nbconvert import HTMLExporter, SlidesExporter

from page_content import (IMAGES, WIDGET, WIDGET_NOTE, describe_figures, figure_description,  # noqa: F401 (tests)
                          figures_on, offline_text, static_widgets, title_of)
from static_files import (MATHJAX, MATHJAX_CONFIG, MATHJAX_PACKAGE, REVEAL, REVEAL_PACKAGE,  # noqa: F401 (tests)
                          REVEAL_THEME, copy_mathjax, copy_reveal)

ROOT = Path(__file__).resolve().parents[2]
SITE = ROOT / "outputs" / "site"
EXECUTED = ROOT / "outputs" / "executed"  # where make test's nbval run keeps each notebook it ran (conftest.py)
MODEL = "efficientnet_lite0"  # the model whose figures and checks the lessons' text describes
CELL_TIMEOUT = 1200  # seconds one cell may run before the build gives up
TEMPLATES = Path(__file__).resolve().parent / "templates"  # the page template, "seecat" (offline "lab")
SLIDES = ROOT / "outputs" / "slides"  # `make slides`: one reveal.js deck per lesson
def notebooks(root: Path = ROOT) -> list[Path]:
    """The notebooks in reading order: the lessons, then the solutions (last, so "next" never spoils them)."""
    return sorted((root / "lessons").glob("*.ipynb")) + sorted((root / "solutions").glob("*.ipynb"))


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
