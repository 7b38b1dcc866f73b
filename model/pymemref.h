/* pymemref.h: the public interface of the pymemref model.
 *
 * A model executes a parsed trace (spec/trace.md) under a CPython profile
 * (spec/profiles.md) and records the events CPython would produce.  Objects,
 * classes and names are small integers; nothing in this interface hands out
 * a pointer into the model's own arrays. */
#ifndef PYMEMREF_H
#define PYMEMREF_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>

#define PYMEMREF_VERSION "0.1.0"

/* ---------------------------------------------------------------- limits */
#define PM_MAX_LINE_BYTES 4096
#define PM_MAX_NAME_BYTES 64
#define PM_MAX_SLOTS 64
#define PM_MAX_DISPLAY_SLOTS 15   /* lists, tuples, dicts: one BUILD_* instruction */
#define PM_MAX_OPS 1000000
#define PM_MAX_CLASSES 65536
#define PM_MAX_NAMES 1000000
#define PM_MAX_OBJECTS (1 << 24)      /* objects created by one trace, temporaries too */
#define PM_MAX_SLOT_POOL (1 << 28)    /* slots of all those objects together          */
#define PM_NUM_GENERATIONS 3

/* ------------------------------------------------------------- diagnostics */
/* A diagnostic, printed as "FILE:LINE: error: MESSAGE". */
typedef struct pm_diag {
    char file[256];
    int line;
    char message[256];
} pm_diag;

/* ------------------------------------------------------------------ classes */
typedef enum pm_kind {
    PM_KIND_INSTANCE = 0,  /* heap type with __slots__ (subtype_dealloc)    */
    PM_KIND_LIST,          /* list: items traversed and dropped last first   */
    PM_KIND_TUPLE,         /* tuple: immutable, untracked when it can be     */
    PM_KIND_DICT,          /* dict with keys 0..n-1: items in key order      */
    PM_KIND_ATOM,          /* an int: not a gc object                        */
    PM_KIND_WEAKREF        /* weakref.ref; built in, never declared          */
} pm_kind;

typedef enum pm_del_action {
    PM_DEL_NONE = 0,
    PM_DEL_OBSERVE,        /* __del__ records its event only                 */
    PM_DEL_RESURRECT,      /* __del__: R[name] = self                        */
    PM_DEL_CLEAR,          /* __del__: self.slot = None                      */
    PM_DEL_CREATE,         /* __del__: R[name] = Class()                     */
    PM_DEL_LEGACY          /* legacy tp_del (uncollectable in cycles)        */
} pm_del_action;

typedef struct pm_class {
    pm_kind kind;
    int32_t nslots;
    bool weakrefable;
    pm_del_action del;
    int32_t del_name;      /* RESURRECT, CREATE: binding index               */
    int32_t del_slot;      /* CLEAR: slot index                              */
    int32_t del_class;     /* CREATE: class index (trace numbering)          */
} pm_class;

/* --------------------------------------------------------------- operations */
typedef enum pm_op_kind {
    PM_OP_CLASS = 0, PM_OP_NEW, PM_OP_SET, PM_OP_BIND, PM_OP_DEL, PM_OP_WEAKREF,
    PM_OP_COLLECT, PM_OP_THRESHOLD, PM_OP_ENABLE, PM_OP_DISABLE, PM_OP_DEBUG,
    PM_OP_FREEZE, PM_OP_UNFREEZE, PM_OP_GARBAGE_CLEAR, PM_OP_QUERY,
    /* the allocator (model/ops_alloc.c, spec/trace.md "Allocator operations") */
    PM_OP_PYMALLOC,        /* the directive `pymalloc pools=N bits=B`        */
    PM_OP_MALLOC, PM_OP_FREE, PM_OP_REALLOC
} pm_op_kind;

typedef enum pm_query_kind {
    PM_Q_COUNT = 0, PM_Q_STATS, PM_Q_THRESHOLD, PM_Q_FREEZE_COUNT, PM_Q_GARBAGE,
    PM_Q_TRACKED, PM_Q_FINALIZED, PM_Q_REFCOUNT
} pm_query_kind;

#define PM_NO_VALUE (-1)   /* the value '_' (None) in an operation */

typedef struct pm_op {
    pm_op_kind kind;
    int line;              /* 1-based line in the trace file                */
    int32_t name;          /* binding index: target of new/bind/del/weakref,
                              object of set and of name queries; MALLOC,
                              FREE, REALLOC: pointer-name index            */
    int32_t cls;           /* CLASS: index of the declared class; NEW: class */
    int32_t slot;          /* SET: slot index                                */
    int32_t value;         /* SET, BIND, WEAKREF: binding index or PM_NO_VALUE */
    int32_t nvalues;       /* NEW: 0 or the class's slot count              */
    int32_t values0;       /* NEW: first value in pm_trace.values           */
    int32_t nargs;         /* THRESHOLD: 1..3 numbers; COLLECT: always 1     */
    int32_t args[3];       /* MALLOC, REALLOC: args[0] the size in bytes;
                              FREE, REALLOC: args[1] the offset K of `P+K`;
                              PYMALLOC: args[0] pools, args[1] bits        */
    bool callback;         /* WEAKREF: with the shared callback              */
    bool saveall;          /* DEBUG: saveall (true) or none (false)          */
    pm_query_kind query;
    pm_class decl;         /* CLASS: the declaration                         */
} pm_op;

/* A parsed trace: its operations and its symbol tables. */
typedef struct pm_trace {
    char *file;
    pm_op *ops;        int32_t nops;
    int32_t *values;   int32_t nvalues;   /* NEW initial values              */
    char **class_names; int32_t nclasses; /* declaration order               */
    char **names;      int32_t nnames;    /* binding names, first-use order  */
    char **pnames;     int32_t npnames;   /* pointer names (malloc), first-use
                                             order                           */
    int32_t alloc_pools, alloc_bits;      /* the `pymalloc` directive: usable
                                             pools per arena (63 or 64) and
                                             pointer width (64 or 32)        */
} pm_trace;

/* Parse TEXT (LEN bytes) read from FILE.  Returns 0 and fills *OUT, or
 * returns -1 and fills *DIAG; nothing is allocated on failure. */
int pm_trace_parse(const char *file, const char *text, size_t len,
                   pm_trace *out, pm_diag *diag);
void pm_trace_free(pm_trace *t);

/* ------------------------------------------------------------------ profiles */
typedef struct pm_profile {
    const char *name;             /* "3.11"                                  */
    const char *cpython;          /* the release it was checked against      */
    int32_t threshold[PM_NUM_GENERATIONS];
    bool collect_in_allocation;   /* 3.11: synchronously in _PyObject_GC_Link */
    int32_t trashcan_limit;       /* 3.11/3.12: _PyTrash_UNWIND_LEVEL; 3.13:
                                     the C recursion left minus the headroom  */
    bool trashcan_headroom;       /* 3.13: the chain is emptied as soon as the
                                     depth is Py_TRASHCAN_HEADROOM below the
                                     limit, not when it returns to 0          */
    int32_t list_freelist_max;    /* PyList_MAXFREELIST                       */
    int32_t dict_freelist_max;    /* PyDict_MAXFREELIST                       */
    int32_t tuple_freelist_max;   /* PyTuple_MAXFREELIST, per size            */
    int32_t tuple_freelist_sizes; /* tuples of 1..this items are taken from
                                     the free lists (maybe_freelist_pop); all
                                     of 1..PyTuple_NFREELISTS (20) are parked
                                     there: 19 before gh-121439, else 20     */
    bool untrack_dicts_in_full;   /* untrack_dicts() in full collections      */
    bool immortal_to_permanent;   /* 3.12: update_refs moves immortal objects
                                     to the permanent generation             */
    bool clear_weakrefs_tuple;    /* 3.13: PyObject_ClearWeakRefs parks even a
                                     single reference in a tuple             */
    /* 3.14 (spec/profiles.md, spec/gc.md "The incremental collector") */
    bool incremental;             /* 3.14.0-3.14.4: young, visited, pending  */
    bool count_at_track;          /* 3.14.1+: count0 moves at track/untrack  */
    bool tuple_track_if_needed;   /* 3.14.1+: a new tuple is tracked only if
                                     one of its items may be tracked         */
    bool dicts_always_tracked;    /* 3.14+: a dict is tracked from creation  */
    int32_t work_heap_factor;     /* assess_work_to_do: the heap fraction is
                                     at most this many halves of the new
                                     objects (4 = 2x)                        */
} pm_profile;

/* The profile called NAME ("3.11"), or NULL. */
const pm_profile *pm_profile_find(const char *name);
/* All profiles, NULL-terminated. */
const pm_profile *const *pm_profiles(void);
/* The profile for the running python3's version, or the newest one. */
const char *pm_profile_default_name(void);

/* ------------------------------------------------------------------- events */
typedef enum pm_event_kind {
    PM_EV_DEL = 0, PM_EV_TP_DEL, PM_EV_CALLBACK, PM_EV_COLLECTED, PM_EV_COUNT,
    PM_EV_THRESHOLD, PM_EV_STATS, PM_EV_FREEZE_COUNT, PM_EV_GARBAGE,
    PM_EV_TRACKED, PM_EV_FINALIZED, PM_EV_REFCOUNT,
    PM_EV_AUTO, PM_EV_FREE,          /* model only */
    /* the allocator operations (spec/trace.md "Allocator operations") */
    PM_EV_MALLOC, PM_EV_REALLOC, PM_EV_FREED, PM_EV_ALLOC_ERROR
} pm_event_kind;

typedef struct pm_event {
    pm_event_kind kind;
    int line;
    int32_t obj;          /* DEL, TP_DEL, CALLBACK, FREE: object number     */
    int32_t name;         /* TRACKED, FINALIZED, REFCOUNT: binding index    */
    int32_t generation;   /* COLLECTED, AUTO                                */
    int64_t result;       /* COLLECTED, AUTO, FREEZE_COUNT, TRACKED, FINALIZED, REFCOUNT */
    int64_t v[9];         /* COUNT, THRESHOLD: 3; STATS: 9                  */
    int32_t nobjs;        /* GARBAGE: number of objects                     */
    int32_t objs0;        /* GARBAGE: first object number in the event pool */
    /* MALLOC, REALLOC, FREED, ALLOC_ERROR: `name` is the pointer name,
     * `obj` the offset K of `P+K`, `generation` the operation (PM_OP_*),
     * `result` the allocator's code (PM_OBM_*, 0 = done) and v[] the
     * PM_AV_* fields below. */
} pm_event;

/* The fields of an allocator event in pm_event.v. */
enum {
    PM_AV_SIZE = 0,        /* bytes requested (malloc, realloc)                */
    PM_AV_IN,              /* address passed (free, realloc)                   */
    PM_AV_ADDR,            /* the block: returned (malloc, realloc) or freed   */
    PM_AV_SMALL,           /* 1: a pymalloc block; 0: the system allocator     */
    PM_AV_CLASS, PM_AV_ARENA, PM_AV_POOL, PM_AV_OFFSET,  /* small blocks      */
    PM_AV_FLAGS            /* PM_AF_* */
};
#define PM_AF_NEW_ARENA   1   /* the call allocated an arena                  */
#define PM_AF_FREED_ARENA 2   /* the call released an arena                   */
#define PM_AF_MOVED       4   /* realloc: the block moved                     */
#define PM_AF_WAS_SMALL   8   /* realloc: the old block was a pymalloc block  */

bool pm_event_observable(pm_event_kind k);
const char *pm_event_name(pm_event_kind k);

/* -------------------------------------------------------------------- model */
typedef struct pm_model pm_model;

/* Phases reported to an observer (pymemref explain). */
typedef enum pm_phase {
    PM_PHASE_COLLECT_START = 0,   /* generation chosen, lists merged         */
    PM_PHASE_UPDATE_REFS,         /* gc_refs = refcount                      */
    PM_PHASE_SUBTRACT_REFS,       /* gc_refs = references from outside       */
    PM_PHASE_MOVE_UNREACHABLE,    /* young: reachable; unreachable list built */
    PM_PHASE_LEGACY_FINALIZERS,   /* moved to gc.garbage candidates          */
    PM_PHASE_HANDLE_WEAKREFS,
    PM_PHASE_FINALIZE_GARBAGE,
    PM_PHASE_RESURRECTION,        /* still_unreachable computed              */
    PM_PHASE_DELETE_GARBAGE,
    PM_PHASE_COLLECT_END
} pm_phase;

typedef void (*pm_observer_fn)(void *ctx, const pm_model *m, pm_phase phase,
                               int generation);

/* Options of a model run. */
typedef struct pm_options {
    int64_t frozen_base;   /* gc.get_freeze_count() when the trace starts:
                              the driver's frozen objects, which a trace's
                              `unfreeze` puts into gen2 (spec/differences.md,
                              interpreter-objects-after-unfreeze)          */
    int64_t frozen_immortal; /* how many of them are immortal (3.12 moves
                              those back to the permanent generation when
                              it collects them)                            */
    int32_t max_objects;   /* objects a run may create, 0 for PM_MAX_OBJECTS;
                              a smaller cap bounds an embedder's memory    */
} pm_options;

pm_model *pm_model_new(const pm_profile *profile, const pm_options *opts);
void pm_model_free(pm_model *m);
void pm_model_set_observer(pm_model *m, pm_observer_fn fn, void *ctx);

/* Execute one operation of TRACE.  Returns 0, or -1 with *DIAG filled in
 * (a dynamic error: the model stops being usable for further steps). */
int pm_model_step(pm_model *m, const pm_trace *trace, const pm_op *op,
                  pm_diag *diag);

/* Events recorded so far. */
int32_t pm_model_event_count(const pm_model *m);
const pm_event *pm_model_event(const pm_model *m, int32_t i);
int32_t pm_model_event_obj(const pm_model *m, int32_t pool_index);

/* Read-only view of an object, for explain and dot.  Objects are numbered
 * 0..pm_model_object_count()-1 internally (including temporaries and list
 * heads); `uid` is the number events print (0 for temporaries). */
typedef enum pm_where {
    PM_WHERE_UNTRACKED = -1, PM_WHERE_GEN0 = 0, PM_WHERE_GEN1, PM_WHERE_GEN2,
    PM_WHERE_PERMANENT, PM_WHERE_COLLECTING, PM_WHERE_FREED, PM_WHERE_HEAD
} pm_where;

typedef struct pm_object_info {
    int32_t uid;
    int32_t cls;           /* model class index (see pm_model_class)        */
    pm_kind kind;
    int64_t refcnt;
    int64_t gc_refs;
    pm_where where;
    bool tracked, finalized, unreachable;
    int32_t nslots;
    const char *label;     /* "namespace", "gc.garbage", "temporary" or NULL */
} pm_object_info;

int32_t pm_model_object_count(const pm_model *m);
bool pm_model_object(const pm_model *m, int32_t i, pm_object_info *out);
/* Slot K of object I: an object index, or -1 (None), -2 (a gc object
 * outside the model), -3 (a non-gc value outside the model). */
int32_t pm_model_slot(const pm_model *m, int32_t i, int32_t k);
/* The referent of weak reference I (an object index), or -1 when I is not a
 * live weak reference or has been cleared. */
int32_t pm_model_weakref_referent(const pm_model *m, int32_t i);
/* The object index bound to binding NAME, or -1. */
int32_t pm_model_binding(const pm_model *m, int32_t name);
/* The model's counters. */
void pm_model_counts(const pm_model *m, int64_t count[PM_NUM_GENERATIONS]);
/* Trace class index of model class C, or -1 for the built-in classes. */
int32_t pm_model_trace_class(const pm_model *m, int32_t c);

/* The heap invariants of spec/heap.md; on failure WHY says which. */
bool pm_model_is_valid(const pm_model *m, char *why, size_t len);

/* Run a whole trace; stop at the first error.  Returns 0 or -1. */
int pm_model_run(pm_model *m, const pm_trace *trace, pm_diag *diag);

/* The model's pymalloc (model/obmalloc.h) after the allocator operations
 * run so far, with the configuration of TRACE's `pymalloc` directive; NULL
 * when out of memory.  Valid until the next step of any model in this
 * thread.  (model/ops_alloc.c) */
struct pm_obm;
const struct pm_obm *pm_model_allocator(pm_model *m, const pm_trace *trace);

/* ---------------------------------------------------------------- sessions */
/* A session feeds a model one trace line at a time, as a runtime under test
 * co-simulates with it operation by operation (`pymemref serve`,
 * spec/trace.md "The lockstep protocol").  Lines are numbered from 1 in the
 * order they are applied, failed ones included, so that the lines applied
 * form a trace that `pymemref run` executes with the same events.
 * (model/api_lockstep.c) */
typedef struct pm_session pm_session;

/* A session on PROFILE; FILE names it in diagnostics.  NULL when out of
 * memory. */
pm_session *pm_session_new(const pm_profile *profile, const pm_options *opts,
                           const char *file);
void pm_session_free(pm_session *s);
/* Start again from the initial state, on PROFILE (NULL: the same one).
 * Returns 0, or -1 when out of memory (the session is then broken). */
int pm_session_reset(pm_session *s, const pm_profile *profile);
/* Apply TEXT (LEN bytes, one line without its newline) as the next line.
 * Returns 0 (its events are pm_session_first_event()..event count), -1 when
 * the line is refused (a static or dynamic error in *DIAG: the model and the
 * symbol tables are as before the line), or -2 when the model failed inside
 * the operation (out of memory, an internal error): the session is then
 * broken and refuses every line until pm_session_reset. */
int pm_session_apply(pm_session *s, const char *text, size_t len, pm_diag *diag);
/* The number of the last line applied (0 after a reset). */
int pm_session_line(const pm_session *s);
/* The first event of the last line applied. */
int32_t pm_session_first_event(const pm_session *s);
bool pm_session_broken(const pm_session *s);
const pm_profile *pm_session_profile(const pm_session *s);
const pm_model *pm_session_model(const pm_session *s);
/* The trace built so far: its operations are the lines that succeeded. */
const pm_trace *pm_session_trace(const pm_session *s);

/* -------------------------------------------------------------- formatting */
/* Append the text (or JSON Lines) form of event E to a growing buffer. */
typedef struct pm_buf { char *data; size_t len, cap; bool oom; } pm_buf;
void pm_buf_printf(pm_buf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void pm_buf_free(pm_buf *b);
bool pm_buf_reserve(pm_buf *b, size_t n);   /* room for N bytes and a NUL */
void pm_format_event(pm_buf *b, const pm_model *m, const pm_trace *t,
                     const pm_event *e, bool json);

#endif /* PYMEMREF_H */
