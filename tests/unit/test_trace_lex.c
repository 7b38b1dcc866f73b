/* test_trace_lex.c: pm_trace_parse's lexical rules and limits against
 * spec/trace.md (bytes, lines, comments, names, numbers; 1,000,000
 * operations, 65,536 classes, 1,000,000 names), with the exact diagnostic
 * and its line. */
#include "parse_check.h"

/* ------------------------------------------------------------ lexical */

START_TEST(empty_and_comments)
{
    pm_trace t = parse_ok("");
    ck_assert_int_eq(t.nops, 0);
    ck_assert_int_eq(t.nclasses, 0);
    ck_assert_int_eq(t.nnames, 0);
    ck_assert_str_eq(t.file, "t.trace");
    pm_trace_free(&t);
    t = parse_ok("# only a comment\n\n   \t \n# é ünïcödé ✓ 😀\n");
    ck_assert_int_eq(t.nops, 0);
    pm_trace_free(&t);
}
END_TEST

START_TEST(line_numbers_and_separators)
{
    pm_trace t = parse_ok("\n# c\n\tenable\t# x\n\n  disable  \nfreeze#no space\nunfreeze");
    ck_assert_int_eq(t.nops, 4);
    ck_assert_int_eq(t.ops[0].kind, PM_OP_ENABLE);
    ck_assert_int_eq(t.ops[0].line, 3);
    ck_assert_int_eq(t.ops[1].kind, PM_OP_DISABLE);
    ck_assert_int_eq(t.ops[1].line, 5);
    ck_assert_int_eq(t.ops[2].kind, PM_OP_FREEZE);
    ck_assert_int_eq(t.ops[2].line, 6);
    ck_assert_int_eq(t.ops[3].kind, PM_OP_UNFREEZE);
    ck_assert_int_eq(t.ops[3].line, 7);      /* no final newline */
    pm_trace_free(&t);
}
END_TEST

START_TEST(line_length_limit)
{
    char line[PM_MAX_LINE_BYTES + 3];
    /* exactly 4096 bytes, the newline not counted */
    memset(line, ' ', sizeof line);
    memcpy(line, "enable #", 8);
    line[PM_MAX_LINE_BYTES] = '\n';
    pm_trace t = parse_ok_n(line, PM_MAX_LINE_BYTES + 1);
    ck_assert_int_eq(t.nops, 1);
    pm_trace_free(&t);
    /* 4097 bytes, even inside a comment */
    line[PM_MAX_LINE_BYTES] = ' ';
    line[PM_MAX_LINE_BYTES + 1] = '\n';
    parse_err_n(line, PM_MAX_LINE_BYTES + 2, 1, "line longer than 4096 bytes");
    parse_err_n(line, PM_MAX_LINE_BYTES + 1, 1, "line longer than 4096 bytes");
    /* on a later line */
    char two[PM_MAX_LINE_BYTES + 16];
    memcpy(two, "enable\n", 7);
    memset(two + 7, 'x', PM_MAX_LINE_BYTES + 1);
    parse_err_n(two, 7 + PM_MAX_LINE_BYTES + 1, 2, "line longer than 4096 bytes");
}
END_TEST

START_TEST(bad_bytes)
{
    parse_err_n("enable\n\0\n", 9, 2, "NUL byte in the trace");
    parse_err_n("enable # a\0b\n", 13, 1, "NUL byte in the trace");
    parse_err("enable\r\n", 1, "carriage return in the trace (lines end with LF only)");
    parse_err("enable\n\x01\n", 2, "control character 0x01 in the trace");
    parse_err("enable \x7f\n", 1, "control character 0x7F in the trace");
    parse_err("enable\n# \xff\n", 2, "invalid UTF-8 in the trace");
    parse_err("# \xc3\n", 1, "invalid UTF-8 in the trace");            /* truncated */
    parse_err("# \xc3(\n", 1, "invalid UTF-8 in the trace");           /* bad continuation */
    parse_err("# \xc0\xaf\n", 1, "invalid UTF-8 in the trace");        /* overlong */
    parse_err("# \xe0\x80\xaf\n", 1, "invalid UTF-8 in the trace");    /* overlong */
    parse_err("# \xed\xa0\x80\n", 1, "invalid UTF-8 in the trace");    /* surrogate */
    parse_err("# \xf4\x90\x80\x80\n", 1, "invalid UTF-8 in the trace"); /* > U+10FFFF */
    parse_err("new \xc3\xa9 X\n", 1, "bad binding name `\xc3\xa9`: a name starts with a letter");
}
END_TEST

START_TEST(names)
{
    char text[200];
    /* 64 bytes: fine */
    snprintf(text, sizeof text, "del %s\n",
             "a234567890123456789012345678901234567890123456789012345678901234");
    pm_trace t = parse_ok(text);
    ck_assert_int_eq((int)strlen(t.names[0]), 64);
    pm_trace_free(&t);
    snprintf(text, sizeof text, "del %s\n",
             "a2345678901234567890123456789012345678901234567890123456789012345");
    parse_err(text, 1, "bad binding name `a234567890123456789012345678901234567890...`: "
                       "a name is at most 64 bytes");
    parse_err("del 1a\n", 1, "bad binding name `1a`: a name starts with a letter");
    parse_err("del a-b\n", 1, "bad binding name `a-b`: a name has only letters, digits and `_`");
    parse_err("del _a\n", 1, "bad binding name `_a`: a name starts with a letter");
    parse_err("del _\n", 1, "bad binding name `_`: `_` (None) can only be a value");
    parse_err("class 9C atom\n", 1, "bad class name `9C`: a name starts with a letter");
    parse_err("class _ atom\n", 1, "bad class name `_`: `_` (None) can only be a value");
    /* names may look like keywords; class and binding names are apart */
    t = parse_ok("class new list slots=1\nnew class new\nnew new new class\n"
                 "query refcount query\n");
    ck_assert_int_eq(t.nclasses, 1);
    ck_assert_str_eq(t.class_names[0], "new");
    ck_assert_int_eq(t.nnames, 3);
    ck_assert_str_eq(t.names[0], "class");
    ck_assert_str_eq(t.names[1], "new");
    ck_assert_str_eq(t.names[2], "query");
    pm_trace_free(&t);
}
END_TEST

START_TEST(numbers)
{
    pm_trace t = parse_ok("threshold 0 2147483647 10\n");
    ck_assert_int_eq(t.ops[0].nargs, 3);
    ck_assert_int_eq(t.ops[0].args[0], 0);
    ck_assert_int_eq(t.ops[0].args[1], 2147483647);
    ck_assert_int_eq(t.ops[0].args[2], 10);
    pm_trace_free(&t);
    parse_err("threshold 2147483648\n", 1, "number `2147483648` does not fit in 31 bits");
    parse_err("threshold 99999999999999999999999\n", 1,
              "number `99999999999999999999999` does not fit in 31 bits");
    parse_err("threshold 07\n", 1, "number `07` has a leading zero");
    parse_err("threshold 00\n", 1, "number `00` has a leading zero");
    parse_err("threshold -1\n", 1, "expected a number after `threshold`, got `-1`");
    parse_err("threshold 1x\n", 1, "expected a number after `threshold`, got `1x`");
    parse_err("threshold +1\n", 1, "expected a number after `threshold`, got `+1`");
}
END_TEST

/* --------------------------------------------------------------- limits */

START_TEST(limit_operations)
{
    size_t len;
    char *s = repeat("enable\n", PM_MAX_OPS, &len);
    pm_trace t = parse_ok_n(s, len);
    ck_assert_int_eq(t.nops, PM_MAX_OPS);
    pm_trace_free(&t);
    free(s);
    s = repeat("enable\n", PM_MAX_OPS + 1L, &len);
    parse_err_n(s, len, PM_MAX_OPS + 1, "too many operations (limit 1000000)");
    free(s);
}
END_TEST

START_TEST(limit_classes)
{
    size_t cap = (size_t)(PM_MAX_CLASSES + 1) * 24, len = 0;
    char *s = malloc(cap);
    ck_assert_ptr_nonnull(s);
    for (int i = 0; i <= PM_MAX_CLASSES; i++)
        len += (size_t)snprintf(s + len, cap - len, "class C%d atom\n", i);
    pm_trace t = parse_ok_n(s, len - strlen("class C65536 atom\n"));
    ck_assert_int_eq(t.nclasses, PM_MAX_CLASSES);
    ck_assert_str_eq(t.class_names[PM_MAX_CLASSES - 1], "C65535");
    pm_trace_free(&t);
    parse_err_n(s, len, PM_MAX_CLASSES + 1, "too many classes (limit 65536)");
    free(s);
}
END_TEST

START_TEST(limit_names)
{
    /* 10 new names a line (an operation each): 100,000 lines reach the limit */
    long lines = PM_MAX_NAMES / 10;
    size_t cap = (size_t)lines * 96 + 64, len = 0;
    char *s = malloc(cap);
    ck_assert_ptr_nonnull(s);
    len += (size_t)snprintf(s, cap, "class C instance slots=9\n");
    for (long i = 0; i < lines; i++) {
        len += (size_t)snprintf(s + len, cap - len, "new n%ld C", 10 * i);
        for (long k = 1; k < 10; k++)
            len += (size_t)snprintf(s + len, cap - len, " n%ld", 10 * i + k);
        len += (size_t)snprintf(s + len, cap - len, "\n");
    }
    pm_trace t = parse_ok_n(s, len);
    ck_assert_int_eq(t.nnames, PM_MAX_NAMES);
    ck_assert_str_eq(t.names[123456], "n123456");
    ck_assert_str_eq(t.names[PM_MAX_NAMES - 1], "n999999");
    ck_assert_int_eq(t.ops[lines].name, PM_MAX_NAMES - 10);
    pm_trace_free(&t);
    len += (size_t)snprintf(s + len, cap - len, "del n5\ndel overflow\n");
    parse_err_n(s, len, (int)lines + 3, "too many binding names (limit 1000000)");
    free(s);
}
END_TEST

START_TEST(long_token_in_message)
{
    char text[PM_MAX_LINE_BYTES + 1];
    memset(text, 'z', PM_MAX_LINE_BYTES);
    memcpy(text, "frob", 4);
    text[PM_MAX_LINE_BYTES] = '\0';
    char want_op[64] = "unknown operation `frob";
    memset(want_op + 23, 'z', 36);
    strcpy(want_op + 59, "...`");
    parse_err(text, 1, want_op);
    /* cut on a character boundary: 39 ASCII bytes, then a 2-byte character */
    char utf[64] = "del ";
    memset(utf + 4, 'a', 39);
    strcpy(utf + 43, "\xc3\xa9\xc3\xa9\n");
    char want[128] = "bad binding name `";
    memset(want + 18, 'a', 39);
    strcpy(want + 57, "...`: a name has only letters, digits and `_`");
    parse_err(utf, 1, want);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("trace_lex");
    TCase *lex = tcase_create("lexical");
    tcase_add_test(lex, empty_and_comments);
    tcase_add_test(lex, line_numbers_and_separators);
    tcase_add_test(lex, line_length_limit);
    tcase_add_test(lex, bad_bytes);
    tcase_add_test(lex, names);
    tcase_add_test(lex, numbers);
    tcase_add_test(lex, long_token_in_message);
    suite_add_tcase(s, lex);
    TCase *lim = tcase_create("limits");
    tcase_set_timeout(lim, 60);
    tcase_add_test(lim, limit_operations);
    tcase_add_test(lim, limit_classes);
    tcase_add_test(lim, limit_names);
    suite_add_tcase(s, lim);
    return run_suite(s);
}
