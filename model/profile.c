/* profile.c: per-version constants and rules (spec/profiles.md gives each
 * one with its CPython source). */
#include "pymemref.h"

#include <stdio.h>
#include <string.h>

static const pm_profile py311 = {
    .name = "3.11",
    .cpython = "3.11.7 (pyenv), 3.11.2 (Debian)",
    .threshold = { 700, 10, 10 },        /* Modules/gcmodule.c: _PyGC_InitState */
    .collect_in_allocation = true,       /* Modules/gcmodule.c: _PyObject_GC_Link */
    .trashcan_limit = 50,                /* Objects/object.c: _PyTrash_UNWIND_LEVEL */
    .list_freelist_max = 80,             /* Include/internal/pycore_list.h */
    .dict_freelist_max = 80,             /* Include/internal/pycore_dict.h */
    .tuple_freelist_max = 2000,          /* Include/internal/pycore_tuple.h */
    .tuple_freelist_sizes = 19,          /* maybe_freelist_pop: size < 20  */
    .untrack_dicts_in_full = true,       /* Modules/gcmodule.c: untrack_dicts */
};

/* 3.12: collections are scheduled by the allocation and run at the next
 * eval-breaker check (Modules/gcmodule.c: _PyObject_GC_Link, _Py_ScheduleGC,
 * _Py_RunGC; Python/ceval_gil.c: _Py_HandlePending). */
static const pm_profile py312 = {
    .name = "3.12",
    .cpython = "3.12.1 (pyenv), 3.12.7 (Pyodide 0.27.7)",
    .threshold = { 700, 10, 10 },
    .collect_in_allocation = false,
    .immortal_to_permanent = true,       /* Modules/gcmodule.c: update_refs */
    .trashcan_limit = 50,
    .list_freelist_max = 80,
    .dict_freelist_max = 80,
    .tuple_freelist_max = 2000,
    .tuple_freelist_sizes = 20,          /* 3.12.5+ (gh-121439); 3.12.1: 19 */
    .untrack_dicts_in_full = true,
};

/* 3.13: threshold0 2000 (Python/gc.c: _PyGC_InitState), and the trashcan
 * measured in C recursion left (Include/cpython/object.h: Py_TRASHCAN_BEGIN
 * defers when c_recursion_remaining <= Py_TRASHCAN_HEADROOM = 50, out of
 * Py_C_RECURSION_LIMIT = 10000 on Linux); the driver's own frames use a few
 * of them, which spec/differences.md names `trashcan-c-stack`. */
static const pm_profile py313 = {
    .name = "3.13",
    .cpython = "3.13.0 (pyenv), 3.13.2 (Pyodide 0.29.3)",
    .threshold = { 2000, 10, 10 },
    .collect_in_allocation = false,
    .trashcan_limit = 10000 - 50,
    .trashcan_headroom = true,
    .clear_weakrefs_tuple = true,        /* Objects/weakrefobject.c */
    .list_freelist_max = 80,
    .dict_freelist_max = 80,
    .tuple_freelist_max = 2000,
    .tuple_freelist_sizes = 20,
    .untrack_dicts_in_full = true,
};

/* 3.14: the incremental collector of Python/gc.c (3.14.0-3.14.4), with
 * thresholds (2000, 10, 0) (_PyGC_InitState); dicts tracked from creation
 * (Objects/dictobject.c: new_dict and dict_new track at once, untrack_dicts
 * is gone); the trashcan as 3.13's, measured in C recursion left.
 * "3.14" is 3.14.1-3.14.3 (the one Pyodide 314.0.7 runs, 3.14.2): counts
 * move at _PyObject_GC_TRACK/_PyObject_GC_UNTRACK and a new tuple is
 * tracked only if an item may be (gh-139951). */
#define PY314_COMMON                                                   \
    .collect_in_allocation = false,                                    \
    .trashcan_limit = 10000 - 50,                                      \
    .trashcan_headroom = true,                                         \
    .clear_weakrefs_tuple = true,                                      \
    .list_freelist_max = 80,                                           \
    .dict_freelist_max = 80,                                           \
    .tuple_freelist_max = 2000,                                        \
    .tuple_freelist_sizes = 20,                                        \
    .untrack_dicts_in_full = false,                                    \
    .dicts_always_tracked = true,                                      \
    .work_heap_factor = 4

static const pm_profile py314 = {
    .threshold = { 2000, 10, 0 },
    .name = "3.14",
    .cpython = "3.14.2 (Pyodide 314.0.7); stands for 3.14.1-3.14.3",
    PY314_COMMON,
    .incremental = true,
    .count_at_track = true,
    .tuple_track_if_needed = true,
};

/* 3.14.0: counts at allocation and deallocation as 3.13 does
 * (_PyObject_GC_Link, PyObject_GC_Del); tuples tracked at creation. */
static const pm_profile py3140 = {
    .threshold = { 2000, 10, 0 },
    .name = "3.14.0",
    .cpython = "none (spec and Python/gc.c of v3.14.0 only)",
    PY314_COMMON,
    .incremental = true,
};

/* 3.14.4: as 3.14.1-3.14.3; its second weak-reference pass after the
 * finalizers (gh-91636) is not modelled yet (spec/profiles.md). */
static const pm_profile py3144 = {
    .threshold = { 2000, 10, 0 },
    .name = "3.14.4",
    .cpython = "none (spec and Python/gc.c of v3.14.4 only)",
    PY314_COMMON,
    .incremental = true,
    .count_at_track = true,
    .tuple_track_if_needed = true,
};

/* 3.14.5: the generational collector again (gh-142516), thresholds
 * (2000, 10, 10), with 3.14's counting and tracking rules. */
static const pm_profile py3145 = {
    .name = "3.14.5",
    .cpython = "none (spec and Python/gc.c of v3.14.5 only)",
    .threshold = { 2000, 10, 10 },
    PY314_COMMON,
    .count_at_track = true,
    .tuple_track_if_needed = true,
};

static const pm_profile *const all[] = { &py311, &py312, &py313, &py314,
                                         &py3140, &py3144, &py3145, NULL };

const pm_profile *const *pm_profiles(void)
{
    return all;
}

const pm_profile *pm_profile_find(const char *name)
{
    for (int i = 0; all[i]; i++)
        if (strcmp(all[i]->name, name) == 0)
            return all[i];
    return NULL;
}

/* The version of the python3 on PATH when the model has a profile for it;
 * otherwise the newest profile. */
const char *pm_profile_default_name(void)
{
    static char buf[16];
    const char *fallback = py314.name;
    FILE *p = popen("python3 -c 'import sys; print(\"%d.%d\" % sys.version_info[:2])' 2>/dev/null", "r");
    if (!p)
        return fallback;
    char line[16] = "";
    bool ok = fgets(line, sizeof line, p) != NULL;
    pclose(p);
    if (!ok)
        return fallback;
    line[strcspn(line, "\r\n")] = '\0';
    if (!pm_profile_find(line))
        return fallback;
    snprintf(buf, sizeof buf, "%s", line);
    return buf;
}
