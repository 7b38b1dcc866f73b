/* probe.c: the CPython side of the pymalloc differential check.
 *
 * A C extension (module pymalloc_probe) for a 64-bit CPython 3.11 built with
 * pymalloc.  It reads pymalloc's own tables (the static variables of
 * Objects/obmalloc.c: arenas, maxarenas, usable_arenas, nfp2lasta,
 * unused_arena_objects, usedpools and the arena counters), whose addresses
 * the driver finds in the symbol table of the library that holds
 * PyObject_Malloc, and prints them in the model's snapshot form
 * (model/obmalloc_snap.c).  run() takes a whole batch of
 * PyObject_Malloc/Free/Realloc calls and performs it inside one C call,
 * between a snapshot before and a snapshot after, so no allocation of the
 * interpreter interleaves: every buffer the probe writes into comes from
 * PyMem_RawMalloc (libc), never from pymalloc.
 *
 * On 3.12 and 3.13 the same tables are fields of the interpreter's
 * struct _obmalloc_state (Include/internal/pycore_obmalloc.h), reached
 * through the internal headers: setup_internal() needs no symbol table.
 *
 * check(seed) runs the batch of SEED (batch_gen.h) on CPython and then on
 * the model (model_run.c, linked into this module; the model allocates
 * with libc, after the batch), and compares the two texts.
 *
 * The structure layouts below are those of Objects/obmalloc.c (3.11) on a
 * 64-bit build: struct pool_header (48 bytes) and struct arena_object;
 * 3.12 and 3.13 keep them (checked below against their headers). */
#define PY_SSIZE_T_CLEAN
#include <patchlevel.h>
#if PY_VERSION_HEX >= 0x030C0000
# define Py_BUILD_CORE_MODULE 1        /* for the internal headers only */
#endif
#include <Python.h>
#if PY_VERSION_HEX >= 0x030C0000
# include "internal/pycore_interp.h"
# include "internal/pycore_pystate.h"
#endif

#include "batch_gen.h"
#include "model_run.h"

#include <dlfcn.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdint.h>
#include <string.h>
#include <time.h>

#if PY_VERSION_HEX >= 0x030C0000
_Static_assert(POOL_SIZE == 16384 && ARENA_SIZE == 1 << 20
               && NB_SMALL_SIZE_CLASSES == 32 && MAX_POOLS_IN_ARENA == 64,
               "pymalloc's geometry differs from the model's 64-bit one");
# undef POOL_SIZE
# undef ARENA_SIZE
#endif
#define POOL_SIZE  16384u
#define ARENA_SIZE (1u << 20)
#define NCLASSES   32
#define MAXPOOLS   64

typedef struct cp_pool {
    union { uint8_t *pad; unsigned count; } ref;
    uint8_t *freeblock;
    struct cp_pool *nextpool;
    struct cp_pool *prevpool;
    unsigned arenaindex, szidx, nextoffset, maxnextoffset;
} cp_pool;

typedef struct cp_arena {
    uintptr_t address;
    uint8_t *pool_address;
    unsigned nfreepools, ntotalpools;
    cp_pool *freepools;
    struct cp_arena *nextarena, *prevarena;
} cp_arena;

#if PY_VERSION_HEX >= 0x030C0000
#include <stddef.h>
_Static_assert(sizeof(struct pool_header) == sizeof(cp_pool)
               && offsetof(struct pool_header, freeblock)
                  == offsetof(cp_pool, freeblock)
               && offsetof(struct pool_header, nextpool)
                  == offsetof(cp_pool, nextpool)
               && offsetof(struct pool_header, arenaindex)
                  == offsetof(cp_pool, arenaindex)
               && offsetof(struct pool_header, maxnextoffset)
                  == offsetof(cp_pool, maxnextoffset),
               "struct pool_header differs from the 3.11 layout");
_Static_assert(sizeof(struct arena_object) == sizeof(cp_arena)
               && offsetof(struct arena_object, pool_address)
                  == offsetof(cp_arena, pool_address)
               && offsetof(struct arena_object, freepools)
                  == offsetof(cp_arena, freepools)
               && offsetof(struct arena_object, prevarena)
                  == offsetof(cp_arena, prevarena),
               "struct arena_object differs from the 3.11 layout");
#endif

#if PY_VERSION_HEX < 0x030C0000
/* exported by libpython, declared only in an internal header */
extern int _PyObject_DebugMallocStats(FILE *out);
#endif

/* pymalloc's globals, located by setup() */
static cp_arena **g_arenas, **g_usable, **g_unused, **g_nfp2lasta;
static unsigned *g_maxarenas;
static cp_pool **g_usedpools;
static size_t *g_ntimes, *g_ncurrent, *g_highwater;
static Py_ssize_t *g_raw;
static int g_ready;

/* ------------------------------------------------------- a raw text buffer */
typedef struct tbuf { char *s; size_t len, cap; int oom; } tbuf;

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
        size_t nc = b->cap ? b->cap * 2 : 1 << 16;
        while (nc - b->len <= (size_t)n)
            nc *= 2;
        char *s = PyMem_RawRealloc(b->s, nc);       /* libc, not pymalloc */
        if (s == NULL) { b->oom = 1; return; }
        b->s = s;
        b->cap = nc;
    }
}

/* grow B now, so that a batch does not wait on realloc */
static void tb_reserve(tbuf *b, size_t cap)
{
    if (b->cap >= cap)
        return;
    char *s = PyMem_RawRealloc(b->s, cap);          /* libc, not pymalloc */
    if (s == NULL) {
        b->oom = 1;
        return;
    }
    b->s = s;
    b->cap = cap;
}

/* -------------------------------------------------------------- snapshot */
static uintptr_t first_pool(const cp_arena *ao)
{
    uintptr_t x = ao->address % POOL_SIZE;
    return x ? ao->address + POOL_SIZE - x : ao->address;
}

static long arena_index(const cp_arena *ao)
{
    return (long)(ao - *g_arenas);
}

static void snapshot(tbuf *b)
{
    cp_arena *arenas = *g_arenas;
    unsigned n = *g_maxarenas;
    tb_printf(b, "pymalloc-snapshot 1\nbits 64\nmaxarenas %u\n", n);
    tb_printf(b, "counters %zu %zu %zu %zd\n", *g_ntimes, *g_ncurrent,
              *g_highwater, *g_raw);
    for (unsigned a = 0; a < n; a++) {
        const cp_arena *ao = &arenas[a];
        if (ao->address == 0)
            continue;
        uintptr_t fp = first_pool(ao);
        long ncarved = (long)(((uintptr_t)ao->pool_address - fp) / POOL_SIZE);
        tb_printf(b, "arena %u %#" PRIxPTR " %ld %u\n", a, ao->address,
                  ncarved, ao->nfreepools);
        tb_printf(b, "freepools %u", a);
        for (const cp_pool *p = ao->freepools; p; p = p->nextpool)
            tb_printf(b, " %lu", (unsigned long)(((uintptr_t)p - fp) / POOL_SIZE));
        tb_printf(b, "\n");
        for (long k = 0; k < ncarved; k++) {
            const cp_pool *p = (const cp_pool *)(fp + (uintptr_t)k * POOL_SIZE);
            tb_printf(b, "pool %u %ld %u %u %u %u", a, k, p->szidx,
                      p->ref.count, p->nextoffset, p->maxnextoffset);
            for (uint8_t *bp = p->freeblock; bp; bp = *(uint8_t **)bp)
                tb_printf(b, " %lu", (unsigned long)(bp - (const uint8_t *)p));
            tb_printf(b, "\n");
        }
    }
    tb_printf(b, "usable");
    for (const cp_arena *ao = *g_usable; ao; ao = ao->nextarena)
        tb_printf(b, " %ld", arena_index(ao));
    tb_printf(b, "\n");
    for (unsigned k = 0; k <= MAXPOOLS; k++)
        if (g_nfp2lasta[k])
            tb_printf(b, "nfp2lasta %u %ld\n", k, arena_index(g_nfp2lasta[k]));
    tb_printf(b, "unused");
    for (const cp_arena *ao = *g_unused; ao; ao = ao->nextarena)
        tb_printf(b, " %ld", arena_index(ao));
    tb_printf(b, "\n");
    for (unsigned c = 0; c < NCLASSES; c++) {
        /* the header of usedpools[c]: nextpool lives at usedpools[2c] */
        const cp_pool *hdr = (const cp_pool *)((uint8_t *)&g_usedpools[2 * c]
                                               - 2 * sizeof(void *));
        const cp_pool *p = hdr->nextpool;
        if (p == hdr)
            continue;
        tb_printf(b, "used %u", c);
        for (; p != hdr; p = p->nextpool) {
            const cp_arena *ao = &arenas[p->arenaindex];
            tb_printf(b, " %u:%lu", p->arenaindex,
                      (unsigned long)(((uintptr_t)p - first_pool(ao)) / POOL_SIZE));
        }
        tb_printf(b, "\n");
    }
    tb_printf(b, "end\n");
}

/* Where the block P lives: arena index, or -1 for the raw allocator. */
static long find_arena(const void *p)
{
    cp_arena *arenas = *g_arenas;
    uintptr_t x = (uintptr_t)p;
    for (unsigned a = 0; a < *g_maxarenas; a++)
        if (arenas[a].address && x >= arenas[a].address
            && x - arenas[a].address < ARENA_SIZE)
            return (long)a;
    return -1;
}

static void describe(tbuf *b, char kind, long id, void *p)
{
    long a = find_arena(p);
    if (p == NULL) {
        tb_printf(b, "%c %ld null\n", kind, id);
    } else if (a < 0) {
        tb_printf(b, "%c %ld large\n", kind, id);
    } else {
        uintptr_t fp = first_pool(&(*g_arenas)[a]);
        uintptr_t rel = (uintptr_t)p - fp;
        tb_printf(b, "%c %ld small %ld %lu %lu %#" PRIxPTR "\n", kind, id, a,
                  (unsigned long)(rel / POOL_SIZE),
                  (unsigned long)(rel % POOL_SIZE), (uintptr_t)p);
    }
}

/* ----------------------------------------------------------------- setup */
static PyObject *probe_locate(PyObject *self, PyObject *args)
{
    (void)self; (void)args;
    Dl_info info;
    if (!dladdr((void *)&PyObject_Malloc, &info) || info.dli_fname == NULL) {
        PyErr_SetString(PyExc_RuntimeError, "dladdr(PyObject_Malloc) failed");
        return NULL;
    }
    return Py_BuildValue("(sK)", info.dli_fname,
                         (unsigned long long)(uintptr_t)&PyObject_Malloc);
}

/* setup(symbols): symbols maps names to their st_value in the file that
 * holds PyObject_Malloc. */
static PyObject *probe_setup(PyObject *self, PyObject *args)
{
    (void)self;
    PyObject *d;
    if (!PyArg_ParseTuple(args, "O!", &PyDict_Type, &d))
        return NULL;
    static const char *names[] = {
        "PyObject_Malloc", "_PyObject_Malloc", "arenas", "maxarenas",
        "usable_arenas", "unused_arena_objects", "nfp2lasta", "usedpools",
        "ntimes_arena_allocated", "narenas_currently_allocated",
        "narenas_highwater", "raw_allocated_blocks"
    };
    uintptr_t v[12];
    for (int i = 0; i < 12; i++) {
        PyObject *x = PyDict_GetItemString(d, names[i]);
        if (x == NULL)
            return PyErr_Format(PyExc_KeyError, "symbol %s missing", names[i]);
        v[i] = (uintptr_t)PyLong_AsUnsignedLongLong(x);
        if (PyErr_Occurred())
            return NULL;
    }
    uintptr_t bias = (uintptr_t)&PyObject_Malloc - v[0];
    PyMemAllocatorEx obj;
    PyMem_GetAllocator(PYMEM_DOMAIN_OBJ, &obj);
    if ((uintptr_t)obj.malloc != bias + v[1]) {
        PyErr_SetString(PyExc_RuntimeError, "the object allocator is not "
                        "_PyObject_Malloc (debug hooks or PYTHONMALLOC?)");
        return NULL;
    }
    g_arenas = (cp_arena **)(bias + v[2]);
    g_maxarenas = (unsigned *)(bias + v[3]);
    g_usable = (cp_arena **)(bias + v[4]);
    g_unused = (cp_arena **)(bias + v[5]);
    g_nfp2lasta = (cp_arena **)(bias + v[6]);
    g_usedpools = (cp_pool **)(bias + v[7]);
    g_ntimes = (size_t *)(bias + v[8]);
    g_ncurrent = (size_t *)(bias + v[9]);
    g_highwater = (size_t *)(bias + v[10]);
    g_raw = (Py_ssize_t *)(bias + v[11]);
    g_ready = 1;
    Py_RETURN_NONE;
}

/* setup_internal(): on 3.12 and later, the tables are the fields of the
 * main interpreter's obmalloc state (pycore_interp.h: PyInterpreterState
 * .obmalloc, a struct on 3.12 and a pointer on 3.13).  On 3.11 it raises
 * NotImplementedError: the driver then reads the symbol table. */
static PyObject *probe_setup_internal(PyObject *self, PyObject *args)
{
    (void)self; (void)args;
#if PY_VERSION_HEX >= 0x030C0000
# if PY_VERSION_HEX >= 0x030D0000
    struct _obmalloc_state *st = _PyInterpreterState_GET()->obmalloc;
# else
    struct _obmalloc_state *st = &_PyInterpreterState_GET()->obmalloc;
# endif
    if (st == NULL)
        return PyErr_Format(PyExc_RuntimeError, "no obmalloc state");
    g_arenas = (cp_arena **)&st->mgmt.arenas;
    g_maxarenas = &st->mgmt.maxarenas;
    g_usable = (cp_arena **)&st->mgmt.usable_arenas;
    g_unused = (cp_arena **)&st->mgmt.unused_arena_objects;
    g_nfp2lasta = (cp_arena **)st->mgmt.nfp2lasta;
    g_usedpools = (cp_pool **)st->pools.used;
    g_ntimes = &st->mgmt.ntimes_arena_allocated;
    g_ncurrent = &st->mgmt.narenas_currently_allocated;
    g_highwater = &st->mgmt.narenas_highwater;
    g_raw = &st->mgmt.raw_allocated_blocks;
    /* the object allocator must be pymalloc itself: a small block must
     * come from an arena, at a block boundary of its pool */
    void *p = PyObject_Malloc(24);
    int in_arena = p != NULL && find_arena(p) >= 0;
    PyObject_Free(p);
    if (!in_arena)
        return PyErr_Format(PyExc_RuntimeError, "the object allocator is "
                            "not pymalloc (debug hooks or PYTHONMALLOC?)");
    g_ready = 1;
    Py_RETURN_NONE;
#else
    return PyErr_Format(PyExc_NotImplementedError,
                        "3.11 keeps pymalloc's tables in static variables");
#endif
}

static PyObject *probe_snapshot(PyObject *self, PyObject *args)
{
    (void)self; (void)args;
    if (!g_ready)
        return PyErr_Format(PyExc_RuntimeError, "setup() first");
    tbuf b = {0};
    snapshot(&b);
    PyObject *r = b.oom ? PyErr_NoMemory()
                        : PyUnicode_FromStringAndSize(b.s, (Py_ssize_t)b.len);
    PyMem_RawFree(b.s);
    return r;
}

/* stats(): (snapshot, the text of _PyObject_DebugMallocStats), both taken
 * inside this call; the text goes through open_memstream (libc). */
static PyObject *probe_stats(PyObject *self, PyObject *args)
{
    (void)self; (void)args;
    if (!g_ready)
        return PyErr_Format(PyExc_RuntimeError, "setup() first");
    tbuf b = {0};
    char *text = NULL;
    size_t len = 0;
    snapshot(&b);
    FILE *f = open_memstream(&text, &len);
    if (f == NULL || b.oom) {
        PyMem_RawFree(b.s);
        return PyErr_NoMemory();
    }
    _PyObject_DebugMallocStats(f);
    fclose(f);
    PyObject *r = Py_BuildValue("(s#s#)", b.s, (Py_ssize_t)b.len, text,
                                (Py_ssize_t)len);
    PyMem_RawFree(b.s);
    free(text);
    return r;
}

/* ---------------------------------------------------- check(seed) */
typedef struct feed { uint64_t base; uint64_t *addr; size_t n, cap; } feed;

static int feed_push(feed *f, uint64_t serial, uint64_t addr)
{
    if (f->n == 0)
        f->base = serial;
    size_t at = (size_t)(serial - f->base);
    if (at >= f->cap) {
        size_t nc = f->cap ? 2 * f->cap : 64;
        while (nc <= at)
            nc *= 2;
        uint64_t *a = PyMem_RawRealloc(f->addr, nc * sizeof *a);
        if (a == NULL)
            return -1;
        memset(a + f->cap, 0, (nc - f->cap) * sizeof *a);
        f->addr = a;
        f->cap = nc;
    }
    f->addr[at] = addr;
    if (at + 1 > f->n)
        f->n = at + 1;
    return 0;
}

/* the arena addresses mmap gave CPython, by serial, for the model */
static uint64_t feed_source(void *ctx, uint64_t serial)
{
    const feed *f = ctx;
    return serial >= f->base && serial - f->base < f->n
           ? f->addr[serial - f->base] : 0;
}

/* Runs OPS on CPython between two snapshots; PTR has a zeroed slot per
 * block id.  Every block still allocated is freed after the snapshot. */
static int cpython_batch(const pmd_op *ops, size_t nops, void **ptr,
                         int64_t maxid, tbuf *before, tbuf *lines,
                         tbuf *after, feed *fd)
{
    int oom = 0;
    tb_reserve(lines, nops * 64 < 1 << 26 ? nops * 64 : 1 << 26);
    snapshot(before);
    for (size_t i = 0; i < nops; i++) {
        char k = ops[i].kind;
        int64_t id = ops[i].id;
        size_t n = (size_t)ops[i].size;
        size_t arenas_before = *g_ntimes;
        if (k == 'm') {
            ptr[id] = PyObject_Malloc(n);
            describe(lines, k, (long)id, ptr[id]);
        } else if (k == 'r') {
            void *q = PyObject_Realloc(ptr[id], n);
            if (q != NULL)
                ptr[id] = q;
            describe(lines, k, (long)id, q);
        } else {
            PyObject_Free(ptr[id]);
            ptr[id] = NULL;
            tb_printf(lines, "f %ld\n", (long)id);
        }
        if (*g_ntimes != arenas_before && k != 'f') {
            long a = find_arena(ptr[id]);
            uintptr_t addr = a < 0 ? 0 : (*g_arenas)[a].address;
            tb_printf(lines, "newarena %zu %#" PRIxPTR "\n", arenas_before,
                      addr);
            oom |= feed_push(fd, arenas_before, addr);
        }
    }
    snapshot(after);
    for (int64_t i = 0; i <= maxid; i++)
        PyObject_Free(ptr[i]);
    return oom || before->oom || lines->oom || after->oom ? -1 : 0;
}

/* The model's text for the same batch: the lines, then the snapshot after
 * (or an error message in *WHY). */
static char *model_batch(const char *before, size_t blen, const feed *fd,
                         const pmd_op *ops, size_t nops, int64_t maxid,
                         size_t *len, char *why, size_t whylen)
{
    pm_obm_config cfg;
    pm_obm st;
    char *text = NULL;
    *len = 0;
    if (pm_obm_config_init(&cfg, 64, 0) != 0
        || pm_obm_init(&st, &cfg) != PM_OBM_OK) {
        snprintf(why, whylen, "model: cannot initialise");
        return NULL;
    }
    FILE *in = fmemopen((void *)before, blen, "r");
    uint64_t *ids = calloc((size_t)maxid + 1, sizeof *ids);
    FILE *out = open_memstream(&text, len);
    if (in == NULL || ids == NULL || out == NULL) {
        snprintf(why, whylen, "model: out of memory");
    } else if (pm_obm_snapshot_read(&st, in, why, whylen) != 0) {
        if (why[0] == '\0')
            snprintf(why, whylen, "model: cannot read the snapshot");
    } else {
        pm_obm_set_arena_source(&st, feed_source, (void *)fd);
        pmd_model_ops(&st, ops, nops, ids, out);
        char err[256];
        if (!pm_pymalloc_is_valid(&st, err, sizeof err))
            snprintf(why, whylen, "model: final state not valid: %s", err);
        else
            pm_obm_snapshot_write(&st, out);
    }
    if (in != NULL)
        fclose(in);
    if (out != NULL)
        fclose(out);
    free(ids);
    pm_obm_destroy(&st);
    if (why[0] != '\0') {
        free(text);
        return NULL;
    }
    return text;
}

/* check(seed) -> (agree, nops, new_arena, released, grown, detail): runs
 * the batch of SEED on CPython, then on the model started from the
 * snapshot CPython showed before it.  new_arena, released and grown say
 * whether the batch allocated an arena, released one, grew the arena
 * table.  DETAIL is None when both agree, else (why, before, lines, after,
 * model output), the last four as bytes (a faulty model may print
 * anything); WHY is '' when both ran and their texts differ. */
static PyObject *probe_check(PyObject *self, PyObject *args)
{
    (void)self;
    unsigned long long seed;
    if (!g_ready)
        return PyErr_Format(PyExc_RuntimeError, "setup first");
    if (!PyArg_ParseTuple(args, "K", &seed))
        return NULL;
    pmd_op *ops = malloc(PMD_MAX_OPS * sizeof *ops);
    int64_t *scratch = malloc(PMD_MAX_OPS * sizeof *scratch);
    if (ops == NULL || scratch == NULL) {
        free(ops);
        free(scratch);
        return PyErr_NoMemory();
    }
    size_t nops = pmd_gen_batch(seed, ops, scratch);
    free(scratch);
    int64_t maxid = -1;
    for (size_t i = 0; i < nops; i++)
        if (ops[i].id > maxid)
            maxid = ops[i].id;
    void **ptr = PyMem_RawCalloc((size_t)maxid + 1, sizeof(void *));
    tbuf before = {0}, lines = {0}, after = {0};
    feed fd = {0};
    PyObject *result = NULL;
    char *model = NULL;
    size_t mlen = 0;
    /* The model's pool table (megabytes, mostly untouched) is calloc'ed
     * per batch; a fixed mmap threshold keeps it in fresh, lazily zeroed
     * pages instead of a heap chunk that calloc must clear. */
    static int tuned;
    if (!tuned)
        tuned = mallopt(M_MMAP_THRESHOLD, 1 << 20) || 1;
    if (ptr == NULL) {
        PyErr_NoMemory();
        goto out;
    }
    size_t reclaimed0 = *g_ntimes - *g_ncurrent, ntimes0 = *g_ntimes;
    unsigned maxarenas0 = *g_maxarenas;
    if (cpython_batch(ops, nops, ptr, maxid, &before, &lines, &after, &fd)) {
        PyErr_NoMemory();
        goto out;
    }
    int new_arena = *g_ntimes != ntimes0;
    int released = *g_ntimes - *g_ncurrent > reclaimed0;
    int grown = *g_maxarenas > maxarenas0;
    char why[512] = "";
    model = model_batch(before.s, before.len, &fd, ops, nops, maxid, &mlen,
                        why, sizeof why);
    int agree = model != NULL && mlen == lines.len + after.len
                && memcmp(model, lines.s, lines.len) == 0
                && memcmp(model + lines.len, after.s, after.len) == 0;
    if (agree)
        result = Py_BuildValue("(OnOOOO)", Py_True, (Py_ssize_t)nops,
                               new_arena ? Py_True : Py_False,
                               released ? Py_True : Py_False,
                               grown ? Py_True : Py_False, Py_None);
    else
        result = Py_BuildValue("(OnOOO(sy#y#y#y#))", Py_False,
                               (Py_ssize_t)nops,
                               new_arena ? Py_True : Py_False,
                               released ? Py_True : Py_False,
                               grown ? Py_True : Py_False, why,
                               before.s, (Py_ssize_t)before.len,
                               lines.s, (Py_ssize_t)lines.len,
                               after.s, (Py_ssize_t)after.len,
                               model ? model : "", (Py_ssize_t)mlen);
out:
    free(model);
    free(ops);
    PyMem_RawFree(fd.addr);
    PyMem_RawFree(ptr);
    PyMem_RawFree(before.s);
    PyMem_RawFree(lines.s);
    PyMem_RawFree(after.s);
    return result;
}

/* batch(seed): the operations of the batch of SEED, as (kind, id, size)
 * tuples, for writing a failing batch out for model_batch. */
static PyObject *probe_batch(PyObject *self, PyObject *args)
{
    (void)self;
    unsigned long long seed;
    if (!PyArg_ParseTuple(args, "K", &seed))
        return NULL;
    pmd_op *ops = malloc(PMD_MAX_OPS * sizeof *ops);
    int64_t *scratch = malloc(PMD_MAX_OPS * sizeof *scratch);
    PyObject *list = NULL;
    if (ops == NULL || scratch == NULL) {
        PyErr_NoMemory();
        goto out;
    }
    size_t nops = pmd_gen_batch(seed, ops, scratch);
    list = PyList_New((Py_ssize_t)nops);
    for (size_t i = 0; list != NULL && i < nops; i++) {
        PyObject *t = Py_BuildValue("(CLK)", ops[i].kind,
                                    (long long)ops[i].id,
                                    (unsigned long long)ops[i].size);
        if (t == NULL)
            Py_CLEAR(list);
        else
            PyList_SET_ITEM(list, (Py_ssize_t)i, t);
    }
out:
    free(ops);
    free(scratch);
    return list;
}

/* bench(n, live): N PyObject_Malloc/PyObject_Free pairs, sizes cycling
 * through 1..512 in steps of 16, with LIVE blocks kept allocated in a ring.
 * Returns the elapsed nanoseconds. */
static PyObject *probe_bench(PyObject *self, PyObject *args)
{
    (void)self;
    long long n;
    int live;
    if (!PyArg_ParseTuple(args, "Li", &n, &live) || live < 1 || live > 1 << 20)
        return NULL;
    void **ring = PyMem_RawCalloc((size_t)live, sizeof(void *));
    if (ring == NULL)
        return PyErr_NoMemory();
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (long long i = 0; i < n; i++) {
        size_t slot = (size_t)(i % live);
        PyObject_Free(ring[slot]);
        ring[slot] = PyObject_Malloc((size_t)(1 + (i * 16) % 512));
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    for (int i = 0; i < live; i++)
        PyObject_Free(ring[i]);
    PyMem_RawFree(ring);
    long long ns = (t1.tv_sec - t0.tv_sec) * 1000000000LL
                   + (t1.tv_nsec - t0.tv_nsec);
    return PyLong_FromLongLong(ns);
}

static PyMethodDef methods[] = {
    {"locate", probe_locate, METH_NOARGS,
     "(path of the file holding PyObject_Malloc, its address)"},
    {"setup", probe_setup, METH_VARARGS, "setup(symbols: dict)"},
    {"snapshot", probe_snapshot, METH_NOARGS, "pymalloc state as text"},
    {"stats", probe_stats, METH_NOARGS,
     "(snapshot, _PyObject_DebugMallocStats text) taken together"},
    {"setup_internal", probe_setup_internal, METH_NOARGS,
     "3.12+: find the tables through the interpreter state"},
    {"check", probe_check, METH_VARARGS,
     "check(seed) -> (agree, nops, new_arena, released, grown, detail)"},
    {"batch", probe_batch, METH_VARARGS, "batch(seed) -> [(kind, id, size)]"},
    {"bench", probe_bench, METH_VARARGS, "bench(n, live) -> nanoseconds"},
    {NULL, NULL, 0, NULL}
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "pymalloc_probe",
    "Reads CPython's pymalloc tables; runs allocation batches.", -1, methods,
    NULL, NULL, NULL, NULL
};

PyMODINIT_FUNC PyInit_pymalloc_probe(void)
{
    if (sizeof(void *) != 8) {
        PyErr_SetString(PyExc_ImportError, "pymalloc_probe needs a 64-bit build");
        return NULL;
    }
    return PyModule_Create(&module);
}
