# wp.mk: the Frama-C/WP part of `make proofs` (included by proofs/proofs.mk).
#   proofs           every proof of the project (proofs/proofs.mk)
#   proofs-wp        every WP proof: the collector model
#                    (proofs/wp/core/run.sh) and, when its runner is there,
#                    the pymalloc model (proofs/wp/run-wp.sh, 64- and
#                    32-bit configurations); a table per file and function
#                    (goals, proven, provers, seconds) and a total.  Fails
#                    on any unproven goal and on any WP warning about the
#                    memory model.
#   proofs-wp-core   the collector model only
#
# WP_CACHE: update (default: prove what the committed caches lack and add
# it), replay (use the caches, prove what they lack, write nothing: what
# `make test` does, so a clean clone needs no write access and a cache miss
# is proved, not failed).  WP_CACHE_DIR=EMPTY_DIR measures a cold run of
# the collector proofs.
#
# The proof record (proofs/wp/records/, proofs/wp/record.sh): a function
# whose every goal was proven for the very same input (its own code, the
# program's contracts and logic as Frama-C prints them, spec/acsl/ included,
# the options that decide the goals, the tool versions) is not given to WP
# again, and its row is printed from the record, marked "rec": WP's cache
# alone still costs Frama-C about half a second a goal.  WP_RECORD=0 proves
# everything again.
#
# WP_FUNCTIONS and WP_PROP (the runners' subsets of functions and
# properties) are for a developer's rerun of a few goals, through the
# runners or `make proofs-wp-core`; `make proofs` removes them from its
# environment, so that it always proves every goal and its table and total
# never cover a subset.

WP_CACHE ?= update
test: WP_CACHE = replay

.PHONY: proofs proofs-wp proofs-wp-core
proofs: proofs-wp

proofs-wp: $(SETUP_STAMP)
	env -u WP_PROP -u WP_FUNCTIONS WP_CACHE=$(WP_CACHE) bash proofs/wp/core/all.sh

proofs-wp-core: $(SETUP_STAMP)
	WP_CACHE=$(WP_CACHE) bash proofs/wp/core/run.sh
