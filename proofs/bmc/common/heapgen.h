/* heapgen.h: nondeterministic heaps for the collector harnesses.
 *
 * bmc_heap_build makes a 3.11 model (static tables: smodel.c) holding
 * BMC_NOBJ objects after the two frozen lists, each of a class chosen
 * nondeterministically among those the harness allows, with every slot
 * holding None or any of the objects, every name of the namespace bound to
 * any object or unbound, every weak reference pointing at any weakrefable
 * instance (or cleared), every object on any generation the harness
 * allows, and every finalizer already run or not.  Reference counts are
 * left arbitrary and then constrained by pm_model_is_valid (heap_valid.c),
 * the predicate the unit tests check at run time, plus "every object is
 * referred to" (refcnt >= 1), which pm_model_is_valid does not state.
 *
 * Generations are nondecreasing in index order and each list is in index
 * order.  That loses no generality: classes and slots are chosen per
 * object, so any other layout is the same heap with the objects
 * renumbered.  A referent's weak references are listed callback-less one
 * first, then those with a callback in index order (the order in which
 * their callbacks run is therefore one order among the possible ones).
 *
 * Every table is static (smodel.c) and every write of the builder is at a
 * fixed index: the builder and pm_model_is_valid alone verify in about
 * 40 s at 5 objects (CBMC 6.6, minisat: this build has no cadical).
 */
#ifndef PM_BMC_HEAPGEN_H
#define PM_BMC_HEAPGEN_H

#include "bmc.h"
#include "heap.h"
#include "spec.h"

#ifndef BMC_NOBJ
#define BMC_NOBJ 5            /* objects in the heap                        */
#endif
#ifndef BMC_NSLOTS
#define BMC_NSLOTS 2          /* slots of every instance class              */
#endif
#ifndef BMC_NNAMES
#define BMC_NNAMES 3          /* namespace names: external references       */
#endif

/* Object classes a harness may allow (a bit mask of these). */
enum {
    BMC_C_PLAIN = 1,          /* instance, no finalizer                     */
    BMC_C_OBSERVE = 2,        /* instance, __del__ records its event        */
    BMC_C_RESURRECT = 4,      /* instance, __del__: R[BMC_RNAME] = self     */
    BMC_C_WEAK_CB = 8,        /* weakref.ref(x, CB)                         */
    BMC_C_WEAK = 16,          /* weakref.ref(x)                             */
    BMC_C_ALL = 31
};
#define BMC_RNAME BMC_NNAMES  /* the name the resurrecting class binds      */

typedef struct bmc_heap {
    pm_model *m;
    int32_t first;            /* index of the first object                  */
    int32_t n;                /* objects: first .. first + n - 1            */
    int32_t cls[BMC_C_ALL + 1];   /* model class of each BMC_C_* bit         */
    uint8_t kind[BMC_NOBJ];   /* the BMC_C_* bit of each object             */
    uint8_t gen[BMC_NOBJ];    /* its generation                             */
} bmc_heap;

/* Build the heap.  CLASSES: allowed BMC_C_* bits; GENS: allowed
 * generations (bit g for generation g).  Always returns true (no
 * allocation is made). */
bool bmc_heap_build(bmc_heap *h, unsigned classes, unsigned gens);

/* Index of the object numbered I (0-based) and back. */
static inline int32_t bmc_obj(const bmc_heap *h, int32_t i) { return h->first + i; }

#endif
