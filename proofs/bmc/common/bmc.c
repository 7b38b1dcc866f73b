/* bmc.c: the operation builders of bmc.h. */
#include "bmc.h"

#include <string.h>

bool bmc_start(bmc *b)
{
    memset(b, 0, sizeof *b);
    b->t.file = "<bmc>";
    b->t.values = b->values;
    b->m = pm_model_new(pm_profile_find("3.11"), NULL);
    return b->m != NULL && bmc_reserve(b->m);
}

void bmc_finish(bmc *b)
{
    pm_model_free(b->m);
    b->m = NULL;
}

/* A blank operation, as parse_line starts one. */
static pm_op blank(pm_op_kind kind)
{
    pm_op op;
    memset(&op, 0, sizeof op);
    op.kind = kind;
    op.name = op.cls = op.slot = -1;
    op.value = PM_NO_VALUE;
    op.decl.del_name = op.decl.del_slot = op.decl.del_class = -1;
    return op;
}

int bmc_step(bmc *b, pm_op *op)
{
    op->line = ++b->line;
    return pm_model_step(b->m, &b->t, op, &b->diag);
}

bool bmc_class_ok(const pm_class *decls, int32_t nclasses, const pm_class *c)
{
    if (c->kind < PM_KIND_INSTANCE || c->kind > PM_KIND_ATOM)
        return false;
    if (c->nslots < 0 || c->nslots > (c->kind == PM_KIND_INSTANCE ? PM_MAX_SLOTS : 15))
        return false;
    if (c->kind == PM_KIND_ATOM && c->nslots != 0)
        return false;
    if (c->kind == PM_KIND_TUPLE && c->nslots == 0)
        return false;
    if (c->kind != PM_KIND_INSTANCE && (c->weakrefable || c->del != PM_DEL_NONE))
        return false;
    switch (c->del) {
    case PM_DEL_NONE:
    case PM_DEL_OBSERVE:
    case PM_DEL_LEGACY:
        return true;
    case PM_DEL_RESURRECT:
        return c->del_name >= 0;
    case PM_DEL_CLEAR:
        return c->del_slot >= 0 && c->del_slot < c->nslots;
    case PM_DEL_CREATE:
        return c->del_name >= 0 && c->del_class >= 0 && c->del_class < nclasses &&
               decls[c->del_class].kind == PM_KIND_INSTANCE;
    }
    return false;
}

int bmc_class(bmc *b, const pm_class *decl)
{
    __CPROVER_assert(b->nclasses < BMC_MAX_CLASSES, "harness: class table large enough");
    __CPROVER_assume(bmc_class_ok(b->decl, b->nclasses, decl));
    pm_op op = blank(PM_OP_CLASS);
    op.decl = *decl;
    op.cls = b->nclasses;
    b->decl[b->nclasses++] = *decl;
    b->t.nclasses = b->nclasses;
    return bmc_step(b, &op);
}

int bmc_new(bmc *b, int32_t name, int32_t cls, int32_t nvalues, const int32_t *values)
{
    __CPROVER_assume(cls >= 0 && cls < b->nclasses && name >= 0);
    __CPROVER_assume(nvalues == 0 || nvalues == b->decl[cls].nslots);
    __CPROVER_assert(b->t.nvalues + nvalues <= BMC_MAX_VALUES, "harness: value table large enough");
    pm_op op = blank(PM_OP_NEW);
    op.name = name;
    op.cls = cls;
    op.nvalues = nvalues;
    op.values0 = b->t.nvalues;
    for (int32_t i = 0; i < nvalues; i++)
        b->values[b->t.nvalues++] = values[i];
    return bmc_step(b, &op);
}

int bmc_set(bmc *b, int32_t name, int32_t slot, int32_t value)
{
    __CPROVER_assume(name >= 0 && slot >= 0 && slot < PM_MAX_SLOTS && value >= PM_NO_VALUE);
    pm_op op = blank(PM_OP_SET);
    op.name = name;
    op.slot = slot;
    op.value = value;
    return bmc_step(b, &op);
}

int bmc_bind(bmc *b, int32_t name, int32_t value)
{
    __CPROVER_assume(name >= 0 && value >= PM_NO_VALUE);
    pm_op op = blank(PM_OP_BIND);
    op.name = name;
    op.value = value;
    return bmc_step(b, &op);
}

int bmc_del(bmc *b, int32_t name)
{
    __CPROVER_assume(name >= 0);
    pm_op op = blank(PM_OP_DEL);
    op.name = name;
    return bmc_step(b, &op);
}

int bmc_weakref(bmc *b, int32_t name, int32_t value, bool callback)
{
    __CPROVER_assume(name >= 0 && value >= 0);   /* `weakref w _` is refused */
    pm_op op = blank(PM_OP_WEAKREF);
    op.name = name;
    op.value = value;
    op.callback = callback;
    return bmc_step(b, &op);
}

int bmc_collect(bmc *b, int32_t generation)
{
    __CPROVER_assume(generation >= 0 && generation <= 2);
    pm_op op = blank(PM_OP_COLLECT);
    op.nargs = 1;
    op.args[0] = generation;
    return bmc_step(b, &op);
}

int bmc_threshold(bmc *b, int32_t nargs, const int32_t args[3])
{
    __CPROVER_assume(nargs >= 1 && nargs <= 3);
    pm_op op = blank(PM_OP_THRESHOLD);
    op.nargs = nargs;
    for (int i = 0; i < nargs; i++) {
        __CPROVER_assume(args[i] >= 0);          /* a number: 31 bits */
        op.args[i] = args[i];
    }
    return bmc_step(b, &op);
}

int bmc_simple(bmc *b, pm_op_kind kind)
{
    pm_op op = blank(kind);
    return bmc_step(b, &op);
}

bool bmc_valid(const bmc *b)
{
    return pm_model_is_valid(b->m, NULL, 0);
}
