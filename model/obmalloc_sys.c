/* obmalloc_sys.c: the model of the raw allocator behind pymalloc
 * (PyMem_RawMalloc / PyMem_RawRealloc / PyMem_RawFree, reached from
 * _PyObject_Malloc, _PyObject_Free and _PyObject_Realloc in
 * Objects/obmalloc.c for requests of 0 or more than 512 bytes).
 *
 * libc's addresses are not modelled: blocks get distinct synthetic
 * addresses from a bump pointer above cfg.sys_base and are never reused,
 * so a stale address is always detected.  raw_allocated_blocks is kept as
 * CPython keeps it. */
#include "obmalloc.h"

#include <stdlib.h>

#define SYS_GAP 16u

/* Index of the entry for ADDR, or -1.  Entries are sorted by address. */
static int64_t sys_find(const pm_obm *st, uint64_t addr)
{
    int64_t lo = 0, hi = st->nsys;
    while (lo < hi) {
        int64_t mid = lo + (hi - lo) / 2;
        if (st->sys[mid].addr < addr)
            lo = mid + 1;
        else
            hi = mid;
    }
    return (lo < st->nsys && st->sys[lo].addr == addr) ? lo : -1;
}

/* Drop dead entries once they outnumber the live ones. */
static void sys_compact(pm_obm *st)
{
    if (st->nsys < 64 || st->nsys - st->nsys_live < st->nsys_live)
        return;
    int64_t j = 0;
    for (int64_t i = 0; i < st->nsys; i++)
        if (st->sys[i].live)
            st->sys[j++] = st->sys[i];
    st->nsys = j;
}

static int sys_new(pm_obm *st, uint64_t n, pm_obm_block *out)
{
    /* _PyMem_RawMalloc asks malloc for 1 byte when n == 0 */
    uint64_t want = n ? n : 1;
    uint64_t reserve = (want + 15u) / 16u * 16u;
    if (want > st->cfg.addr_limit
        || st->cfg.addr_limit - st->sys_next < reserve + SYS_GAP)
        return PM_OBM_ENOMEM;
    if (st->nsys == st->capsys) {
        int64_t nc = st->capsys ? 2 * st->capsys : 64;
        pm_obm_sysblock *s = realloc(st->sys, (size_t)nc * sizeof *s);
        if (s == NULL)
            return PM_OBM_ENOMEM;
        st->sys = s;
        st->capsys = nc;
    }
    pm_obm_sysblock *e = &st->sys[st->nsys++];
    e->addr = st->sys_next;
    e->size = n;
    e->reserve = reserve;
    e->live = 1;
    st->sys_next += reserve + SYS_GAP;
    st->nsys_live++;
    out->addr = e->addr;
    out->small = 0;
    return PM_OBM_OK;
}

int pm_obm_sys_alloc(pm_obm *st, uint64_t n, pm_obm_block *out)
{
    int r = sys_new(st, n, out);
    if (r == PM_OBM_OK)
        st->raw_allocated_blocks++;
    return r;
}

int pm_obm_sys_free(pm_obm *st, uint64_t addr, pm_obm_block *out)
{
    int64_t i = sys_find(st, addr);
    if (i < 0)
        return PM_OBM_ENOTALLOC;
    if (!st->sys[i].live)
        return PM_OBM_EFREED;
    st->sys[i].live = 0;
    st->nsys_live--;
    st->raw_allocated_blocks--;
    out->addr = addr;
    out->small = 0;
    sys_compact(st);
    return PM_OBM_OK;
}

/* PyMem_RawRealloc: the block stays where it is while it fits in what was
 * reserved for it, else it moves (a model choice: libc may do either). */
int pm_obm_sys_realloc(pm_obm *st, uint64_t addr, uint64_t n,
                       pm_obm_block *out)
{
    int64_t i = sys_find(st, addr);
    if (i < 0)
        return PM_OBM_ENOTALLOC;
    if (!st->sys[i].live)
        return PM_OBM_EFREED;
    uint64_t want = n ? n : 1;
    if (want <= st->sys[i].reserve) {
        st->sys[i].size = n;
        out->addr = addr;
        out->small = 0;
        return PM_OBM_OK;
    }
    int r = sys_new(st, n, out);
    if (r != PM_OBM_OK)
        return r;
    i = sys_find(st, addr);         /* sys_new may have moved the table */
    st->sys[i].live = 0;
    st->nsys_live--;
    sys_compact(st);
    return PM_OBM_OK;
}
