# eacsl.mk: the model with its ACSL contracts compiled into run-time checks
# by Frama-C's E-ACSL (included by proofs/proofs.mk).
#   make eacsl   build it, run test_model over the conformance traces and
#                the examples, then a differential fuzz campaign against
#                python3 with the E-ACSL build as the model side
#                (EACSL_FUZZ_CASES cases, seed FUZZ_SEED).  A violated
#                contract aborts with the predicate and its values; the
#                runner then names the trace that violated it
#                (proofs/eacsl/run.sh).
#
# Debian ships no e-acsl-gcc.sh: frama-c -e-acsl writes the instrumented C
# of the files that hold the contracts (EACSL_SRCS), which is compiled with
# the shipped runtime and linked with the other model files, compiled
# plainly with -DPM_EACSL (spec/acsl/heap.acsl: the run-time forms of the
# proof macros).  Before E-ACSL, Frama-C loads proofs/eacsl/prepare.ml, which
# (1) writes each quantifier as `range ==> (other hypotheses ==> goal)`,
# the only form E-ACSL 25 compiles (same predicate); (2) turns the ghost
# code into C, so that the ghost list state that PM_HEAP_OK reads is kept at
# run time (Frama-C prints ghost code inside comments); (3) leaves unchecked,
# and counts in build/eacsl/frama-c.log, the invariants of the ghost loops
# and the clauses with \old under a quantifier, which E-ACSL 25 translates
# into C that does not compile or reads out of bounds.
# (4) In each behavior with assumptions A, \old(t) becomes \old(A ? t : 0):
# E-ACSL 25 saves every \old term at entry whatever behavior applies, so
# it read m->objs[v] for v < 0.  (5) A loop invariant with \at is left
# unchecked and counted: E-ACSL 25 checks \at(e, Pre) there as e.
# EACSL_FUNCTIONS lists the functions whose annotations are checked: the
# slot and traversal helpers of heap.h; gc_list_init, and gc_list_is_empty,
# gc_list_size and gc_list_merge, whose contracts check the whole heap
# invariant PM_HEAP_OK (lists, ghost positions and counts, shapes) at every
# call (gc_list_is_empty runs at each step of every collector loop); the
# reference-counting functions of refcount.c (pm_incref, pm_decref,
# pm_dealloc, dealloc_kind, free_object, pm_run_finalizer, pm_tp_clear);
# and the collector phases that WP proves, with their loop invariants
# (update_refs to clear_unreachable, model/gc.c).  Checking PM_HEAP_OK also
# at every gc_list_append/remove/move made the 204-trace run take over 15
# minutes.  Until session 6 the refcount.c and collector contracts did not
# translate: E-ACSL 25 never ends on an annotation that reads a `bool` in
# memory, so this build stores the model's flags as unsigned char
# (pm_flag, model/heap.h; spec/refcount.md).  Changing EACSL_FUNCTIONS
# needs `rm build/eacsl/model_eacsl.c`.
EACSL_DIR   := $(BUILD)/eacsl
EACSL_SRCS  := model/heap.c model/gc.c model/gc_reach.c model/refcount.c model/ops.c
EACSL_HELPERS   := pm_slot_get,pm_slot_put,pm_obj_kind,pm_is_gc,pm_is_tracked,pm_may_be_tracked,pm_traverse_item,pm_traverse_count,gc_list_init,gc_list_is_empty,gc_list_size,gc_list_merge
EACSL_REFCOUNT  := pm_incref,pm_decref,pm_dealloc,pm_run_finalizer,free_object,dealloc_kind,pm_tp_clear
EACSL_COLLECTOR := update_refs,subtract_refs,visit_reachable,scan_reachable,move_to_unreachable,move_unreachable,untrack_tuples,untrack_dicts,has_legacy_finalizer,move_legacy_finalizers,move_legacy_finalizer_reachable,clear_collecting,clear_unreachable
EACSL_FUNCTIONS ?= $(EACSL_HELPERS),$(EACSL_REFCOUNT),$(EACSL_COLLECTOR)
EACSL_FUZZ_CASES ?= 300
EACSL_SHARE  = $(shell frama-c -print-share-path)/e-acsl
EACSL_CFLAGS = -std=c11 -g -O2 -fno-builtin -fno-merge-constants -DE_ACSL_SEGMENT_MMODEL \
               -D_POSIX_C_SOURCE=200809L -DPM_EACSL -Imodel -I$(EACSL_SHARE)
EACSL_LIBS   = /usr/lib/frama-c/e-acsl/libeacsl-dlmalloc.a -lgmp -lm -lpthread
EACSL_PLAIN  := $(filter-out $(EACSL_SRCS),$(MODEL_SRCS))
EACSL_OBJS   := $(EACSL_PLAIN:%.c=$(EACSL_DIR)/obj/%.o) $(EACSL_DIR)/obj/model_eacsl.o \
                $(EACSL_DIR)/obj/e_acsl_rtl.o
EACSL_LIB    := $(EACSL_DIR)/libpymemref-eacsl.a
# init.o is named on each link line: nothing refers to its constructor.
EACSL_LINK   := $(EACSL_DIR)/obj/init.o $(EACSL_LIB)

$(EACSL_DIR)/model_eacsl.c: $(EACSL_SRCS) model/heap.h model/pymemref.h spec/acsl/heap.acsl \
                            proofs/eacsl/eacsl.mk proofs/eacsl/prepare.ml $(SETUP_STAMP)
	@mkdir -p $(@D)
	frama-c -pp-annot -cpp-extra-args="-DPM_EACSL -D_POSIX_C_SOURCE=200809L -I$(CURDIR)/model" \
	  -variadic-no-translation -load-script proofs/eacsl/prepare.ml $(EACSL_SRCS) \
	  -then -e-acsl -e-acsl-functions $(EACSL_FUNCTIONS) \
	  -then-last -print -ocode $@.tmp > $(EACSL_DIR)/frama-c.log 2>&1 \
	  || { sed -n '1,30p' $(EACSL_DIR)/frama-c.log >&2; exit 2; }
	mv $@.tmp $@

$(EACSL_DIR)/obj/model_eacsl.o: $(EACSL_DIR)/model_eacsl.c
	@mkdir -p $(@D)
	$(CC) $(EACSL_CFLAGS) -w -c $< -o $@

$(EACSL_DIR)/obj/e_acsl_rtl.o: $(SETUP_STAMP)
	@mkdir -p $(@D)
	$(CC) $(EACSL_CFLAGS) -w -c $(EACSL_SHARE)/e_acsl_rtl.c -o $@

$(EACSL_DIR)/obj/init.o: proofs/eacsl/init.c
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -c $< -o $@

$(EACSL_DIR)/obj/model/%.o: model/%.c
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -DPM_EACSL -c $< -o $@

$(EACSL_LIB): $(EACSL_OBJS)
	rm -f $@
	$(AR) rcs $@ $^

$(EACSL_DIR)/test_model: tests/unit/test_model.c tests/unit/known.h $(EACSL_LINK)
	$(CC) $(ALL_CFLAGS) $(CHECK_CFLAGS) -o $@ $< $(EACSL_LINK) $(CHECK_LIBS) $(EACSL_LIBS)

$(EACSL_DIR)/pymemref: $(CLI_SRCS) $(EACSL_LINK)
	$(CC) $(ALL_CFLAGS) -o $@ $(CLI_SRCS) $(EACSL_LINK) $(EACSL_LIBS)

$(EACSL_DIR)/pymemref-fuzz-model: fuzz/model_batch.c $(EACSL_LINK)
	$(CC) $(ALL_CFLAGS) -o $@ $< $(EACSL_LINK) $(EACSL_LIBS)

.PHONY: eacsl eacsl-build
eacsl-build: $(EACSL_DIR)/test_model $(EACSL_DIR)/pymemref $(EACSL_DIR)/pymemref-fuzz-model

eacsl: eacsl-build
	PYTHON=$(PYTHON) EACSL_DIR=$(EACSL_DIR) EACSL_FUZZ_CASES=$(EACSL_FUZZ_CASES) \
	  FUZZ_SEED=$(FUZZ_SEED) bash proofs/eacsl/run.sh
