# The LSTM course. `make lab` runs the course, `make test` runs the tests; both install what is missing.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
BASE   := $(VENV)/.installed-base
STAMP  := $(VENV)/.installed
PORT   ?= 8888
LAB_ARGS ?=

# The course's nbgrader configuration, for every nbgrader command and for JupyterLab.
export JUPYTER_CONFIG_PATH := $(CURDIR)/autograder
export TF_CPP_MIN_LOG_LEVEL := 3
export KERAS_BACKEND := tensorflow
export PIP_DISABLE_PIP_VERSION_CHECK := 1
# The venv's commands first: nbgrader runs `alembic` by name when it creates a new gradebook (the
# formgrader answers 500 without it).
export PATH := $(CURDIR)/$(BIN):$(PATH)

# The course root `make sync` and `make lessons` work on (tests/test_release.py points it at a scratch copy).
COURSE_ROOT ?= $(CURDIR)
LESSONS := $(notdir $(wildcard $(COURSE_ROOT)/solutions/[0-9][0-9]-*))

.PHONY: sandbox grade-demo postgres-deps
.PHONY: help install install-student lab test lessons sync lint format bench clean browser-deps exercise-map

help:
	@echo "make lab      install if needed, then start JupyterLab on lessons/"
	@echo "make test     install if needed, then run the whole test suite"
	@echo "make sync     after editing a lesson's text source solutions/NN-slug/*.py: update its .ipynb"
	@echo "make lessons  sync, then regenerate lessons/ from solutions/ (nbgrader generate_assignment)"
	@echo "make lint     ruff (lint and format check) over the code and the lesson sources"
	@echo "make format   ruff format and safe fixes, then sync the lessons' notebooks"
	@echo "make exercise-map  regenerate the exercise map in CONTRIBUTING.md (lesson -> reference -> tests)"
	@echo "make bench    benchmarks (lesson run times, NumPy vs Keras LSTM, the checker's grading cost)"
	@echo "make grade-demo  the whole nbgrader cycle for a simulated class (LESSONS=... for a subset)"
	@echo "make report   the instructor's grade report of a graded class (COURSE_ROOT=.course/grade-demo)"
	@echo "make check LESSON=03-lstm-cell   grade your own copy of a lesson (hidden tests included)"
	@echo "make progress the state of every lesson: not started, started, checked (points)"

# Install (again) only when the inputs changed.
# What a student needs (the lessons, JupyterLab, nbgrader's Validate and Assignment List, `make check`):
# pyproject's dependencies only. `make lab` installs this.
$(BASE): pyproject.toml constraints.txt
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c constraints.txt -e .
	@# The kernels' config (TensorFlow's C++ stderr out of cell outputs) and rfc3987-syntax removed (1.7 s of
	@# import in every nbgrader process, for an optional check): autograder/setup_env.py, as conda users run it.
	$(BIN)/python -m autograder.setup_env --prefix $(VENV)
	touch $@

# Everything else: the instructor's tools (class grading on Dask, PostgreSQL, flags) and the tests' (pyproject's
# [test] extra, which includes [instructor]). `make test`, `make grade-demo`, `make bench` install this.
$(STAMP): $(BASE)
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[test]'
	$(BIN)/python -m autograder.setup_env --prefix $(VENV)
	touch $@

install: $(STAMP)

install-student: $(BASE)

lab: $(BASE)
	$(BIN)/jupyter lab --ServerApp.root_dir=$(CURDIR) --ServerApp.default_url=/lab/tree/lessons \
		--ServerApp.port=$(PORT) $(if $(filter 0,$(shell id -u)),--allow-root,) $(LAB_ARGS)

test: install browser-deps sandbox postgres-deps
	$(BIN)/python -m pytest tests -n 2 --dist loadgroup --durations=15

# Headless Chromium for tests/test_browser.py (Debian packages; quick when already installed). When it
# cannot be installed the browser test skips and says why.
browser-deps:
	@bash tests/browser/install_chromium.sh || echo "browser-deps: Chromium could not be installed; tests/test_browser.py will skip"

# The text sources (solutions/NN-slug/<name>.py, py:percent) are what authors edit and review; their
# paired .ipynb keeps the cell ids and is what nbgrader reads. `--update` keeps the ids of cells that did
# not move, so they are stable across edits.
sync: install
	@for f in $(COURSE_ROOT)/solutions/[0-9][0-9]-*/*.py; do \
		$(BIN)/jupytext --quiet --to ipynb --update "$$f" || exit 1; done
	$(BIN)/python -m autograder.notebooks ids $(COURSE_ROOT)/solutions/[0-9][0-9]-*/*.ipynb
	$(BIN)/nbstripout --keep-id $(COURSE_ROOT)/solutions/[0-9][0-9]-*/*.ipynb

lessons: sync
	@mkdir -p $(COURSE_ROOT)/.course
	@for a in $(LESSONS); do \
		echo "generate_assignment $$a"; \
		LSTM_COURSE_ROOT=$(COURSE_ROOT) $(BIN)/nbgrader generate_assignment "$$a" --force --log-level=WARN || exit 1; \
	done
	$(BIN)/nbstripout --keep-id $(COURSE_ROOT)/lessons/*/*.ipynb

# The table lesson -> exercise -> reference -> its tests -> its wrong answers in CONTRIBUTING.md
# (tests/test_exercise_map.py fails when it is out of date).
exercise-map: install
	$(BIN)/python -m autograder.exercise_map --write

LINTED := helpers autograder tests bench solutions

lint: install
	$(BIN)/ruff check $(LINTED)
	$(BIN)/ruff format --check $(LINTED)

format: install
	$(BIN)/ruff format $(LINTED)
	$(BIN)/ruff check --fix $(LINTED)
	$(MAKE) sync

# The autograder's sandbox (autograder/README.md): bubblewrap, installed with apt-get when missing and root.
sandbox:
	@command -v bwrap >/dev/null 2>&1 || { \
		if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
			echo "installing bubblewrap (the autograding sandbox)"; \
			apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq bubblewrap >/dev/null \
				|| echo "WARNING: bubblewrap could not be installed: autograding runs UNSANDBOXED, the sandbox tests skip."; \
		else \
			echo "WARNING: bubblewrap (bwrap) is missing and cannot be installed without root:" \
			     "autograding runs UNSANDBOXED, the sandbox tests skip. See autograder/README.md."; \
		fi; }

# A PostgreSQL server for the gradebook test (tests/test_grade_demo.py): Debian's package, installed with
# apt-get when missing and root; without it that one test skips and says why.
postgres-deps:
	@ls /usr/lib/postgresql/*/bin/pg_ctl >/dev/null 2>&1 || { \
		if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
			echo "installing postgresql (gradebook test)"; \
			apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null \
				|| echo "postgres-deps: PostgreSQL could not be installed; the PostgreSQL gradebook test will skip"; \
		else \
			echo "postgres-deps: PostgreSQL is missing (needs root to install); the PostgreSQL gradebook test will skip"; \
		fi; }

# The whole nbgrader cycle for a simulated class of six (LESSONS=01-sequences for a subset).
grade-demo: install sandbox
	$(BIN)/python -m autograder.classroom --lessons "$(LESSONS)" $(if $(TIMEOUT),--timeout $(TIMEOUT),)

bench: install
	$(BIN)/python bench/run_lessons.py
	@if [ -f bench/lstm_vs_keras.py ]; then $(BIN)/python bench/lstm_vs_keras.py; fi
	$(BIN)/python bench/judge_overhead.py
	$(BIN)/python bench/grading_skip.py
	$(BIN)/python bench/grading_throughput.py --students 4 --workers 1,2

clean:
	rm -rf .course artifacts .pytest_cache

# Flags for a human (issue 12, item 7): tampering APIs and near-copies in the submissions of each lesson,
# written to .course/flags/flags-<lesson>.html and .csv; never changes a score. LESSONS=01-sequences,... for a
# subset (default: every lesson with submissions).
.PHONY: flags report check progress
# Grade your own work (no instructor needed): your copy of a lesson through the course's grader, hidden tests
# included, in a private course under .course/self/. `make progress`: the state of every lesson.
check: $(BASE)
	@test -n "$(LESSON)" || { echo "usage: make check LESSON=03-lstm-cell [NOTEBOOK=path/to/your.ipynb]"; exit 2; }
	$(BIN)/python -m autograder.selfcheck $(LESSON) $(if $(NOTEBOOK),--notebook $(NOTEBOOK),)

progress: $(BASE)
	$(BIN)/python -m autograder.selfcheck --progress

# The instructor's grade report (scores, item analysis, named mistakes, slow notebooks, flags) as one HTML page:
# $(COURSE_ROOT)/.course/report/index.html. COURSE_ROOT=.course/grade-demo for the simulated class.
report: install
	LSTM_COURSE_ROOT=$(abspath $(COURSE_ROOT)) $(BIN)/python -m autograder.report --root $(abspath $(COURSE_ROOT))

flags: install
	LSTM_COURSE_ROOT=$(COURSE_ROOT) $(BIN)/python -m autograder.flags --root $(COURSE_ROOT) \
		$(if $(filter command line environment,$(origin LESSONS)),--lessons "$(LESSONS)",)
