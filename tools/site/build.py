"""Build a static web site of the curriculum: every notebook run, with its outputs (`make site`).

Each lesson and the solutions run top to bottom in a fresh kernel (nbclient),
exactly as a student would run them, then nbconvert's standard "lab" HTML
template turns them into pages under outputs/site/ that anyone can read, or
project in class, without running anything. Figures are embedded in the
pages as data URIs, so a page is a single file. The notebooks on disk are
never changed: they are read, run and converted in memory.

Two things are added to each notebook in memory before it is converted:
a line of links (previous / all lessons / next) at its top and bottom, and
links between notebooks point to their pages (.html) instead of .ipynb.
The index page is made the same way, from a notebook with one markdown cell.

    python tools/site/build.py              # all pages into outputs/site/
    python tools/site/build.py --out DIR    # somewhere else
"""

from __future__ import annotations

import argparse
import os
import re
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient
from nbconvert import HTMLExporter

ROOT = Path(__file__).resolve().parents[2]
SITE = ROOT / "outputs" / "site"
MODEL = "efficientnet_lite0"  # the model whose figures and checks the lessons' text describes
CELL_TIMEOUT = 1200  # seconds one cell may run before the build gives up


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


def run(nb: nbformat.NotebookNode, folder: Path) -> None:
    """Execute every cell in a fresh kernel started in `folder`, the notebook's own folder.

    The lessons' first cell finds the project by walking up from the current
    directory. Widget state is kept so that widgets can show on the page.
    """
    env = {**os.environ, "SEECAT_MODEL": MODEL}
    client = NotebookClient(nb, timeout=CELL_TIMEOUT, kernel_name="python3", store_widget_state=True,
                            resources={"metadata": {"path": str(folder)}})
    client.execute(env=env)


def link(source_page: Path, target_page: Path) -> str:
    """A relative URL from one page to another, so the site works from any folder or server."""
    return Path(os.path.relpath(target_page, source_page.parent)).as_posix()


def export(nb: nbformat.NotebookNode, folder: Path, page: Path) -> None:
    """Write `nb` as a page with nbconvert's standard "lab" template; local images become data URIs."""
    exporter = HTMLExporter(template_name="lab", embed_images=True)
    html, _ = exporter.from_notebook_node(nb, resources={"metadata": {"path": str(folder), "name": page.stem}})
    page.parent.mkdir(parents=True, exist_ok=True)
    page.write_text(html, encoding="utf-8")


def build_page(notebook: Path, page: Path, index: Path,
               previous: tuple[str, Path] | None = None, following: tuple[str, Path] | None = None) -> float:
    """Run `notebook` and write it to `page` with navigation links; returns the seconds it took.

    `previous` and `following` are (title, page) of the neighbours, or None.
    """
    start = time.perf_counter()
    nb = nbformat.read(notebook, as_version=4)
    run(nb, notebook.parent)

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

    export(nb, notebook.parent, page)
    return time.perf_counter() - start


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
    export(nb, root, index)  # the gallery's path is relative to `root`, from where it is embedded


def build_site(site: Path = SITE, root: Path = ROOT) -> list[tuple[Path, float]]:
    """Run and convert every notebook into `site`, plus index.html; prints and returns the times."""
    index = site / "index.html"
    sources = notebooks(root)
    # A notebook's page keeps its place in the project: lessons/01_x.ipynb -> site/lessons/01_x.html.
    pages = [site / n.relative_to(root).with_suffix(".html") for n in sources]
    nbs = [nbformat.read(n, as_version=4) for n in sources]
    titles = [title_of(nb) for nb in nbs]

    times = []
    for i, (notebook, page) in enumerate(zip(sources, pages)):
        previous = (titles[i - 1], pages[i - 1]) if i > 0 else None
        following = (titles[i + 1], pages[i + 1]) if i + 1 < len(pages) else None
        seconds = build_page(notebook, page, index, previous, following)
        times.append((page, seconds))
        print(f"{seconds:7.1f} s  {page.relative_to(site)}", flush=True)

    start = time.perf_counter()
    build_index([(t, description_of(n, nb, root), p) for t, n, nb, p in zip(titles, sources, nbs, pages)], index, root)
    times.append((index, time.perf_counter() - start))
    print(f"{times[-1][1]:7.1f} s  {index.relative_to(site)}")
    print(f"{sum(s for _, s in times):7.1f} s  all {len(times)} pages, in {site}")
    return times


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=SITE, help=f"folder for the pages (default: {SITE})")
    build_site(parser.parse_args().out.resolve())
