"""What the benchmark's sections share: the repository on sys.path, the machine's description, peak memory, table
helpers. Every bench module imports this one first (so that `import lib` finds the repository); it imports no other.

Timing is lib.timing's (median_ms, timed), the helper lesson 02 uses too.
"""

from __future__ import annotations

import os
import platform
import sys
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
ENTRY = BENCH / "run.py"  # the benchmark's command line, which a section's worker process runs again
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

LITE0 = "efficientnet_lite0"  # the model of every section after the first two


def machine() -> str:
    """"x86_64, 2 cores, Python 3.12.3, TensorFlow 2.18.0": what the figures were measured on."""
    import tensorflow as tf

    return (f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
            f"Python {platform.python_version()}, TensorFlow {tf.__version__}")


def peak_rss_mb() -> int:
    """Peak resident set size of this process, in MB (self-contained: it also runs as a notebook's last cell)."""
    import pathlib
    import resource
    import sys

    # On Linux VmHWM belongs to this process alone; ru_maxrss would not do for a kernel: Linux carries it over from
    # the parent across fork and exec, so it would report this benchmark's own peak.
    status = pathlib.Path("/proc/self/status")
    if status.exists():
        return next(int(line.split()[1]) // 1024 for line in status.read_text().splitlines() if line.startswith("VmHWM:"))
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // (1024 * 1024 if sys.platform == "darwin" else 1024)  # macOS: bytes


def yes(within: bool) -> str:
    """A table's verdict cell: "yes" or "no"."""
    return "yes" if within else "no"


def echoed(rows: list[str]) -> list[str]:
    """A table's rows, each printed to stderr as well (below its two header lines), to follow a long run."""
    for row in rows[2:]:
        print(row, file=sys.stderr, flush=True)
    return rows
