# oracle.mk: the oracle for other implementations (`pymemref check`,
# `serve`, `export`); wired in by tests/tests.mk.
#   test_check, test_serve   unit tests (plain, ASan+UBSan, valgrind), built
#                            with model/cli/{check,serve,common}.c included
#   conformance-export       every tests/conformance/*.trace as a standalone
#                            Python test in $(BUILD)/conformance-export/, with
#                            run_all.py (a trace the model refuses is reported
#                            and left out: test_model fails on it)
#   conformance              tests/conformance/confirm.py (every stored
#                            expectation against every interpreter found, and
#                            the model against them, KNOWN.md honoured), then
#                            run_all.py under $(PYTHON): all must pass
UNIT_TEST_SRCS += tests/unit/test_check.c tests/unit/test_serve.c
test_check_ARGS := tests/conformance tests/examples
test_serve_ARGS := tests/conformance tests/examples

# The test programs compile the command's sources they test.
$(BUILD)/tests/test_check $(BUILD)/tests-asan/test_check: model/cli/check.c model/cli/common.c \
  model/cli/cli.h
$(BUILD)/tests/test_serve $(BUILD)/tests-asan/test_serve: model/cli/serve.c model/cli/common.c \
  model/cli/cli.h

EXPORT_PROFILE ?= 3.11
CONFORMANCE_DIR := $(BUILD)/conformance-export

.PHONY: conformance-export conformance
conformance-export: $(CLI)
	rm -rf $(CONFORMANCE_DIR)
	mkdir -p $(CONFORMANCE_DIR)
	$(CLI) export --python --profile $(EXPORT_PROFILE) --dir $(CONFORMANCE_DIR) --keep-going \
	  tests/conformance/*.trace
	@echo "conformance-export: $$(ls $(CONFORMANCE_DIR)/test_*.py | wc -l) tests and run_all.py" \
	  "in $(CONFORMANCE_DIR)"

# confirm.py, run_all.py under $(PYTHON), then a spoiled copy of one exported
# test (one expected event changed) must fail at that event.
conformance: conformance-export $(SETUP_STAMP)
	$(PYTHON) tests/conformance/confirm.py --model $(CLI)
	$(PYTHON) $(CONFORMANCE_DIR)/run_all.py
	rm -rf $(BUILD)/conformance-spoiled && mkdir -p $(BUILD)/conformance-spoiled
	sed 's/^    "18: del o2",$$/    "18: del o9",/' $(CONFORMANCE_DIR)/test_finalizer_order_cycle.py \
	  > $(BUILD)/conformance-spoiled/test_spoiled.py
	! cmp -s $(CONFORMANCE_DIR)/test_finalizer_order_cycle.py $(BUILD)/conformance-spoiled/test_spoiled.py
	if $(PYTHON) $(BUILD)/conformance-spoiled/test_spoiled.py \
	     2> $(BUILD)/conformance-spoiled/out.txt; then \
	  echo "conformance: a spoiled expectation passed"; exit 1; fi
	grep -q 'first divergence at event 2, line 18' $(BUILD)/conformance-spoiled/out.txt
	grep -q 'expected (the model, profile $(EXPORT_PROFILE)): 18: del o9' \
	  $(BUILD)/conformance-spoiled/out.txt
	@echo "conformance: a spoiled expectation fails at the spoiled event"

TEST_TARGETS += conformance
