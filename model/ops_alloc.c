/* ops_alloc.c: the allocator operations of a trace (`malloc`, `free`,
 * `realloc`; spec/trace.md "Allocator operations"), run on the pymalloc
 * model of model/obmalloc.h: PyObject_Malloc, PyObject_Free and
 * PyObject_Realloc of Objects/obmalloc.c (3.11; Include/internal/
 * pycore_obmalloc.h in 3.12+).
 *
 * The allocator's state belongs to the model (pm_model.alloc), made at
 * its first allocator operation (or query) from the trace's `pymalloc`
 * directive, and freed with the model. */
#include "ops_alloc.h"

#include "heap.h"
#include "obmalloc.h"

#include <stdlib.h>
#include <string.h>

#define DEFAULT_BITS 64         /* every profile is a 64-bit build           */

struct pm_alloc_state {
    uint32_t pools, bits;       /* its configuration                         */
    pm_obm st;
    uint64_t *addr;             /* pointer name -> address (0: NULL)         */
    int32_t naddr;
};

void pm_alloc_state_free(pm_alloc_state *c)
{
    if (!c)
        return;
    pm_obm_destroy(&c->st);
    free(c->addr);
    free(c);
}

/* Usable pools per arena when the trace has no `pymalloc` directive: what
 * the profile's interpreter mostly gets from mmap here (spec/differences.md,
 * `pymalloc-arena-alignment`): 3.11 and 3.12 arenas lie one page off a pool
 * boundary, 3.13 ones mostly on one; 3.14 is not measured (63). */
static uint32_t default_pools(const pm_profile *prof)
{
    return prof && prof->name && strcmp(prof->name, "3.13") == 0 ? 64 : 63;
}

static void trace_config(const pm_model *m, const pm_trace *t, uint32_t *pools,
                         uint32_t *bits)
{
    *bits = t && t->alloc_bits ? (uint32_t)t->alloc_bits : DEFAULT_BITS;
    *pools = t && t->alloc_pools ? (uint32_t)t->alloc_pools
           : *bits == 32 ? 64 : default_pools(m->prof);
}

/* Make room for pointer name I. */
static bool addr_room(pm_alloc_state *c, int32_t i)
{
    if (i < c->naddr)
        return true;
    int32_t n = c->naddr ? c->naddr : 16;
    while (n <= i)
        n = n > INT32_MAX / 2 ? INT32_MAX : n * 2;
    uint64_t *a = realloc(c->addr, (size_t)n * sizeof *a);
    if (!a)
        return false;
    memset(a + c->naddr, 0, (size_t)(n - c->naddr) * sizeof *a);
    c->addr = a;
    c->naddr = n;
    return true;
}

/* Model M's allocator: made on first use, empty but for the initial state,
 * with trace T's configuration.  NULL when there is no memory for it. */
static pm_alloc_state *state_for(pm_model *m, const pm_trace *t)
{
    if (m->alloc)
        return m->alloc;
    pm_alloc_state *c = calloc(1, sizeof *c);
    if (!c)
        return NULL;
    trace_config(m, t, &c->pools, &c->bits);
    pm_obm_config cfg;
    /* 63 usable pools: the arena address is one page past a pool boundary */
    if (pm_obm_config_init(&cfg, c->bits, c->pools == 64 ? 0 : 4096) != 0 ||
        pm_obm_init(&c->st, &cfg) != PM_OBM_OK) {
        free(c);
        return NULL;
    }
    /* The initial state (spec/trace.md "Allocator operations"): one arena,
     * mapped by a 512-byte block that was freed again, as the driver
     * leaves CPython's pymalloc before a trace. */
    pm_obm_block out;
    if (pm_pymalloc_alloc(&c->st, PM_OBM_THRESHOLD, &out) != PM_OBM_OK ||
        pm_pymalloc_free(&c->st, out.addr, NULL) != PM_OBM_OK) {
        pm_alloc_state_free(c);
        return NULL;
    }
    m->alloc = c;
    return c;
}

/* The call of operation OP (PM_OP_MALLOC, _FREE, _REALLOC) with its
 * inputs; binds the pointer name on success.  Returns the PM_OBM_ code. */
static int call(pm_alloc_state *c, int op, int32_t name, uint64_t size, uint64_t in,
                pm_obm_block *out)
{
    memset(out, 0, sizeof *out);
    int r;
    if (op == PM_OP_MALLOC)
        r = pm_pymalloc_alloc(&c->st, size, out);
    else if (op == PM_OP_FREE)
        return pm_pymalloc_free(&c->st, in, out);
    else
        r = pm_pymalloc_realloc(&c->st, in, size, out);
    /* A failed malloc binds NULL, as `p = PyObject_Malloc(n)` would; a
     * failed realloc leaves the pointer as it was. */
    if (r == PM_OBM_OK || op == PM_OP_MALLOC)
        c->addr[name] = r == PM_OBM_OK ? out->addr : 0;
    return r;
}

const struct pm_obm *pm_model_allocator(pm_model *m, const pm_trace *t)
{
    pm_alloc_state *c = state_for(m, t);
    return c ? &c->st : NULL;
}

/* Run allocator operation OP of trace T on model M and record its event. */
void pm_model_alloc_op(pm_model *m, const pm_trace *t, const pm_op *op)
{
    if (op->kind == PM_OP_PYMALLOC)
        return;                 /* read from the trace by state_for */
    pm_alloc_state *c = state_for(m, t);
    if (!c || !addr_room(c, op->name)) {
        pm_oom(m);
        return;
    }
    uint64_t in = 0, size = 0;
    if (op->kind != PM_OP_FREE)
        size = (uint64_t)op->args[0];
    if (op->kind != PM_OP_MALLOC)
        in = c->addr[op->name] + (uint64_t)op->args[1];
    /* what the old block was, for realloc's event */
    int32_t a, k, b;
    bool was_small = op->kind == PM_OP_REALLOC && in != 0 &&
                     pm_obm_lookup(&c->st, in, &a, &k, &b) && b >= 0;
    pm_obm_block out;
    int r = call(c, op->kind, op->name, size, in, &out);
    pm_event_kind kind = r != PM_OBM_OK ? PM_EV_ALLOC_ERROR
                       : op->kind == PM_OP_MALLOC ? PM_EV_MALLOC
                       : op->kind == PM_OP_FREE ? PM_EV_FREED : PM_EV_REALLOC;
    pm_event *e = pm_emit_raw(m, kind);
    if (!e)
        return;
    e->name = op->name;
    e->obj = op->args[1];
    e->generation = op->kind;
    e->result = r;
    e->v[PM_AV_SIZE] = (int64_t)size;
    e->v[PM_AV_IN] = (int64_t)in;
    if (r == PM_OBM_OK) {
        e->v[PM_AV_ADDR] = (int64_t)(op->kind == PM_OP_FREE ? in : out.addr);
        e->v[PM_AV_SMALL] = out.small;
        if (out.small) {
            e->v[PM_AV_CLASS] = out.szidx;
            e->v[PM_AV_ARENA] = out.arena;
            e->v[PM_AV_POOL] = out.pool;
            e->v[PM_AV_OFFSET] = out.offset;
        }
        e->v[PM_AV_FLAGS] = (out.new_arena ? PM_AF_NEW_ARENA : 0) |
                            (out.freed_arena ? PM_AF_FREED_ARENA : 0) |
                            (op->kind == PM_OP_REALLOC && out.addr != in ? PM_AF_MOVED : 0) |
                            (was_small ? PM_AF_WAS_SMALL : 0);
    }
}
