/* init.c: start E-ACSL's memory model before main (proofs/eacsl/eacsl.mk).
 * Only the model's files are instrumented, not the programs' mains, so no
 * instrumented main calls __e_acsl_memory_init; this constructor does. */
#include <stddef.h>

void __e_acsl_memory_init(int *argc_ref, char ***argv, size_t ptr_size);
void __e_acsl_memory_clean(void);

__attribute__((constructor)) static void pm_eacsl_init(void)
{
    __e_acsl_memory_init(NULL, NULL, sizeof(void *));
}
