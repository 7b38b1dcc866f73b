/* trace_probe.c: the CPython side of the trace language's allocator
 * operations (spec/trace.md "Allocator operations"; spec/differences.md,
 * `pymalloc-fresh-arena`).  Module pymalloc_trace, for any 64-bit CPython
 * 3.11-3.13 built with pymalloc (no symbol table needed, unlike probe.c).
 *
 * run(ops, pools) performs, inside one C call, so that the interpreter
 * allocates nothing in between:
 *  1. a preparation that gives the trace a pymalloc that behaves like an
 *     empty one: for every size class, blocks are allocated until a new
 *     pool is taken and that pool is full (then usedpools[c] is empty);
 *     then 512-byte blocks are allocated until every usable arena is full
 *     and a new arena A, with the wanted number of usable pools, is mapped;
 *     its one block is freed, so A is the only usable arena, all free;
 *     meanwhile the arena allocator maps arenas at addresses that give them
 *     the number of usable pools the trace wants (arena_alloc);
 *  2. the trace's PyObject_Malloc / PyObject_Free / PyObject_Realloc
 *     calls, each described from the block's pool header (Objects/
 *     obmalloc.c, struct pool_header: the same layout in 3.11-3.13):
 *     size class (szidx), arena (numbered in order of first appearance,
 *     from the header's arenaindex), pool number from the arena's first
 *     pool, offset in the pool; arenas allocated and released are read
 *     from the counters that _PyObject_DebugMallocStats prints;
 *  3. everything allocated is freed again.
 * Every buffer of its own comes from PyMem_RawMalloc (libc). */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include <stdint.h>
#include <stdio.h>
#include <sys/mman.h>
#include <stdlib.h>
#include <string.h>

#define POOL_SIZE 16384u
#define POOL_OVERHEAD 48u
#define NCLASSES 32
#define MAX_ARENAS 256          /* arenas one trace may see               */

extern int _PyObject_DebugMallocStats(FILE *out);

typedef struct cp_pool {        /* struct pool_header, 64-bit */
    union { uint8_t *pad; unsigned count; } ref;
    uint8_t *freeblock;
    struct cp_pool *nextpool, *prevpool;
    unsigned arenaindex, szidx, nextoffset, maxnextoffset;
} cp_pool;

typedef struct tarena {
    unsigned index;             /* CPython's arena index                   */
    uintptr_t first_pool;       /* address of its pool 0                   */
    int live;
} tarena;

typedef struct vec { void **p; size_t n, cap; } vec;

typedef struct tbuf { char *s; size_t len, cap; int oom; } tbuf;

typedef struct ctx {
    tarena ar[MAX_ARENAS];
    unsigned label_index[MAX_ARENAS];   /* label -> CPython arena index    */
    int nlabels, narenas;
    long long total, current, lost;     /* the last counters read          */
    int pools;                          /* usable pools the trace wants    */
    const char *err;
} ctx;

static void tb_printf(tbuf *b, const char *fmt, ...)
{
    for (;;) {
        va_list ap;
        va_start(ap, fmt);
        size_t room = b->cap - b->len;
        int n = vsnprintf(b->s ? b->s + b->len : NULL, b->s ? room : 0, fmt, ap);
        va_end(ap);
        if (n < 0) { b->oom = 1; return; }
        if (b->s && (size_t)n < room) { b->len += (size_t)n; return; }
        size_t nc = b->cap ? b->cap * 2 : 4096;
        while (nc - b->len <= (size_t)n)
            nc *= 2;
        char *s = PyMem_RawRealloc(b->s, nc);
        if (s == NULL) { b->oom = 1; return; }
        b->s = s;
        b->cap = nc;
    }
}

static int push(vec *v, void *p)
{
    if (v->n == v->cap) {
        size_t nc = v->cap ? v->cap * 2 : 1024;
        void **q = PyMem_RawRealloc(v->p, nc * sizeof *q);
        if (q == NULL)
            return -1;
        v->p = q;
        v->cap = nc;
    }
    v->p[v->n++] = p;
    return 0;
}

static cp_pool *pool_of(const void *p)
{
    return (cp_pool *)((uintptr_t)p & ~(uintptr_t)(POOL_SIZE - 1));
}

/* The value after '=' on the line of _PyObject_DebugMallocStats's TEXT
 * that starts with KEY (digits and commas), or -1. */
static long long stat_value(const char *text, const char *key)
{
    const char *at = strstr(text, key);
    if (at == NULL || (at != text && at[-1] != '\n'))
        return -1;
    const char *eq = strchr(at, '=');
    const char *nl = strchr(at, '\n');
    if (eq == NULL || (nl != NULL && eq > nl))
        return -1;
    long long v = 0;
    int any = 0;
    for (const char *s = eq + 1; *s && *s != '\n'; s++)
        if (*s >= '0' && *s <= '9') {
            v = v * 10 + (*s - '0');
            any = 1;
        }
    return any ? v : -1;
}

/* Read the arena counters into C; 0, or -1 with C->err. */
static int read_counters(ctx *c)
{
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);          /* libc, not pymalloc */
    if (f == NULL) {
        c->err = "open_memstream failed";
        return -1;
    }
    int on = _PyObject_DebugMallocStats(f);
    fclose(f);
    if (!on) {
        free(text);
        c->err = "pymalloc is not the object allocator";
        return -1;
    }
    c->total = stat_value(text, "# arenas allocated total");
    c->current = stat_value(text, "# arenas allocated current");
    c->lost = stat_value(text, "# bytes lost to arena alignment");
    free(text);
    if (c->total < 0 || c->current < 0 || c->lost < 0) {
        c->err = "cannot read the arena counters of _PyObject_DebugMallocStats";
        return -1;
    }
    return 0;
}

/* The live arena of the trace that holds P, or NULL. */
static tarena *arena_of(ctx *c, const void *p)
{
    uintptr_t x = (uintptr_t)p;
    for (int i = 0; i < c->narenas; i++)
        if (c->ar[i].live && x >= c->ar[i].first_pool &&
            x < c->ar[i].first_pool + 64u * POOL_SIZE)
            return &c->ar[i];
    return NULL;
}

static int label_of(ctx *c, unsigned index)
{
    for (int i = 0; i < c->nlabels; i++)
        if (c->label_index[i] == index)
            return i;
    if (c->nlabels == MAX_ARENAS)
        return -1;
    c->label_index[c->nlabels] = index;
    return c->nlabels++;
}

/* P (a small block) was just allocated in the first pool of a new arena,
 * which lost LOST bytes to its alignment. */
static int add_arena(ctx *c, const void *p, long long lost)
{
    cp_pool *pool = pool_of(p);
    if ((lost == (long long)POOL_SIZE ? 63 : 64) != c->pools) {
        c->err = "an arena of the trace has not the number of usable pools the trace "
                 "wants (was it mapped by another arena allocator?)";
        return -1;
    }
    for (int i = 0; i < c->narenas; i++)
        if (c->ar[i].index == pool->arenaindex)
            c->ar[i].live = 0;
    if (c->narenas == MAX_ARENAS) {
        c->err = "too many arenas for one trace";
        return -1;
    }
    c->ar[c->narenas++] = (tarena){ pool->arenaindex, (uintptr_t)pool, 1 };
    return 0;
}

/* ------------------------------------------------------------ preparation */

/* Blocks of SIZE until a new pool is taken, then until it is full. */
static int drain_class(ctx *c, vec *hold, size_t size)
{
    unsigned nblocks = (POOL_SIZE - POOL_OVERHEAD) / (unsigned)size;
    cp_pool *fresh = NULL;
    for (;;) {
        void *p = PyObject_Malloc(size);
        if (p == NULL || push(hold, p) < 0) {
            PyObject_Free(p);
            c->err = "out of memory";
            return -1;
        }
        cp_pool *pool = pool_of(p);
        if (fresh == NULL && pool->ref.count == 1) {
            fresh = pool;
            if (pool->maxnextoffset != POOL_SIZE - size) {
                c->err = "pools are not 16 KiB (a build without the radix tree?)";
                return -1;
            }
        }
        if (fresh != NULL && fresh->ref.count == nblocks)
            return 0;
    }
}

/* The arena allocator (PyObject_SetArenaAllocator) while run() runs: as
 * CPython's own (_PyObject_ArenaMmap / _PyObject_ArenaMunmap: an anonymous
 * mapping, munmap), except that the arena's address is chosen to be
 * pool-aligned (64 usable pools) or one page past a pool boundary (63),
 * as the trace says: where mmap puts an arena is the kernel's choice, which
 * the model takes as a parameter. */
static int g_want_pools;

static void *arena_alloc(void *ctx, size_t size)
{
    (void)ctx;
    uint8_t *p = mmap(NULL, size + POOL_SIZE, PROT_READ | PROT_WRITE,
                      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED)
        return NULL;
    uintptr_t x = (uintptr_t)p, want = g_want_pools == 64 ? 0 : 4096;
    uintptr_t base = x + (want + POOL_SIZE - x % POOL_SIZE) % POOL_SIZE;
    if (base > x)
        munmap(p, base - x);
    uintptr_t end = x + size + POOL_SIZE;
    if (end > base + size)
        munmap((void *)(base + size), end - (base + size));
    return (void *)base;
}

static void arena_free(void *ctx, void *ptr, size_t size)
{
    (void)ctx;
    munmap(ptr, size);
}

/* Fill every usable arena with 512-byte blocks until a new arena is
 * mapped; free its one block. */
static int fresh_arena(ctx *c, vec *hold)
{
    if (read_counters(c) < 0)
        return -1;
    long long total = c->total, lost = c->lost;
    for (;;) {
        void *p = PyObject_Malloc(512);
        if (p == NULL || push(hold, p) < 0) {
            PyObject_Free(p);
            c->err = "out of memory";
            return -1;
        }
        if (pool_of(p)->ref.count != 1)
            continue;
        if (read_counters(c) < 0)
            return -1;
        if (c->total == total)
            continue;
        if (add_arena(c, p, c->lost - lost) < 0)
            return -1;
        hold->n--;
        PyObject_Free(p);
        return 0;
    }
}

/* ------------------------------------------------------------- the calls */

/* Describe block P, returned by a call that may have mapped an arena;
 * MAYBE_NEW: the block may be a small one outside the known arenas. */
static int describe(ctx *c, tbuf *out, const void *p, int maybe_new, int *new_arena)
{
    *new_arena = 0;
    if (p == NULL) {
        tb_printf(out, "null");
        return 0;
    }
    tarena *a = arena_of(c, p);
    if (a == NULL && maybe_new) {
        long long total = c->total, lost = c->lost;
        if (read_counters(c) < 0)
            return -1;
        if (c->total != total) {
            if (add_arena(c, p, c->lost - lost) < 0)
                return -1;
            a = arena_of(c, p);
            *new_arena = 1;
        }
    }
    if (a == NULL) {
        tb_printf(out, "large");
        return 0;
    }
    cp_pool *pool = pool_of(p);
    int label = label_of(c, pool->arenaindex);
    if (label < 0) {
        c->err = "too many arenas for one trace";
        return -1;
    }
    tb_printf(out, "small %u %d %lu %lu", pool->szidx, label,
              (unsigned long)(((uintptr_t)pool - a->first_pool) / POOL_SIZE),
              (unsigned long)((uintptr_t)p - (uintptr_t)pool));
    return 0;
}

/* After a call that emptied a pool of arena A: was A released? */
static int check_release(ctx *c, tarena *a, int *freed)
{
    long long current = c->current;
    if (read_counters(c) < 0)
        return -1;
    *freed = c->current < current;
    if (*freed)
        a->live = 0;
    return 0;
}

/* run(ops, pools) -> str.  OPS: int64 triples (kind, id, n), kind 'm'
 * (id = PyObject_Malloc(n)), 'f' (PyObject_Free(id)) or 'r'
 * (id = PyObject_Realloc(id, n)); one line per operation. */
static PyObject *trace_run(PyObject *self, PyObject *args)
{
    (void)self;
    Py_buffer ops;
    int pools;
    if (!PyArg_ParseTuple(args, "y*i", &ops, &pools))
        return NULL;
    PyMemAllocatorEx obj;
    PyMem_GetAllocator(PYMEM_DOMAIN_OBJ, &obj);
    if (obj.ctx != NULL) {
        PyBuffer_Release(&ops);
        return PyErr_Format(PyExc_RuntimeError, "the object allocator has debug hooks "
                            "(PYTHONMALLOC or -X dev)");
    }
    const int64_t *op = ops.buf;
    Py_ssize_t nops = ops.len / (Py_ssize_t)(3 * sizeof(int64_t));
    int64_t maxid = -1;
    for (Py_ssize_t i = 0; i < nops; i++) {
        char k = (char)op[3 * i];
        if ((k != 'm' && k != 'f' && k != 'r') || op[3 * i + 1] < 0 || op[3 * i + 2] < 0) {
            PyBuffer_Release(&ops);
            return PyErr_Format(PyExc_ValueError, "bad operation %zd", i);
        }
        if (op[3 * i + 1] > maxid)
            maxid = op[3 * i + 1];
    }
    ctx *c = PyMem_RawCalloc(1, sizeof *c);
    void **ptr = PyMem_RawCalloc((size_t)maxid + 2, sizeof *ptr);
    vec hold = { 0 };
    tbuf out = { 0 };
    PyObject *result = NULL;
    PyObjectArenaAllocator saved, mine = { NULL, arena_alloc, arena_free };
    int installed = 0;
    if (c == NULL || ptr == NULL) {
        PyErr_NoMemory();
        goto done;
    }
    c->pools = pools;
    PyObject_GetArenaAllocator(&saved);
    g_want_pools = pools;
    PyObject_SetArenaAllocator(&mine);
    installed = 1;
    for (int k = 0; k < NCLASSES && !c->err; k++)
        drain_class(c, &hold, (size_t)(k + 1) * 16);
    if (!c->err)
        fresh_arena(c, &hold);
    for (Py_ssize_t i = 0; i < nops && !c->err; i++) {
        char k = (char)op[3 * i];
        int64_t id = op[3 * i + 1];
        size_t n = (size_t)op[3 * i + 2];
        int new_arena = 0, freed = 0;
        if (k == 'm') {
            ptr[id] = PyObject_Malloc(n);
            describe(c, &out, ptr[id], 1, &new_arena);
        } else if (k == 'f') {
            void *p = ptr[id];
            tarena *a = arena_of(c, p);
            unsigned before = a ? pool_of(p)->ref.count : 0;
            describe(c, &out, p, 0, &new_arena);
            PyObject_Free(p);
            ptr[id] = NULL;
            if (a && before == 1)
                check_release(c, a, &freed);
        } else {
            void *p = ptr[id];
            tarena *a = arena_of(c, p);
            unsigned before = a ? pool_of(p)->ref.count : 0;
            void *q = PyObject_Realloc(p, n);
            if (q != NULL)
                ptr[id] = q;
            describe(c, &out, q, 1, &new_arena);
            if (q != NULL && arena_of(c, q) != NULL)
                tb_printf(&out, q == p ? " in_place" : " moved");
            if (q != NULL && q != p && a && before == 1)
                check_release(c, a, &freed);
        }
        if (new_arena)
            tb_printf(&out, " new_arena");
        if (freed)
            tb_printf(&out, " freed_arena");
        tb_printf(&out, "\n");
    }
    if (c->err)
        PyErr_Format(PyExc_RuntimeError, "pymalloc_trace: %s", c->err);
    else if (out.oom)
        PyErr_NoMemory();
done:
    /* the trace's blocks, then the preparation's */
    if (ptr != NULL)
        for (int64_t i = 0; i <= maxid; i++)
            PyObject_Free(ptr[i]);
    for (size_t i = 0; i < hold.n; i++)
        PyObject_Free(hold.p[i]);
    if (installed)
        PyObject_SetArenaAllocator(&saved);
    if (!PyErr_Occurred())
        result = PyUnicode_FromStringAndSize(out.s ? out.s : "", (Py_ssize_t)out.len);
    PyMem_RawFree(hold.p);
    PyMem_RawFree(out.s);
    PyMem_RawFree(ptr);
    PyMem_RawFree(c);
    PyBuffer_Release(&ops);
    return result;
}

static PyMethodDef methods[] = {
    {"run", trace_run, METH_VARARGS,
     "run(ops: bytes, pools: int) -> one line per operation"},
    {NULL, NULL, 0, NULL}
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "pymalloc_trace",
    "Runs the allocator operations of a pymemref trace in this pymalloc.", -1,
    methods, NULL, NULL, NULL, NULL
};

PyMODINIT_FUNC PyInit_pymalloc_trace(void)
{
    if (sizeof(void *) != 8) {
        PyErr_SetString(PyExc_ImportError, "pymalloc_trace needs a 64-bit build");
        return NULL;
    }
    return PyModule_Create(&module);
}
