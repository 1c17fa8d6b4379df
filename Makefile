# yingshang — the two commands: `make run` and `make test`.
SHELL := /bin/bash
VENV := .venv
BIN := $(VENV)/bin
export PYTHONDONTWRITEBYTECODE := 1
# pytest-xdist: three workers (each with its own test database and temporary directories) — on
# two cores a third worker runs while the others wait on browsers, servers and subprocesses:
# the whole suite 7 min 16 s with -n 3 against about 11 min with -n 2 (SQLite, 2026-12-07).
# `make test PYTEST_ARGS=` runs in one process; add e.g. `PYTEST_ARGS="-n 2 tests/cases"`.
PYTEST_ARGS ?= -n 3

.PHONY: run test setup lint format demo bench fuzz clean messages

setup:
	@scripts/bootstrap

# `make run SIMULATE=1`: also start the fake WeChat/WeCom and SMS servers (scripts/run-simulated).
run: setup
	$(BIN)/yingshang migrate --noinput
	$(BIN)/yingshang demo
	@if [ "$(SIMULATE)" = 1 ]; then scripts/run-simulated; else ACCOUNTS_DEMO=1 ACCOUNTS_DEMO_IDP=1 $(BIN)/yingshang serve; fi

test: setup
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	$(BIN)/yingshang makemigrations --check --dry-run
	$(BIN)/pytest $(PYTEST_ARGS)

format: setup
	$(BIN)/ruff check --fix src tests bench
	$(BIN)/ruff format src tests bench

bench: setup
	$(BIN)/python bench/run_all.py

# A longer schemathesis run over the whole API than `make test`'s (bench/fuzz_api.py).
fuzz: setup
	$(BIN)/python bench/fuzz_api.py $(FUZZ_ARGS)

messages: setup
	scripts/messages

clean:
	rm -rf $(VENV) var .pytest_cache
