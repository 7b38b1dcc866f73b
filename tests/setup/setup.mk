# setup.mk: `make setup` installs and checks every tool the project uses
# (Debian packages, the Why3 prover configuration, CBMC 6.6 in a private
# prefix, the pinned Pyodide builds, the list of native interpreters).
# The work is done by tests/setup/setup.sh, step by step and idempotently;
# a second run takes about a second.  Targets that need the tools depend on
# $(SETUP_STAMP), which is (re)made when it is missing or older than the
# files that say what to install.

# For the other fragments.
WHY3CONFIG_FILE := $(BUILD)/why3.conf
CBMC            := $(BUILD)/cbmc/bin/cbmc
PYODIDE_DIR     := fuzz/pyodide
INTERPRETERS    := $(BUILD)/interpreters.txt
# the same list with the system 3.11 linked again with its symbols
# (setup.sh, step 6), for the pymalloc differential check
PYMALLOC_INTERPRETERS := $(BUILD)/pymalloc-interpreters.txt

SETUP_INPUTS := tests/setup/setup.sh tests/setup/debian-packages.txt \
                proofs/bmc/install-cbmc.sh \
                tests/setup/cbmc-smoke-ok.c tests/setup/cbmc-smoke-fail.c \
                $(PYODIDE_DIR)/package.json $(PYODIDE_DIR)/package-lock.json

.PHONY: setup
setup:
	bash tests/setup/setup.sh $(BUILD)
	@touch $(SETUP_STAMP)
	@echo "make setup: all tools present"

$(SETUP_STAMP): $(SETUP_INPUTS)
	bash tests/setup/setup.sh $(BUILD)
	@touch $@

# `make test` (and so .ci/run on a fresh machine) installs the tools first.
# This file is included before the top Makefile's `test:` rule, so the stamp
# is test's first prerequisite and, without -j, is made before the tests.
# Each fragment's own targets that use a tool should still depend on
# $(SETUP_STAMP) themselves, which also orders them under -j.
test: $(SETUP_STAMP)
