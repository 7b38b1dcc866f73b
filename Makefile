# pymemref: top-level Makefile.  Each directory owns a fragment (*.mk) with
# its own targets; this file holds the shared variables and the entry points
# that the README documents: make, make setup, make run, make test.
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := all
.DELETE_ON_ERROR:

BUILD   ?= build
CC      ?= cc
PYTHON  ?= $(shell command -v python3 || echo /usr/bin/python3)
CSTD    := -std=c11
WARN    := -Wall -Wextra -Werror
CFLAGS  ?= -O2 -g
ALL_CFLAGS = $(CSTD) $(WARN) $(CFLAGS) -D_POSIX_C_SOURCE=200809L -Imodel

# The stamp that `make setup` leaves once every tool is installed.
SETUP_STAMP := $(BUILD)/.setup-done

include model/model.mk
include tests/tests.mk
include proofs/proofs.mk
include fuzz/fuzz.mk
include bench/bench.mk
include tests/setup/setup.mk

.PHONY: all run test clean
all: $(LIB) $(CLI)

# The main job: the bundled example traces and their events, then a
# differential campaign larger than `make test`'s against every interpreter
# found (fuzz/fuzz.mk, fuzz-campaign: FUZZ_CASES native, FUZZ_CASES_PYODIDE
# per Pyodide build).
run: $(CLI)
	@for t in tests/examples/*.trace; do \
	  echo "== $$t"; $(CLI) run "$$t"; done
	@$(MAKE) --no-print-directory fuzz-campaign

test: $(TEST_TARGETS)
	@echo "make test: all checks passed"

clean:
	rm -rf $(BUILD)
