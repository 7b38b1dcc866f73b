# bench.mk: `make bench` runs every benchmark and prints ratios measured in one run.
BENCH_GC_FULL := $(BUILD)/bench/gc_full

$(BENCH_GC_FULL): bench/gc_full/model_full.c bench/gc_full/lcg.h $(LIB)
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -o $@ $< $(LIB)

.PHONY: bench
bench: $(BENCH_GC_FULL)
	BENCH_GC_FULL_BIN=$(BENCH_GC_FULL) PYTHON=$(PYTHON) bench/gc_full/run.sh

# ---------------------------------------------------------------------------
# The differential fuzzer, end to end (bench/fuzz/run.py; owned with fuzz/):
# cases/s against the native python3 and each Pyodide build.
.PHONY: bench-fuzz
bench: bench-fuzz
bench-fuzz: $(FUZZ_MODEL) $(SETUP_STAMP)
	$(PYTHON) bench/fuzz/run.py --python $(PYTHON)

# ---------------------------------------------------------------------------
# pymalloc (bench/obmalloc/run_bench.py): malloc/free pairs per second of
# the model against CPython's own pymalloc through the probe
# (fuzz/cpython/pymalloc_probe), three workloads, ratio model/CPython
# measured in this run.  Needs a python3 3.11 (the probe is built for it).
.PHONY: bench-obmalloc
bench: bench-obmalloc
bench-obmalloc: $(SETUP_STAMP)
	$(PYTHON) bench/obmalloc/run_bench.py --build $(BUILD)/pymalloc_probe
