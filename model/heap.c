/* heap.c: the object table, slots, generation lists and the event log.
 *
 * Lists mirror CPython's PyGC_Head lists (Modules/gcmodule.c: gc_list_init,
 * gc_list_append, gc_list_remove, gc_list_move, gc_list_merge,
 * gc_list_size): circular, doubly linked, with a sentinel head. */
#include "heap.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void pm_oom(pm_model *m)
{
    if (!m->failed && m->diag) {
        m->diag->line = m->cur_line;
        snprintf(m->diag->message, sizeof m->diag->message, "out of memory");
    }
    m->failed = true;
}

void pm_fail(pm_model *m, const char *fmt, ...)
{
    if (!m->failed && m->diag) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(m->diag->message, sizeof m->diag->message, fmt, ap);
        va_end(ap);
        m->diag->line = m->cur_line;
    }
    m->failed = true;
}

/* Grow *ARR (element size ES) so that it holds at least NEED elements. */
static bool grow(void **arr, int64_t *cap, int64_t need, size_t es)
{
    if (need <= *cap)
        return true;
    int64_t n = *cap ? *cap : 16;
    while (n < need)
        n *= 2;
    if ((uint64_t)n > SIZE_MAX / es || n > INT32_MAX)
        return false;
    void *p = realloc(*arr, (size_t)n * es);
    if (!p)
        return false;
    *arr = p;
    *cap = n;
    return true;
}

static bool grow32(void **arr, int32_t *cap, int64_t need, size_t es)
{
    int64_t c = *cap;
    bool ok = grow(arr, &c, need, es);
    *cap = (int32_t)c;
    return ok;
}

/* A new object of class CLS with NSLOTS empty slots, untracked, refcount 0. */
int32_t pm_obj_new(pm_model *m, int32_t cls, int32_t nslots, int32_t label)
{
    if (m->failed)
        return -1;
    int32_t max = m->opts.max_objects > 0 && m->opts.max_objects < PM_MAX_OBJECTS
                  ? m->opts.max_objects : PM_MAX_OBJECTS;
    if (m->nbase > 0 && m->nobjs - m->nbase >= max) {   /* nbase: 0 while setting up */
        pm_fail(m, "too many objects (limit %d)", (int)max);
        return -1;
    }
    if (m->nslotpool + nslots > PM_MAX_SLOT_POOL) {
        pm_fail(m, "too many slots (limit %d)", PM_MAX_SLOT_POOL);
        return -1;
    }
    int32_t cap = m->capobjs;
    if (!grow32((void **)&m->objs, &cap, (int64_t)m->nobjs + 1, sizeof *m->objs) ||
        (cap != m->capobjs &&
         !grow32((void **)&m->objx, &m->capobjs, cap, sizeof *m->objx)) ||
        !grow((void **)&m->slots, &m->capslotpool, m->nslotpool + nslots, sizeof *m->slots)) {
        pm_oom(m);
        return -1;
    }
#ifdef PM_EACSL
    if (m->nobjs >= PM_GCAP) {    /* the run-time check build's ghost tables */
        pm_fail(m, "E-ACSL build: more than %d objects", PM_GCAP);
        return -1;
    }
#endif
    int32_t o = m->nobjs++;
    /*@ ghost pm_glist[o] = -1; pm_gpos[o] = 0; */
    pm_obj *p = &m->objs[o];
    memset(p, 0, sizeof *p);
    p->kind = (uint8_t)m->classes[cls].kind;
    p->slot0 = (int32_t)m->nslotpool;
    p->nslots = nslots;
    p->gc_next = p->gc_prev = -1;
    p->live = true;
    p->label = (uint8_t)label;
    pm_objx *x = &m->objx[o];
    x->cls = cls;
    x->uid = 0;
    x->capslots = nslots;
    x->wr_list = x->wr_object = x->wr_prev = x->wr_next = -1;
    for (int32_t k = 0; k < nslots; k++)
        m->slots[m->nslotpool + k] = PM_NULL;
    m->nslotpool += nslots;
    return o;
}

/* Make room for NEED slots in object O (the namespace and gc.garbage grow);
 * the old region is abandoned. */
bool pm_slots_grow(pm_model *m, int32_t o, int32_t need)
{
    if (need <= m->objx[o].capslots)
        return true;
    int32_t cap = m->objx[o].capslots ? m->objx[o].capslots : 4;
    while (cap < need)
        cap *= 2;
    if (!grow((void **)&m->slots, &m->capslotpool, m->nslotpool + cap, sizeof *m->slots)) {
        pm_oom(m);
        return false;
    }
    pm_obj *p = &m->objs[o];
    int32_t base = (int32_t)m->nslotpool;
    for (int32_t k = 0; k < cap; k++)
        m->slots[base + k] = k < p->nslots ? m->slots[p->slot0 + k] : PM_NULL;
    p->slot0 = base;
    m->objx[o].capslots = cap;
    m->nslotpool += cap;
    return true;
}

/* ------------------------------------------------------------------ lists */

/* The ghost state of the proofs (spec/acsl/heap.acsl): the list each
 * object is on, its position there, the length of each list.  The
 * contracts are in heap.h; the ghost loops below carry the inductions
 * over the object table that the provers cannot do alone. */
/*@ ghost int32_t pm_glist[PM_GCAP]; */
/*@ ghost int32_t pm_gpos[PM_GCAP]; */
/*@ ghost int32_t pm_glen[PM_NHEADS]; */

void gc_list_init(pm_model *m, int32_t head)
{
    m->objs[head].gc_next = head;
    m->objs[head].gc_prev = head;
}

bool gc_list_is_empty(const pm_model *m, int32_t head)
{
    return m->objs[head].gc_next == head;
}

void gc_list_append(pm_model *m, int32_t node, int32_t head)
{
    int32_t last = m->objs[head].gc_prev;
    m->objs[last].gc_next = node;
    m->objs[node].gc_prev = last;
    m->objs[node].gc_next = head;
    m->objs[node].list = (uint8_t)head;
    m->objs[head].gc_prev = node;
    /*@ ghost
      pm_glist[node] = head;
      pm_gpos[node] = pm_glen[head] + 1;
      pm_glen[head]++;
      /@ loop invariant PM_NHEADS <= i <= m->nobjs;
         loop invariant \forall integer h; 0 <= h < PM_NHEADS ==>
           pm_cnt(h, i) == PM_CNT_AT(h, i, Pre) + (h == head && node < i ? 1 : 0);
         loop invariant \forall integer h; 0 <= h < PM_NHEADS ==>
           pm_cnt(h, i) <= i - PM_NHEADS;
         loop assigns i;
         loop variant m->nobjs - i; @/
      for (int32_t i = PM_NHEADS; i < m->nobjs; i++) ;
    */
}

void gc_list_remove(pm_model *m, int32_t node)
{
    int32_t prev = m->objs[node].gc_prev, next = m->objs[node].gc_next;
    m->objs[prev].gc_next = next;
    m->objs[next].gc_prev = prev;
    m->objs[node].gc_next = -1;
    m->objs[node].gc_prev = -1;
    /*@ ghost
      int32_t h = pm_glist[node], k = pm_gpos[node];
      pm_glist[node] = -1;
      pm_glen[h]--;
      /@ loop invariant PM_NHEADS <= j <= m->nobjs;
         loop invariant \forall integer i; PM_NHEADS <= i < j ==>
           (pm_glist[i] == h && \at(pm_gpos[i], Pre) > k ==> pm_gpos[i] == \at(pm_gpos[i], Pre) - 1)
           && (!(pm_glist[i] == h && \at(pm_gpos[i], Pre) > k) ==> pm_gpos[i] == \at(pm_gpos[i], Pre));
         loop invariant \forall integer i; 0 <= i < PM_GHOST_CAP(m) && !(PM_NHEADS <= i < j) ==>
           pm_gpos[i] == \at(pm_gpos[i], Pre);
         loop invariant \forall integer g; 0 <= g < PM_NHEADS ==>
           pm_cnt(g, j) == PM_CNT_AT(g, j, Pre) - (g == h && node < j ? 1 : 0);
         loop assigns j, pm_gpos[..];
         loop variant m->nobjs - j; @/
      for (int32_t j = PM_NHEADS; j < m->nobjs; j++)
        if (pm_glist[j] == h && pm_gpos[j] > k)
          pm_gpos[j]--;
    */
}

/* Unlink NODE and append it to HEAD (CPython's gc_list_move does the same
 * two steps in one function). */
void gc_list_move(pm_model *m, int32_t node, int32_t head)
{
    /*@ assert 0 <= m->objs[node].gc_prev < m->nobjs && 0 <= m->objs[node].gc_next < m->nobjs
               && 0 <= pm_glist[node] < PM_NHEADS; */
    gc_list_remove(m, node);
    /*@ assert 0 <= m->objs[head].gc_prev < m->nobjs; */
    gc_list_append(m, node, head);
}

/* Append FROM's objects to TO, leaving FROM empty. */
void gc_list_merge(pm_model *m, int32_t from, int32_t to)
{
    if (gc_list_is_empty(m, from))
        return;
    int32_t tail = m->objs[to].gc_prev;
    int32_t first = m->objs[from].gc_next, last = m->objs[from].gc_prev;
    /*@ ghost
      /@ loop invariant PM_NHEADS <= i <= m->nobjs;
         loop invariant pm_cnt(from, i) + pm_cnt(to, i) <= i - PM_NHEADS;
         loop assigns i;
         loop variant m->nobjs - i; @/
      for (int32_t i = PM_NHEADS; i < m->nobjs; i++) ;
    */
    /*@ loop invariant o == from || PM_MEMBER_AT(m, o, from, Pre);
        loop invariant \forall integer i; PM_NHEADS <= i < m->nobjs ==>
          \let k = (o == from ? pm_glen[from] + 1 : PM_POS_AT(o, Pre));
          (\at(pm_glist[i], Pre) == from && \at(pm_gpos[i], Pre) < k ==>
             pm_glist[i] == to && m->objs[i].list == to
             && pm_gpos[i] == \at(pm_gpos[i], Pre) + pm_glen[to])
          && (!(\at(pm_glist[i], Pre) == from && \at(pm_gpos[i], Pre) < k) ==>
             pm_glist[i] == \at(pm_glist[i], Pre) && m->objs[i].list == \at(m->objs[i].list, Pre)
             && pm_gpos[i] == \at(pm_gpos[i], Pre));
        loop invariant \forall integer i; 0 <= i < PM_GHOST_CAP(m) && !(PM_NHEADS <= i < m->nobjs) ==>
          pm_glist[i] == \at(pm_glist[i], Pre) && pm_gpos[i] == \at(pm_gpos[i], Pre);
        loop invariant \forall integer i; 0 <= i < PM_OBJ_CAP(m) ==>
          m->objs[i].gc_next == \at(m->objs[i].gc_next, Pre)
          && (!(PM_NHEADS <= i < m->nobjs) ==> m->objs[i].list == \at(m->objs[i].list, Pre));
        loop assigns o, m->objs[..].list, pm_glist[..], pm_gpos[..];
        loop variant (o == from ? 0 : pm_glen[from] + 1 - pm_gpos[o]);
    */
    for (int32_t o = first; o != from; o = m->objs[o].gc_next) {
        m->objs[o].list = (uint8_t)to;
        /*@ ghost pm_glist[o] = to; pm_gpos[o] += pm_glen[to]; */
    }
    m->objs[tail].gc_next = first;
    m->objs[first].gc_prev = tail;
    m->objs[last].gc_next = to;
    m->objs[to].gc_prev = last;
    gc_list_init(m, from);
    /*@ ghost
      pm_glen[to] += pm_glen[from];
      pm_glen[from] = 0;
      /@ loop invariant PM_NHEADS <= i <= m->nobjs;
         loop invariant \forall integer g; 0 <= g < PM_NHEADS ==>
           pm_cnt(g, i) == (g == to ? PM_CNT_AT(to, i, Pre) + PM_CNT_AT(from, i, Pre)
                            : g == from ? 0 : PM_CNT_AT(g, i, Pre));
         loop invariant pm_cnt(to, i) <= i - PM_NHEADS;
         loop assigns i;
         loop variant m->nobjs - i; @/
      for (int32_t i = PM_NHEADS; i < m->nobjs; i++) ;
    */
}

int64_t gc_list_size(const pm_model *m, int32_t head)
{
    int64_t n = 0;
    /*@ loop invariant o == head || PM_MEMBER(m, o, head);
        loop invariant n == (o == head ? pm_glen[head] : pm_gpos[o] - 1);
        loop assigns o, n;
        loop variant (o == head ? 0 : pm_glen[head] + 1 - pm_gpos[o]);
    */
    for (int32_t o = m->objs[head].gc_next; o != head; o = m->objs[o].gc_next)
        n++;
    return n;
}

int32_t pm_scratch_head(pm_model *m)
{
    if (m->next_scratch >= PM_NHEADS) {
        pm_fail(m, "internal error: out of scratch list heads");
        return PM_HEAD_SCRATCH0;
    }
    int32_t h = m->next_scratch++;
    gc_list_init(m, h);
    return h;
}

void pm_scratch_release(pm_model *m, int32_t n)
{
    m->next_scratch -= n;
}

/* _PyObject_GC_TRACK: append to the youngest generation. */
void pm_track(pm_model *m, int32_t o)
{
    gc_list_append(m, o, PM_HEAD_GEN0);
}

/* _PyObject_GC_UNTRACK (PyObject_GC_UnTrack tolerates untracked objects). */
void pm_untrack(pm_model *m, int32_t o)
{
    if (pm_is_tracked(m, o)) {
        gc_list_remove(m, o);
        m->objs[o].collecting = false;
        m->objs[o].unreachable = false;
    }
}

/* ----------------------------------------------------------------- events */

pm_event *pm_emit_raw(pm_model *m, pm_event_kind k)
{
    if (!grow32((void **)&m->ev, &m->capev, (int64_t)m->nev + 1, sizeof *m->ev)) {
        pm_oom(m);
        return NULL;
    }
    pm_event *e = &m->ev[m->nev++];
    memset(e, 0, sizeof *e);
    e->kind = k;
    e->line = m->cur_line;
    return e;
}

void pm_emit(pm_model *m, pm_event_kind k, int32_t obj)
{
    pm_event *e = pm_emit_raw(m, k);
    if (e)
        e->obj = m->objx[obj].uid;
}

bool pm_emit_obj(pm_model *m, int32_t uid)
{
    if (!grow32((void **)&m->evobjs, &m->capevobjs, (int64_t)m->nevobjs + 1, sizeof *m->evobjs)) {
        pm_oom(m);
        return false;
    }
    m->evobjs[m->nevobjs++] = uid;
    return true;
}

/* ------------------------------------------------------- public read view */

int32_t pm_model_event_count(const pm_model *m) { return m->nev; }
const pm_event *pm_model_event(const pm_model *m, int32_t i) { return &m->ev[i]; }
int32_t pm_model_event_obj(const pm_model *m, int32_t i) { return m->evobjs[i]; }
int32_t pm_model_object_count(const pm_model *m) { return m->nobjs; }

static pm_where where_of(const pm_model *m, int32_t o)
{
    const pm_obj *p = &m->objs[o];
    if (p->label == PM_LABEL_HEAD)
        return PM_WHERE_HEAD;
    if (!p->live)
        return PM_WHERE_FREED;
    if (p->gc_next < 0)
        return PM_WHERE_UNTRACKED;
    return p->list <= PM_HEAD_PERMANENT ? (pm_where)p->list : PM_WHERE_COLLECTING;
}

bool pm_model_object(const pm_model *m, int32_t i, pm_object_info *out)
{
    if (i < 0 || i >= m->nobjs)
        return false;
    const pm_obj *p = &m->objs[i];
    static const char *const labels[] = { NULL, "namespace", "gc.garbage", "temporary", "head" };
    out->uid = m->objx[i].uid;
    out->cls = m->objx[i].cls;
    out->kind = (pm_kind)p->kind;
    out->refcnt = p->refcnt;
    out->gc_refs = p->gc_refs;
    out->where = where_of(m, i);
    out->tracked = p->gc_next >= 0 && p->label != PM_LABEL_HEAD;
    out->finalized = p->finalized;
    out->unreachable = p->unreachable;
    out->nslots = p->nslots;
    out->label = labels[p->label];
    return true;
}

int32_t pm_model_slot(const pm_model *m, int32_t i, int32_t k)
{
    if (i < 0 || i >= m->nobjs || k < 0 || k >= m->objs[i].nslots)
        return PM_NULL;
    return pm_slot_get(m, i, k);
}

int32_t pm_model_binding(const pm_model *m, int32_t name)
{
    if (name < 0 || name >= m->objs[m->ns].nslots)
        return -1;
    int32_t v = pm_slot_get(m, m->ns, name);
    return v >= 0 ? v : -1;
}

int32_t pm_model_weakref_referent(const pm_model *m, int32_t i)
{
    if (i < 0 || i >= m->nobjs || !m->objs[i].live || m->objs[i].kind != PM_KIND_WEAKREF)
        return -1;
    return m->objx[i].wr_object;
}

void pm_model_counts(const pm_model *m, int64_t count[PM_NUM_GENERATIONS])
{
    for (int g = 0; g < PM_NUM_GENERATIONS; g++)
        count[g] = m->count[g];
}

int32_t pm_model_trace_class(const pm_model *m, int32_t c)
{
    (void)m;
    return c >= PM_NBUILTIN_CLASSES ? c - PM_NBUILTIN_CLASSES : -1;
}

void pm_model_set_observer(pm_model *m, pm_observer_fn fn, void *ctx)
{
    m->observer = fn;
    m->observer_ctx = ctx;
}

/* ------------------------------------------------------------- lifecycle */

static bool add_class(pm_model *m, pm_class c)
{
    if (!grow32((void **)&m->classes, &m->capclasses, (int64_t)m->nclasses + 1, sizeof *m->classes))
        return false;
    m->classes[m->nclasses++] = c;
    return true;
}

pm_model *pm_model_new(const pm_profile *prof, const pm_options *opts)
{
    pm_model *m = calloc(1, sizeof *m);
    if (!m)
        return NULL;
    m->prof = prof;
    if (opts)
        m->opts = *opts;
    m->tuple_free = calloc(PM_TUPLE_NFREELISTS, sizeof *m->tuple_free);
    static const pm_class builtin[PM_NBUILTIN_CLASSES] = {
        [PM_CLS_WEAKREF] = { .kind = PM_KIND_WEAKREF },
        [PM_CLS_TUPLE] = { .kind = PM_KIND_TUPLE },
        [PM_CLS_LIST] = { .kind = PM_KIND_LIST },
        [PM_CLS_DICT] = { .kind = PM_KIND_DICT },
        [PM_CLS_HEAD] = { .kind = PM_KIND_LIST },
    };
    bool ok = m->tuple_free != NULL;
    for (int c = 0; ok && c < PM_NBUILTIN_CLASSES; c++)
        ok = add_class(m, builtin[c]);
    for (int h = 0; ok && h < PM_NHEADS; h++) {
        ok = pm_obj_new(m, PM_CLS_HEAD, 0, PM_LABEL_HEAD) == h;
        if (ok) {
            gc_list_init(m, h);
            /*@ ghost pm_glen[h] = 0; */
        }
    }
    if (!ok) {
        pm_model_free(m);
        return NULL;
    }
    m->next_scratch = PM_HEAD_SCRATCH0;
    for (int g = 0; g < PM_NUM_GENERATIONS; g++)
        m->threshold[g] = prof->threshold[g];
    m->enabled = true;
    /* gc.garbage and the driver's namespace: frozen lists held from outside. */
    m->garbage = pm_obj_new(m, PM_CLS_LIST, 0, PM_LABEL_GARBAGE);
    m->ns = pm_obj_new(m, PM_CLS_LIST, 0, PM_LABEL_NAMESPACE);
    m->nbase = m->nobjs;
    if (m->failed) {
        pm_model_free(m);
        return NULL;
    }
    m->objs[m->garbage].refcnt = 1;
    m->objs[m->ns].refcnt = 1;
    gc_list_append(m, m->garbage, PM_HEAD_PERMANENT);
    gc_list_append(m, m->ns, PM_HEAD_PERMANENT);
    /* the namespace and gc.garbage are two of the objects the driver froze */
    m->opaque_permanent = m->opts.frozen_base > 2 ? m->opts.frozen_base - 2 : 0;
    m->opaque_imm_permanent = m->opts.frozen_immortal < m->opaque_permanent
                                  ? m->opts.frozen_immortal : m->opaque_permanent;
    return m;
}

void pm_model_free(pm_model *m)
{
    if (!m)
        return;
    free(m->classes);
    free(m->objs);
    free(m->objx);
    free(m->slots);
    free(m->tuple_free);
    free(m->trash_later);
    free(m->ev);
    free(m->evobjs);
    pm_alloc_state_free(m->alloc);
    free(m);
}

#ifdef PM_EACSL
/* The copy of the model that the contracts of move_unreachable's scan
 * read as PRE (gc_reach.c; a ghost copy in the proof build).  The tables
 * of this build are pointers, so a plain structure copy would share them
 * and follow the model as it changes; this one copies the two tables the
 * contracts read (objects and slots). */
pm_model pm_ghost_copy(const pm_model *m)
{
    pm_model s = *m;
    size_t no = (size_t)m->nobjs, ns = (size_t)m->nslotpool;
    s.objs = malloc(sizeof *s.objs * (no ? no : 1));
    s.slots = malloc(sizeof *s.slots * (ns ? ns : 1));
    if (!s.objs || !s.slots) {
        fprintf(stderr, "pymemref: out of memory (E-ACSL ghost copy)\n");
        exit(2);
    }
    memcpy(s.objs, m->objs, sizeof *s.objs * no);
    if (ns)
        memcpy(s.slots, m->slots, sizeof *s.slots * ns);
    return s;
}

void pm_ghost_copy_free(pm_model *s)
{
    free(s->objs);
    free(s->slots);
}
#endif

/* Declare a trace class (operation `class`). */
bool pm_model_declare(pm_model *m, const pm_class *c)
{
    pm_class k = *c;
    if (k.del == PM_DEL_CREATE)
        k.del_class += PM_NBUILTIN_CLASSES;
    if (!add_class(m, k)) {
        pm_oom(m);
        return false;
    }
    return true;
}
