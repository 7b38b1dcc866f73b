# fuzz.mk: the differential fuzzer (fuzz/fuzz.py and its model side).
#   $(FUZZ_MODEL)       build/pymemref-fuzz-model: the model answering the
#                       fuzzer's batch protocol (fuzz/model_batch.c)
#   make fuzz-smoke     a short campaign against every interpreter found
#                       (part of `make test`)
#   make fuzz-campaign  a larger one: FUZZ_CASES cases, FUZZ_SEED seed

FUZZ_MODEL := $(BUILD)/pymemref-fuzz-model

$(FUZZ_MODEL): fuzz/model_batch.c $(LIB) model/pymemref.h
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -o $@ fuzz/model_batch.c $(LIB)

.PHONY: fuzz-model
fuzz-model: $(FUZZ_MODEL)

# Smoke: every native interpreter of $(INTERPRETERS) and the three Pyodide
# builds, a short campaign each (under 5 minutes in all), and the bundled
# traces through the batch driver.  Interpreters without a model profile
# are reported as such ("no model profile for X.Y yet") and get the
# driver's self-check instead.
FUZZ_SMOKE_CASES   ?= 1000
FUZZ_SMOKE_PYODIDE ?= 200
FUZZ_SEED          ?= 1
FUZZ_CASES         ?= 20000
FUZZ_CASES_PYODIDE ?= 2000

.PHONY: fuzz-smoke fuzz-campaign
fuzz-smoke: $(FUZZ_MODEL) $(SETUP_STAMP)
	$(PYTHON) fuzz/campaign.py --stored --seed $(FUZZ_SEED) \
	  --cases $(FUZZ_SMOKE_CASES) --pyodide-cases $(FUZZ_SMOKE_PYODIDE) \
	  --interpreters $(INTERPRETERS)

fuzz-campaign: $(FUZZ_MODEL) $(SETUP_STAMP)
	$(PYTHON) fuzz/campaign.py --seed $(FUZZ_SEED) \
	  --cases $(FUZZ_CASES) --pyodide-cases $(FUZZ_CASES_PYODIDE) \
	  --interpreters $(INTERPRETERS)

# ---- pymalloc differential smoke (fuzz/cpython/pymalloc_diff.py; part of
# `make test`): PYMALLOC_DIFF_SEEDS random batches against the pymalloc of
# every native 3.11, 3.12 and 3.13 interpreter of $(PYMALLOC_INTERPRETERS)
# (the system's 3.11 in the build that keeps its symbol table, setup.sh step
# 6), each checked call by call and snapshot by snapshot.  Larger campaigns:
# `make pymalloc-diff-campaign PYMALLOC_DIFF_SEEDS=100000` (2 jobs each).
PYMALLOC_DIFF_SEEDS ?= 300
PYMALLOC_DIFF_FIRST ?= 1
PYMALLOC_DIFF_JOBS  ?= 1
.PHONY: pymalloc-diff-smoke pymalloc-diff-campaign
pymalloc-diff-smoke pymalloc-diff-campaign: $(SETUP_STAMP)
	@set -e; n=0; \
	while read -r ver py; do \
	  case $$ver in 3.11.*|3.12.*|3.13.*) ;; *) continue ;; esac; \
	  rc=0; $$py fuzz/cpython/pymalloc_diff.py --seeds $(PYMALLOC_DIFF_SEEDS) \
	    --first $(PYMALLOC_DIFF_FIRST) --jobs $(PYMALLOC_DIFF_JOBS) \
	    --build $(BUILD)/pymalloc_probe/$$ver || rc=$$?; \
	  case $$rc in 0) n=$$((n + 1)) ;; 3) echo "pymalloc-diff: $$ver skipped" ;; \
	    *) exit $$rc ;; esac; \
	done < $(PYMALLOC_INTERPRETERS); \
	test $$n -gt 0 || { echo "pymalloc-diff: no native 3.11-3.13 interpreter could be probed" >&2; exit 1; }
pymalloc-diff-campaign: PYMALLOC_DIFF_JOBS = 2
TEST_TARGETS += pymalloc-diff-smoke
# ---- end of the pymalloc block ----
