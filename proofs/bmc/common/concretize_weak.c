/* concretize_weak.c: placeholders that let goto-instrument --replace-calls
 * see the wrappers before concretize.c is linked; the strong definitions in
 * concretize.c replace them at link time. */
#include "pymemref.h"

__attribute__((weak)) void bmc_dealloc(pm_model *m, int32_t o) { (void)m; (void)o; }
__attribute__((weak)) void bmc_tp_clear(pm_model *m, int32_t o) { (void)m; (void)o; }
__attribute__((weak)) void bmc_run_finalizer(pm_model *m, int32_t o) { (void)m; (void)o; }
