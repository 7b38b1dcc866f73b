/* obmstate.c: see obmstate.h. */
#include "obmstate.h"

#include <stdlib.h>

static pm_obm_arena arenas_tab[PM_OBM_INITIAL_ARENAS];
static int32_t unused_tab[PM_OBM_INITIAL_ARENAS];
static int32_t anext_tab[PM_OBM_INITIAL_ARENAS];
static int32_t aprev_tab[PM_OBM_INITIAL_ARENAS];
static int32_t arank_tab[PM_OBM_INITIAL_ARENAS];
static int32_t pnext_tab[BMC_OBM_POOLS];
static int32_t pprev_tab[BMC_OBM_POOLS];
static pm_obm_sysblock sys_tab[BMC_OBM_SYS];

void bmc_obm_init(pm_obm *st)
{
    /* pm_obm_init: a zeroed state (st is a zero-initialised static of the
     * harness), the configuration, the list heads */
    int rc = pm_obm_config_init(&st->cfg, BMC_OBM_BITS, 0);
    __CPROVER_assert(rc == 0, "bmc_obm_init: configuration");
    st->unused_arena_objects = PM_OBM_NONE;
    st->usable_arenas = PM_OBM_NONE;
    for (int i = 0; i <= PM_OBM_MAX_POOLS; i++)
        st->nfp2lasta[i] = PM_OBM_NONE;
    for (int c = 0; c < PM_OBM_MAX_CLASSES; c++) {
        st->used_next[c] = PM_OBM_HDR(c);
        st->used_prev[c] = PM_OBM_HDR(c);
    }
    st->sys_next = st->cfg.sys_base;
    /* pm_obm_grow(st, 16): zeroed arenas and pools, links -1 */
    st->arenas = arenas_tab;
    st->unused = unused_tab;
    st->arena_next = anext_tab;
    st->arena_prev = aprev_tab;
    st->arena_rank = arank_tab;
    for (int a = 0; a < PM_OBM_INITIAL_ARENAS; a++) {
        unused_tab[a] = PM_OBM_NONE;
        anext_tab[a] = PM_OBM_NONE;
        aprev_tab[a] = PM_OBM_NONE;
        arank_tab[a] = PM_OBM_NONE;
    }
    /* malloc, not a static table: a static table starts as a constant of
     * BMC_OBM_POOLS * 6 * 1021 zeroes, and every symbolic-execution step
     * that touches it is slow */
    pm_obm_pool *pools_tab = malloc(BMC_OBM_POOLS * sizeof(pm_obm_pool));
    __CPROVER_assume(pools_tab != NULL);
    st->pools = pools_tab;
    st->pool_next = pnext_tab;
    st->pool_prev = pprev_tab;
    for (int p = 0; p < BMC_OBM_POOLS; p++) {
        pnext_tab[p] = PM_OBM_NONE;
        pprev_tab[p] = PM_OBM_NONE;
        /* calloc's zeroes for the pool's scalars; its block tables (next,
         * stack, pos, ustack, upos, bstate) are left unconstrained
         * (malloc): the model writes each entry before reading it */
        pools_tab[p].count = 0;
        pools_tab[p].szidx = 0;
        pools_tab[p].nextoffset = 0;
        pools_tab[p].maxnextoffset = 0;
        pools_tab[p].ncarved = 0;
        pools_tab[p].nblocks = 0;
        pools_tab[p].freeblock = 0;
        pools_tab[p].nfree = 0;
        pools_tab[p].fpos = 0;
    }
    st->cap_arenas = PM_OBM_INITIAL_ARENAS;
    /* the system table, reserved */
    st->sys = sys_tab;
    st->capsys = BMC_OBM_SYS;
}
