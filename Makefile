# Every target sets itself up: a fresh machine needs only python3 (3.11+), pip and make.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test lint golden bench clean
BENCH_ARGS ?=

$(STAMP): pyproject.toml runtime/pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e ./runtime -e '.[test]'
	touch $(STAMP)

examples/async/gen/asyncrpc.py: $(STAMP) examples/async/AsyncRPC.idl examples/async/AsyncRPC.acf
	$(BIN)/idlc examples/async/AsyncRPC.idl -o examples/async/gen

demo: examples/async/gen/asyncrpc.py
	$(BIN)/python examples/async/demo.py

GOLDEN := tests/golden/example_async

lint: examples/async/gen/asyncrpc.py
	$(BIN)/ruff check idlc runtime tests examples bench
	$(BIN)/ruff format --check idlc runtime tests examples bench
	$(BIN)/ruff check --isolated $(GOLDEN)
	$(BIN)/ruff format --isolated --check $(GOLDEN)
	$(BIN)/mypy --strict idlc runtime/idlrt $(GOLDEN)/asyncrpc.py \
		examples/async/server.py examples/async/client.py examples/async/demo.py bench

test: lint
	$(BIN)/python -m pytest -q

bench: $(STAMP)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[bench]'
	$(BIN)/python -m bench $(BENCH_ARGS)

golden: $(STAMP)
	$(BIN)/python -m pytest -q tests/golden --update-golden

clean:
	rm -rf $(VENV) examples/*/gen .mypy_cache .ruff_cache .pytest_cache
