/* bmc.h: what every CBMC harness shares.  A harness drives the model only
 * through its public interface (model/pymemref.h): it builds operations as
 * the trace parser would (spec/trace.md, static rules) with fields chosen
 * nondeterministically, and runs them with pm_model_step, so that every
 * state a harness reaches is the state of some real trace. */
#ifndef PM_BMC_H
#define PM_BMC_H

#include "pymemref.h"

#include <stdbool.h>
#include <stdint.h>

/* Nondeterministic values (CBMC gives a function without a body named
 * nondet_* an arbitrary result at each call). */
int32_t nondet_int32(void);
bool nondet_bool(void);

/* A nondeterministic integer in [lo, hi]. */
static inline int32_t bmc_range(int32_t lo, int32_t hi)
{
    int32_t v = nondet_int32();
    __CPROVER_assume(v >= lo && v <= hi);
    return v;
}

#ifndef BMC_MAX_VALUES
#define BMC_MAX_VALUES 16     /* initial values of `new` ops in one harness */
#endif
#ifndef BMC_MAX_CLASSES
#define BMC_MAX_CLASSES 8
#endif

/* One harness run: the model, the trace the operations belong to, and a
 * copy of each class declaration (what the parser knows statically). */
typedef struct bmc {
    pm_model *m;
    pm_trace t;
    int32_t values[BMC_MAX_VALUES];
    pm_class decl[BMC_MAX_CLASSES];
    int32_t nclasses;
    pm_diag diag;
    int line;
} bmc;

/* A model under the 3.11 profile, its tables reserved (bmc_reserve.c);
 * false only when an allocation failed. */
bool bmc_start(bmc *b);
bool bmc_reserve(pm_model *m);
void bmc_unreserve(pm_model *m);   /* before pm_model_free */
void bmc_finish(bmc *b);

/* Run one operation (its line is set here).  0, or -1 when the model
 * reports a dynamic error or runs out of memory. */
int bmc_step(bmc *b, pm_op *op);

/* Operations, as the parser builds them.  Each returns bmc_step's result. */
int bmc_class(bmc *b, const pm_class *decl);
int bmc_new(bmc *b, int32_t name, int32_t cls, int32_t nvalues, const int32_t *values);
int bmc_set(bmc *b, int32_t name, int32_t slot, int32_t value);
int bmc_bind(bmc *b, int32_t name, int32_t value);
int bmc_del(bmc *b, int32_t name);
int bmc_weakref(bmc *b, int32_t name, int32_t value, bool callback);
int bmc_collect(bmc *b, int32_t generation);
int bmc_threshold(bmc *b, int32_t nargs, const int32_t args[3]);
int bmc_simple(bmc *b, pm_op_kind kind);   /* enable, disable, freeze, ... */

/* The static rules of spec/trace.md for a class declaration made after
 * NCLASSES others (DECL holds those). */
bool bmc_class_ok(const pm_class *decls, int32_t nclasses, const pm_class *c);

/* pm_model_is_valid, without its message. */
bool bmc_valid(const bmc *b);

#endif /* PM_BMC_H */
