/* ops_alloc.h: the allocator operations of a trace (model/ops_alloc.c),
 * for pm_model_step.  Not part of the public interface. */
#ifndef PM_OPS_ALLOC_H
#define PM_OPS_ALLOC_H

#include "pymemref.h"

/* Run OP (PM_OP_PYMALLOC, _MALLOC, _FREE or _REALLOC) of trace T on M and
 * record its event; out of memory fails the model. */
void pm_model_alloc_op(pm_model *m, const pm_trace *t, const pm_op *op);

#endif /* PM_OPS_ALLOC_H */
