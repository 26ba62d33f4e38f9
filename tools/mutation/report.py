"""The share of mutants killed per module, from mutmut's last run (mutants/**/*.py.meta): `make mutate` prints it.

    python tools/mutation/report.py 'lib.objectives.*' 'lib.optimise.x_make_step*'   # the mutants `make mutate` ran
    python tools/mutation/report.py --survivors ...                                   # and each one that survived
    python tools/mutation/report.py --survivors --diffs ...                           # with the lines it changed

Killed: a test failed (or the mutant ran past its time limit, or it crashed).
Not killed: the tests passed ("survived"), or no selected test reached the
mutated function ("no tests"). Skipped mutants are not counted.
"""

from __future__ import annotations

import argparse
import fnmatch
import json
import subprocess
import sys
from collections import defaultdict
from pathlib import Path

MUTANTS = Path("mutants")
KILLED = {1, 3, 24, -24, 36, 152, 255, 37, -11, -9}  # failed, pytest error, timeouts, type check, crashes
SURVIVED = {0}
NO_TESTS = {5, 33}
SKIPPED = {34}


def results(patterns: list[str]) -> dict[str, int | None]:
    """{mutant name: exit code} of every mutant whose name matches one of `patterns` (all of them with none)."""
    found = {}
    for meta in sorted(MUTANTS.rglob("*.py.meta")):
        codes = json.loads(meta.read_text())["exit_code_by_key"]
        found.update({name: code for name, code in codes.items()
                      if not patterns or any(fnmatch.fnmatch(name, pattern) for pattern in patterns)})
    return found


def module_of(mutant: str) -> str:
    """lib.optimise.x_make_step__mutmut_3 -> lib.optimise"""
    return mutant.rsplit(".", 1)[0]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("patterns", nargs="*", help="mutant name patterns, as given to `mutmut run`")
    parser.add_argument("--survivors", action="store_true", help="list each mutant that was not killed")
    parser.add_argument("--diffs", action="store_true", help="with --survivors: the lines each one changed")
    arguments = parser.parse_args()
    codes = results(arguments.patterns)
    if not codes:
        raise SystemExit("No mutants found under mutants/: run `make mutate` first.")
    table = defaultdict(lambda: defaultdict(int))
    for name, code in codes.items():
        kind = ("killed" if code in KILLED else "survived" if code in SURVIVED else "no tests" if code in NO_TESTS
                else "skipped" if code in SKIPPED else "not run")
        table[module_of(name)][kind] += 1
    print(f"{'module':28} {'killed':>7} {'survived':>9} {'no tests':>9} {'not run':>8} {'score':>7}")
    totals = defaultdict(int)
    for module in sorted(table):
        row = table[module]
        for kind, count in row.items():
            totals[kind] += count
        print(_line(module, row))
    print(_line("all", totals))
    if arguments.survivors:
        print("\nNot killed (`mutmut show NAME` shows the change):")
        for name, code in sorted(codes.items()):
            if code not in KILLED and code not in SKIPPED:
                print(f"  {name}  ({'survived' if code in SURVIVED else 'no tests' if code in NO_TESTS else 'not run'})")
                if arguments.diffs:
                    print("".join(f"      {line}\n" for line in _changed_lines(name)), end="")


def _changed_lines(mutant: str) -> list[str]:
    """The lines `mutmut show` gives as removed and added for one mutant."""
    shown = subprocess.run([str(Path(sys.executable).parent / "mutmut"), "show", mutant], capture_output=True,
                           text=True).stdout
    return [line.rstrip() for line in shown.splitlines()
            if line[:2] in ("- ", "+ ") and not line.startswith(("--- ", "+++ "))]


def _line(module: str, row: dict[str, int]) -> str:
    counted = row["killed"] + row["survived"] + row["no tests"] + row["not run"]
    score = f"{100 * row['killed'] / counted:6.1f}%" if counted else "     -"
    return (f"{module:28} {row['killed']:7d} {row['survived']:9d} {row['no tests']:9d} {row['not run']:8d} "
            f"{score:>7}")


if __name__ == "__main__":
    main()
