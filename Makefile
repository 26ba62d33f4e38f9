# Two commands for a fresh machine with Python 3.10+ (see README.md):
#   make lab    create the environment if needed, open JupyterLab on the lessons
#   make test   create the environment if needed, run every test and notebook
# Both are quick and harmless the second time: the environment is rebuilt only
# when requirements.txt or pyproject.toml change.

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.seecat-installed
# The tests run offline on the embedded model (VGG16's weights are a download).
TEST_MODEL ?= efficientnet_lite0

.PHONY: lab test bench clean

$(STAMP): requirements.txt pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 10) else "seecat needs Python 3.10 or newer; this is " + sys.version.split()[0] + ". Run: make PYTHON=python3.11 ...")'
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt -e .
	@touch $(STAMP)

lab: $(STAMP)
	$(BIN)/jupyter lab lessons/ $$([ "$$(id -u)" = 0 ] && echo --allow-root)

test: $(STAMP)
	SEECAT_MODEL=$(TEST_MODEL) $(BIN)/python -m pytest tests lessons solutions --nbval-lax -v

clean:
	rm -rf $(VENV) outputs

# Speed and quality figures as Markdown tables (about 20 minutes; not part of `make test`).
bench: $(STAMP)
	$(BIN)/python bench/run.py
