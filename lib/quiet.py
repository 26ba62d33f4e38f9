"""Import TensorFlow without the log lines it prints on start-up.

TensorFlow's C++ core writes lines such as "WARNING: All log messages before
absl::InitializeLog() is called are written to STDERR" and a oneDNN notice
straight to the process's standard error while it is imported, before any
Python setting can silence them. In a notebook they show up as a pink box
that looks like an error. Every module of `lib` that needs TensorFlow imports
this one first: the import happens once, with standard error caught, and any
line that is not one of those known notices is written back.
"""

from __future__ import annotations

import os
import sys
import tempfile

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")  # Python-level INFO and WARNING logs of TensorFlow
NOTICES = ("All log messages before absl::InitializeLog()", "oneDNN custom operations are on",
           "Unable to register cuDNN factory", "Unable to register cuFFT factory", "Unable to register cuBLAS factory",
           "computation placer already registered", "TF-TRT Warning", "This TensorFlow binary is optimized",
           "Could not find cuda drivers", "cuda_init", "failed call to cuInit")


def _import_quietly() -> None:
    if "tensorflow" in sys.modules:
        return
    try:
        sys.stderr.flush()
        saved = os.dup(2)
    except (OSError, ValueError):  # no real file descriptor 2 (some embedded interpreters): import as usual
        import keras  # noqa: F401
        import tensorflow  # noqa: F401
        return
    with tempfile.TemporaryFile() as caught:
        os.dup2(caught.fileno(), 2)
        try:
            import tensorflow  # noqa: F401
            import keras  # noqa: F401
        finally:
            os.dup2(saved, 2)
            os.close(saved)
        caught.seek(0)
        lines = caught.read().decode("utf-8", "replace").splitlines()
    kept = [line for line in lines if line.strip() and not any(notice in line for notice in NOTICES)]
    if kept:
        print("\n".join(kept), file=sys.stderr)


_import_quietly()

from .seeds import apply_determinism  # noqa: E402

apply_determinism()  # SEECAT_DETERMINISTIC=1: TensorFlow's op determinism, before any TensorFlow op runs
