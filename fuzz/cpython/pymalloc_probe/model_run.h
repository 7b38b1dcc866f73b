/* model_run.h: the model side of one differential batch, shared by the
 * model_batch tool and the probe's in-process check (probe.c: check). */
#ifndef PMD_MODEL_RUN_H
#define PMD_MODEL_RUN_H

#include "batch_gen.h"
#include "obmalloc.h"

#include <stdio.h>

/* Runs OPS on ST (started from the probe's snapshot before, with its arena
 * source already set) and prints, in the probe's form (probe.c: describe),
 * one line per operation and a "newarena SERIAL ADDRESS" line after each
 * operation that allocated an arena.  IDS holds one address per block id
 * (zeroed, room for every id in OPS).  Returns 0. */
int pmd_model_ops(pm_obm *st, const pmd_op *ops, size_t nops, uint64_t *ids,
                  FILE *out);

#endif
