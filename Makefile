# Candor: `make demo` runs the pipeline on the sample forum; `make test` runs every test.
# Both create .venv when missing and re-install only when pyproject.toml or the constraints change.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
UV_VERSION := 0.13.8
CONSTRAINTS := requirements/constraints.txt
RUNTIME_EXTRAS := crawl,nlp,search,postgres,studio
TEST_EXTRAS := $(RUNTIME_EXTRAS),airflow,dev,forum-test
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1

.PHONY: demo test lint lock clean-venv bench

demo: $(VENV)/.runtime
	$(BIN)/candor demo

test: $(VENV)/.test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/python .ci/audit.py $(CONSTRAINTS)  # fails on a fixable vulnerability; see its docstring
	bash .ci/with-services.sh $(BIN)/python -m pytest

# Every benchmark into benchmarks/report.md and report.json (QUICK=1: a small, fast variant).
# Uses the running Elasticsearch at CANDOR_BENCH_ES (default http://127.0.0.1:9250) when it answers.
bench: $(VENV)/.test
	$(BIN)/python -m benchmarks $(if $(QUICK),--quick)

lint: $(VENV)/.test
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

$(BIN)/uv:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)

$(VENV)/.runtime: pyproject.toml $(CONSTRAINTS) | $(BIN)/uv
	$(BIN)/uv pip install --python $(BIN)/python -c $(CONSTRAINTS) -e '.[$(RUNTIME_EXTRAS)]'
	touch $@

$(VENV)/.test: pyproject.toml $(CONSTRAINTS) | $(BIN)/uv
	$(BIN)/uv pip install --python $(BIN)/python -c $(CONSTRAINTS) -e '.[$(TEST_EXTRAS)]'
	touch $(VENV)/.runtime $@

# Re-pin every dependency (run after changing pyproject.toml, commit the result).
lock: | $(BIN)/uv
	$(BIN)/uv pip compile pyproject.toml --all-extras --python-version 3.11 -o $(CONSTRAINTS)

clean-venv:
	rm -rf $(VENV)
