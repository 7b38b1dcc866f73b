/* gc_reach.c: the scan that separates the reachable from the unreachable
 * objects of the collected generations (Modules/gcmodule.c of 3.11:
 * move_unreachable and visit_reachable).
 *
 * move_unreachable walks YOUNG in order.  An object with gc_refs > 0 is
 * scanned (scan_reachable): each collecting object it refers to is marked,
 * and one already moved to UNREACHABLE goes back to YOUNG's tail, where
 * the walk reaches it later.  An object with gc_refs 0 moves to
 * UNREACHABLE (move_to_unreachable), tentatively.
 *
 * Proved (spec/gc.md, "The central property"): afterwards an object of the
 * set is on UNREACHABLE iff it is not reachable, inside the set, from one
 * whose gc_refs was positive.  The two steps carry the walk's invariant
 * (spec/acsl/heap.acsl, PM_MU_*) from one scan position to the next; they
 * speak of PRE, a ghost copy of the model at the walk's start, so that
 * each goal holds one copy of the record rather than one per state. */
#include "heap.h"

/* ------------------------------------------------------- lemma functions */

/* Slot I of O holds one of O's edges (pm_edge's witness is I itself). */
/*@ ghost
  /@ requires 0 <= o < INT32_MAX && 0 <= i < s.objs[o].nslots;
     requires 0 <= s.objs[o].slot0 && s.objs[o].slot0 + s.objs[o].nslots <= INT32_MAX;
     assigns \nothing;
     ensures pm_edge(s, o, s.slots[s.objs[o].slot0 + i]);
  @/
  static void lemma_slot_edge(pm_model s, int32_t o, int32_t i)
  {
  }
*/

/* The K-th item that tp_traverse visits in O is one of O's edges. */
/*@ ghost
  /@ requires 0 <= o < INT32_MAX && 0 <= k < s.objs[o].nslots;
     requires 0 <= s.objs[o].slot0 && s.objs[o].slot0 + s.objs[o].nslots <= INT32_MAX;
     assigns \nothing;
     ensures pm_edge(s, o, s.slots[PM_TITEM_OF(s.objs[o], k)]);
  @/
  static void lemma_item_edge(pm_model s, int32_t o, int32_t k)
  {
    int32_t i = k;
    if (s.objs[o].kind == PM_KIND_LIST || s.objs[o].kind == PM_KIND_TUPLE)
      i = s.objs[o].nslots - 1 - k;
    lemma_slot_edge(s, o, i);
  }
*/

/* The instance of pm_reach_induction (spec/acsl/heap.acsl) that
 * move_unreachable needs, for the state S it started from and the state T
 * it ends in.  The provers find this instance in the small context of this
 * function; in move_unreachable's they do not. */
/*@ ghost
  /@ requires \forall integer x; pm_in_set(s, y, x) && s.objs[x].gc_refs > 0
                ==> !pm_in_set(t, u, x);
     requires \forall integer p, x; pm_in_set(s, y, p) && !pm_in_set(t, u, p)
                && pm_edge(s, p, x) && pm_in_set(s, y, x) ==> !pm_in_set(t, u, x);
     assigns \nothing;
     ensures \forall integer x; pm_reach(s, y, x) ==> pm_in_set(s, y, x) && !pm_in_set(t, u, x);
  @/
  static void lemma_reach_outside(pm_model s, pm_model t, int32_t y, int32_t u)
  {
  }
*/

/* ------------------------------------------------------------ the scan */

/* visit_reachable: a collecting object reached from a scanned one gets
 * gc_refs 1 if it had 0; a tentatively unreachable one goes back to the
 * tail of YOUNG.  The postconditions before the behaviors state the frame
 * of all three at once, and V's new flags and gc_refs, in the form the
 * caller's invariant needs (the provers did not find it from the
 * behaviors and assigns clauses alone). */
#define PM_VR_BACK(m, v) ((v) >= 0 && (m)->objs[v].collecting && (m)->objs[v].unreachable)
/* \old(pm_glist[v]) and \old(pm_gpos[v]): E-ACSL saves an \old term at
 * entry even where the clause does not use it, and V may be negative; its
 * build reads them only for V >= 0 (the value is unused otherwise). */
#ifdef PM_EACSL
# define PM_VR_OLD(t, v) \old((v) >= 0 ? t[v] : -1)
# define PM_VR_OLDF(m, v, f) \old((v) >= 0 ? (m)->objs[v].f : 0)
#else
# define PM_VR_OLD(t, v) \old(t[v])
# define PM_VR_OLDF(m, v, f) \old((m)->objs[v].f)
#endif
/*@ requires PM_HEAP_OK(m) && PM_ACTIVE(m, young);
    requires PM_C_NULL <= v < m->nobjs;
    requires v >= 0 && m->objs[v].collecting && m->objs[v].unreachable
             ==> PM_NHEADS <= v && pm_glist[v] >= 0 && pm_glist[v] != young;
    assigns PM_LINKS(m), m->objs[..].unreachable, m->objs[..].gc_refs;
    ensures PM_HEAP_OK(m) && PM_KEEPS_ACTIVE(m);
    ensures vr_list: \forall integer j; 0 <= j < PM_GHOST_CAP(m) && j != v ==>
              pm_glist[j] == \old(pm_glist[j]);
    ensures vr_young: \forall integer j; 0 <= j < PM_GHOST_CAP(m) && j != v
              && \old(pm_glist[j]) == young ==> pm_gpos[j] == \old(pm_gpos[j]);
    ensures vr_refs: \forall integer i; 0 <= i < PM_OBJ_CAP(m) && i != v ==>
              m->objs[i].gc_refs == \old(m->objs[i].gc_refs)
              && m->objs[i].unreachable == \old(m->objs[i].unreachable);
    ensures vr_len: \forall integer g; 0 <= g < PM_NHEADS ==>
              pm_glen[g] == \old(pm_glen[g])
                + (\old(PM_VR_BACK(m, v)) ? (g == young ? 1 : 0)
                                           - (g == PM_VR_OLD(pm_glist, v) ? 1 : 0) : 0);
    ensures vr_back: \old(PM_VR_BACK(m, v)) ==>
              pm_glist[v] == young && pm_gpos[v] == \old(pm_glen[young]) + 1;
    ensures vr_stay: 0 <= v && !\old(PM_VR_BACK(m, v)) ==>
              pm_glist[v] == PM_VR_OLD(pm_glist, v) && pm_gpos[v] == PM_VR_OLD(pm_gpos, v);
    ensures vr_coll: \forall integer i; 0 <= i < PM_OBJ_CAP(m) ==>
              m->objs[i].collecting == \old(m->objs[i].collecting);
    ensures vr_unr: 0 <= v ==> (m->objs[v].unreachable <==>
              PM_VR_OLDF(m, v, unreachable) && !PM_VR_OLDF(m, v, collecting));
    ensures vr_mark: 0 <= v ==> m->objs[v].gc_refs ==
              (PM_VR_OLDF(m, v, collecting)
               && (PM_VR_OLDF(m, v, unreachable) || PM_VR_OLDF(m, v, gc_refs) == 0)
               ? 1 : PM_VR_OLDF(m, v, gc_refs));
    behavior ignored:
      assumes v < 0 || !m->objs[v].collecting;
      assigns \nothing;
    behavior back:
      assumes v >= 0 && m->objs[v].collecting && m->objs[v].unreachable;
      ensures !m->objs[v].unreachable && m->objs[v].gc_refs == 1;
      ensures \forall integer i; 0 <= i < PM_OBJ_CAP(m) && i != v ==>
                m->objs[i].unreachable == \old(m->objs[i].unreachable)
                && m->objs[i].gc_refs == \old(m->objs[i].gc_refs);
      ensures PM_MOVED(m, v, young);
    behavior mark:
      assumes v >= 0 && m->objs[v].collecting && !m->objs[v].unreachable;
      assigns m->objs[v].gc_refs;
      ensures m->objs[v].gc_refs == (\old(m->objs[v].gc_refs) == 0 ? 1 : \old(m->objs[v].gc_refs));
    complete behaviors;
    disjoint behaviors;
*/
static void visit_reachable(pm_model *m, int32_t v, int32_t young)
{
    if (v < 0 || !m->objs[v].collecting)
        return;
    if (m->objs[v].unreachable) {
        /* tentatively unreachable, reached after all: back to young's tail */
        m->objs[v].unreachable = false;
        gc_list_move(m, v, young);
        m->objs[v].gc_refs = 1;
    } else if (m->objs[v].gc_refs == 0) {
        m->objs[v].gc_refs = 1;
    }
}

/* The walk's step at an object O with gc_refs > 0 (the first branch of
 * gcmodule.c's move_unreachable loop): visit what O refers to, in
 * tp_traverse's order, then O is done (no longer collecting).  The scan
 * position moves past O. */
/*@ requires PM_HEAP_OK(m) && PM_ACTIVE(m, young) && PM_ACTIVE(m, unreachable);
    requires young != unreachable;
    requires pre_refs: \forall integer x; PM_NHEADS <= x < pre.nobjs && PM_IN_PRE(pre, young, x)
               ==> pre.objs[x].gc_refs >= 0;
    requires o_member: PM_MEMBER(m, o, young) && m->objs[o].gc_refs > 0;
    requires shape: PM_MU_SHAPE(m, pre);
    requires set: PM_MU_SET(m, pre, young, unreachable);
    requires scanned: PM_MU_SCANNED(m, pre, young, pm_gpos[o]);
    requires ahead: PM_MU_AHEAD(m, young, pm_gpos[o]);
    requires reach: PM_MU_REACH(m, pre, young);
    requires unreach: PM_MU_UNREACH(m, unreachable);
    requires len: pm_glen[young] + pm_glen[unreachable] == len0;
    assigns PM_LINKS(m), m->objs[..].gc_refs, m->objs[..].collecting,
            m->objs[..].unreachable;
    ensures heap: PM_HEAP_OK(m) && PM_KEEPS_ACTIVE(m);
    ensures o_member: PM_MEMBER(m, o, young) && pm_gpos[o] == \old(pm_gpos[o]);
    ensures shape: PM_MU_SHAPE(m, pre);
    ensures set: PM_MU_SET(m, pre, young, unreachable);
    ensures others: PM_MU_OTHERS(m, pre, young);
    ensures scanned: PM_MU_SCANNED(m, pre, young, pm_gpos[o] + 1);
    ensures ahead: PM_MU_AHEAD(m, young, pm_gpos[o] + 1);
    ensures reach: PM_MU_REACH(m, pre, young);
    ensures unreach: PM_MU_UNREACH(m, unreachable);
    ensures len: pm_glen[young] + pm_glen[unreachable] == len0;
    ensures grows: \old(pm_glen[young]) <= pm_glen[young];
*/
static void scan_reachable(pm_model *m, int32_t o, int32_t young, int32_t unreachable)
    /*@ ghost (pm_model pre, int32_t len0) */
{
    (void)unreachable;    /* the contract's: the objects visit_reachable takes back */
    int32_t n = pm_traverse_count(m, o);
    /*@ loop invariant bounds: 0 <= k <= n && n == m->objs[o].nslots;
        loop invariant heap: PM_HEAP_OK(m) && PM_ACTIVE(m, young) && PM_ACTIVE(m, unreachable);
        loop invariant keep_act: \forall integer h; 0 <= h < PM_NHEADS
          && \at(m->objs[h].gc_next, Pre) >= 0 ==> m->objs[h].gc_next >= 0;
        loop invariant o_pos: PM_MEMBER(m, o, young) && pm_gpos[o] == \at(pm_gpos[o], Pre);
        loop invariant o_root: m->objs[o].collecting && m->objs[o].gc_refs > 0;
        loop invariant o_reach: pm_reach(pre, young, o);
        loop invariant shape: PM_MU_SHAPE(m, pre);
        loop invariant set: PM_MU_SET(m, pre, young, unreachable);
        loop invariant others: \forall integer x; 0 <= x < m->nobjs && !PM_IN_PRE(pre, young, x)
          ==> pm_glist[x] == \at(pm_glist[x], Pre)
              && m->objs[x].collecting == \at(m->objs[x].collecting, Pre)
              && m->objs[x].unreachable == \at(m->objs[x].unreachable, Pre)
              && m->objs[x].gc_refs == \at(m->objs[x].gc_refs, Pre);
        loop invariant scanned: PM_MU_SCANNED(m, pre, young, pm_gpos[o]);
        loop invariant ahead: PM_MU_AHEAD(m, young, pm_gpos[o]);
        loop invariant reach: PM_MU_REACH(m, pre, young);
        loop invariant unreach: PM_MU_UNREACH(m, unreachable);
        loop invariant len: pm_glen[young] + pm_glen[unreachable] == len0;
        loop invariant grows: \at(pm_glen[young], Pre) <= pm_glen[young];
        loop invariant visited: \forall integer i; PM_VISITED_OF(pre.objs[o], k, i) ==>
          PM_MARKED(m, pre, pre.slots[i], young);
        loop assigns k, PM_LINKS(m), m->objs[..].gc_refs, m->objs[..].unreachable;
        loop variant n - k;
    */
    for (int32_t k = 0; k < n; k++) {
        int32_t v = pm_traverse_item(m, o, k);
        /*@ ghost lemma_item_edge(pre, o, k); */
        /*@ assert o_same: m->objs[o].slot0 == pre.objs[o].slot0
              && m->objs[o].nslots == pre.objs[o].nslots && m->objs[o].kind == pre.objs[o].kind; */
        /*@ assert item_same: m->slots[PM_TITEM(m, o, k)] == pre.slots[PM_TITEM(m, o, k)]; */
        /*@ assert v_pre: v == pre.slots[PM_TITEM_OF(pre.objs[o], k)]; */
        /*@ assert v_reach: 0 <= v && m->objs[v].collecting ==> pm_reach(pre, young, v); */
        /*@ assert v_state: PM_NHEADS <= v < m->nobjs && PM_IN_PRE(pre, young, v) ==>
              m->objs[v].gc_refs > 0 || (m->objs[v].collecting && m->objs[v].gc_refs >= 0); */
        /*@ assert v_back_zero: PM_VR_BACK(m, v) ==> m->objs[v].gc_refs == 0; */
        /*@ ghost int32_t r0 = v >= 0 ? m->objs[v].gc_refs : 0; */
        visit_reachable(m, v, young);
        /*@ assert kept_obj: \forall integer x; 0 <= x < m->nobjs && x != v ==>
              m->objs[x].gc_refs == \at(m->objs[x].gc_refs, LoopCurrent)
              && m->objs[x].collecting == \at(m->objs[x].collecting, LoopCurrent)
              && m->objs[x].unreachable == \at(m->objs[x].unreachable, LoopCurrent)
              && pm_glist[x] == \at(pm_glist[x], LoopCurrent); */
        /*@ assert v_marked: PM_MARKED(m, pre, v, young); */
        /*@ assert kept: \forall integer x; PM_MEMBER(m, x, young) ==>
              (\at(pm_glist[x], LoopCurrent) == young
               && pm_gpos[x] == \at(pm_gpos[x], LoopCurrent))
              || (x == v && m->objs[x].collecting && pm_gpos[x] > pm_gpos[o]); */
        /*@ assert v_grow: 0 <= v ==> m->objs[v].gc_refs >= r0; */
        /* (pre.slots[i] == v rather than i == the item's index: the
         * provers instantiate a quantifier at a term slots[i] of the goal,
         * and one whose body is all arithmetic has no such term.) */
        /*@ assert step: \forall integer i; PM_VISITED_OF(pre.objs[o], k + 1, i) ==>
              PM_VISITED_OF(pre.objs[o], k, i) || pre.slots[i] == v; */
        /*@ assert refs_grow: \forall integer x; 0 <= x < m->nobjs ==>
              m->objs[x].gc_refs >= \at(m->objs[x].gc_refs, LoopCurrent); */
        /*@ assert scanned_at: \forall integer x; PM_MEMBER(m, x, young) && pm_gpos[x] < pm_gpos[o] ==>
              \at(pm_glist[x], LoopCurrent) == young && \at(x < m->nobjs, LoopCurrent)
              && \at(pm_gpos[x], LoopCurrent) < \at(pm_gpos[o], LoopCurrent); */
        /*@ assert scanned_old: \forall integer x; PM_MEMBER(m, x, young) && pm_gpos[x] < pm_gpos[o] ==>
              \at(PM_DONE(m, pre, x, young), LoopCurrent); */
    }
    /*@ assert all_visited: \forall integer i; pre.objs[o].slot0 <= i
          < pre.objs[o].slot0 + pre.objs[o].nslots ==> PM_MARKED(m, pre, pre.slots[i], young); */
    m->objs[o].collecting = false;
}

/* The walk's step at an object O with gc_refs 0 (the second branch):
 * O moves to UNREACHABLE, tentatively.  The objects behind O move one
 * position down, so the scan position stays where it is and now names
 * O's successor. */
/*@ requires PM_HEAP_OK(m) && PM_ACTIVE(m, young) && PM_ACTIVE(m, unreachable);
    requires young != unreachable;
    requires pre_refs: \forall integer x; PM_NHEADS <= x < pre.nobjs && PM_IN_PRE(pre, young, x)
               ==> pre.objs[x].gc_refs >= 0;
    requires o_member: PM_MEMBER(m, o, young) && m->objs[o].gc_refs <= 0;
    requires shape: PM_MU_SHAPE(m, pre);
    requires set: PM_MU_SET(m, pre, young, unreachable);
    requires scanned: PM_MU_SCANNED(m, pre, young, pm_gpos[o]);
    requires ahead: PM_MU_AHEAD(m, young, pm_gpos[o]);
    requires reach: PM_MU_REACH(m, pre, young);
    requires unreach: PM_MU_UNREACH(m, unreachable);
    requires len: pm_glen[young] + pm_glen[unreachable] == len0;
    assigns PM_LINKS(m), m->objs[o].unreachable;
    ensures heap: PM_HEAP_OK(m) && PM_KEEPS_ACTIVE(m);
    ensures next: \old(m->objs[o].gc_next) == young
                  ? \old(pm_gpos[o]) == pm_glen[young] + 1
                  : PM_MEMBER(m, \old(m->objs[o].gc_next), young)
                    && pm_gpos[\old(m->objs[o].gc_next)] == \old(pm_gpos[o]);
    ensures shape: PM_MU_SHAPE(m, pre);
    ensures set: PM_MU_SET(m, pre, young, unreachable);
    ensures others: PM_MU_OTHERS(m, pre, young);
    ensures scanned: PM_MU_SCANNED(m, pre, young, \old(pm_gpos[o]));
    ensures ahead: PM_MU_AHEAD(m, young, \old(pm_gpos[o]));
    ensures reach: PM_MU_REACH(m, pre, young);
    ensures unreach: PM_MU_UNREACH(m, unreachable);
    ensures len: pm_glen[young] + pm_glen[unreachable] == len0;
    ensures shrinks: pm_glen[young] == \old(pm_glen[young]) - 1;
*/
static void move_to_unreachable(pm_model *m, int32_t o, int32_t young, int32_t unreachable)
    /*@ ghost (pm_model pre, int32_t len0) */
{
    (void)young;    /* the contract's: O leaves it */
    gc_list_move(m, o, unreachable);
    /*@ assert before: \forall integer x; PM_MEMBER(m, x, young) && pm_gpos[x] < \at(pm_gpos[o], Pre)
          ==> \at(pm_glist[x], Pre) == young && \at(pm_gpos[x], Pre) == pm_gpos[x]; */
    /*@ assert behind: \forall integer x; PM_MEMBER(m, x, young) && pm_gpos[x] >= \at(pm_gpos[o], Pre)
          ==> \at(pm_glist[x], Pre) == young && \at(pm_gpos[x], Pre) == pm_gpos[x] + 1; */
    m->objs[o].unreachable = true;
    /*@ assert kept_flags: \forall integer x; 0 <= x < m->nobjs ==>
          m->objs[x].gc_refs == \at(m->objs[x].gc_refs, Pre)
          && m->objs[x].collecting == \at(m->objs[x].collecting, Pre); */
    /*@ assert scanned_pre: \forall integer x; PM_MEMBER(m, x, young) && pm_gpos[x] < \at(pm_gpos[o], Pre)
          ==> \at(PM_DONE(m, pre, x, young), Pre); */
}

/* Scan YOUNG in order; objects with gc_refs 0 move to UNREACHABLE unless a
 * later traversal reaches them, which puts them back at young's tail.
 * The loop invariant is the one spec/gc.md states: objects before the scan
 * position are reachable and their successors in the set have gc_refs > 0;
 * objects on UNREACHABLE have gc_refs 0; a collecting object with
 * gc_refs > 0 is reachable. */
/*@ requires PM_HEAP_OK(m) && PM_ACTIVE(m, young) && PM_ACTIVE(m, unreachable);
    requires young != unreachable && pm_glen[unreachable] == 0;
    requires \forall integer i; 0 <= i < m->nobjs ==>
               (m->objs[i].collecting <==> PM_MEMBER(m, i, young))
               && !m->objs[i].unreachable;
    requires \forall integer i; PM_MEMBER(m, i, young) ==> m->objs[i].gc_refs >= 0;
    assigns PM_LINKS(m), m->objs[..].gc_refs, m->objs[..].collecting,
            m->objs[..].unreachable;
    ensures PM_HEAP_OK(m) && PM_KEEPS_ACTIVE(m);
    ensures \forall integer x; PM_NHEADS <= x < m->nobjs ==>
              (\old(pm_glist[x]) == young ==> pm_glist[x] == young || pm_glist[x] == unreachable)
              && (\old(pm_glist[x]) != young ==> pm_glist[x] == \old(pm_glist[x]));
    ensures central: \forall integer x; PM_NHEADS <= x < m->nobjs && \old(pm_glist[x]) == young ==>
              (pm_glist[x] == unreachable <==> !pm_reach(\old(*m), young, x));
    ensures roots_stay: \forall integer x; PM_NHEADS <= x < m->nobjs && \old(pm_glist[x]) == young
              && \old(m->objs[x].gc_refs) > 0 ==> pm_glist[x] == young;
    ensures \forall integer x; PM_MEMBER(m, x, young) ==>
              !m->objs[x].collecting && !m->objs[x].unreachable && m->objs[x].gc_refs > 0;
    ensures \forall integer x; PM_MEMBER(m, x, unreachable) ==>
              m->objs[x].collecting && m->objs[x].unreachable && m->objs[x].gc_refs == 0;
    ensures \forall integer x; 0 <= x < m->nobjs && \old(pm_glist[x]) != young ==>
              m->objs[x].collecting == \old(m->objs[x].collecting)
              && m->objs[x].unreachable == \old(m->objs[x].unreachable)
              && m->objs[x].gc_refs == \old(m->objs[x].gc_refs);
*/
void move_unreachable(pm_model *m, int32_t young, int32_t unreachable)
{
#ifdef PM_EACSL
    pm_model pm_pre = pm_ghost_copy(m);   /* a copy of the tables too */
#else
    /*@ ghost pm_model pm_pre = *m; */
#endif
    /*@ ghost int32_t pm_len0 = pm_glen[young]; */
    /*@ assert in_s: \forall integer x; 0 <= x < m->nobjs ==>
               (PM_IN_PRE(pm_pre, young, x) <==> PM_NHEADS <= x && pm_glist[x] == young); */
    int32_t o = m->objs[young].gc_next;
    /*@ ghost int32_t pos = 1; */    /* the scan position, PM_SCAN(m, o, young) */
    /* The variant: a scan moves pos on and may take objects back from
     * UNREACHABLE (at most nobjs < 2^31 of them); a move to UNREACHABLE
     * keeps pos and shortens YOUNG.  The weight 2^31 is a constant so that
     * the measure stays linear. */
    /*@ loop invariant heap: PM_HEAP_OK(m) && PM_ACTIVE(m, young) && PM_ACTIVE(m, unreachable);
        loop invariant keep_act: \forall integer h; 0 <= h < PM_NHEADS
          && \at(m->objs[h].gc_next, Pre) >= 0 ==> m->objs[h].gc_next >= 0;
        loop invariant cursor: o == young || PM_MEMBER(m, o, young);
        loop invariant shape: PM_MU_SHAPE(m, pm_pre);
        loop invariant set: PM_MU_SET(m, pm_pre, young, unreachable);
        loop invariant others: \forall integer x; 0 <= x < m->nobjs && !PM_IN_PRE(pm_pre, young, x)
          ==> pm_glist[x] == \at(pm_glist[x], Pre)
              && m->objs[x].collecting == \at(m->objs[x].collecting, Pre)
              && m->objs[x].unreachable == \at(m->objs[x].unreachable, Pre)
              && m->objs[x].gc_refs == \at(m->objs[x].gc_refs, Pre);
        loop invariant at: pos == PM_SCAN(m, o, young);
        loop invariant scanned: PM_MU_SCANNED(m, pm_pre, young, pos);
        loop invariant ahead: PM_MU_AHEAD(m, young, pos);
        loop invariant reach: PM_MU_REACH(m, pm_pre, young);
        loop invariant unreach: PM_MU_UNREACH(m, unreachable);
        loop invariant len: pm_glen[young] + pm_glen[unreachable] == pm_len0;
        loop invariant pos: 1 <= pos <= pm_glen[young] + 1;
        loop assigns o, pos, PM_LINKS(m), m->objs[..].gc_refs, m->objs[..].collecting,
                     m->objs[..].unreachable;
        loop variant (pm_len0 + 1 - pos) * 2147483648 + (pm_glen[young] + 1 - pos);
    */
    while (o != young) {
        if (m->objs[o].gc_refs > 0) {
            scan_reachable(m, o, young, unreachable) /*@ ghost (pm_pre, pm_len0) */;
            /*@ ghost pos = pos + 1; */
            o = m->objs[o].gc_next;
        } else {
            int32_t next = m->objs[o].gc_next;
            move_to_unreachable(m, o, young, unreachable) /*@ ghost (pm_pre, pm_len0) */;
            o = next;
        }
    }
    /*@ assert end: pos == pm_glen[young] + 1; */
    /*@ assert survivors: \forall integer x; PM_MEMBER(m, x, young) ==>
               PM_DONE(m, pm_pre, x, young) && pm_reach(pm_pre, young, x); */
    /*@ assert in_u: \forall integer x; 0 <= x < m->nobjs ==>
               (pm_in_set(*m, unreachable, x) <==> PM_NHEADS <= x && pm_glist[x] == unreachable); */
    /*@ assert roots_not_u: \forall integer x; 0 <= x < m->nobjs && pm_in_set(pm_pre, young, x)
               && pm_pre.objs[x].gc_refs > 0 ==> !pm_in_set(*m, unreachable, x); */
    /*@ assert closed: \forall integer p, x; 0 <= p < m->nobjs && 0 <= x < m->nobjs
               && pm_in_set(pm_pre, young, p) && !pm_in_set(*m, unreachable, p)
               && pm_edge(pm_pre, p, x) && pm_in_set(pm_pre, young, x)
               ==> !pm_in_set(*m, unreachable, x); */
    /*@ ghost lemma_reach_outside(pm_pre, *m, young, unreachable); */
#ifdef PM_EACSL
    pm_ghost_copy_free(&pm_pre);
#endif
}
