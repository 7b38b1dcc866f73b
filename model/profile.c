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
    .tuple_freelist_sizes = 20,          /* PyTuple_NFREELISTS: sizes 1..20 */
    .untrack_dicts_in_full = true,       /* Modules/gcmodule.c: untrack_dicts */
};

static const pm_profile *const all[] = { &py311, NULL };

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
    const char *fallback = all[sizeof all / sizeof all[0] - 2]->name;
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
