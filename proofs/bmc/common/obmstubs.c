/* obmstubs.c: environment of the pymalloc harnesses (obm_seq).
 *
 * realloc: the model grows its system-block table (obmalloc_sys.c) and
 * its radix-tree key table (obmalloc.c, 64-bit only) with realloc.
 * obmstate.c reserves the system table, so a growth is never needed; if
 * one were, this assertion fails and names the cause; the assume(0) after
 * it only ends that already failed path (nothing is cut that passes).
 * vsnprintf: under __CPROVER__ pm_pymalloc_is_valid formats no reason
 * (obmalloc_valid.c), so this is never reached (asserted). */
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>

void *realloc(void *p, size_t n)
{
    (void)p;
    (void)n;
    __CPROVER_assert(0, "harness: no table outgrows its reservation (obmstate.c)");
    __CPROVER_assume(0);
    return NULL;
}

int vsnprintf(char *str, size_t size, const char *fmt, va_list ap)
{
    (void)str;
    (void)size;
    (void)fmt;
    (void)ap;
    __CPROVER_assert(0, "harness: pm_pymalloc_is_valid formats no reason");
    return 0;
}
