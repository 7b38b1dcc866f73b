# proofs.mk: the proofs of the model (make proofs) and the run-time check
# build of its contracts (make eacsl).
#   make proofs   every Frama-C/WP proof, a table per file and function and
#                 a total; fails on any unproven goal or WP memory-model
#                 warning (proofs/wp/wp.mk)
#   make eacsl    the model with its contracts compiled into checks by
#                 E-ACSL, run over the conformance traces and a fuzz
#                 campaign (proofs/eacsl/eacsl.mk)
# The CBMC harnesses (proofs/bmc/) have their own fragment.

# ---- Frama-C/WP: `make proofs` runs every WP proof (proofs/wp/wp.mk) ----
include proofs/wp/wp.mk
# ---- end of the WP block ----

# ---- E-ACSL: `make eacsl` (proofs/eacsl/eacsl.mk) ----
include proofs/eacsl/eacsl.mk
# ---- end of the E-ACSL block ----

# ---- CBMC: `make bmc` (proofs/bmc/bmc.mk), `make mutate` (tests/mutate) ----
include proofs/bmc/bmc.mk
# ---- end of the CBMC block ----
