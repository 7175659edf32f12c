# Every target sets itself up: a fresh machine needs only python3 (3.11+), pip and make.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo files-demo samba-demo test lint golden bench clean fuzz fuzz-idl fuzz-wire
BENCH_ARGS ?=
# The long fuzzers (docs/reliability.md); `make test` runs a short version of each.
# e.g. FUZZ_IDL_ARGS='--count 1000 --seed 3'; crashing mutants go to fuzz-crashes/.
FUZZ_IDL_ARGS ?= --count 100000 --progress
FUZZ_WIRE_ARGS ?= --messages 1000000 --seed 1 --time-limit 1800

$(STAMP): pyproject.toml runtime/pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e ./runtime -e '.[test]'
	touch $(STAMP)

examples/async/gen/asyncrpc.py: $(STAMP) examples/async/AsyncRPC.idl examples/async/AsyncRPC.acf
	$(BIN)/idlc examples/async/AsyncRPC.idl -o examples/async/gen

examples/types/gen/inventory.py: $(STAMP) examples/types/Inventory.idl
	$(BIN)/idlc examples/types/Inventory.idl -o examples/types/gen

demo: examples/async/gen/asyncrpc.py
	$(BIN)/python examples/async/demo.py

examples/files/gen/files.py: $(STAMP) examples/files/Files.idl
	$(BIN)/idlc examples/files/Files.idl -o examples/files/gen

# Pipes and a [callback]: upload and download 8 MiB with a progress bar (docs/pipes.md).
files-demo: examples/files/gen/files.py
	$(BIN)/python examples/files/demo.py

examples/samba/gen/srvsvc.py: $(STAMP) examples/samba/srvsvc.idl
	$(BIN)/idlc examples/samba/srvsvc.idl -o examples/samba/gen

# A real [MS-*] service: srvsvc of a throwaway Samba on loopback (needs root and `samba`).
samba-demo: examples/samba/gen/srvsvc.py
	$(BIN)/python examples/samba/demo.py

GOLDEN := tests/golden

# Generated code is checked with ruff's default rules, as a user's project would check it.
lint: examples/async/gen/asyncrpc.py examples/types/gen/inventory.py examples/samba/gen/srvsvc.py \
		examples/files/gen/files.py
	$(BIN)/ruff check idlc runtime tests examples bench fuzz
	$(BIN)/ruff format --check idlc runtime tests examples bench fuzz
	$(BIN)/ruff check --isolated $(GOLDEN)/example_*
	$(BIN)/ruff format --isolated --check $(GOLDEN)/example_*
	$(BIN)/ruff check --isolated runtime/idlrt/epm/ept.py
	$(BIN)/ruff format --isolated --check runtime/idlrt/epm/ept.py
	$(BIN)/mypy --strict idlc runtime/idlrt bench fuzz $(GOLDEN)/example_*/*.py
	$(BIN)/mypy --strict examples/async/server.py examples/async/client.py examples/async/demo.py
	$(BIN)/mypy --strict examples/types/server.py examples/types/client.py
	$(BIN)/mypy --strict examples/samba/client.py examples/samba/demo.py
	$(BIN)/mypy --strict examples/files/server.py examples/files/client.py examples/files/demo.py
	$(BIN)/ruff check fuzz/wire
	$(BIN)/ruff format --check fuzz/wire
	$(BIN)/mypy --strict fuzz/wire

test: lint
	$(BIN)/python -m pytest -q

bench: $(STAMP)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[bench]'
	$(BIN)/python -m bench $(BENCH_ARGS)

# Every fuzzer, each bounded by its own count and time limit.
fuzz: fuzz-idl fuzz-wire

fuzz-idl: $(STAMP)
	$(BIN)/python -m fuzz.idl $(FUZZ_IDL_ARGS)

fuzz-wire: $(STAMP)
	$(BIN)/python -m fuzz.wire $(FUZZ_WIRE_ARGS)

golden: $(STAMP)
	$(BIN)/python -m pytest -q tests/golden --update-golden

clean:
	rm -rf $(VENV) examples/*/gen .mypy_cache .ruff_cache .pytest_cache fuzz-crashes
