# Two commands matter: `make demo` (set up and take the tour) and `make test`.
# Everything installs into .venv from PyPI; nothing needs to be installed by hand.

PYTHON  ?= python3
VENV    := .venv
PY      := $(VENV)/bin/python
STAMP   := $(VENV)/.installed-dev
PSTAMP  := $(VENV)/.installed-parity
DATA    ?= data
# PySpark starts its workers with this interpreter; without it they would use
# whatever `python3` is first on PATH and could lack the venv's packages.
export PYSPARK_PYTHON := $(abspath $(PY))

.PHONY: demo test test-slow test-pythons parity test-browser bench lint clean release answers lab kit

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(PY) -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	touch $@

$(PSTAMP): $(STAMP)
	$(PY) -m pip install --quiet --disable-pip-version-check -e '.[dev,parity]'
	touch $@

# The tour: a batch job on generated web logs, a streaming job on the same logs replayed
# over a socket, then a sample class of six chapter-3 submissions graded.
demo: $(STAMP)
	$(PY) -m minispark.tour --data $(DATA)
	$(PY) -m minispark.streaming.tour --data $(DATA)
	$(PY) -m course.grade.samples --data $(DATA) --root $(DATA)/sample-class

# The fast tier: unit tests, doctests of every public engine method (and of the course's
# modules; nbgrader_config.py is a config file, not a module). Parity and
# benchmarks have their own targets. pytest's exit code 5 ("no tests collected")
# is reported as a failure: a suite that collects nothing is broken.
test: $(STAMP)
	@$(PY) -m pytest -q -m "not parity and not slow and not browser" tests minispark datagen \
	  course --ignore=course/nbgrader_config.py; rc=$$?; \
	  if [ $$rc -eq 5 ]; then echo "make test: pytest collected no tests"; exit 1; fi; exit $$rc

# The slow tier: whole classes graded in sandboxes (a hostile class, the course copied to
# private folders, a class of 40 under load), the capstone end to end, repeated grading of
# one chapter. CI runs it after make test.
test-slow: $(STAMP)
	@$(PY) -m pytest -q -m "slow and not parity and not browser" tests; rc=$$?; \
	  if [ $$rc -eq 5 ]; then echo "make test-slow: pytest collected no tests"; exit 1; fi; exit $$rc

# The fast tier on every Python the README promises, each in a venv of its own
# (.venv-3.11, .venv-3.12, .venv-3.13), one after the other: about three times as
# long as make test, so CI does not run it. An interpreter is python3.X on PATH,
# else pyenv's $(PYENV_ROOT)/versions/3.X.*; PYTHONS=3.12 runs one.
PYTHONS    ?= 3.11 3.12 3.13
PYENV_ROOT ?= $(HOME)/.pyenv
test-pythons:
	@failed=""; for v in $(PYTHONS); do \
	  py=""; for c in $$(command -v python$$v) "$(PYENV_ROOT)"/versions/$$v.*/bin/python3; do \
	    if "$$c" -c "import sys; sys.exit(sys.version_info[:2] != tuple(map(int, '$$v'.split('.'))))" \
	       2>/dev/null; then py=$$c; break; fi; done; \
	  if [ -z "$$py" ]; then echo "make test-pythons: no Python $$v (python$$v or pyenv)"; \
	    failed="$$failed $$v"; continue; fi; \
	  echo "== Python $$v ($$py), venv .venv-$$v"; \
	  $(MAKE) --no-print-directory test PYTHON=$$py VENV=.venv-$$v || failed="$$failed $$v"; \
	done; \
	if [ -n "$$failed" ]; then echo "make test-pythons: failed on Python$$failed"; exit 1; fi; \
	echo "make test-pythons: the fast tier passed on Python $(PYTHONS)"

parity: $(PSTAMP)
	@$(PY) -m pytest -q -m parity tests/parity; rc=$$?; \
	  if [ $$rc -eq 5 ]; then echo "make parity: pytest collected no tests"; exit 1; fi; exit $$rc

# The web UI in headless Chromium. Debian's chromium and chromium-driver are
# installed when missing (as root, from Debian's package registry).
test-browser: $(STAMP)
	@command -v chromium >/dev/null && command -v chromedriver >/dev/null || \
	  { apt-get update -qq && apt-get install -y -qq chromium chromium-driver >/dev/null; }
	$(PY) -m pip install --quiet --disable-pip-version-check -e '.[dev,browser]'
	@$(PY) -m pytest -q -m browser tests/ui tests/course; rc=$$?; \
	  if [ $$rc -eq 5 ]; then echo "make test-browser: pytest collected no tests"; exit 1; fi; exit $$rc

bench: $(STAMP)
	$(PY) -m benchmarks

# The course notebooks (course/INSTRUCTOR.md). course/source/ is the only thing edited:
# `make answers` records the reference answers' hashes (course/answers.json) by running
# the source notebooks; `make release` regenerates exercises/ and solutions/ from them.
# ONLY=ch06a_partitions_stages limits both to one chapter while it is being written.
release: $(STAMP)
	$(PY) -m course.notebooks release $(if $(ONLY),--only $(ONLY))

answers: $(STAMP)
	$(PY) -m course.make_answers $(ONLY)

# JupyterLab on 127.0.0.1 only, with nbgrader's extensions, the whole repository shown
# (course/source/ is edited there) and opening work/: a git-ignored working copy of
# exercises/ (copied by course/lab.py, never overwriting), so the tracked notebooks are
# never the ones worked in. Ctrl-C stops it.
LAB_PORT ?= 8888
WORK ?= work
lab: $(STAMP)
	JUPYTER_CONFIG_PATH="$(CURDIR)/course" $(PY) -m course.lab --root "$(CURDIR)" \
	  --work "$(WORK)" --port $(LAB_PORT) --no-browser

# The student kit (course/kit.py): exercises, minispark, datagen and the self-checks, no
# solutions and no hidden tests, as an installable folder. make kit KIT=some/new/folder
KIT ?= build/student-kit
kit: $(STAMP)
	$(PY) -m course.kit --out $(KIT)

lint: $(STAMP)
	$(PY) -m ruff check minispark datagen course tests benchmarks

clean:
	rm -rf $(VENV) .venv-3.* $(DATA) .bench build *.egg-info

# Grade a class (course/INSTRUCTOR.md): make grade A=ch03_spark_basics [SUBMISSIONS=dir] [JOBS=n]
A ?= ch03_spark_basics
SUBMISSIONS ?= course/submitted
JOBS ?= 2
.PHONY: grade
grade: $(STAMP)
	$(PY) -m course grade $(A) --submissions $(SUBMISSIONS) --jobs $(JOBS)
