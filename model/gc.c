/* gc.c: CPython 3.11's generational cycle collector (Modules/gcmodule.c).
 *
 * Each function models the gcmodule.c function of the same name; the list
 * operations keep CPython's order exactly, because the order of the
 * unreachable list is the order in which finalizers run and garbage is
 * cleared. */
#include "heap.h"

static void observe(pm_model *m, pm_phase phase, int generation)
{
    if (m->observer)
        m->observer(m->observer_ctx, m, phase, generation);
}

/* tp_traverse of each kind visits, in order: instance slots first to last
 * (subtype_traverse via traverse_slots), list and tuple items last to first
 * (list_traverse, tupletraverse), dict values in insertion order
 * (dict_traverse), and for a weak reference only its callback, which lies
 * outside the model (gc_traverse in Objects/weakrefobject.c).  The visitors
 * below loop over pm_traverse_item (heap.h). */

/* ------------------------------------------------------- lemma functions
 * Ghost functions whose loops carry inductions the provers cannot do
 * alone; each is called where its fact is needed (proofs/wp/core/). */

/*@ ghost
  /@ requires PM_SIZES(m);
     assigns \nothing;
     ensures \forall integer lo, a, b, v; 0 <= lo <= a <= b <= m->nslotpool ==>
               0 <= pm_occ(m->slots, lo, a, v) <= pm_occ(m->slots, lo, b, v);
  @/
  static void lemma_occ_mono(const pm_model *m)
  {
    /@ loop invariant 0 <= h <= m->nslotpool;
       loop invariant \forall integer lo, a, b, v; 0 <= lo <= a <= b <= h ==>
               0 <= pm_occ(m->slots, lo, a, v) <= pm_occ(m->slots, lo, b, v);
       loop assigns h;
       loop variant m->nslotpool - h; @/
    for (int64_t h = 0; h < m->nslotpool; h++) ;
  }
*/

/*@ ghost
  /@ requires PM_SIZES(m) && PM_SHAPE(m);
     requires \forall integer lo, a, b, v; 0 <= lo <= a <= b <= m->nslotpool ==>
               0 <= pm_occ(m->slots, lo, a, v) <= pm_occ(m->slots, lo, b, v);
     assigns \nothing;
     ensures \forall integer k1, k2, v; k1 <= k2 ==>
       0 <= pm_refs_from(m->objs, m->slots, PM_GL, PM_GP, y, k1, v, m->nobjs)
         <= pm_refs_from(m->objs, m->slots, PM_GL, PM_GP, y, k2, v, m->nobjs);
  @/
  static void lemma_refs_mono(const pm_model *m, int32_t y)
  {
    /@ loop invariant PM_NHEADS <= n <= m->nobjs;
       loop invariant \forall integer k1, k2, v; k1 <= k2 ==>
         0 <= pm_refs_from(m->objs, m->slots, PM_GL, PM_GP, y, k1, v, n)
           <= pm_refs_from(m->objs, m->slots, PM_GL, PM_GP, y, k2, v, n);
       loop assigns n;
       loop variant m->nobjs - n; @/
    for (int32_t n = PM_NHEADS; n < m->nobjs; n++) ;
  }
*/

/*@ ghost
  /@ requires PM_HEAP_OK(m) && PM_ACTIVE(m, y);
     assigns \nothing;
     ensures \forall integer o, v; PM_MEMBER(m, o, y) ==>
       pm_refs_from(m->objs, m->slots, PM_GL, PM_GP, y, pm_gpos[o] + 1, v, m->nobjs)
       == pm_refs_from(m->objs, m->slots, PM_GL, PM_GP, y, pm_gpos[o], v, m->nobjs)
          + pm_occ_obj(m->objs, m->slots, o, v);
  @/
  static void lemma_refs_step(const pm_model *m, int32_t y)
  {
    /@ loop invariant PM_NHEADS <= n <= m->nobjs;
       loop invariant \forall integer o, v; PM_MEMBER(m, o, y) ==>
         pm_refs_from(m->objs, m->slots, PM_GL, PM_GP, y, pm_gpos[o] + 1, v, n)
         == pm_refs_from(m->objs, m->slots, PM_GL, PM_GP, y, pm_gpos[o], v, n)
            + (o < n ? pm_occ_obj(m->objs, m->slots, o, v) : 0);
       loop assigns n;
       loop variant m->nobjs - n; @/
    for (int32_t n = PM_NHEADS; n < m->nobjs; n++) ;
  }
*/

/*@ ghost
  /@ requires PM_HEAP_OK(m) && 0 <= y < PM_NHEADS;
     assigns \nothing;
     ensures \forall integer k, v; k <= 1 ==>
       pm_refs_from(m->objs, m->slots, PM_GL, PM_GP, y, k, v, m->nobjs) == 0;
  @/
  static void lemma_refs_zero(const pm_model *m, int32_t y)
  {
    /@ loop invariant PM_NHEADS <= n <= m->nobjs;
       loop invariant \forall integer k, v; k <= 1 ==>
         pm_refs_from(m->objs, m->slots, PM_GL, PM_GP, y, k, v, n) == 0;
       loop assigns n;
       loop variant m->nobjs - n; @/
    for (int32_t n = PM_NHEADS; n < m->nobjs; n++) ;
  }
*/

/* -------------------------------------------------------- the collector */

/* gc_refs := ob_refcnt, and mark as collecting. */
/*@ requires PM_HEAP_OK(m) && PM_ACTIVE(m, containers);
    assigns m->objs[PM_NHEADS .. m->nobjs - 1].gc_refs,
            m->objs[PM_NHEADS .. m->nobjs - 1].collecting;
    ensures PM_HEAP_OK(m);
    ensures \forall integer i; PM_MEMBER(m, i, containers) ==>
              m->objs[i].gc_refs == m->objs[i].refcnt && m->objs[i].collecting;
    ensures \forall integer i; 0 <= i < m->nobjs && !PM_MEMBER(m, i, containers) ==>
              m->objs[i].gc_refs == \old(m->objs[i].gc_refs)
              && m->objs[i].collecting == \old(m->objs[i].collecting);
*/
static void update_refs(pm_model *m, int32_t containers)
{
    /*@ loop invariant o == containers || PM_MEMBER(m, o, containers);
        loop invariant PM_HEAP_OK(m);
        loop invariant \forall integer i; PM_MEMBER(m, i, containers) ==>
          (pm_gpos[i] < (o == containers ? pm_glen[containers] + 1 : pm_gpos[o])
           ==> m->objs[i].gc_refs == m->objs[i].refcnt && m->objs[i].collecting)
          && (pm_gpos[i] >= (o == containers ? pm_glen[containers] + 1 : pm_gpos[o])
           ==> m->objs[i].gc_refs == \at(m->objs[i].gc_refs, Pre)
               && m->objs[i].collecting == \at(m->objs[i].collecting, Pre));
        loop invariant \forall integer i; 0 <= i < m->nobjs && !PM_MEMBER(m, i, containers) ==>
          m->objs[i].gc_refs == \at(m->objs[i].gc_refs, Pre)
          && m->objs[i].collecting == \at(m->objs[i].collecting, Pre);
        loop assigns o, m->objs[PM_NHEADS .. m->nobjs - 1].gc_refs,
                     m->objs[PM_NHEADS .. m->nobjs - 1].collecting;
        loop variant (o == containers ? 0 : pm_glen[containers] + 1 - pm_gpos[o]);
    */
    for (int32_t o = m->objs[containers].gc_next; o != containers; o = m->objs[o].gc_next) {
        m->objs[o].gc_refs = m->objs[o].refcnt;
        m->objs[o].collecting = true;
    }
}

/* Subtract the references that come from inside the set (visit_decref).
 * Afterwards gc_refs is the number of references from outside the set:
 * refcnt minus the references from the set's own slots. */
/*@ requires PM_HEAP_OK(m) && PM_ACTIVE(m, containers);
    requires \forall integer i; 0 <= i < m->nobjs ==>
               (m->objs[i].collecting <==> PM_MEMBER(m, i, containers));
    requires \forall integer v; PM_MEMBER(m, v, containers) ==>
               m->objs[v].gc_refs >= PM_INREFS(m, containers, v);
    assigns m->objs[PM_NHEADS .. m->nobjs - 1].gc_refs;
    ensures PM_HEAP_OK(m);
    ensures \forall integer v; PM_MEMBER(m, v, containers) ==>
              m->objs[v].gc_refs == \old(m->objs[v].gc_refs) - \old(PM_INREFS(m, containers, v));
    ensures \forall integer v; 0 <= v < m->nobjs && !PM_MEMBER(m, v, containers) ==>
              m->objs[v].gc_refs == \old(m->objs[v].gc_refs);
*/
static void subtract_refs(pm_model *m, int32_t containers)
{
    /*@ ghost lemma_occ_mono(m); lemma_refs_mono(m, containers);
              lemma_refs_step(m, containers); lemma_refs_zero(m, containers); */
    /*@ loop invariant o == containers || PM_MEMBER(m, o, containers);
        loop invariant PM_HEAP_OK(m);
        loop invariant \forall integer i; 0 <= i < m->nobjs ==> m->objs[i].slot0 == \at(m->objs[i].slot0, Pre)
          && m->objs[i].nslots == \at(m->objs[i].nslots, Pre)
          && m->objs[i].collecting == \at(m->objs[i].collecting, Pre);
        loop invariant \forall integer v; PM_MEMBER(m, v, containers) ==>
          m->objs[v].gc_refs == \at(m->objs[v].gc_refs, Pre)
            - pm_refs_from(\at(m->objs, Pre), m->slots, PM_GL, PM_GP, containers,
                           (o == containers ? pm_glen[containers] + 1 : pm_gpos[o]), v, m->nobjs);
        loop invariant \forall integer v; 0 <= v < m->nobjs && !PM_MEMBER(m, v, containers) ==>
          m->objs[v].gc_refs == \at(m->objs[v].gc_refs, Pre);
        loop assigns o, m->objs[PM_NHEADS .. m->nobjs - 1].gc_refs;
        loop variant (o == containers ? 0 : pm_glen[containers] + 1 - pm_gpos[o]);
    */
    for (int32_t o = m->objs[containers].gc_next; o != containers; o = m->objs[o].gc_next) {
        int32_t n = pm_traverse_count(m, o);
        /*@ assert n == \at(m->objs, Pre)[o].nslots; */
        /*@ loop invariant 0 <= k <= n;
            loop invariant PM_HEAP_OK(m);
            loop invariant \forall integer i; 0 <= i < m->nobjs ==> m->objs[i].slot0 == \at(m->objs[i].slot0, Pre)
              && m->objs[i].nslots == \at(m->objs[i].nslots, Pre)
              && m->objs[i].collecting == \at(m->objs[i].collecting, Pre);
            loop invariant \forall integer v; PM_MEMBER(m, v, containers) ==>
              m->objs[v].gc_refs == \at(m->objs[v].gc_refs, Pre)
                - pm_refs_from(\at(m->objs, Pre), m->slots, PM_GL, PM_GP, containers, pm_gpos[o], v, m->nobjs)
                - PM_PART_OF(\at(m->objs, Pre)[o], m->slots, k, v);
            loop invariant \forall integer v; 0 <= v < m->nobjs && !PM_MEMBER(m, v, containers) ==>
              m->objs[v].gc_refs == \at(m->objs[v].gc_refs, Pre);
            loop assigns k, m->objs[PM_NHEADS .. m->nobjs - 1].gc_refs;
            loop variant n - k;
        */
        for (int32_t k = 0; k < n; k++) {
            int32_t v = pm_traverse_item(m, o, k);
            /*@ assert item: v == m->slots[PM_TITEM_OF(\at(m->objs, Pre)[o], k)]; */
            /*@ assert part_step_lt: PM_LT_OF(\at(m->objs, Pre)[o]) ==> \forall integer w;
                  \let s0 = \at(m->objs, Pre)[o].slot0; \let hi = s0 + \at(m->objs, Pre)[o].nslots - k;
                  pm_occ(m->slots, s0, hi, w) == pm_occ(m->slots, s0, hi - 1, w) + (w == v ? 1 : 0); */
            /*@ assert part_step_fw: !PM_LT_OF(\at(m->objs, Pre)[o]) ==> \forall integer w;
                  \let s0 = \at(m->objs, Pre)[o].slot0;
                  pm_occ(m->slots, s0, s0 + k + 1, w) == pm_occ(m->slots, s0, s0 + k, w) + (w == v ? 1 : 0); */
            /*@ assert part_step: \forall integer w;
                  PM_PART_OF(\at(m->objs, Pre)[o], m->slots, k + 1, w)
                  == PM_PART_OF(\at(m->objs, Pre)[o], m->slots, k, w) + (w == v ? 1 : 0); */
            /*@ assert part_le: \forall integer w;
                  PM_PART_OF(\at(m->objs, Pre)[o], m->slots, k + 1, w)
                  <= pm_occ_obj(\at(m->objs, Pre), m->slots, o, w); */
            /*@ assert refs_left: \forall integer w; PM_MEMBER(m, w, containers) ==>
                  m->objs[w].gc_refs >= pm_occ_obj(\at(m->objs, Pre), m->slots, o, w)
                                        - PM_PART_OF(\at(m->objs, Pre)[o], m->slots, k, w); */
            /*@ assert v >= 0 && m->objs[v].collecting ==> m->objs[v].gc_refs >= 1; */
            if (v >= 0 && m->objs[v].collecting)
                m->objs[v].gc_refs--;
        }
        /*@ assert part_all: \forall integer w;
              PM_PART_OF(\at(m->objs, Pre)[o], m->slots, n, w)
              == pm_occ_obj(\at(m->objs, Pre), m->slots, o, w); */
        /*@ assert done_o: \forall integer w; PM_MEMBER(m, w, containers) ==>
              m->objs[w].gc_refs == \at(m->objs[w].gc_refs, Pre)
                - pm_refs_from(\at(m->objs, Pre), m->slots, PM_GL, PM_GP, containers, pm_gpos[o], w, m->nobjs)
                - pm_occ_obj(\at(m->objs, Pre), m->slots, o, w); */
        /*@ assert next_pos: (m->objs[o].gc_next == containers ? pm_glen[containers] + 1
                              : pm_gpos[m->objs[o].gc_next]) == pm_gpos[o] + 1; */
        /*@ assert step_o: \forall integer w;
              pm_refs_from(\at(m->objs, Pre), m->slots, PM_GL, PM_GP, containers, pm_gpos[o], w, m->nobjs)
              + pm_occ_obj(\at(m->objs, Pre), m->slots, o, w)
              == pm_refs_from(\at(m->objs, Pre), m->slots, PM_GL, PM_GP, containers,
                   (m->objs[o].gc_next == containers ? pm_glen[containers] + 1
                    : pm_gpos[m->objs[o].gc_next]), w, m->nobjs); */
    }
}

static void deduce_unreachable(pm_model *m, int32_t base, int32_t unreachable, int gen)
{
    update_refs(m, base);
    observe(m, PM_PHASE_UPDATE_REFS, gen);
    subtract_refs(m, base);
    observe(m, PM_PHASE_SUBTRACT_REFS, gen);
    gc_list_init(m, unreachable);
    move_unreachable(m, base, unreachable);
}

/* _PyTuple_MaybeUntrack over the survivors.  Proved: only tuples leave
 * the list, and a tuple leaves it only when none of its items may be
 * tracked (which stays true: the scan only untracks). */
/*@ requires PM_HEAP_OK(m) && PM_ACTIVE(m, head);
    assigns PM_LINKS(m), m->objs[..].collecting, m->objs[..].unreachable;
    ensures PM_HEAP_OK(m) && PM_KEEPS_ACTIVE(m);
    ensures \forall integer x; PM_NHEADS <= x < m->nobjs ==>
              (\old(pm_glist[x]) == head ==> pm_glist[x] == head
                  || (pm_glist[x] == -1 && PM_UNTRACKABLE_TUPLE(m, x)))
              && (\old(pm_glist[x]) != head ==> pm_glist[x] == \old(pm_glist[x]));
*/
static void untrack_tuples(pm_model *m, int32_t head)
{
    int32_t o = m->objs[head].gc_next;
    /*@ loop invariant PM_HEAP_OK(m) && PM_ACTIVE(m, head);
        loop invariant o == head || PM_MEMBER(m, o, head);
        loop invariant PM_UNTRACK_FRAME(m);
        loop invariant keep_act: \forall integer h; 0 <= h < PM_NHEADS
          && \at(m->objs[h].gc_next, Pre) >= 0 ==> m->objs[h].gc_next >= 0;
        loop invariant \forall integer x; PM_NHEADS <= x < m->nobjs ==>
              (\at(pm_glist[x], Pre) == head ==> pm_glist[x] == head
                  || (pm_glist[x] == -1 && PM_UNTRACKABLE_TUPLE(m, x)))
              && (\at(pm_glist[x], Pre) != head ==> pm_glist[x] == \at(pm_glist[x], Pre));
        loop assigns o, PM_LINKS(m), m->objs[..].collecting, m->objs[..].unreachable;
        loop variant pm_glen[head] + 1 - PM_SCAN(m, o, head);
    */
    while (o != head) {
        int32_t next = m->objs[o].gc_next;
        if (pm_obj_kind(m, o) == PM_KIND_TUPLE && m->objs[o].label != PM_LABEL_HEAD) {
            bool untrack = true;
            /*@ loop invariant 0 <= k <= m->objs[o].nslots;
                loop invariant untrack <==> \forall integer j; 0 <= j < k ==>
                  m->slots[m->objs[o].slot0 + j] != PM_C_NULL
                  && !PM_MAY_BE_TRACKED(m, m->slots[m->objs[o].slot0 + j]);
                loop assigns k, untrack;
                loop variant m->objs[o].nslots - k;
            */
            for (int32_t k = 0; k < m->objs[o].nslots && untrack; k++) {
                int32_t v = pm_slot_get(m, o, k);
                untrack = v != PM_C_NULL && !pm_may_be_tracked(m, v);
            }
            if (untrack)
                pm_untrack(m, o);
        }
        o = next;
    }
}

/* _PyDict_MaybeUntrack over the survivors of a full collection.  Proved
 * like untrack_tuples: only dicts whose values may not be tracked leave. */
/*@ requires PM_HEAP_OK(m) && PM_ACTIVE(m, head);
    assigns PM_LINKS(m), m->objs[..].collecting, m->objs[..].unreachable;
    ensures PM_HEAP_OK(m) && PM_KEEPS_ACTIVE(m);
    ensures \forall integer x; PM_NHEADS <= x < m->nobjs ==>
              (\old(pm_glist[x]) == head ==> pm_glist[x] == head
                  || (pm_glist[x] == -1 && PM_UNTRACKABLE_DICT(m, x)))
              && (\old(pm_glist[x]) != head ==> pm_glist[x] == \old(pm_glist[x]));
*/
static void untrack_dicts(pm_model *m, int32_t head)
{
    int32_t o = m->objs[head].gc_next;
    /*@ loop invariant PM_HEAP_OK(m) && PM_ACTIVE(m, head);
        loop invariant o == head || PM_MEMBER(m, o, head);
        loop invariant PM_UNTRACK_FRAME(m);
        loop invariant keep_act: \forall integer h; 0 <= h < PM_NHEADS
          && \at(m->objs[h].gc_next, Pre) >= 0 ==> m->objs[h].gc_next >= 0;
        loop invariant \forall integer x; PM_NHEADS <= x < m->nobjs ==>
              (\at(pm_glist[x], Pre) == head ==> pm_glist[x] == head
                  || (pm_glist[x] == -1 && PM_UNTRACKABLE_DICT(m, x)))
              && (\at(pm_glist[x], Pre) != head ==> pm_glist[x] == \at(pm_glist[x], Pre));
        loop assigns o, PM_LINKS(m), m->objs[..].collecting, m->objs[..].unreachable;
        loop variant pm_glen[head] + 1 - PM_SCAN(m, o, head);
    */
    while (o != head) {
        int32_t next = m->objs[o].gc_next;
        if (pm_obj_kind(m, o) == PM_KIND_DICT && m->objs[o].label == PM_LABEL_NONE) {
            bool untrack = true;
            /*@ loop invariant 0 <= k <= m->objs[o].nslots;
                loop invariant untrack <==> \forall integer j; 0 <= j < k ==>
                  !PM_MAY_BE_TRACKED(m, m->slots[m->objs[o].slot0 + j]);
                loop assigns k, untrack;
                loop variant m->objs[o].nslots - k;
            */
            for (int32_t k = 0; k < m->objs[o].nslots && untrack; k++)
                untrack = !pm_may_be_tracked(m, pm_slot_get(m, o, k));
            if (untrack)
                pm_untrack(m, o);
        }
        o = next;
    }
}

/*@ requires 0 <= o < m->nobjs && 0 <= m->objx[o].cls < m->nclasses;
    assigns \nothing;
    ensures \result <==> PM_LEGACY(m, o);
*/
static bool has_legacy_finalizer(const pm_model *m, int32_t o)
{
    return m->classes[m->objx[o].cls].del == PM_DEL_LEGACY;
}

/* Objects with a legacy tp_del leave UNREACHABLE for FINALIZERS; every
 * object of UNREACHABLE loses its unreachable flag. */
/*@ requires PM_HEAP_OK(m) && PM_ACTIVE(m, unreachable) && PM_ACTIVE(m, finalizers);
    requires unreachable != finalizers;
    assigns PM_LINKS(m), m->objs[..].collecting, m->objs[..].unreachable;
    ensures PM_HEAP_OK(m) && PM_KEEPS_ACTIVE(m);
    ensures \forall integer x; PM_NHEADS <= x < m->nobjs ==>
              (\old(pm_glist[x]) == unreachable ==> !m->objs[x].unreachable
                 && (PM_LEGACY(m, x) ==> pm_glist[x] == finalizers && !m->objs[x].collecting)
                 && (!PM_LEGACY(m, x) ==> pm_glist[x] == unreachable
                     && m->objs[x].collecting == \old(m->objs[x].collecting)))
              && (\old(pm_glist[x]) != unreachable ==> pm_glist[x] == \old(pm_glist[x])
                 && m->objs[x].collecting == \old(m->objs[x].collecting)
                 && m->objs[x].unreachable == \old(m->objs[x].unreachable));
*/
static void move_legacy_finalizers(pm_model *m, int32_t unreachable, int32_t finalizers)
{
    int32_t o = m->objs[unreachable].gc_next;
    /*@ loop invariant PM_HEAP_OK(m) && PM_ACTIVE(m, unreachable) && PM_ACTIVE(m, finalizers);
        loop invariant o == unreachable || PM_MEMBER(m, o, unreachable);
        loop invariant PM_UNTRACK_FRAME(m);
        loop invariant keep_act: \forall integer h; 0 <= h < PM_NHEADS
          && \at(m->objs[h].gc_next, Pre) >= 0 ==> m->objs[h].gc_next >= 0;
        loop invariant \forall integer x; PM_NHEADS <= x < m->nobjs ==>
          (\at(pm_glist[x], Pre) == unreachable ==>
             (pm_glist[x] == unreachable && pm_gpos[x] >= PM_SCAN(m, o, unreachable)
                ==> m->objs[x].unreachable == \at(m->objs[x].unreachable, Pre)
                    && m->objs[x].collecting == \at(m->objs[x].collecting, Pre))
             && (pm_glist[x] == unreachable && pm_gpos[x] < PM_SCAN(m, o, unreachable)
                ==> !m->objs[x].unreachable && !PM_LEGACY(m, x)
                    && m->objs[x].collecting == \at(m->objs[x].collecting, Pre))
             && (pm_glist[x] != unreachable ==> pm_glist[x] == finalizers
                    && !m->objs[x].unreachable && !m->objs[x].collecting && PM_LEGACY(m, x)))
          && (\at(pm_glist[x], Pre) != unreachable ==> pm_glist[x] == \at(pm_glist[x], Pre)
                 && m->objs[x].collecting == \at(m->objs[x].collecting, Pre)
                 && m->objs[x].unreachable == \at(m->objs[x].unreachable, Pre));
        loop assigns o, PM_LINKS(m), m->objs[..].collecting, m->objs[..].unreachable;
        loop variant pm_glen[unreachable] + 1 - PM_SCAN(m, o, unreachable);
    */
    while (o != unreachable) {
        int32_t next = m->objs[o].gc_next;
        m->objs[o].unreachable = false;
        if (has_legacy_finalizer(m, o)) {
            m->objs[o].collecting = false;
            gc_list_move(m, o, finalizers);
        }
        o = next;
    }
}

/* What legacy finalizers reach is uncollectable too (visit_move); the list
 * grows while it is scanned.  Proved: the collecting objects are those of
 * the ghost argument UNREACHABLE, the list gc_collect_main passes; afterwards FINALIZERS is closed under tp_traverse inside
 * the collecting set: no member refers to a collecting object. */
/*@ requires PM_HEAP_OK(m) && PM_ACTIVE(m, finalizers) && PM_ACTIVE(m, unreachable);
    requires unreachable != finalizers;
    requires \forall integer x; 0 <= x < m->nobjs ==>
               (m->objs[x].collecting <==> PM_MEMBER(m, x, unreachable));
    assigns PM_LINKS(m), m->objs[..].collecting;
    ensures PM_HEAP_OK(m) && PM_KEEPS_ACTIVE(m);
    ensures \forall integer x; 0 <= x < m->nobjs ==>
               (m->objs[x].collecting <==> PM_MEMBER(m, x, unreachable));
    ensures \forall integer x; PM_NHEADS <= x < m->nobjs ==>
              (\old(pm_glist[x]) == unreachable ==> pm_glist[x] == unreachable || pm_glist[x] == finalizers)
              && (\old(pm_glist[x]) != unreachable ==> pm_glist[x] == \old(pm_glist[x]));
    ensures \forall integer x, j; PM_MEMBER(m, x, finalizers) && 0 <= j < m->objs[x].nslots
              ==> \let c = m->slots[m->objs[x].slot0 + j]; c < 0 || !m->objs[c].collecting;
*/
static void move_legacy_finalizer_reachable(pm_model *m, int32_t finalizers)
    /*@ ghost (int32_t unreachable) */
{
    /*@ loop invariant PM_HEAP_OK(m) && PM_ACTIVE(m, finalizers) && PM_ACTIVE(m, unreachable);
        loop invariant o == finalizers || PM_MEMBER(m, o, finalizers);
        loop invariant PM_UNTRACK_FRAME(m);
        loop invariant \forall integer x; 0 <= x < m->nobjs ==>
               (m->objs[x].collecting <==> PM_MEMBER(m, x, unreachable));
        loop invariant \forall integer x; PM_NHEADS <= x < m->nobjs ==>
              (\at(pm_glist[x], Pre) == unreachable ==> pm_glist[x] == unreachable || pm_glist[x] == finalizers)
              && (\at(pm_glist[x], Pre) != unreachable ==> pm_glist[x] == \at(pm_glist[x], Pre));
        loop invariant \forall integer x, j; PM_MEMBER(m, x, finalizers)
              && pm_gpos[x] < PM_SCAN(m, o, finalizers) && 0 <= j < m->objs[x].nslots
              ==> \let c = m->slots[m->objs[x].slot0 + j]; c < 0 || !m->objs[c].collecting;
        loop assigns o, PM_LINKS(m), m->objs[..].collecting;
        loop variant pm_glen[unreachable] * (m->nobjs + 1)
                     + pm_glen[finalizers] + 1 - PM_SCAN(m, o, finalizers);
    */
    for (int32_t o = m->objs[finalizers].gc_next; o != finalizers; o = m->objs[o].gc_next) {
        int32_t n = pm_traverse_count(m, o);
        /*@ loop invariant 0 <= k <= n;
            loop invariant PM_HEAP_OK(m) && PM_ACTIVE(m, finalizers) && PM_ACTIVE(m, unreachable);
            loop invariant PM_MEMBER(m, o, finalizers) && pm_gpos[o] == \at(pm_gpos[o], LoopEntry);
            loop invariant PM_UNTRACK_FRAME(m);
            loop invariant \forall integer x; 0 <= x < m->nobjs ==>
               (m->objs[x].collecting <==> PM_MEMBER(m, x, unreachable));
            loop invariant \forall integer x; PM_NHEADS <= x < m->nobjs ==>
              (\at(pm_glist[x], Pre) == unreachable ==> pm_glist[x] == unreachable || pm_glist[x] == finalizers)
              && (\at(pm_glist[x], Pre) != unreachable ==> pm_glist[x] == \at(pm_glist[x], Pre));
            loop invariant \forall integer x, j; PM_MEMBER(m, x, finalizers)
              && pm_gpos[x] < pm_gpos[o] && 0 <= j < m->objs[x].nslots
              ==> \let c = m->slots[m->objs[x].slot0 + j]; c < 0 || !m->objs[c].collecting;
            loop invariant \forall integer j; PM_VISITED(m, o, k, j) ==>
              \let c = m->slots[m->objs[o].slot0 + j]; c < 0 || !m->objs[c].collecting;
            loop invariant pm_glen[unreachable] + pm_glen[finalizers]
                           == \at(pm_glen[unreachable] + pm_glen[finalizers], LoopEntry);
            loop invariant pm_glen[unreachable] <= \at(pm_glen[unreachable], LoopEntry);
            loop invariant pm_gpos[o] <= pm_glen[finalizers];
            loop assigns k, PM_LINKS(m), m->objs[..].collecting;
            loop variant n - k;
        */
        for (int32_t k = 0; k < n; k++) {
            int32_t v = pm_traverse_item(m, o, k);
            if (v >= 0 && m->objs[v].collecting) {
                gc_list_move(m, v, finalizers);
                m->objs[v].collecting = false;
            }
        }
    }
}

/* Clear every weak reference to an unreachable object; call the callbacks
 * of those weak references that are not garbage themselves, then move them
 * to OLD.  Returns how many of those weak references the callbacks freed. */
static int64_t handle_weakrefs(pm_model *m, int32_t unreachable, int32_t old)
{
    int32_t wrcb_to_call = pm_scratch_head(m);
    int64_t num_freed = 0;
    for (int32_t o = m->objs[unreachable].gc_next; o != unreachable;) {
        int32_t next = m->objs[o].gc_next;
        if (pm_obj_kind(m, o) == PM_KIND_WEAKREF)
            pm_weakref_clear_ref(m, o);
        if (pm_obj_kind(m, o) == PM_KIND_INSTANCE && pm_cls(m, o)->weakrefable) {
            int32_t wr;
            while ((wr = m->objx[o].wr_list) >= 0) {
                pm_weakref_clear_ref(m, wr);
                if (!m->objs[wr].has_callback || m->objs[wr].collecting)
                    continue;
                pm_incref(m, wr);
                gc_list_move(m, wr, wrcb_to_call);
            }
        }
        o = next;
    }
    while (!gc_list_is_empty(m, wrcb_to_call) && !m->failed) {
        int32_t wr = m->objs[wrcb_to_call].gc_next;
        pm_call_callback(m, wr);
        pm_decref(m, wr);
        if (m->objs[wrcb_to_call].gc_next == wr)
            gc_list_move(m, wr, old);
        else
            num_freed++;
    }
    pm_scratch_release(m, 1);
    return num_freed;
}

/* Run tp_finalize once per object, in list order. */
static void finalize_garbage(pm_model *m, int32_t collectable)
{
    int32_t seen = pm_scratch_head(m);
    while (!gc_list_is_empty(m, collectable) && !m->failed) {
        int32_t o = m->objs[collectable].gc_next;
        gc_list_move(m, o, seen);
        const pm_class *c = pm_cls(m, o);
        if (!m->objs[o].finalized && c->del != PM_DEL_NONE && c->del != PM_DEL_LEGACY)
            pm_run_finalizer(m, o);
    }
    gc_list_merge(m, seen, collectable);
    pm_scratch_release(m, 1);
}

/* The objects of HEAD stop collecting (handle_resurrected_objects' first
 * loop: gc_list_clear_collecting in CPython 3.11's gcmodule.c). */
/*@ requires PM_HEAP_OK(m) && PM_ACTIVE(m, head);
    assigns m->objs[..].collecting;
    ensures PM_HEAP_OK(m);
    ensures \forall integer x; 0 <= x < PM_OBJ_CAP(m) ==>
              (PM_MEMBER(m, x, head) ==> !m->objs[x].collecting)
              && (!PM_MEMBER(m, x, head) ==> m->objs[x].collecting == \old(m->objs[x].collecting));
*/
static void clear_collecting(pm_model *m, int32_t head)
{
    /*@ loop invariant o == head || PM_MEMBER(m, o, head);
        loop invariant PM_HEAP_OK(m);
        loop invariant \forall integer x; 0 <= x < PM_OBJ_CAP(m) ==>
          (PM_MEMBER(m, x, head) && pm_gpos[x] < PM_SCAN(m, o, head) ==> !m->objs[x].collecting)
          && (!(PM_MEMBER(m, x, head) && pm_gpos[x] < PM_SCAN(m, o, head))
              ==> m->objs[x].collecting == \at(m->objs[x].collecting, Pre));
        loop assigns o, m->objs[..].collecting;
        loop variant pm_glen[head] + 1 - PM_SCAN(m, o, head);
    */
    for (int32_t o = m->objs[head].gc_next; o != head; o = m->objs[o].gc_next)
        m->objs[o].collecting = false;
}

/* The objects of HEAD lose their unreachable flag (the second loop). */
/*@ requires PM_HEAP_OK(m) && PM_ACTIVE(m, head);
    assigns m->objs[..].unreachable;
    ensures PM_HEAP_OK(m);
    ensures \forall integer x; 0 <= x < PM_OBJ_CAP(m) ==>
              (PM_MEMBER(m, x, head) ==> !m->objs[x].unreachable)
              && (!PM_MEMBER(m, x, head) ==> m->objs[x].unreachable == \old(m->objs[x].unreachable));
*/
static void clear_unreachable(pm_model *m, int32_t head)
{
    /*@ loop invariant o == head || PM_MEMBER(m, o, head);
        loop invariant PM_HEAP_OK(m);
        loop invariant \forall integer x; 0 <= x < PM_OBJ_CAP(m) ==>
          (PM_MEMBER(m, x, head) && pm_gpos[x] < PM_SCAN(m, o, head) ==> !m->objs[x].unreachable)
          && (!(PM_MEMBER(m, x, head) && pm_gpos[x] < PM_SCAN(m, o, head))
              ==> m->objs[x].unreachable == \at(m->objs[x].unreachable, Pre));
        loop assigns o, m->objs[..].unreachable;
        loop variant pm_glen[head] + 1 - PM_SCAN(m, o, head);
    */
    for (int32_t o = m->objs[head].gc_next; o != head; o = m->objs[o].gc_next)
        m->objs[o].unreachable = false;
}

/* What the finalizers made reachable again goes to OLD; the rest stays.
 * Its list work is proved in clear_collecting, deduce_unreachable's three
 * phases, clear_unreachable and gc_list_merge; this function and
 * deduce_unreachable themselves are not, because they call the observer
 * (a function pointer that WP cannot follow). */
static void handle_resurrected_objects(pm_model *m, int32_t unreachable,
                                       int32_t still_unreachable, int32_t old, int gen)
{
    clear_collecting(m, unreachable);
    deduce_unreachable(m, unreachable, still_unreachable, gen);
    clear_unreachable(m, still_unreachable);
    gc_list_merge(m, unreachable, old);
}

/* tp_clear in list order (or gc.garbage under DEBUG_SAVEALL); what survives
 * its clearing moves to OLD. */
static void delete_garbage(pm_model *m, int32_t collectable, int32_t old)
{
    while (!gc_list_is_empty(m, collectable) && !m->failed) {
        int32_t o = m->objs[collectable].gc_next;
        if (m->saveall) {
            pm_list_append(m, m->garbage, o);
        } else {
            pm_incref(m, o);
            pm_tp_clear(m, o);
            pm_decref(m, o);
        }
        if (m->objs[collectable].gc_next == o) {
            m->objs[o].collecting = false;
            gc_list_move(m, o, old);
        }
    }
}

static void handle_legacy_finalizers(pm_model *m, int32_t finalizers, int32_t old)
{
    for (int32_t o = m->objs[finalizers].gc_next; o != finalizers; o = m->objs[o].gc_next)
        if (m->saveall || has_legacy_finalizer(m, o))
            pm_list_append(m, m->garbage, o);
    gc_list_merge(m, finalizers, old);
}

/* gc_collect_main: collect GENERATION and the younger ones; returns the
 * number of unreachable objects found (collected + uncollectable). */
int64_t pm_gc_collect_main(pm_model *m, int generation)
{
    if (m->prof->incremental)           /* 3.14.0-3.14.4: gc_incremental.c */
        return pm_gci_collect(m, generation);
    int64_t mcount = 0, n = 0;
    if (generation + 1 < PM_NUM_GENERATIONS)
        m->count[generation + 1] += 1;
    for (int i = 0; i <= generation; i++)
        m->count[i] = 0;
    for (int i = 0; i < generation; i++)
        gc_list_merge(m, i, generation);
    int32_t young = generation;
    int32_t old = generation + 1 < PM_NUM_GENERATIONS ? generation + 1 : young;
    observe(m, PM_PHASE_COLLECT_START, generation);

    if (m->prof->immortal_to_permanent && young == PM_HEAD_GEN2) {
        /* update_refs: the driver's immortal objects go back to permanent */
        m->opaque_permanent += m->opaque_imm_gen2;
        m->opaque_imm_permanent += m->opaque_imm_gen2;
        m->opaque_gen2 -= m->opaque_imm_gen2;
        m->opaque_imm_gen2 = 0;
    }
    int32_t unreachable = pm_scratch_head(m);
    int32_t finalizers = pm_scratch_head(m);
    int32_t final_unreachable = pm_scratch_head(m);
    deduce_unreachable(m, young, unreachable, generation);
    observe(m, PM_PHASE_MOVE_UNREACHABLE, generation);

    untrack_tuples(m, young);
    if (young != old) {
        if (generation == PM_NUM_GENERATIONS - 2)
            m->long_lived_pending += gc_list_size(m, young);
        gc_list_merge(m, young, old);
    } else {
        if (m->prof->untrack_dicts_in_full)
            untrack_dicts(m, young);
        m->long_lived_pending = 0;
        m->long_lived_total = gc_list_size(m, young) + m->opaque_gen2;
    }

    move_legacy_finalizers(m, unreachable, finalizers);
    move_legacy_finalizer_reachable(m, finalizers) /*@ ghost (unreachable) */;
    observe(m, PM_PHASE_LEGACY_FINALIZERS, generation);

    mcount += handle_weakrefs(m, unreachable, old);
    observe(m, PM_PHASE_HANDLE_WEAKREFS, generation);

    finalize_garbage(m, unreachable);
    observe(m, PM_PHASE_FINALIZE_GARBAGE, generation);

    handle_resurrected_objects(m, unreachable, final_unreachable, old, generation);
    observe(m, PM_PHASE_RESURRECTION, generation);

    mcount += gc_list_size(m, final_unreachable);
    delete_garbage(m, final_unreachable, old);
    observe(m, PM_PHASE_DELETE_GARBAGE, generation);

    n = gc_list_size(m, finalizers);
    handle_legacy_finalizers(m, finalizers, old);

    if (generation == PM_NUM_GENERATIONS - 1)
        pm_clear_freelists(m);

    pm_scratch_release(m, 3);
    m->stats[generation].collections++;
    m->stats[generation].collected += mcount;
    m->stats[generation].uncollectable += n;
    observe(m, PM_PHASE_COLLECT_END, generation);
    return n + mcount;
}

/* gc_collect_generations: the oldest generation over its threshold, with
 * the long-lived rule guarding the oldest. */
int64_t pm_gc_collect_generations(pm_model *m)
{
    if (m->prof->incremental) {         /* 3.14 _Py_RunGC: an increment */
        int64_t r = pm_gci_collect(m, 1);
        pm_event *e = pm_emit_raw(m, PM_EV_AUTO);
        if (e) {
            e->generation = 1;
            e->result = r;
        }
        return r;
    }
    for (int i = PM_NUM_GENERATIONS - 1; i >= 0; i--) {
        if (m->count[i] > m->threshold[i]) {
            if (i == PM_NUM_GENERATIONS - 1 &&
                m->long_lived_pending < m->long_lived_total / 4)
                continue;
            int64_t r = pm_gc_collect_main(m, i);
            pm_event *e = pm_emit_raw(m, PM_EV_AUTO);
            if (e) {
                e->generation = i;
                e->result = r;
            }
            return r;
        }
    }
    return 0;
}

/* The tail of _PyObject_GC_Link: when count0 passed its threshold, collection
 * is enabled and none is running, 3.11 collects right here; 3.12 and later
 * only schedule it (_Py_ScheduleGC) for the next eval-breaker check. */
void pm_gc_maybe_collect(pm_model *m)
{
    if (m->count[0] > m->threshold[0] && m->enabled && m->threshold[0] != 0 &&
        !m->collecting && !m->failed) {
        if (!m->prof->collect_in_allocation) {
            m->gc_scheduled = true;
            return;
        }
        m->collecting = true;
        pm_gc_collect_generations(m);
        m->collecting = false;
    }
}

/* An eval-breaker check (_Py_HandlePending -> _Py_RunGC): the driver's code
 * reaches one after every call of a C function and at the entry of every
 * Python function (spec/trace.md lists where). */
void pm_eval_breaker(pm_model *m)
{
    if (!m->gc_scheduled || m->failed)
        return;
    m->gc_scheduled = false;
    if (!m->enabled || m->collecting)
        return;
    m->collecting = true;
    pm_gc_collect_generations(m);
    m->collecting = false;
}

/* 3.14's gc_collect_region (Python/gc.c): the steps of gc_collect_main
 * from update_refs on, for the list FROM; survivors, weak references whose
 * callbacks ran and resurrected objects go to TO (FROM itself in a full
 * collection).  Returns the collected count; *UNCOLLECTABLE gets n. */
int64_t pm_gc_collect_region(pm_model *m, int32_t from, int32_t to, int gen,
                             int64_t *uncollectable)
{
    int64_t mcount = 0;
    int32_t unreachable = pm_scratch_head(m);
    int32_t finalizers = pm_scratch_head(m);
    int32_t final_unreachable = pm_scratch_head(m);
    deduce_unreachable(m, from, unreachable, gen);
    observe(m, PM_PHASE_MOVE_UNREACHABLE, gen);
    untrack_tuples(m, from);
    if (from != to)
        gc_list_merge(m, from, to);
    move_legacy_finalizers(m, unreachable, finalizers);
    move_legacy_finalizer_reachable(m, finalizers) /*@ ghost (unreachable) */;
    observe(m, PM_PHASE_LEGACY_FINALIZERS, gen);
    mcount += handle_weakrefs(m, unreachable, to);
    observe(m, PM_PHASE_HANDLE_WEAKREFS, gen);
    finalize_garbage(m, unreachable);
    observe(m, PM_PHASE_FINALIZE_GARBAGE, gen);
    handle_resurrected_objects(m, unreachable, final_unreachable, to, gen);
    observe(m, PM_PHASE_RESURRECTION, gen);
    mcount += gc_list_size(m, final_unreachable);
    delete_garbage(m, final_unreachable, to);
    observe(m, PM_PHASE_DELETE_GARBAGE, gen);
    *uncollectable = gc_list_size(m, finalizers);
    handle_legacy_finalizers(m, finalizers, to);
    pm_scratch_release(m, 3);
    return mcount;
}
