# robust.mk: libFuzzer campaigns (clang, -fsanitize=fuzzer,address,undefined)
# over the two ways input reaches the model:
#   fuzz_trace     parse + execute a trace, heap invariants after each
#                  operation, and the same lines through a lockstep session
#   fuzz_lockstep  the JSON Lines protocol of `pymemref serve`
# Seeds: tests/robust/corpus/{trace,lockstep}/ (copies of example and test
# traces, and request streams); dictionaries of keywords beside them.
#   make fuzz-robust [SECONDS=600]   both targets at once, SECONDS each
#   make fuzz-robust-smoke           20 seconds each (part of `make test`)
# New inputs go to $(BUILD)/robust/work-*/, crashes to $(BUILD)/robust/artifacts/,
# each run's log to $(BUILD)/robust/*.log.

FUZZ_CC     ?= clang
ROBUST_DIR  := $(BUILD)/robust
FUZZ_SAN    := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
FUZZ_CFLAGS := $(CSTD) $(WARN) -O1 -g -D_POSIX_C_SOURCE=200809L -Imodel $(FUZZ_SAN)
ROBUST_OBJS := $(MODEL_SRCS:%.c=$(ROBUST_DIR)/obj/%.o)
ROBUST_BINS := $(ROBUST_DIR)/fuzz_trace $(ROBUST_DIR)/fuzz_lockstep
# Per input: 10 s is a hang; inputs up to 4 KiB (the targets take up to 16).
FUZZ_OPTS   := -max_len=4096 -timeout=10 -rss_limit_mb=2048 -print_final_stats=1
SECONDS     ?= 600

$(ROBUST_DIR)/obj/model/%.o: model/%.c $(SETUP_STAMP)
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link -MMD -MP -c $< -o $@

$(ROBUST_DIR)/fuzz_trace: tests/robust/fuzz_trace.c $(ROBUST_OBJS)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer -o $@ $< $(ROBUST_OBJS)

$(ROBUST_DIR)/fuzz_lockstep: tests/robust/fuzz_lockstep.c model/cli/serve.c model/cli/common.c \
  model/cli/cli.h $(ROBUST_OBJS)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer -o $@ $< $(ROBUST_OBJS)

-include $(ROBUST_OBJS:.o=.d)

# Both targets in parallel for $(1) seconds; each log's last lines, then
# the verdict (a crash, leak or hang stops its target with an artifact).
define robust_campaign
	@mkdir -p $(ROBUST_DIR)/work-trace $(ROBUST_DIR)/work-lockstep $(ROBUST_DIR)/artifacts
	@echo "fuzz: fuzz_trace and fuzz_lockstep, $(1) s each (logs in $(ROBUST_DIR))"
	@$(ROBUST_DIR)/fuzz_trace $(FUZZ_OPTS) -max_total_time=$(1) \
	  -dict=tests/robust/trace.dict -artifact_prefix=$(ROBUST_DIR)/artifacts/trace- \
	  $(ROBUST_DIR)/work-trace tests/robust/corpus/trace > $(ROBUST_DIR)/trace.log 2>&1 & t=$$!; \
	$(ROBUST_DIR)/fuzz_lockstep $(FUZZ_OPTS) -max_total_time=$(1) \
	  -dict=tests/robust/lockstep.dict -artifact_prefix=$(ROBUST_DIR)/artifacts/lockstep- \
	  $(ROBUST_DIR)/work-lockstep tests/robust/corpus/lockstep > $(ROBUST_DIR)/lockstep.log 2>&1 & l=$$!; \
	rt=0; wait $$t || rt=$$?; rl=0; wait $$l || rl=$$?; \
	for n in trace lockstep; do \
	  echo "== fuzz_$$n"; grep -E '^#[0-9]+[[:space:]]+DONE|^stat::number_of_executed_units|^Done ' \
	    $(ROBUST_DIR)/$$n.log || tail -n 30 $(ROBUST_DIR)/$$n.log; done; \
	if [ $$rt -ne 0 ] || [ $$rl -ne 0 ]; then \
	  echo "fuzz: a target failed (fuzz_trace $$rt, fuzz_lockstep $$rl); see the logs:"; \
	  grep -h -A25 -E 'ERROR|fuzz_(trace|lockstep): |Test unit written' \
	    $(ROBUST_DIR)/trace.log $(ROBUST_DIR)/lockstep.log | head -n 80; exit 1; fi; \
	echo "fuzz: no crash, leak or hang in $(1) s of each target"
endef

.PHONY: fuzz-robust fuzz-robust-smoke fuzz-robust-build
fuzz-robust-build: $(ROBUST_BINS)

fuzz-robust: $(ROBUST_BINS)
	$(call robust_campaign,$(SECONDS))

fuzz-robust-smoke: $(ROBUST_BINS)
	$(call robust_campaign,20)

TEST_TARGETS += fuzz-robust-smoke
