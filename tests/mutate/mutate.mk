# mutate.mk: `make mutate` plants each fault of tests/mutate/faults.txt in
# a copy of the tree (build/mutate/tree) and runs the checks cheapest first
# (tests/mutate/run.sh).  MUTATE_FAULTS: only these faults.
.PHONY: mutate
mutate: $(SETUP_STAMP)
	bash tests/mutate/run.sh $(MUTATE_FAULTS)
