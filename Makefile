# sectoken: one-word entry points. `make test` and `make demo` install what they need first.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= python3.11
VENV   := .venv
BIN    := $(VENV)/bin
CONSTRAINTS := constraints/constraints.txt
PY_STAMP    := $(VENV)/.sectoken-python-deps
NPM_STAMP   := node_modules/.sectoken-npm-ci
# Slither lives in its own venv: its dependency solc-select installs a `solc` script that must
# not shadow the project's compiler on PATH. Pinned set: constraints/audit.txt.
AUDIT_VENV        := $(VENV)/audit
AUDIT_CONSTRAINTS := constraints/audit.txt
AUDIT_STAMP       := $(AUDIT_VENV)/.sectoken-audit-deps

# Project-local tool folders: nothing is written to the user's home.
export SOLCX_BINARY_PATH ?= $(CURDIR)/.solcx
export APE_DATA_FOLDER   ?= $(CURDIR)/.ape
export PATH := $(CURDIR)/$(BIN):$(PATH)
# Hypothesis profile for the test suite: quick (default) or deep.
export SECTOKEN_PROFILE ?= quick
# Extra arguments for `ape test`, e.g. make test ARGS="tests/sdk -k toolchain"
ARGS ?=
# Extra arguments for bench/report.py, e.g. make bench BENCH_ARGS=--no-scale
BENCH_ARGS ?=

.PHONY: artifacts console help install system-deps test test-deep demo node node-stop node-status lint format bench slither lock lock-audit env shell clean

help:
	@echo "make install    venv + pinned Python deps, npm ci, compiler registration, anvil link"
	@echo "make test       quick test suite (installs on first use); ARGS=... passes to ape test"
	@echo "make test-deep  the deep Hypothesis profile, slow tests included"
	@echo "make demo       the end-to-end demo on a local Anvil"
	@echo "make node       start the persistent local node (127.0.0.1:8545, state in .node/)"
	@echo "make node-stop  stop it (its chain is kept for the next make node); make node-status"
	@echo "make console   the web console on 127.0.0.1:8800 (CONSOLE_ARGS=\"--account ALIAS\" to sign)"
	@echo "make lint       ruff check, ruff format --check, mypy"
	@echo "make bench      gas and scale benchmarks (gas reproducible to the gas); writes docs/GAS_REPORT.md"
	@echo "make artifacts  regenerate the package's ABI data (src/sectoken/abi/data) from a fresh compile"
	@echo "make slither    static analysis; fails on high findings or a stale audit/slither-triage.json"
	@echo "make env        shell exports for running ape by hand: eval \"\$$(make -s env)\""
	@echo "make shell      a shell with the venv and the project's tool folders"
	@echo "make clean      remove build outputs and caches (keeps .venv, node_modules, .ape accounts)"

$(PY_STAMP): pyproject.toml $(CONSTRAINTS)
	@command -v $(PYTHON) >/dev/null || { echo "make: $(PYTHON) not found; install Python 3.11 or run make PYTHON=/path/to/python3.11" >&2; exit 1; }
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet -c $(CONSTRAINTS) -e '.[dev]'
	@touch $@

$(NPM_STAMP): package.json package-lock.json
	@command -v npm >/dev/null || { echo "make: npm not found; install Node.js 18+ with npm (e.g. apt-get install nodejs npm)" >&2; exit 1; }
	npm ci --no-audit --no-fund
	@touch $@

install: $(PY_STAMP) $(NPM_STAMP)
	@$(BIN)/python -m sectoken.dev.toolchain setup

# PostgreSQL, Chromium and ChromeDriver from Debian's packages for the index and console tests
# (installed with apt-get where missing and possible; see sectoken.dev.system_deps).
# The module needs only the standard library, so it runs on the system's Python beside `install`.
system-deps:
	@command -v $(PYTHON) >/dev/null || { echo "make: $(PYTHON) not found" >&2; exit 1; }
	@$(PYTHON) src/sectoken/dev/system_deps.py

# Without ARGS: the suite in two parallel shards (sectoken.dev.shards: one ape test per shard,
# each with its own Anvil); with ARGS: one ape test process over what ARGS names.
# The Debian packages download while pip and npm install (two jobs at once).
test:
	@$(MAKE) --no-print-directory -j2 install system-deps
ifeq ($(strip $(ARGS)),)
	@$(BIN)/python -m sectoken.dev.shards $(if $(filter deep,$(SECTOKEN_PROFILE)),,--marker "not slow")
else
	$(BIN)/ape test $(if $(filter deep,$(SECTOKEN_PROFILE)),,-m "not slow") $(ARGS)
endif

test-deep:
	@$(MAKE) --no-print-directory test SECTOKEN_PROFILE=deep

demo: install
	@if [ -f scripts/demo.py ]; then \
		$(BIN)/ape run demo; \
	else \
		echo "make demo: the demo (scripts/demo.py) arrives in a later issue; nothing to run yet."; \
		echo "The toolchain is installed: try 'make test'."; \
	fi

# The persistent local node every `ape run` command uses by default (network ethereum:devnode).
# NODE_ARGS=--port N for another port (then set SECTOKEN_NODE_URL for the commands).
NODE_ARGS ?=
node: install
	@$(BIN)/python -m sectoken.dev.devnode start $(NODE_ARGS)

node-stop:
	@$(BIN)/python -m sectoken.dev.devnode stop $(NODE_ARGS)

node-status:
	@$(BIN)/python -m sectoken.dev.devnode status $(NODE_ARGS)

# The compliance console in the browser; read-only unless CONSOLE_ARGS names an --account.
CONSOLE_ARGS ?=
console: install
	$(BIN)/ape run console $(CONSOLE_ARGS)

lint: $(PY_STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

format: $(PY_STAMP)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# Runs scripts/bench*.py (ape run), then bench/report.py: every bench/*.py in one go, writing
# docs/GAS_REPORT.md. BENCH_ARGS=--no-scale skips the timing benchmarks (minutes).
bench: install
	@shopt -s nullglob; for s in scripts/bench*.py; do \
		name=$$(basename "$$s" .py); echo "== ape run $$name"; $(BIN)/ape run "$$name" || exit $$?; \
	done
	$(BIN)/python bench/report.py $(BENCH_ARGS)

$(AUDIT_STAMP): $(AUDIT_CONSTRAINTS)
	@command -v $(PYTHON) >/dev/null || { echo "make: $(PYTHON) not found; install Python 3.11 or run make PYTHON=/path/to/python3.11" >&2; exit 1; }
	@test -x $(AUDIT_VENV)/bin/python || $(PYTHON) -m venv $(AUDIT_VENV)
	$(AUDIT_VENV)/bin/python -m pip install --quiet -c $(AUDIT_CONSTRAINTS) slither-analyzer
	@touch $@

# Slither over contracts/ through the project's compiler, checked against the triage file.
slither: install $(AUDIT_STAMP)
	$(BIN)/python -m sectoken.dev.audit_slither --slither $(AUDIT_VENV)/bin/slither

# Re-freeze the Python lock after changing pins in pyproject.toml.
lock: $(PY_STAMP)
	@{ sed -n '1,3p' $(CONSTRAINTS); \
	   $(BIN)/python -m pip freeze --exclude-editable | grep -iv '^sectoken' | sort -f; \
	 } > $(CONSTRAINTS).new && mv $(CONSTRAINTS).new $(CONSTRAINTS)
	@echo "wrote $(CONSTRAINTS)"

# Re-freeze the audit tools' lock (after e.g. pip install -U slither-analyzer in .venv/audit).
lock-audit: $(AUDIT_STAMP)
	@{ sed -n '1,4p' $(AUDIT_CONSTRAINTS); \
	   $(AUDIT_VENV)/bin/python -m pip freeze | sort -f; \
	 } > $(AUDIT_CONSTRAINTS).new && mv $(AUDIT_CONSTRAINTS).new $(AUDIT_CONSTRAINTS)
	@echo "wrote $(AUDIT_CONSTRAINTS)"

env:
	@echo "export SOLCX_BINARY_PATH='$(SOLCX_BINARY_PATH)'"
	@echo "export APE_DATA_FOLDER='$(APE_DATA_FOLDER)'"
	@echo "export SECTOKEN_PROFILE='$(SECTOKEN_PROFILE)'"
	@echo "export PATH='$(CURDIR)/$(BIN)':\"\$$PATH\""

shell: install
	@echo "sectoken shell: venv active, SOLCX_BINARY_PATH and APE_DATA_FOLDER set; 'exit' to leave"
	@VIRTUAL_ENV=$(CURDIR)/$(VENV) $${SHELL:-/bin/bash} -i

clean:
	rm -rf .build contracts/.cache .ape/packages .pytest_cache .hypothesis .mypy_cache .ruff_cache
	find . -path ./node_modules -prune -o -path ./$(VENV) -prune -o -name __pycache__ -type d -print0 | xargs -0 rm -rf

# The ABI and bytecode the installed package ships (tests/test_packaged_abi.py fails when stale).
artifacts: install
	$(BIN)/python -m sectoken.dev.artifacts export
