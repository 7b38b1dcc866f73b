/* stubs.c: environment models for the bounded model checker.
 *
 * CBMC's own models of snprintf/vsnprintf write every byte of the buffer in
 * a loop as long as the buffer, which would force an unwinding bound of 257
 * on every diagnostic.  The model only formats messages (pm_fail, pm_oom,
 * the WHY text of pm_model_is_valid), whose contents no harness reads.  This
 * stand-in keeps the one property that matters to the caller's memory
 * safety: the whole destination must be writable, and the result is a
 * terminated string inside it. */
#include <stdarg.h>
#include <stddef.h>

int vsnprintf(char *str, size_t size, const char *fmt, va_list ap)
{
    (void)fmt;
    (void)ap;
    if (size > 0) {
        __CPROVER_assert(__CPROVER_w_ok(str, size), "vsnprintf: destination writable");
        str[0] = '\0';
        str[size - 1] = '\0';
    }
    return 0;
}

int snprintf(char *str, size_t size, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int r = vsnprintf(str, size, fmt, ap);
    va_end(ap);
    return r;
}

/* realloc: the model grows its tables with realloc (heap.c, grow).  A
 * harness reserves every table at its final size first (reserve.c), so a
 * growth is never needed; if one were, this assertion fails and names the
 * cause.  Without it, symbolic execution would follow CBMC's realloc on
 * every path where a count is symbolic, and each table pointer would come
 * to alias several objects.  A first allocation (P null) is malloc's, and
 * under --malloc-may-fail a growth may also fail as realloc does, leaving
 * the table as it was. */
#include <stdbool.h>
#include <stdlib.h>

bool nondet_bool(void);
extern _Bool __CPROVER_malloc_may_fail;

void *realloc(void *p, size_t n)
{
    if (p == NULL)
        return malloc(n);
    if (__CPROVER_malloc_may_fail && nondet_bool())
        return NULL;
    __CPROVER_assert(0, "harness: no table outgrows its reservation (reserve.c)");
    __CPROVER_assume(0);
    return NULL;
}

/* memset: the model zeroes one new object (heap.c, pm_obj_new) or one new
 * event (pm_emit_raw) at an index that is symbolic in a harness.  CBMC's
 * own memset is a byte-level update of the whole table, whose
 * simplification does not end in reasonable time there.  Zeroing by
 * typed assignment has the same effect on those two types; anything else
 * is written byte by byte, as memset is specified. */
#include <string.h>
#include "heap.h"

void *memset(void *s, int c, size_t n)
{
    __CPROVER_assert(__CPROVER_w_ok(s, n), "memset: destination writable");
    if (c == 0 && n == sizeof(pm_event)) {
        static const pm_event zero_event;
        *(pm_event *)s = zero_event;
    } else if (c == 0 && n == sizeof(pm_obj)) {
        static const pm_obj zero_obj;
        *(pm_obj *)s = zero_obj;
    } else {
        unsigned char *p = s;
        for (size_t i = 0; i < n; i++)
            p[i] = (unsigned char)c;
    }
    return s;
}
