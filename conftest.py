"""Print how long each notebook took when pytest runs them with nbval."""

import time

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
