/* reach_induction: the axiom pm_reach_induction of spec/acsl/heap.acsl,
 * checked over every heap of up to BMC_NOBJ objects (after the PM_NHEADS
 * list heads) with up to BMC_NSLOTS slots each, every list assignment of
 * the two states s and t, every pair of lists y and u.
 *
 * The predicates are those of heap.acsl, written over the same pm_obj
 * fields: pm_in_set(s, y, x) is "PM_NHEADS <= x < s.nobjs, tracked, on list
 * y"; pm_edge(s, p, x) is "a slot of p holds x"; pm_reach(s, y, .) is the
 * least set closed under the two cases pm_reach_root and pm_reach_edge,
 * computed here as a fixpoint (the least one: it starts empty and only
 * adds what a case derives).  Indices at or above s.nobjs are never in the
 * set, so the axiom's unbounded quantifiers range over the table. */
#include "bmc.h"
#include "heap.h"

#ifndef BMC_NOBJ
#define BMC_NOBJ 5
#endif
#ifndef BMC_NSLOTS
#define BMC_NSLOTS 2
#endif
#define CAP (PM_NHEADS + BMC_NOBJ)
#define NSLOTPOOL (BMC_NOBJ * BMC_NSLOTS)

uint8_t nondet_uint8(void);

typedef struct state {
    int32_t nobjs;
    pm_obj objs[CAP];
    int32_t slots[NSLOTPOOL];
} state;

static void any_state(state *s)
{
    s->nobjs = nondet_int32();
    __CPROVER_assume(s->nobjs >= PM_NHEADS && s->nobjs <= CAP);
    for (int32_t x = 0; x < CAP; x++) {
        s->objs[x].gc_next = nondet_int32();
        s->objs[x].list = nondet_uint8();
        s->objs[x].gc_refs = nondet_int32();
        s->objs[x].nslots = nondet_int32();
        s->objs[x].slot0 = nondet_int32();
        __CPROVER_assume(s->objs[x].nslots >= 0 && s->objs[x].nslots <= BMC_NSLOTS);
        __CPROVER_assume(s->objs[x].slot0 >= 0 && s->objs[x].slot0 <= NSLOTPOOL);
        __CPROVER_assume(s->objs[x].slot0 + s->objs[x].nslots <= NSLOTPOOL);
    }
    for (int32_t i = 0; i < NSLOTPOOL; i++)
        s->slots[i] = nondet_int32();
}

static bool in_set(const state *s, int32_t y, int32_t x)
{
    return PM_NHEADS <= x && x < s->nobjs && s->objs[x].gc_next >= 0 && s->objs[x].list == y;
}

static bool edge(const state *s, int32_t p, int32_t x)
{
    for (int32_t k = 0; k < s->objs[p].nslots; k++)
        if (s->slots[s->objs[p].slot0 + k] == x)
            return true;
    return false;
}

/* pm_reach(s, y, .) as the least fixpoint of its two cases. */
static void reach(const state *s, int32_t y, bool r[CAP])
{
    for (int32_t x = 0; x < CAP; x++)
        r[x] = in_set(s, y, x) && s->objs[x].gc_refs > 0;          /* pm_reach_root */
    for (int32_t round = 0; round < BMC_NOBJ; round++)
        for (int32_t p = 0; p < CAP; p++)
            for (int32_t x = 0; x < CAP; x++)
                if (r[p] && edge(s, p, x) && in_set(s, y, x))      /* pm_reach_edge */
                    r[x] = true;
}

int main(void)
{
    static state s, t;
    any_state(&s);
    any_state(&t);
    int32_t y = nondet_int32(), u = nondet_int32();
    bool r[CAP];
    reach(&s, y, r);

    bool roots_out = true, closed = true;
    for (int32_t x = 0; x < CAP; x++)
        if (in_set(&s, y, x) && s.objs[x].gc_refs > 0 && in_set(&t, u, x))
            roots_out = false;
    for (int32_t p = 0; p < CAP; p++)
        for (int32_t x = 0; x < CAP; x++)
            if (r[p] && in_set(&s, y, p) && !in_set(&t, u, p) && edge(&s, p, x) &&
                in_set(&s, y, x) && in_set(&t, u, x))
                closed = false;
    if (roots_out && closed)
        for (int32_t x = 0; x < CAP; x++)
            if (r[x])
                __CPROVER_assert(in_set(&s, y, x) && !in_set(&t, u, x),
                                 "pm_reach_induction holds at this bound");
    /* the fixpoint is closed: one more round adds nothing (N rounds suffice) */
    for (int32_t p = 0; p < CAP; p++)
        for (int32_t x = 0; x < CAP; x++)
            __CPROVER_assert(!(r[p] && edge(&s, p, x) && in_set(&s, y, x)) || r[x],
                             "harness: the fixpoint is reached");
    return 0;
}
