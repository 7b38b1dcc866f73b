# wp.mk: the Frama-C/WP part of `make proofs` (included by proofs/proofs.mk).
#   proofs-wp        every WP proof of the project: the collector model
#                    (proofs/wp/core/run.sh) and, when its runner is there,
#                    the pymalloc model (proofs/wp/run-wp.sh, 64- and
#                    32-bit configurations); a table per file and function
#                    and a total.  Fails on any unproven goal and on any
#                    WP warning about the memory model.
#   proofs-wp-core   the collector model only
# WP_CACHE=replay checks against the committed caches without updating them.

.PHONY: proofs proofs-wp proofs-wp-core
proofs: proofs-wp

proofs-wp: $(SETUP_STAMP)
	bash proofs/wp/core/all.sh

proofs-wp-core: $(SETUP_STAMP)
	bash proofs/wp/core/run.sh
