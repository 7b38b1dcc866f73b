/* parse_check.h: helpers of the parser's unit tests (check library). */
#ifndef PM_TEST_PARSE_CHECK_H
#define PM_TEST_PARSE_CHECK_H

#include "pymemref.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static inline pm_trace parse_ok_n(const char *text, size_t len)
{
    pm_trace t;
    pm_diag d = { .line = -1 };
    int rc = pm_trace_parse("t.trace", text, len, &t, &d);
    ck_assert_msg(rc == 0, "unexpected error: %s:%d: %s", d.file, d.line, d.message);
    return t;
}

static inline pm_trace parse_ok(const char *text) { return parse_ok_n(text, strlen(text)); }

/* TEXT must fail on LINE with MESSAGE, leave *out untouched, and name the
 * file. */
static inline void parse_err_n(const char *text, size_t len, int line, const char *message)
{
    pm_trace t;
    memset(&t, 0xA5, sizeof t);
    pm_trace before = t;
    pm_diag d = { .line = -1 };
    int rc = pm_trace_parse("t.trace", text, len, &t, &d);
    ck_assert_int_eq(rc, -1);
    ck_assert_str_eq(d.file, "t.trace");
    ck_assert_msg(d.line == line, "line %d, expected %d (%s)", d.line, line, d.message);
    ck_assert_str_eq(d.message, message);
    ck_assert_msg(memcmp(&t, &before, sizeof t) == 0, "*out was written on failure");
}

static inline void parse_err(const char *text, int line, const char *message)
{
    parse_err_n(text, strlen(text), line, message);
}

/* A text of COUNT copies of LINE (which ends with a newline). */
static inline char *repeat(const char *line, long count, size_t *len)
{
    size_t n = strlen(line);
    char *s = malloc(n * (size_t)count + 1);
    ck_assert_ptr_nonnull(s);
    for (long i = 0; i < count; i++)
        memcpy(s + n * (size_t)i, line, n);
    s[n * (size_t)count] = '\0';
    *len = n * (size_t)count;
    return s;
}

/* Run suite S; the exit status of the test program. */
static inline int run_suite(Suite *s)
{
    SRunner *r = srunner_create(s);
    srunner_run_all(r, CK_NORMAL);
    int failed = srunner_ntests_failed(r);
    srunner_free(r);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

#endif /* PM_TEST_PARSE_CHECK_H */
