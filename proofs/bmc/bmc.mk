# bmc.mk: `make bmc` runs every CBMC harness of proofs/bmc/ (one directory
# per harness: harness.c, bounds, README) with the checks of run.sh and
# --unwinding-assertions, then prints a table (harness, result, time,
# coverage from --cover location).  Fails when CBMC is missing (make setup
# installs it) and when any harness fails; nothing is ever skipped.
#   BMC_HARNESSES  the harnesses to run (default: all)
#   BMC_JOBS       harnesses in parallel (default 2)
BMC_OUT := $(BUILD)/bmc

.PHONY: bmc
bmc: $(SETUP_STAMP)
	bash proofs/bmc/run.sh $(CBMC) $(BMC_OUT) $(BMC_HARNESSES)

# Mutation testing uses these harnesses among its checks.
include tests/mutate/mutate.mk
