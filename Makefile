# Two commands for a fresh machine with Python 3.10+ (see README.md):
#   make lab    create the environment if needed, open JupyterLab on the lessons
#   make test   create the environment if needed, run every test and notebook
# Both are quick and harmless the second time: the environment is rebuilt only
# when requirements.txt or pyproject.toml change. CI (.ci/run) also runs:
#   make test-colab     the same tests in a Colab-like environment
#   make test-browser   Run All in JupyterLab, driven by headless Chromium
#   make site           every lesson rendered as static HTML, from make test's run
#   make slides         a reveal.js deck per lesson, from make test's run
#   make site-check     every page of the site and every deck opened offline in headless Chromium
# each environment running the curriculum once, and prints each phase's time.
# `make bench` prints the speed and quality figures of README.md.
# `make fork REPO=owner/name` points every badge and link at a fork; `make hub-link HUB=...` (INSTRUCTORS.md).

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.seecat-installed
# The tests run offline on the embedded model (VGG16's weights are a download).
TEST_MODEL ?= efficientnet_lite0

.PHONY: lab test bench clean test-colab

$(STAMP): requirements.txt pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 10) else "seecat needs Python 3.10 or newer; this is " + sys.version.split()[0] + ". Run: make PYTHON=python3.11 ...")'
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt -e .
	@touch $(STAMP)

lab: $(STAMP)
	$(BIN)/jupyter lab lessons/ $$([ "$$(id -u)" = 0 ] && echo --allow-root)

# nbval runs each notebook in a fresh kernel; each one whose cells all pass is kept with its outputs in
# outputs/executed/ (conftest.py), for `make site`.
test: $(STAMP)
	SEECAT_MODEL=$(TEST_MODEL) $(BIN)/python -m pytest tests lessons solutions --nbval-lax -v

clean:
	rm -rf $(VENV) outputs

# Lesson 05's exercises have one source, the solutions notebook (INSTRUCTORS.md, "Teaching with the exercises"):
# `make exercises` writes lessons/05_exercises.ipynb from it (PUBLISH=DIR also writes clean solutions to DIR);
# `make grade SUBMISSIONS=folder` runs each submitted notebook in a kernel of its own and writes $(GRADES),
# one row per student, one column per exercise (its ★ as points), a total and a note.
GRADES ?= outputs/grades.csv
GRADE_JOBS ?= 2
.PHONY: exercises grade
exercises: $(STAMP)
	$(BIN)/python tools/exercises/generate.py $(if $(PUBLISH),--publish-solutions $(PUBLISH))

grade: $(STAMP)
	@test -n "$(SUBMISSIONS)" || { echo "usage: make grade SUBMISSIONS=folder-of-notebooks [GRADES=$(GRADES)]"; exit 1; }
	SEECAT_MODEL=$${SEECAT_MODEL:-$(TEST_MODEL)} $(BIN)/python tools/exercises/grade.py $(SUBMISSIONS) --out $(GRADES) --jobs $(GRADE_JOBS)

# Speed and quality figures as Markdown tables (about 55 minutes; not part of `make test`). The side by side with
# the peers (tf-keras-vis, PAIR's saliency, foolbox) needs them: installed for the benchmark only, from their own
# pinned list, with --no-deps so that they can't change a package requirements.txt installed.
# `make bench-peers` runs that section alone (about 12 minutes).
PEERS_STAMP := $(VENV)/.seecat-peers-installed

$(PEERS_STAMP): $(STAMP) bench/requirements-peers.txt
	$(BIN)/python -m pip install --quiet --no-deps -r bench/requirements-peers.txt
	@touch $(PEERS_STAMP)

bench: $(PEERS_STAMP)
	$(BIN)/python bench/run.py

.PHONY: bench-peers
bench-peers: $(PEERS_STAMP)
	$(BIN)/python bench/run.py --peers

# The same tests in a Colab-like environment: Colab's Python and its package
# versions (tools/colab/constraints.txt), plus what the lessons' setup cell
# installs there; built in $(COLAB_VENV) by tools/colab/build-env.sh (a few
# minutes the first time, again only when the constraints or requirements.txt
# change). COLAB_PYTHON=/path/to/python3.13 picks Colab's Python if it isn't found.
COLAB_VENV ?= .venv-colab
COLAB_STAMP := $(COLAB_VENV)/.seecat-colab-installed

$(COLAB_STAMP): tools/colab/constraints.txt requirements.txt tools/colab/build-env.sh
	tools/colab/build-env.sh $(COLAB_VENV)
	@touch $(COLAB_STAMP)

# Its executed notebooks go to outputs/executed-colab/, so that they never replace make test's, which the site uses.
test-colab: $(COLAB_STAMP)
	$(COLAB_VENV)/bin/python -m pytest tests lessons solutions --nbval-lax --nbval-current-env -v \
		--executed-dir outputs/executed-colab

# Lessons 01, 02, 05, 06, 07, 08 and 09 run in JupyterLab in headless Chromium, checked
# as a student sees them: widgets render, the live views move and finish, interact,
# the class picker, lesson 07's explorer (a method chosen, an upload) and lesson 08's
# channel explorer (steps, layer, channel, Visualise) respond
# (tools/browser/run_lessons.py; screenshots in outputs/browser/; about 10 minutes;
# not part of `make test`). Needs Chromium, which this does not
# install: Debian's package, or CHROMIUM=/path/to/chromium.
CHROMIUM ?= /usr/bin/chromium
BROWSER_STAMP := $(VENV)/.seecat-browser-installed

$(CHROMIUM):
	@echo "test-browser needs Chromium at $(CHROMIUM): install it (as root: apt-get update && apt-get install -y chromium) or set CHROMIUM=/path/to/chromium"; exit 1

$(BROWSER_STAMP): $(STAMP) tools/browser/requirements.txt
	$(BIN)/python -m pip install --quiet -r tools/browser/requirements.txt
	@touch $(BROWSER_STAMP)

.PHONY: test-browser
test-browser: $(CHROMIUM) $(BROWSER_STAMP)
	CHROMIUM=$(CHROMIUM) $(BIN)/python tools/browser/run_lessons.py

# Every lesson and the solutions rendered, outputs and all, as static HTML pages
# with an index (outputs/site/index.html): to read without running, or to project
# in class. The outputs come from make test's run (outputs/executed/, kept by
# nbval when all of a notebook's cells pass): seconds. A notebook with no
# executed copy, or one that changed since it ran, runs here in a fresh kernel,
# so `make site` alone works too (then about as long as running them all).
# SITE_FLAGS=--executed-only runs none and fails instead (CI); --run-all ignores the copies.
SITE_FLAGS ?=
.PHONY: site
site: $(STAMP)
	$(BIN)/python tools/site/build.py $(SITE_FLAGS)

# The site as a classroom without network sees it: every page of outputs/site/ (and every deck of outputs/slides/,
# stepped through to its last slide, if `make slides` made them) opened in headless Chromium with every request
# outside their folder aborted (tools/site/check_offline.py; about 30 seconds). Fails on an outside request, a
# console error, an equation left as raw TeX or a figure without alt text. Run `make site` first.
.PHONY: site-check
site-check: $(CHROMIUM) $(BROWSER_STAMP)
	CHROMIUM=$(CHROMIUM) $(BIN)/python tools/site/check_offline.py $(if $(wildcard outputs/slides/lessons),--slides outputs/slides)

# One reveal.js deck per lesson (outputs/slides/lessons/NN_name.slides.html), to project a lesson without running it:
# a heading starts a slide, a figure gets a slide of its own (or the lesson's own slide tags, where it has them);
# outputs as for the site (SITE_FLAGS too). reveal.js comes from a package (tools/site/requirements-slides.txt,
# --no-deps) and is copied next to the decks with MathJax, so they work offline; `make site-check` steps through them.
SLIDES_STAMP := $(VENV)/.seecat-slides-installed

$(SLIDES_STAMP): $(STAMP) tools/site/requirements-slides.txt
	$(BIN)/python -m pip install --quiet --no-deps -r tools/site/requirements-slides.txt
	@touch $(SLIDES_STAMP)

.PHONY: slides
slides: $(SLIDES_STAMP)
	$(BIN)/python tools/site/build.py --slides $(SITE_FLAGS)

# Mutation testing (docs/mutation.md): mutmut plants one small mistake at a time (a sign, a number, a comparison) in
# the functions that hold formulas or guard files, and runs the exact-value tests (tests/test_exact_*.py, set in
# pyproject.toml) that reach it; each mistake that no test notices is a survivor. Prints the share killed per module.
# Not part of `make test`: about an hour on 2 shared cores (3300 mutants); MUTATE_JOBS=1 runs one at a time.
# MUTANTS: the formulas' functions (not the checks of arguments, except lib._validate's); mutants/ is rebuilt each
# run. `make mutate MUTANTS='lib.objectives.*'` tries one module.
MUTMUT_STAMP := $(VENV)/.seecat-mutmut-installed
MUTATE_JOBS ?= 2
MUTANTS ?= 'lib.parameterisations.x_*colours*' 'lib.parameterisations.x_frequencies*' \
	'lib.parameterisations.xǁ*' 'lib.transforms.*' 'lib.objectives.*' 'lib.pickles.*' 'lib._validate.*' \
	'lib.attribution.x__[bgimos]*' 'lib.attribution.x_[hmopq]*' 'lib.attribution.x_integrated_gradients*' \
	'lib.faithfulness.x_*' 'lib.optimise.x_make_step*' 'lib.optimise.x_gradient_of*' 'lib.optimise.x__forward*' \
	'lib.attacks.x__random_start*' 'lib.attacks.x__default_step*' \
	'lib.attacks.x__run*' 'lib.attacks.x__done*' 'lib.attacks.x__parts*' 'lib.attack_step.x_log_probability*' \
	'lib.attack_step.x_aim*' 'lib.attack_step.x_load*' 'lib.attack_step.xǁ*'

$(MUTMUT_STAMP): $(STAMP)
	$(BIN)/python -m pip install --quiet "mutmut==3.8.1"
	@touch $(MUTMUT_STAMP)

.PHONY: mutate
mutate: $(MUTMUT_STAMP)
	rm -rf mutants && mkdir mutants
	@began=$$(date +%s); nice -n 10 $(BIN)/mutmut run --max-children $(MUTATE_JOBS) $(MUTANTS) > mutants/run.log 2>&1 \
		|| { tail -n 40 mutants/run.log; exit 1; }; \
		echo "mutmut ran in $$(( $$(date +%s) - began )) s (its log: mutants/run.log; a mutant: mutmut show NAME)"
	$(BIN)/python tools/mutation/report.py $(MUTANTS)

# Every lesson and the solutions under seeds 1, 2 and 3 (SEECAT_SEED), each run as Run All runs it (the first
# error stops the notebook); prints a table, lesson by seed, and keeps it in docs/test-seeds.md. Run it before
# changing a lesson (about 20 minutes; not part of `make test` or CI, which run seed 0).
# SEEDS="0 1 2 3 4" and JOBS=2 change what runs.
SEEDS ?= 1 2 3
JOBS ?= 1
.PHONY: test-seeds
test-seeds: $(STAMP)
	$(BIN)/python tools/seeds/run.py --seeds $(SEEDS) --jobs $(JOBS)

# A class's own copy (INSTRUCTORS.md, "Before the class"): `make fork REPO=owner/name` points every badge and link
# (the README's and each notebook's Colab badge, the Binder badges, each setup cell's clone, the guide's repo2docker
# line and hub link) at that GitHub repository, writes it to repository.toml and checks them all (tools/fork.py;
# BRANCH=name for a branch other than repository.toml's). `make hub-link HUB=https://hub.example.edu` prints the
# nbgitpuller link that opens the lessons on that JupyterHub. Both need only Python, no virtual environment.
.PHONY: fork hub-link
fork:
	@test -n "$(REPO)" || { echo "usage: make fork REPO=owner/name [BRANCH=main] (the fork's address on GitHub)"; exit 2; }
	$(PYTHON) tools/fork.py --repo "$(REPO)" $(if $(BRANCH),--branch "$(BRANCH)")

hub-link:
	@test -n "$(HUB)" || { echo "usage: make hub-link HUB=https://hub.example.edu (your JupyterHub's address)"; exit 2; }
	@$(PYTHON) tools/fork.py --hub-link "$(HUB)"
