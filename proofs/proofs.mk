# proofs.mk: filled in by its owner

# ---- Frama-C/WP: `make proofs` runs every WP proof (proofs/wp/wp.mk) ----
include proofs/wp/wp.mk
# ---- end of the WP block ----
