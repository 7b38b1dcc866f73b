/* obm_seq (in `make bmc` at 1 call, spec/bounds.md): every sequence of
 * BMC_OBM_NOPS calls of the pymalloc model's public interface
 * (model/obmalloc.h) from the initial state of a 32-bit CPython
 * (common/obmstate.c):
 *   - pm_pymalloc_alloc(n), n any 64-bit value: 0, every size class
 *     1..512, the system allocator above, too large (ETOOBIG);
 *   - pm_pymalloc_free(x), x a block returned earlier (live, or already
 *     freed: a double free) or any 64-bit address (0, never allocated,
 *     inside a pool or an arena, ...);
 *   - pm_pymalloc_realloc(x, n), x and n as above.
 * After every call:
 *   - pm_pymalloc_is_valid holds (the model's own run-time check, the same
 *     predicate the other proofs use);
 *   - the result is what the interface promises: a request of 1..512
 *     bytes gets a pymalloc block of class (n - 1) / 8 (a realloc that
 *     keeps its block excepted); freeing a live block succeeds, anything
 *     else (never handed out, freed already) is an error code (and the
 *     counts below stay those of the live blocks); free(0) does nothing;
 *   - naive checks written here, from the block descriptions the calls
 *     returned: each live block lies inside a carved pool of its class of
 *     an arena in use, at the offset of its block number, is marked used,
 *     and is large enough for its request; each live system block is above
 *     the arenas and live in the system table; live blocks are pairwise
 *     disjoint; the pools' counts add up to the live pymalloc blocks and
 *     the system table's to the live system blocks. */
#include <stdint.h>

#include "obmstate.h"

#define NOPS BMC_OBM_NOPS

uint64_t nondet_u64(void);
unsigned nondet_unsigned(void);

typedef struct rec {
    uint64_t addr, n;
    int32_t live, small, arena, pool, block, szidx;
    uint32_t offset;
} rec;

static pm_obm st;
static rec recs[NOPS];
static unsigned nrec;

static void record(const pm_obm_block *b, uint64_t n)
{
    rec *r = &recs[nrec++];
    r->addr = b->addr;
    r->n = n;
    r->live = 1;
    r->small = b->small;
    r->arena = b->arena;
    r->pool = b->pool;
    r->block = b->block;
    r->szidx = b->szidx;
    r->offset = b->offset;
}

/* An address to free or reallocate: one handed out before, or any. */
static uint64_t pick_addr(void)
{
    unsigned i = nondet_unsigned();
    if (i < nrec)
        return recs[i].addr;
    return nondet_u64();
}

/* The live record at ADDR, or -1 (at most one: they are disjoint). */
static int live_at(uint64_t x)
{
    int j = -1;
    for (unsigned i = 0; i < nrec; i++)
        if (recs[i].live && recs[i].addr == x)
            j = (int)i;
    return j;
}

static uint64_t extent(const rec *r)
{
    if (r->small)
        return (uint64_t)PMC_SIZE(&st, r->szidx);
    return r->n ? r->n : 1;
}

static void check_block(const rec *r)
{
    if (r->small) {
        __CPROVER_assert(r->arena >= 0 && r->arena < st.maxarenas
                         && st.arenas[r->arena].address != 0,
                         "a live block is in an arena in use");
        const pm_obm_arena *ao = &st.arenas[r->arena];
        __CPROVER_assert(r->pool >= 0 && r->pool < ao->ncarved,
                         "a live block is in a carved pool");
        const pm_obm_pool *pl = &st.pools[r->arena * PM_OBM_MAX_POOLS + r->pool];
        __CPROVER_assert(pl->szidx == r->szidx,
                         "a live block's pool has its size class");
        __CPROVER_assert(r->block >= 0 && r->block < pl->ncarved
                         && pl->bstate[r->block] == PM_OBM_B_USED,
                         "a live block is marked used");
        uint64_t size = (uint64_t)PMC_SIZE(&st, r->szidx);
        __CPROVER_assert(r->offset == (uint64_t)PMC_OVERHEAD(&st)
                                      + (uint64_t)r->block * size
                         && r->offset + size <= (uint64_t)PMC_POOL(&st),
                         "a live block is at its offset, inside its pool");
        uint64_t pool = ao->first_pool + (uint64_t)r->pool * PMC_POOL(&st);
        __CPROVER_assert(r->addr == pool + r->offset
                         && pool + PMC_POOL(&st) <= ao->address + PMC_ARENA(&st),
                         "a live block's address is in its pool, in its arena");
        __CPROVER_assert(r->addr % PMC_ALIGN(&st) == 0, "a live block is aligned");
        __CPROVER_assert(r->n >= 1 && r->n <= size,
                         "a live block holds its request");
    } else {
        __CPROVER_assert(r->addr >= st.cfg.sys_base
                         && r->addr + extent(r) <= st.cfg.addr_limit,
                         "a system block lies above the arenas");
        int found = 0;
        for (int64_t i = 0; i < st.nsys; i++)
            found |= st.sys[i].addr == r->addr && st.sys[i].live;
        __CPROVER_assert(found, "a live system block is live in the system table");
    }
}

static void check_state(void)
{
    __CPROVER_assert(pm_pymalloc_is_valid(&st, NULL, 0),
                     "pm_pymalloc_is_valid");
    int64_t nsmall = 0, nsys = 0;
    for (unsigned i = 0; i < nrec; i++) {
        if (!recs[i].live)
            continue;
        check_block(&recs[i]);
        nsmall += recs[i].small != 0;
        nsys += recs[i].small == 0;
        for (unsigned j = 0; j < i; j++)
            if (recs[j].live)
                __CPROVER_assert(recs[i].addr + extent(&recs[i]) <= recs[j].addr
                                 || recs[j].addr + extent(&recs[j]) <= recs[i].addr,
                                 "live blocks are disjoint");
    }
    int64_t used = 0;
    for (int32_t a = 0; a < st.maxarenas; a++) {
        if (st.arenas[a].address == 0)
            continue;
        for (int32_t k = 0; k < st.arenas[a].ncarved; k++)
            used += st.pools[a * PM_OBM_MAX_POOLS + k].count;
    }
    __CPROVER_assert(used == nsmall, "pool counts = live pymalloc blocks");
    __CPROVER_assert(st.nsys_live == nsys && st.raw_allocated_blocks == nsys,
                     "system counts = live system blocks");
}

/* A fresh block for a request of N bytes (malloc, or realloc that moved). */
static void check_fresh(int r, const pm_obm_block *out, uint64_t n)
{
    if (n > (uint64_t)PMC_SSIZE_MAX(&st)) {
        __CPROVER_assert(r == PM_OBM_ETOOBIG, "too large: ETOOBIG");
        return;
    }
    if (n >= 1 && n <= PM_OBM_THRESHOLD)
        __CPROVER_assert(r == PM_OBM_OK && out->small
                         && out->szidx == (int32_t)((n - 1) / PMC_ALIGN(&st)),
                         "a small request gets a block of its class");
    else
        __CPROVER_assert((r == PM_OBM_OK && !out->small && out->addr != 0)
                         || r == PM_OBM_ENOMEM,
                         "0 or > 512 bytes: the system allocator");
}

/* The requests.  With BMC_OBM_SIZES (a braced list of constants) each
 * call is made once per listed size, with that size as a constant: the
 * size class is then known to symbolic execution and only the listed
 * classes' lists become symbolic (spec/bounds.md).  Without it, a request
 * is any 64-bit value. */
#ifdef BMC_OBM_SIZES
static const uint64_t sizes[] = BMC_OBM_SIZES;
# define NSIZES (sizeof sizes / sizeof sizes[0])
#endif

static int do_alloc(uint64_t *n, pm_obm_block *out)
{
#ifdef BMC_OBM_SIZES
    unsigned which = nondet_unsigned();
    int r = -1;
    for (unsigned i = 0; i < NSIZES; i++)
        if (which == i) {
            *n = sizes[i];
            r = pm_pymalloc_alloc(&st, sizes[i], out);
        }
    __CPROVER_assume(which < NSIZES);
    return r;
#else
    *n = nondet_u64();
    return pm_pymalloc_alloc(&st, *n, out);
#endif
}

static int do_realloc(uint64_t x, uint64_t *n, pm_obm_block *out)
{
#ifdef BMC_OBM_SIZES
    unsigned which = nondet_unsigned();
    int r = -1;
    for (unsigned i = 0; i < NSIZES; i++)
        if (which == i) {
            *n = sizes[i];
            r = pm_pymalloc_realloc(&st, x, sizes[i], out);
        }
    __CPROVER_assume(which < NSIZES);
    return r;
#else
    *n = nondet_u64();
    return pm_pymalloc_realloc(&st, x, *n, out);
#endif
}

int main(void)
{
    bmc_obm_init(&st);
    check_state();
    for (int step = 0; step < NOPS; step++) {
        unsigned op = nondet_unsigned();
#ifdef BMC_OBM_OP
        op = BMC_OBM_OP;             /* experiments: one kind of call */
#endif
        __CPROVER_assume(op <= 2);   /* 0 malloc, 1 free, 2 realloc */
        pm_obm_block out;
        if (op == 0) {
            uint64_t n;
            int r = do_alloc(&n, &out);
            check_fresh(r, &out, n);
            if (r == PM_OBM_OK)
                record(&out, n);
        } else if (op == 1) {
            uint64_t x = pick_addr();
            int j = live_at(x);
            int r = pm_pymalloc_free(&st, x, &out);
            if (x == 0) {
                __CPROVER_assert(r == PM_OBM_OK, "free(0) does nothing");
            } else if (j >= 0) {
                __CPROVER_assert(r == PM_OBM_OK && out.addr == x,
                                 "freeing a live block succeeds");
                recs[j].live = 0;
            } else {
                __CPROVER_assert(r == PM_OBM_ENOTALLOC || r == PM_OBM_EFREED,
                                 "freeing what is not live is an error");
            }
        } else {                     /* op == 2 */
            uint64_t x = pick_addr();
            uint64_t n;
            int j = live_at(x);
            int r = do_realloc(x, &n, &out);
            if (x == 0) {
                check_fresh(r, &out, n);
                if (r == PM_OBM_OK)
                    record(&out, n);
            } else if (j >= 0) {
                if (n > (uint64_t)PMC_SSIZE_MAX(&st))
                    __CPROVER_assert(r == PM_OBM_ETOOBIG, "too large: ETOOBIG");
                else if (!recs[j].small)
                    /* PyMem_RawRealloc: stays a system block */
                    __CPROVER_assert((r == PM_OBM_OK && !out.small)
                                     || r == PM_OBM_ENOMEM,
                                     "a system block stays a system block");
                else if (r != PM_OBM_OK || out.addr != x)
                    check_fresh(r, &out, n);     /* moved, or failed */
                else
                    __CPROVER_assert(out.small && out.szidx == recs[j].szidx,
                                     "a block kept by realloc keeps its class");
                if (r == PM_OBM_OK) {
                    recs[j].live = 0;
                    record(&out, n);
                }
            } else {
                __CPROVER_assert(r == PM_OBM_ENOTALLOC || r == PM_OBM_EFREED
                                 || r == PM_OBM_ETOOBIG,
                                 "reallocating what is not live is an error");
            }
        }
        check_state();
    }
    return 0;
}
