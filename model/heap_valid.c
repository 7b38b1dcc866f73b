/* heap_valid.c: the heap's well-formedness predicate (spec/heap.md,
 * "Invariants").  The unit tests check it after every operation; the
 * bounded model checker's harnesses assume it of their inputs. */
#include "heap.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

static bool fail(char *why, size_t len, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static bool fail(char *why, size_t len, const char *fmt, ...)
{
    if (why && len) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(why, len, fmt, ap);
        va_end(ap);
    }
    return false;
}

/* Every list is circular and doubly linked; each tracked object is on
 * exactly one of the four generation lists. */
static bool lists_ok(const pm_model *m, uint8_t *seen, char *why, size_t len)
{
    for (int32_t h = PM_HEAD_GEN0; h <= PM_HEAD_PERMANENT; h++) {
        int32_t prev = h;
        for (int32_t o = m->objs[h].gc_next; o != h; prev = o, o = m->objs[o].gc_next) {
            if (o < PM_NHEADS || o >= m->nobjs)
                return fail(why, len, "generation %d: bad link %d", h, o);
            if (m->objs[o].gc_prev != prev)
                return fail(why, len, "generation %d: broken back link at object %d", h, o);
            if (m->objs[o].list != h)
                return fail(why, len, "object %d is on generation %d but says %d", o, h,
                            m->objs[o].list);
            if (seen[o]++)
                return fail(why, len, "object %d is on a generation list twice", o);
            if (!m->objs[o].live)
                return fail(why, len, "freed object %d is tracked", o);
        }
        if (m->objs[h].gc_prev != prev)
            return fail(why, len, "generation %d: head's back link is wrong", h);
    }
    for (int32_t o = PM_NHEADS; o < m->nobjs; o++) {
        const pm_obj *p = &m->objs[o];
        if (p->gc_next >= 0 && !seen[o])
            return fail(why, len, "object %d is tracked but on no generation list", o);
        if (p->collecting || p->unreachable)
            return fail(why, len, "object %d still carries collection flags", o);
        if (!p->live)
            continue;
        pm_kind k = (pm_kind)p->kind;
        int32_t uid = m->objx[o].uid;
        bool must = k == PM_KIND_INSTANCE || k == PM_KIND_LIST || k == PM_KIND_WEAKREF;
        if (k == PM_KIND_ATOM && p->gc_next >= 0)
            return fail(why, len, "atom o%d is tracked", uid);
        if (must && p->gc_next < 0)
            return fail(why, len, "object o%d (index %d) should be tracked", uid, o);
    }
    return true;
}

/* rc(o) = references from slots (+1 for the namespace and gc.garbage). */
static bool counts_ok(const pm_model *m, int64_t *in, char *why, size_t len)
{
    for (int32_t o = PM_NHEADS; o < m->nobjs; o++) {
        const pm_obj *p = &m->objs[o];
        if (!p->live)
            continue;
        for (int32_t k = 0; k < p->nslots; k++) {
            int32_t v = m->slots[p->slot0 + k];
            if (v < 0)
                continue;
            if (v >= m->nobjs || !m->objs[v].live)
                return fail(why, len, "object %d slot %d refers to a freed object", o, k);
            in[v]++;
        }
    }
    for (int32_t o = PM_NHEADS; o < m->nobjs; o++) {
        const pm_obj *p = &m->objs[o];
        if (!p->live)
            continue;
        int64_t expect = in[o] + (o == m->ns || o == m->garbage);
        if (p->refcnt != expect)
            return fail(why, len, "object o%d (index %d): refcount %lld but %lld references",
                        m->objx[o].uid, o, (long long)p->refcnt, (long long)expect);
    }
    return true;
}

/* Weak references and their referents agree; the callback-less one is first. */
static bool weakrefs_ok(const pm_model *m, char *why, size_t len)
{
    for (int32_t o = PM_NHEADS; o < m->nobjs; o++) {
        const pm_obj *p = &m->objs[o];
        const pm_objx *x = &m->objx[o];
        if (p->live && p->kind == PM_KIND_WEAKREF && x->wr_object >= 0 &&
            !m->objs[x->wr_object].live)
            return fail(why, len, "weakref o%d refers to a freed object", x->uid);
        if (!p->live || x->wr_list < 0)
            continue;
        int32_t prev = -1, n = 0;
        for (int32_t w = x->wr_list; w >= 0; prev = w, w = m->objx[w].wr_next) {
            if (m->objx[w].wr_object != o || m->objx[w].wr_prev != prev)
                return fail(why, len, "weak-reference list of object %d is inconsistent", o);
            if (!m->objs[w].has_callback && prev >= 0)
                return fail(why, len, "a callback-less weakref of object %d is not first", o);
            if (++n > m->nobjs)
                return fail(why, len, "weak-reference list of object %d is cyclic", o);
        }
    }
    return true;
}

bool pm_model_is_valid(const pm_model *m, char *why, size_t len)
{
    uint8_t *seen = calloc((size_t)m->nobjs, 1);
    int64_t *in = calloc((size_t)m->nobjs, sizeof *in);
    bool ok = seen && in;
    if (!ok)
        fail(why, len, "out of memory");
    ok = ok && lists_ok(m, seen, why, len) && counts_ok(m, in, why, len) &&
         weakrefs_ok(m, why, len);
    if (ok && m->ntrash != 0)
        ok = fail(why, len, "the trashcan chain is not empty");
    free(seen);
    free(in);
    return ok;
}
