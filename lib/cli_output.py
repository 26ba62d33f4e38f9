"""What the `seecat` command line shows and writes: progress bars on stderr, the report in words, the saved file.

The image is never lost: if it can't be saved where --out says, it goes to
a fallback file and the report says where.
"""

from __future__ import annotations

import contextlib
import os
import sys
import tempfile
import time
from pathlib import Path

from ._validate import outside_data

BAR_WIDTH = 30
FIGURE_DPI = 150


def _write(picture, path) -> None:
    """Write an image array (lib.save_image) or a matplotlib figure (savefig); the suffix picks the format."""
    import lib

    if hasattr(picture, "savefig"):
        picture.savefig(outside_data(path, "seecat"), dpi=FIGURE_DPI)
    else:
        lib.save_image(picture, path)


def _save(picture, out: Path, report: dict) -> None:
    """Save the image or figure to `out`, or to a fallback file if that fails (the report then says where)."""
    try:
        _write(picture, out)
    except OSError as error:
        handle, fallback = tempfile.mkstemp(prefix="seecat-", suffix=".png")
        os.close(handle)
        _write(picture, fallback)
        report["out"], report["saved_to_fallback"] = fallback, True
        print(f"seecat: could not save to {str(out)!r} ({error.strerror or error}); "
              f"the image is safe in {fallback}", file=sys.stderr)


class ProgressBar:
    """A one-line progress bar on stderr for optimise_image's callback: p(target), or the loss when there is none."""

    def __init__(self, target_name: str):
        self.target_name = target_name

    def __call__(self, progress) -> None:
        done = progress.num_steps if progress.stop_reason else progress.step
        filled = round(BAR_WIDTH * done / max(progress.num_steps, 1))
        score = (f" loss = {progress.loss:.4g}" if progress.probability is None
                 else f" p({self.target_name}) = {progress.probability:.3f}")
        ending = {"reached": " reached, stopped early", "finished": " done", "interrupted": " interrupted"}
        line = (f"\r[{'#' * filled}{'.' * (BAR_WIDTH - filled)}] step {progress.step}/{progress.num_steps}"
                f"{score}{ending.get(progress.stop_reason, '')}")
        print(line, end="\n" if progress.stop_reason else "", file=sys.stderr, flush=True)


class StepCounter:
    """A callback that remembers how many steps a run has made, and passes each Progress on to `then` (or not)."""

    def __init__(self, then=None):
        self.then, self.steps = then, 0

    def __call__(self, progress) -> None:
        self.steps = progress.step
        if self.then is not None:
            self.then(progress)


def _progress_bar(args, target_name: str):
    return None if args.quiet or not sys.stderr.isatty() else ProgressBar(target_name)


class AttackBar:
    """A one-line progress bar on stderr for lib.attack's callback(steps done, steps in all)."""

    def __init__(self, method: str, epsilon_255: float):
        self.label, self.began = f"{method} within {epsilon_255:g}/255", time.perf_counter()

    def __call__(self, done: int, total: int) -> None:
        filled = round(BAR_WIDTH * done / max(total, 1))
        print(f"\r[{'#' * filled}{'.' * (BAR_WIDTH - filled)}] {self.label}: step {done}/{total}", end="",
              file=sys.stderr, flush=True)

    def finish(self, result) -> None:
        ending = "interrupted" if result.interrupted else "done"
        print(f"\r{self.label}: {result.steps} step{'s' * (result.steps != 1)} {ending} in "
              f"{time.perf_counter() - self.began:.1f}s{' ' * BAR_WIDTH}", file=sys.stderr, flush=True)


def _attack_bar(args) -> AttackBar | None:
    return None if args.quiet or not sys.stderr.isatty() else AttackBar(args.method, args.eps)


def _print_human(command: str, report: dict) -> None:
    if command == "classify":
        for row in report["top"]:
            print(f"{row['probability']:8.4f}  {row['id']:4d}  {row['name']}")
    elif command == "explain":
        target = report["target"]
        print(f"{report['model']}: p({target['name']!r}, id {target['id']}) = {report['probability']:.4f}; "
              f"{report['method']}'s map, share by quarter:")
        for quarter, share in report["quarter_shares"].items():
            print(f"{share:8.1%}  {quarter}")
        if not any(report["quarter_shares"].values()):
            print(f"(the map is all zero: nothing in the image speaks for this class, as {report['method']} sees it)")
        print(f"overlay: {report['out']}" if report["out"] else "overlay: not saved (add --out overlay.png)")
    elif command == "layers":
        rows = report["layers"]
        print(f"{report['model']}: {len(rows)} layers, input to output (height x width x channels)")
        name_width, keras_width = (max((len(row[key]) for row in rows), default=0) for key in ("name", "keras_name"))
        for row in rows:
            print(f"{row['name']:{name_width}s}  {row['keras_name']:{keras_width}s}  "
                  f"{row['height']:3d} x {row['width']:3d} x {row['channels']:4d}")
    elif command == "models":
        for row in report["models"]:
            state = "offline now" if row["available_offline"] else "needs a download"
            marker = "*" if row["name"] == report["default"] else " "
            print(f"{marker} {row['name']:20s} {state:17s} {row['about']}")
    else:
        for key, value in report.items():
            if key != "survival":
                print(f"{key}: {value}")
        if "survival" in report:  # eot: where it survives, in words
            survival, yes = report["survival"], {True: "yes", False: "no"}
            shots = survival["fresh_shots"]
            jpeg = next(key for key in survival if key.startswith("after_jpeg"))
            print(f"survives: as saved {yes[survival['as_saved']]}, after JPEG {jpeg.rsplit('_', 1)[-1]} "
                  f"{yes[survival[jpeg]]}, on {shots['fooled']} of {shots['of']} fresh camera shots "
                  f"({shots['needed']:.0%} needed)")


@contextlib.contextmanager
def _stdout_to_stderr():
    """Everything written to stdout inside goes to stderr, Python's prints and C libraries' alike."""
    sys.stdout.flush()
    try:
        saved = os.dup(1)
        os.dup2(2, 1)
    except (OSError, ValueError):  # no real stdout file descriptor (tests capturing it): Python-level only
        saved = None
    try:
        with contextlib.redirect_stdout(sys.stderr):
            yield
    finally:
        if saved is not None:
            sys.stdout.flush()
            os.dup2(saved, 1)
            os.close(saved)
