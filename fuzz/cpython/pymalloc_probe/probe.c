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
 * The structure layouts below are those of Objects/obmalloc.c (3.11) on a
 * 64-bit build: struct pool_header (48 bytes) and struct arena_object. */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdint.h>
#include <string.h>
#include <time.h>

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

/* exported by libpython, declared only in an internal header */
extern int _PyObject_DebugMallocStats(FILE *out);

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

/* run(ops): OPS is a bytes object of int64 triples (kind, id, size) with
 * kind 'm' (malloc), 'f' (free) or 'r' (realloc).  Returns (snapshot
 * before, one line per operation, snapshot after). */
static PyObject *probe_run(PyObject *self, PyObject *args)
{
    (void)self;
    Py_buffer ops;
    if (!g_ready)
        return PyErr_Format(PyExc_RuntimeError, "setup() first");
    if (!PyArg_ParseTuple(args, "y*", &ops))
        return NULL;
    const int64_t *op = ops.buf;
    Py_ssize_t nops = ops.len / (Py_ssize_t)(3 * sizeof(int64_t));
    int64_t maxid = -1;
    for (Py_ssize_t i = 0; i < nops; i++) {
        char k = (char)op[3 * i];
        if ((k != 'm' && k != 'f' && k != 'r') || op[3 * i + 1] < 0
            || op[3 * i + 2] < 0) {
            PyBuffer_Release(&ops);
            return PyErr_Format(PyExc_ValueError, "bad operation %zd", i);
        }
        if (op[3 * i + 1] > maxid)
            maxid = op[3 * i + 1];
    }
    void **ptr = PyMem_RawCalloc((size_t)maxid + 1, sizeof(void *));
    tbuf before = {0}, lines = {0}, after = {0};
    PyObject *result = NULL;
    if (ptr == NULL) {
        PyErr_NoMemory();
        goto out;
    }
    /* grow the buffers now, so that the batch does not wait on realloc */
    tb_printf(&lines, "%*s", (int)(nops * 64 < 1 << 26 ? nops * 64 : 1 << 26), "");
    lines.len = 0;
    snapshot(&before);
    for (Py_ssize_t i = 0; i < nops; i++) {
        char k = (char)op[3 * i];
        int64_t id = op[3 * i + 1];
        size_t n = (size_t)op[3 * i + 2];
        size_t arenas_before = *g_ntimes;
        if (k == 'm') {
            ptr[id] = PyObject_Malloc(n);
            describe(&lines, k, (long)id, ptr[id]);
        } else if (k == 'r') {
            void *q = PyObject_Realloc(ptr[id], n);
            if (q != NULL)
                ptr[id] = q;
            describe(&lines, k, (long)id, q);
        } else {
            PyObject_Free(ptr[id]);
            ptr[id] = NULL;
            tb_printf(&lines, "f %ld\n", (long)id);
        }
        if (*g_ntimes != arenas_before && (k == 'm' || k == 'r')) {
            long a = find_arena(ptr[id]);
            tb_printf(&lines, "newarena %zu %#" PRIxPTR "\n", arenas_before,
                      a < 0 ? (uintptr_t)0 : (*g_arenas)[a].address);
        }
    }
    snapshot(&after);
    if (before.oom || lines.oom || after.oom) {
        PyErr_NoMemory();
        goto out;
    }
    result = Py_BuildValue("(s#s#s#)", before.s, (Py_ssize_t)before.len,
                           lines.s, (Py_ssize_t)lines.len,
                           after.s, (Py_ssize_t)after.len);
out:
    /* blocks the batch left allocated are freed here, after the snapshot */
    if (ptr != NULL)
        for (int64_t i = 0; i <= maxid; i++)
            PyObject_Free(ptr[i]);
    PyMem_RawFree(ptr);
    PyMem_RawFree(before.s);
    PyMem_RawFree(lines.s);
    PyMem_RawFree(after.s);
    PyBuffer_Release(&ops);
    return result;
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
    {"run", probe_run, METH_VARARGS, "run(ops: bytes) -> (before, lines, after)"},
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
