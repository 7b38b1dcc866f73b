/* known.h: the known disagreements of a directory of traces (DIR/KNOWN.md),
 * for test_model.
 *
 * KNOWN.md lists the traces whose stored CPython events the model does not
 * print exactly, each under a difference named in spec/differences.md.  An
 * entry is a heading `## TRACE PROFILE DIFFERENCE` followed by the region
 * where the two outputs differ, one indented line per event:
 * `    - EVENT` for the stored CPython events, `    + EVENT` for the model's.
 * Any other line is prose.  The region is what is left of both outputs
 * once their longest common first lines and then their longest common last
 * lines are taken away (known_region); an entry holds iff the model's region
 * is exactly the listed one.  tests/conformance/confirm.py reads the same
 * file the same way. */
#ifndef PM_TESTS_KNOWN_H
#define PM_TESTS_KNOWN_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct known_entry {
    char trace[128];      /* file name without .trace */
    char profile[16];
    char name[64];        /* the difference of spec/differences.md */
    char *minus, *plus;   /* the listed region, one event per line */
    int line;             /* of the heading in KNOWN.md */
    int used;             /* matched with a (trace, profile) of the run */
} known_entry;

typedef struct known_list {
    known_entry *v;
    int n;
} known_list;

static int known_append(char **s, const char *text, size_t n)
{
    size_t old = *s ? strlen(*s) : 0;
    char *p = realloc(*s, old + n + 2);
    if (!p)
        return -1;
    memcpy(p + old, text, n);
    p[old + n] = '\n';
    p[old + n + 1] = '\0';
    *s = p;
    return 0;
}

/* Reads PATH into L (appending); a missing file is no entry.  Returns 0, or
 * -1 with a message in WHY on a malformed heading or diff line. */
static int known_read(const char *path, known_list *l, char *why, size_t whylen)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return 0;
    char buf[4096];
    int lineno = 0;
    known_entry *cur = NULL;
    while (fgets(buf, sizeof buf, f)) {
        lineno++;
        size_t n = strcspn(buf, "\n");
        buf[n] = '\0';
        if (strncmp(buf, "## ", 3) == 0) {
            known_entry *p = realloc(l->v, (size_t)(l->n + 1) * sizeof *p);
            if (!p) {
                fclose(f);
                snprintf(why, whylen, "%.300s: out of memory", path);
                return -1;
            }
            l->v = p;
            cur = &l->v[l->n++];
            memset(cur, 0, sizeof *cur);
            cur->line = lineno;
            char extra[8];
            if (sscanf(buf + 3, "%127s %15s %63s %7s", cur->trace, cur->profile, cur->name,
                       extra) != 3) {
                fclose(f);
                snprintf(why, whylen, "%.300s:%d: a heading is `## TRACE PROFILE DIFFERENCE`",
                         path, lineno);
                return -1;
            }
        } else if (strncmp(buf, "    - ", 6) == 0 || strncmp(buf, "    + ", 6) == 0) {
            if (!cur) {
                fclose(f);
                snprintf(why, whylen, "%.300s:%d: a diff line before any entry", path, lineno);
                return -1;
            }
            if (known_append(buf[4] == '-' ? &cur->minus : &cur->plus, buf + 6, n - 6) != 0) {
                fclose(f);
                snprintf(why, whylen, "%.300s: out of memory", path);
                return -1;
            }
        }
    }
    fclose(f);
    return 0;
}

static known_entry *known_find(known_list *l, const char *trace, const char *profile)
{
    for (int i = 0; i < l->n; i++)
        if (strcmp(l->v[i].trace, trace) == 0 && strcmp(l->v[i].profile, profile) == 0)
            return &l->v[i];
    return NULL;
}

static void known_free(known_list *l)
{
    for (int i = 0; i < l->n; i++) {
        free(l->v[i].minus);
        free(l->v[i].plus);
    }
    free(l->v);
    l->v = NULL;
    l->n = 0;
}

/* The starts of the lines of TEXT, and its length as a last entry: line k
 * is [v[k], v[k + 1]), its newline included.  *N is the number of lines. */
static size_t *known_lines(const char *text, int *n)
{
    size_t len = strlen(text);
    int count = 0;
    for (size_t i = 0; i < len; i++)
        count += text[i] == '\n';
    if (len > 0 && text[len - 1] != '\n')
        count++;
    size_t *v = malloc((size_t)(count + 1) * sizeof *v);
    if (!v)
        return NULL;
    int k = 0;
    v[k++] = 0;
    for (size_t i = 0; i < len && k < count; i++)
        if (text[i] == '\n')
            v[k++] = i + 1;
    v[count] = len;
    *n = count;
    return v;
}

static int known_line_eq(const char *a, const size_t *va, int i, const char *b, const size_t *vb,
                         int j)
{
    size_t la = va[i + 1] - va[i], lb = vb[j + 1] - vb[j];
    return la == lb && memcmp(a + va[i], b + vb[j], la) == 0;
}

/* The differing region of EXP and GOT (texts of whole lines): the offsets
 * [*a0, *a1) of EXP and [*b0, *b1) of GOT left once the longest common run
 * of first lines and then the longest common run of last lines are taken
 * away.  Returns -1 when out of memory. */
static int known_region(const char *exp, const char *got, size_t *a0, size_t *a1, size_t *b0,
                        size_t *b1)
{
    int na, nb;
    size_t *va = known_lines(exp, &na), *vb = known_lines(got, &nb);
    if (!va || !vb) {
        free(va);
        free(vb);
        return -1;
    }
    int p = 0, q = 0;
    while (p < na && p < nb && known_line_eq(exp, va, p, got, vb, p))
        p++;
    while (q < na - p && q < nb - p && known_line_eq(exp, va, na - 1 - q, got, vb, nb - 1 - q))
        q++;
    *a0 = va[p];
    *a1 = va[na - q];
    *b0 = vb[p];
    *b1 = vb[nb - q];
    free(va);
    free(vb);
    return 0;
}

/* Whether TEXT[from, to) is exactly LISTED (NULL: empty). */
static int known_same(const char *text, size_t from, size_t to, const char *listed)
{
    size_t n = listed ? strlen(listed) : 0;
    return to - from == n && (n == 0 || memcmp(text + from, listed, n) == 0);
}

#endif
