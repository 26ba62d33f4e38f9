"""The files a page or deck of the site loads, copied from installed packages into the site's own folder (so that
it works offline): MathJax for the equations, reveal.js for the slides. For tools/site/build.py."""

from __future__ import annotations

import importlib.util
import shutil
from pathlib import Path


MATHJAX_PACKAGE = "jupyter_server_mathjax"  # MathJax 2.7's files, in its folder static/ (requirements.txt)
MATHJAX = Path("_static") / "mathjax"  # where the site keeps its copy, relative to the site's folder


MATHJAX_CONFIG = "TeX-AMS-MML_HTMLorMML-full,Safe"  # the configurations that package ships
REVEAL_PACKAGE = "sphinx_revealjs"  # reveal.js's built files, in its folder _static/revealjs/ (requirements-slides.txt)


REVEAL = Path("_static") / "reveal"  # where the decks' folder keeps its copy
REVEAL_THEME = "white"  # its fonts are in reveal.js's folder ("simple", nbconvert's default, loads Google's)


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
