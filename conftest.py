"""What pytest adds when it runs notebooks with nbval (`make test`): run times, and each notebook as it ran.

1. The terminal summary prints how long each notebook took.
2. Each notebook whose every code cell passed is kept, outputs and all, as
   outputs/executed/<lessons|solutions>/<name>.ipynb (`--executed-dir` picks
   another folder; `--executed-dir=` keeps none). `make site` renders its pages
   from these copies instead of running the curriculum again. The outputs are
   the messages nbval read from the kernel, in the order the kernel sent them;
   the copy's metadata (`seecat.executed`) names the source notebook's SHA-256,
   the model and the seed, so a copy of a notebook that changed since, or that
   ran with another model or seed, is not taken for this one.

   A notebook that starts running loses its old copy at once, and gets a new
   one only when all its code cells have passed: a failed, skipped, timed-out or
   interrupted notebook (or one of whose cells only some were selected) leaves
   no copy at all, never a stale or partial one.

nbval (pinned in requirements.txt) keeps a cell's outputs in the cell item's
`test_outputs`, after merging all of a cell's printed text into its first
stream output (`nbval.plugin.coalesce_streams`); to keep the order a student
sees, the list is also copied just before that merge. nbval also runs cells
with store_history=False, so IPython's check for a closing ';' reads the wrong
cell and the value of `axes.legend(...);` still comes out: the copy drops the
result of a cell whose last line ends in ';', as Jupyter would.
"""

from __future__ import annotations

import copy
import hashlib
import os
import time
from pathlib import Path

import pytest

EXECUTED_DIR = "outputs/executed"
METADATA_KEY = "seecat"  # nb.metadata["seecat"]["executed"] = {...} in a kept copy

_first_start: dict[str, float] = {}
_last_finish: dict[str, float] = {}


def _notebook(nodeid: str) -> str | None:
    path = nodeid.split("::")[0]
    return path if path.endswith(".ipynb") else None


def pytest_runtest_logstart(nodeid, location):
    notebook = _notebook(nodeid)
    if notebook:
        _first_start.setdefault(notebook, time.perf_counter())


def pytest_runtest_logfinish(nodeid, location):
    notebook = _notebook(nodeid)
    if notebook:
        _last_finish[notebook] = time.perf_counter()


def pytest_terminal_summary(terminalreporter):
    if not _first_start:
        return
    terminalreporter.section("notebook run times")
    total = 0.0
    for notebook, start in _first_start.items():
        seconds = _last_finish.get(notebook, start) - start
        total += seconds
        terminalreporter.write_line(f"{seconds:7.1f} s  {notebook}")
    terminalreporter.write_line(f"{total:7.1f} s  all {len(_first_start)} notebooks")
    if _kept:
        terminalreporter.write_line(f"executed copies of {len(_kept)} notebooks kept in {_kept[0].parent.parent}")


# ---- 2. each notebook as nbval executed it ----------------------------------------------------------------------

def pytest_addoption(parser):
    parser.addoption("--executed-dir", default=EXECUTED_DIR, metavar="DIR",
                     help="keep each notebook whose cells all passed, with its outputs, as DIR/<folder>/<name>.ipynb "
                          f"(relative to the root directory; default {EXECUTED_DIR}); empty: keep none")


def source_sha256(path: Path) -> str:
    """The hash a kept copy records of its source notebook (tools/site/build.py compares it)."""
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def executed_path(folder: Path, notebook: Path) -> Path:
    """Where `notebook`'s copy goes: lessons/01_x.ipynb -> folder/lessons/01_x.ipynb."""
    return Path(folder) / Path(notebook).parent.name / Path(notebook).name


class _Run:
    """One notebook being run by nbval in this session: its cells' outcomes and outputs."""

    def __init__(self, collector, target: Path):
        self.path = Path(str(collector.fspath))
        self.target = target
        self.sha256 = source_sha256(self.path)
        self.nb = copy.deepcopy(collector.nb)  # the notebook as nbval read it, without outputs
        self.code_cells = [cell for cell in self.nb.cells if cell.cell_type == "code"]
        self.outputs: dict[int, list] = {}  # code cell number -> its outputs, for the cells that passed
        self.failed = False
        target.unlink(missing_ok=True)  # from now on an older copy would be stale

    def record(self, item, report) -> None:
        if report.when == "call" and report.passed and not self.failed:
            raw = _uncoalesced.pop(id(item.test_outputs), None)
            self.outputs[item.cell_num] = _merge_streams(raw) if raw is not None else list(item.test_outputs or [])
        elif not report.passed:  # failed, skipped, or xfailed after a timeout, in any phase
            self.failed = True
            self.outputs.clear()

    def complete(self) -> bool:
        return not self.failed and len(self.outputs) == len(self.code_cells)

    def write(self) -> Path:
        import nbformat

        for number, cell in enumerate(self.code_cells):
            outputs = self.outputs[number]
            if _ends_in_semicolon(cell.source):
                outputs = [output for output in outputs if output.get("output_type") != "execute_result"]
            cell.outputs = [nbformat.from_dict(dict(output)) for output in outputs]
            cell.execution_count = number + 1  # nbval runs every code cell once, in order, in one kernel
            for output in cell.outputs:
                if output.output_type == "execute_result":
                    output.execution_count = number + 1
        self.nb.metadata.setdefault(METADATA_KEY, {})["executed"] = {
            "source": Path(self.path.parent.name, self.path.name).as_posix(),
            "source_sha256": self.sha256,
            "model": os.environ.get("SEECAT_MODEL", ""),
            "seed": os.environ.get("SEECAT_SEED", "").strip(),
            "deterministic": os.environ.get("SEECAT_DETERMINISTIC", "").strip(),
            "by": "nbval",
            "finished": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        }
        nbformat.validate(self.nb)
        self.target.parent.mkdir(parents=True, exist_ok=True)
        partial = self.target.with_name(self.target.name + ".partial")
        nbformat.write(self.nb, partial)
        partial.replace(self.target)  # all at once: a reader never sees half a file
        return self.target


_runs: dict[int, _Run] = {}  # id(nbval's collector of a notebook) -> its run
_kept: list[Path] = []
_uncoalesced: dict[int, list] = {}  # id(a cell's outputs list) -> a copy of it before nbval merged its streams


def _is_nbval_cell(item) -> bool:
    return type(item).__name__ == "IPyNbCell" and hasattr(item, "cell_num") and hasattr(item.parent, "nb")


def _ends_in_semicolon(source: str) -> bool:
    """Whether IPython would hide the value of this cell's last expression: its last token, comments and line ends
    aside, is ';' (IPython 8's rule; Colab's IPython 7 has no function for it, so it is written out here)."""
    import io
    import tokenize

    try:
        tokens = list(tokenize.generate_tokens(io.StringIO(source).readline))
    except (tokenize.TokenError, SyntaxError):  # a cell that does not tokenise ran as it was: keep what it showed
        return False
    skipped = (tokenize.ENDMARKER, tokenize.NL, tokenize.NEWLINE, tokenize.COMMENT)
    last = next((token for token in reversed(tokens) if token.type not in skipped), None)
    return last is not None and last.type == tokenize.OP and last.string == ";"


def _merge_streams(outputs: list) -> list:
    """Consecutive printed text of one stream joined, as Jupyter shows it (\\r and \\b applied by nbval's rules)."""
    from nbval.plugin import coalesce_streams

    merged = []
    for output in outputs:
        if output.get("output_type") == "stream" and merged and merged[-1].get("output_type") == "stream" \
                and merged[-1].get("name") == output.get("name"):
            merged[-1] = coalesce_streams([merged[-1], output])[0]
        else:
            merged.append(output)
    return [coalesce_streams([o])[0] if o.get("output_type") == "stream" else o for o in merged]


def pytest_configure(config):
    if not config.pluginmanager.hasplugin("nbval"):
        return
    import nbval.plugin

    original = nbval.plugin.coalesce_streams
    if getattr(original, "_seecat_copies", False):
        return

    def coalesce_streams(outputs):
        if outputs:
            _uncoalesced[id(outputs)] = [copy.deepcopy(output) for output in outputs]
        return original(outputs)

    coalesce_streams._seecat_copies = True
    nbval.plugin.coalesce_streams = coalesce_streams


def _folder(config) -> Path | None:
    value = config.getoption("--executed-dir", default=EXECUTED_DIR)
    return None if not value else Path(config.rootpath, value)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    folder = _folder(item.config)
    if folder is None or not _is_nbval_cell(item):
        return
    report = outcome.get_result()
    collector = item.parent
    run = _runs.get(id(collector))
    if run is None:
        run = _runs[id(collector)] = _Run(collector, executed_path(folder, Path(str(collector.fspath))))
    run.record(item, report)
    if report.when == "call" and item.cell_num == len(run.code_cells) - 1 and run.complete():
        _kept.append(run.write())
    if report.when == "teardown":
        _uncoalesced.pop(id(item.test_outputs), None)
