/* model_run.c: see model_run.h. */
#include "model_run.h"

#include <inttypes.h>

int pmd_model_ops(pm_obm *st, const pmd_op *ops, size_t nops, uint64_t *ids,
                  FILE *out)
{
    for (size_t j = 0; j < nops; j++) {
        const pmd_op *o = &ops[j];
        long long id = (long long)o->id;
        pm_obm_block blk;
        int r;
        if (o->kind == 'f') {
            r = pm_pymalloc_free(st, ids[o->id], &blk);
            ids[o->id] = 0;
            if (r != PM_OBM_OK)
                fprintf(out, "f %lld error %d\n", id, r);
            else
                fprintf(out, "f %lld\n", id);
            continue;
        }
        if (o->kind == 'm')
            r = pm_pymalloc_alloc(st, o->size, &blk);
        else
            r = pm_pymalloc_realloc(st, ids[o->id], o->size, &blk);
        if (r != PM_OBM_OK) {
            fprintf(out, "%c %lld error %d\n", o->kind, id, r);
            continue;
        }
        ids[o->id] = blk.addr;
        if (blk.small)
            fprintf(out, "%c %lld small %d %d %u %#" PRIx64 "\n", o->kind, id,
                    blk.arena, blk.pool, blk.offset, blk.addr);
        else
            fprintf(out, "%c %lld large\n", o->kind, id);
        if (blk.new_arena)
            fprintf(out, "newarena %" PRIu64 " %#" PRIx64 "\n",
                    st->ntimes_arena_allocated - 1,
                    st->arenas[blk.arena].address);
    }
    return 0;
}
