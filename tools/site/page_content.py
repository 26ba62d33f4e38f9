"""What a page of the site shows with the network cut, for tools/site/build.py: widgets as a note, images from the web
as their text, and every figure with an alt text saying what it shows (taken from the code that draws it)."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import nbformat

WIDGET = "application/vnd.jupyter.widget-view+json"
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


def figures_on(page: Path) -> tuple[int, int]:
    """(figures embedded in a built page, those of them with an alt text of describe_figures)."""
    images = re.findall(r"<img [^>]*>", page.read_text(encoding="utf-8"))
    figures = [image for image in images if 'src="data:image/' in image]
    return len(figures), sum(bool(re.search(r"""alt=["']Figure: """, image)) for image in figures)


def title_of(nb: nbformat.NotebookNode) -> str:
    """The notebook's first markdown heading, e.g. "01 · What a classifier sees in noise"."""
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            for line in cell.source.splitlines():
                if line.startswith("#"):
                    return line.lstrip("#").strip()
    return "Untitled"
