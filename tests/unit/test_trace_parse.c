/* test_trace_parse.c: pm_trace_parse against spec/trace.md: every grammar
 * rule, every static rule and lexical limit, with the exact diagnostic and
 * its line.  Uses the check library. */
#include "pymemref.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------- helpers */

static pm_trace parse_ok_n(const char *text, size_t len)
{
    pm_trace t;
    pm_diag d = { .line = -1 };
    int rc = pm_trace_parse("t.trace", text, len, &t, &d);
    ck_assert_msg(rc == 0, "unexpected error: %s:%d: %s", d.file, d.line, d.message);
    return t;
}

static pm_trace parse_ok(const char *text) { return parse_ok_n(text, strlen(text)); }

/* TEXT must fail on LINE with MESSAGE, leave *out untouched, and name the
 * file. */
static void parse_err_n(const char *text, size_t len, int line, const char *message)
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

static void parse_err(const char *text, int line, const char *message)
{
    parse_err_n(text, strlen(text), line, message);
}

/* A text of COUNT copies of LINE (which ends with a newline). */
static char *repeat(const char *line, long count, size_t *len)
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
    t = parse_ok("class new list slots=1\nnew class new\nnew new new class\nquery refcount query\n");
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

/* ------------------------------------------------------------- classes */

START_TEST(class_kinds)
{
    pm_trace t = parse_ok("class I instance\nclass L list slots=3\nclass T tuple slots=1\n"
                          "class D dict slots=64\nclass A atom\nclass Z atom slots=0\n");
    ck_assert_int_eq(t.nops, 6);
    ck_assert_int_eq(t.nclasses, 6);
    const char *names[] = { "I", "L", "T", "D", "A", "Z" };
    pm_kind kinds[] = { PM_KIND_INSTANCE, PM_KIND_LIST, PM_KIND_TUPLE, PM_KIND_DICT,
                        PM_KIND_ATOM, PM_KIND_ATOM };
    int slots[] = { 0, 3, 1, 64, 0, 0 };
    for (int i = 0; i < 6; i++) {
        ck_assert_int_eq(t.ops[i].kind, PM_OP_CLASS);
        ck_assert_int_eq(t.ops[i].cls, i);
        ck_assert_str_eq(t.class_names[i], names[i]);
        ck_assert_int_eq(t.ops[i].decl.kind, kinds[i]);
        ck_assert_int_eq(t.ops[i].decl.nslots, slots[i]);
        ck_assert(!t.ops[i].decl.weakrefable);
        ck_assert_int_eq(t.ops[i].decl.del, PM_DEL_NONE);
    }
    ck_assert_int_eq(t.nnames, 0);
    pm_trace_free(&t);
}
END_TEST

START_TEST(class_attributes)
{
    pm_trace t = parse_ok(
        "class C instance\n"
        "class N instance slots=2 weakref del=observe\n"
        "class R instance del=resurrect:saved weakref\n"
        "class K instance del=clear:1 slots=2\n"
        "class M instance del=create:C:made\n"
        "class G instance del=legacy slots=1\n");
    const pm_class *n = &t.ops[1].decl;
    ck_assert_int_eq(n->nslots, 2);
    ck_assert(n->weakrefable);
    ck_assert_int_eq(n->del, PM_DEL_OBSERVE);
    const pm_class *r = &t.ops[2].decl;
    ck_assert_int_eq(r->del, PM_DEL_RESURRECT);
    ck_assert_int_eq(r->del_name, 0);
    ck_assert(r->weakrefable);
    const pm_class *k = &t.ops[3].decl;
    ck_assert_int_eq(k->del, PM_DEL_CLEAR);
    ck_assert_int_eq(k->del_slot, 1);
    ck_assert_int_eq(k->nslots, 2);
    const pm_class *m = &t.ops[4].decl;
    ck_assert_int_eq(m->del, PM_DEL_CREATE);
    ck_assert_int_eq(m->del_class, 0);
    ck_assert_int_eq(m->del_name, 1);
    ck_assert_int_eq(t.ops[5].decl.del, PM_DEL_LEGACY);
    ck_assert_int_eq(t.nnames, 2);
    ck_assert_str_eq(t.names[0], "saved");
    ck_assert_str_eq(t.names[1], "made");
    pm_trace_free(&t);
}
END_TEST

START_TEST(class_errors)
{
    parse_err("class\n", 1, "expected a class name after `class`");
    parse_err("class C\n", 1,
              "expected a kind (instance, list, tuple, dict or atom) after `C`");
    parse_err("class C set\n", 1,
              "unknown kind `set` (expected instance, list, tuple, dict or atom)");
    parse_err("class C atom\nenable\nclass C list\n", 3,
              "duplicate class `C` (first declared on line 1)");
    parse_err("class C instance slots=65\n", 1, "slots=65 out of range (0 to 64)");
    parse_err("class C instance slots=\n", 1, "expected a number after `slots=`, got ``");
    parse_err("class C instance slots=x\n", 1, "expected a number after `slots=`, got `x`");
    parse_err("class C instance slots=01\n", 1, "number `01` has a leading zero");
    parse_err("class C instance slots=1 slots=1\n", 1, "`slots=` given twice");
    parse_err("class C instance weakref weakref\n", 1, "`weakref` given twice");
    parse_err("class C instance del=observe del=legacy\n", 1, "`del=` given twice");
    parse_err("class C list weakref\n", 1,
              "only instance classes take `weakref` (`C` is a list class)");
    parse_err("class C dict del=observe\n", 1,
              "only instance classes take `del=` (`C` is a dict class)");
    parse_err("class C atom del=observe\n", 1,
              "only instance classes take `del=` (`C` is an atom class)");
    parse_err("class C atom slots=1\n", 1, "an atom class has no slots (`C` has slots=1)");
    parse_err("class C tuple\n", 1, "a tuple class needs at least one slot (`C` has slots=0)");
    parse_err("class C tuple slots=0\n", 1,
              "a tuple class needs at least one slot (`C` has slots=0)");
    parse_err("class C instance del=clear:0\n", 1,
              "`clear:0` out of range for class `C` (0 slots)");
    parse_err("class C instance slots=2 del=clear:2\n", 1,
              "`clear:2` out of range for class `C` (2 slots)");
    parse_err("class C instance slots=2 del=clear:x\n", 1,
              "expected a number after `clear:`, got `x`");
    parse_err("class C instance del=create:D:x\n", 1, "unknown class `D`");
    parse_err("class C instance del=create:C:x\n", 1, "unknown class `C`");
    parse_err("class L list\nclass C instance del=create:L:x\n", 2,
              "`create:` needs an instance class, `L` is a list class");
    parse_err("class D instance\nclass C instance del=create:D\n", 2,
              "expected `create:CLASS:NAME`, got `del=create:D`");
    parse_err("class D instance\nclass C instance del=create:D:_\n", 2,
              "bad binding name `_`: `_` (None) can only be a value");
    parse_err("class C instance del=resurrect:\n", 1,
              "bad binding name ``: a name starts with a letter");
    parse_err("class C instance del=resurrect:9\n", 1,
              "bad binding name `9`: a name starts with a letter");
    parse_err("class C instance del=explode\n", 1,
              "unknown finalizer action `explode` (expected observe, resurrect:NAME, "
              "clear:SLOT, create:CLASS:NAME or legacy)");
    parse_err("class C instance del=\n", 1,
              "unknown finalizer action `` (expected observe, resurrect:NAME, "
              "clear:SLOT, create:CLASS:NAME or legacy)");
    parse_err("class C instance slots 2\n", 1,
              "unknown class attribute `slots` (expected slots=N, weakref or del=ACTION)");
}
END_TEST

/* ------------------------------------------------------------ new, set */

START_TEST(new_values)
{
    pm_trace t = parse_ok("class N instance slots=2\nclass A atom\nclass T tuple slots=3\n"
                          "new a N\nnew b N a _\nnew c A\nnew d T _ b a\nnew e T\n");
    const pm_op *a = &t.ops[3], *b = &t.ops[4], *c = &t.ops[5], *d = &t.ops[6], *e = &t.ops[7];
    ck_assert_int_eq(a->kind, PM_OP_NEW);
    ck_assert_int_eq(a->name, 0);
    ck_assert_int_eq(a->cls, 0);
    ck_assert_int_eq(a->nvalues, 0);
    ck_assert_int_eq(b->name, 1);
    ck_assert_int_eq(b->nvalues, 2);
    ck_assert_int_eq(t.values[b->values0], 0);
    ck_assert_int_eq(t.values[b->values0 + 1], PM_NO_VALUE);
    ck_assert_int_eq(c->cls, 1);
    ck_assert_int_eq(c->nvalues, 0);
    ck_assert_int_eq(d->cls, 2);
    ck_assert_int_eq(d->nvalues, 3);
    ck_assert_int_eq(t.values[d->values0], PM_NO_VALUE);
    ck_assert_int_eq(t.values[d->values0 + 1], 1);
    ck_assert_int_eq(t.values[d->values0 + 2], 0);
    ck_assert_int_eq(e->nvalues, 0);
    ck_assert_int_eq(t.nvalues, 5);
    pm_trace_free(&t);
}
END_TEST

START_TEST(new_errors)
{
    parse_err("new\n", 1, "expected a binding name after `new`");
    parse_err("new a\n", 1, "expected a class name after `a`");
    parse_err("new a Foo\n", 1, "unknown class `Foo`");
    parse_err("new a N\nclass N instance\n", 1, "unknown class `N`");
    parse_err("new _ N\n", 1, "bad binding name `_`: `_` (None) can only be a value");
    parse_err("class N instance slots=2\nnew a N _\n", 2,
              "wrong number of initial values for class `N`: 1 given, 0 or 2 expected");
    parse_err("class N instance slots=2\nnew a N _ _ _\n", 2,
              "wrong number of initial values for class `N`: 3 given, 0 or 2 expected");
    parse_err("class A atom\nnew a A _\n", 2,
              "wrong number of initial values for class `A`: 1 given, none expected");
    parse_err("class N instance\nnew a N 1\n", 2,
              "wrong number of initial values for class `N`: 1 given, none expected");
    parse_err("class N instance slots=1\nnew a N 1\n", 2,
              "bad binding name `1`: a name starts with a letter");
}
END_TEST

START_TEST(set_ops)
{
    pm_trace t = parse_ok("class N instance slots=2\nnew a N\nset a.1 b\nset a.0 _\n"
                          "set z.63 a\n");
    ck_assert_int_eq(t.ops[2].kind, PM_OP_SET);
    ck_assert_int_eq(t.ops[2].name, 0);
    ck_assert_int_eq(t.ops[2].slot, 1);
    ck_assert_int_eq(t.ops[2].value, 1);
    ck_assert_int_eq(t.ops[3].slot, 0);
    ck_assert_int_eq(t.ops[3].value, PM_NO_VALUE);
    ck_assert_int_eq(t.ops[4].name, 2);    /* unbound statically: checked when it runs */
    ck_assert_int_eq(t.ops[4].slot, 63);
    pm_trace_free(&t);
}
END_TEST

START_TEST(set_errors)
{
    parse_err("set\n", 1, "expected `NAME.SLOT` after `set`");
    parse_err("set a.0\n", 1, "expected a value after `a.0`");
    parse_err("set a 0 b\n", 1, "expected `NAME.SLOT` after `set`, got `a`");
    parse_err("set a. b\n", 1, "expected a number after `.` in `set`, got ``");
    parse_err("set a.x b\n", 1, "expected a number after `.` in `set`, got `x`");
    parse_err("set a.0.1 b\n", 1, "expected a number after `.` in `set`, got `0.1`");
    parse_err("set .0 b\n", 1, "bad binding name ``: a name starts with a letter");
    parse_err("set _.0 b\n", 1, "bad binding name `_`: `_` (None) can only be a value");
    parse_err("set a.0 b c\n", 1, "unexpected `c` at the end of a `set` operation");
    parse_err("set a.64 b\n", 1, "slot 64 out of range (a class has at most 64 slots)");
    parse_err("class N instance slots=2\nnew a N\nset a.2 _\n", 3,
              "slot 2 out of range for class `N` (2 slots)");
    parse_err("class N instance\nnew a N\nset a.0 _\n", 3,
              "slot 0 out of range for class `N` (0 slots)");
    parse_err("class L list slots=1\nnew a L\nset a.3 _\n", 3,
              "slot 3 out of range for class `L` (1 slots)");
    parse_err("class D dict slots=2\nnew a D\nset a.2 _\n", 3,
              "slot 2 out of range for class `D` (2 slots)");
}
END_TEST

/* The static slot check follows what a name surely holds: new, bind, del,
 * weakref rebind it; a name a finalizer may rebind is never sure. */
START_TEST(set_static_class)
{
    /* bind copies what the value holds */
    parse_err("class N instance slots=1\nnew a N\nbind b a\nset b.1 _\n", 4,
              "slot 1 out of range for class `N` (1 slots)");
    /* a later `new` replaces it */
    parse_err("class N instance slots=1\nclass W instance slots=3\nnew a W\nnew a N\n"
              "set a.2 _\n", 5, "slot 2 out of range for class `N` (1 slots)");
    const char *fine[] = {
        /* `del` and `bind x _` forget it (the run reports None) */
        "class N instance slots=1\nnew a N\ndel a\nset a.5 _\n",
        "class N instance slots=1\nnew a N\nbind a _\nset a.5 _\n",
        /* a weak reference is refused when the operation runs */
        "class N instance slots=1 weakref\nnew a N\nweakref a a\nset a.5 _\n",
        /* tuples and atoms are refused when the operation runs */
        "class T tuple slots=1\nnew a T\nset a.5 _\n",
        "class A atom\nnew a A\nset a.0 _\n",
        /* a later class's finalizer may rebind `a` at any time */
        "class N instance slots=1\nnew a N\nclass R instance slots=9 del=resurrect:a\n"
        "set a.5 _\n",
        "class N instance slots=1\nnew a N\nclass R instance del=create:N:a\nset a.5 _\n",
        /* ... and what is copied from such a name is not sure either */
        "class R instance slots=9 del=resurrect:a\nclass N instance slots=1\nnew a N\n"
        "bind b a\nset b.5 _\n",
        "class R instance slots=9 del=resurrect:a\nclass N instance slots=1\nnew a N\n"
        "set a.5 _\n",
    };
    for (size_t i = 0; i < sizeof fine / sizeof fine[0]; i++) {
        pm_trace t = parse_ok(fine[i]);
        pm_trace_free(&t);
    }
}
END_TEST

/* ---------------------------------------------------- the other operations */

START_TEST(bind_del_weakref)
{
    pm_trace t = parse_ok("bind x y\nbind y _\ndel x\nweakref w x\nweakref v y callback\n");
    ck_assert_int_eq(t.ops[0].kind, PM_OP_BIND);
    ck_assert_int_eq(t.ops[0].name, 0);
    ck_assert_int_eq(t.ops[0].value, 1);
    ck_assert_int_eq(t.ops[1].name, 1);
    ck_assert_int_eq(t.ops[1].value, PM_NO_VALUE);
    ck_assert_int_eq(t.ops[2].kind, PM_OP_DEL);
    ck_assert_int_eq(t.ops[2].name, 0);
    ck_assert_int_eq(t.ops[3].kind, PM_OP_WEAKREF);
    ck_assert_int_eq(t.ops[3].name, 2);
    ck_assert_int_eq(t.ops[3].value, 0);
    ck_assert(!t.ops[3].callback);
    ck_assert_int_eq(t.ops[4].name, 3);
    ck_assert_int_eq(t.ops[4].value, 1);
    ck_assert(t.ops[4].callback);
    ck_assert_int_eq(t.nnames, 4);
    pm_trace_free(&t);

    parse_err("bind\n", 1, "expected a binding name after `bind`");
    parse_err("bind x\n", 1, "expected a value after `x`");
    parse_err("bind _ x\n", 1, "bad binding name `_`: `_` (None) can only be a value");
    parse_err("bind x y z\n", 1, "unexpected `z` at the end of a `bind` operation");
    parse_err("del\n", 1, "expected a binding name after `del`");
    parse_err("del x y\n", 1, "unexpected `y` at the end of a `del` operation");
    parse_err("weakref\n", 1, "expected a binding name after `weakref`");
    parse_err("weakref w\n", 1, "expected a value after `w`");
    parse_err("weakref w _\n", 1, "cannot make a weak reference to `_` (None)");
    parse_err("weakref _ x\n", 1, "bad binding name `_`: `_` (None) can only be a value");
    parse_err("weakref w x cb\n", 1, "expected `callback` or nothing after the value, got `cb`");
    parse_err("weakref w x callback y\n", 1,
              "unexpected `y` at the end of a `weakref` operation");
}
END_TEST

START_TEST(gc_operations)
{
    pm_trace t = parse_ok("collect\ncollect 0\ncollect 1\ncollect 2\nthreshold 5\n"
                          "threshold 5 6\nthreshold 700 10 10\nenable\ndisable\n"
                          "debug saveall\ndebug none\nfreeze\nunfreeze\ngarbage clear\n");
    int gens[] = { 2, 0, 1, 2 };
    for (int i = 0; i < 4; i++) {
        ck_assert_int_eq(t.ops[i].kind, PM_OP_COLLECT);
        ck_assert_int_eq(t.ops[i].nargs, 1);
        ck_assert_int_eq(t.ops[i].args[0], gens[i]);
    }
    ck_assert_int_eq(t.ops[4].kind, PM_OP_THRESHOLD);
    ck_assert_int_eq(t.ops[4].nargs, 1);
    ck_assert_int_eq(t.ops[4].args[0], 5);
    ck_assert_int_eq(t.ops[5].nargs, 2);
    ck_assert_int_eq(t.ops[5].args[1], 6);
    ck_assert_int_eq(t.ops[6].nargs, 3);
    ck_assert_int_eq(t.ops[6].args[0], 700);
    ck_assert_int_eq(t.ops[6].args[2], 10);
    pm_op_kind k[] = { PM_OP_ENABLE, PM_OP_DISABLE, PM_OP_DEBUG, PM_OP_DEBUG, PM_OP_FREEZE,
                       PM_OP_UNFREEZE, PM_OP_GARBAGE_CLEAR };
    for (int i = 0; i < 7; i++)
        ck_assert_int_eq(t.ops[7 + i].kind, k[i]);
    ck_assert(t.ops[9].saveall);
    ck_assert(!t.ops[10].saveall);
    ck_assert_int_eq(t.nnames, 0);
    pm_trace_free(&t);

    parse_err("collect 3\n", 1, "generation 3 out of range (0, 1 or 2)");
    parse_err("collect x\n", 1, "expected a number (a generation) after `collect`, got `x`");
    parse_err("collect 1 2\n", 1, "unexpected `2` at the end of a `collect` operation");
    parse_err("threshold\n", 1, "expected a number after `threshold`");
    parse_err("threshold 1 2 3 4\n", 1, "`threshold` takes at most 3 numbers, got 4");
    parse_err("threshold 1 x\n", 1, "expected a number after `threshold`, got `x`");
    parse_err("enable now\n", 1, "unexpected `now` at the end of a `enable` operation");
    parse_err("disable 1\n", 1, "unexpected `1` at the end of a `disable` operation");
    parse_err("freeze x\n", 1, "unexpected `x` at the end of a `freeze` operation");
    parse_err("unfreeze x\n", 1, "unexpected `x` at the end of a `unfreeze` operation");
    parse_err("debug\n", 1, "expected `saveall` or `none` after `debug`");
    parse_err("debug leak\n", 1, "expected `saveall` or `none` after `debug`, got `leak`");
    parse_err("debug none x\n", 1, "unexpected `x` at the end of a `debug` operation");
    parse_err("garbage\n", 1, "expected `clear` after `garbage`");
    parse_err("garbage collect\n", 1, "expected `clear` after `garbage`, got `collect`");
    parse_err("garbage clear all\n", 1, "unexpected `all` at the end of a `garbage` operation");
    parse_err("Collect\n", 1, "unknown operation `Collect`");
    parse_err("enable\n\nfrob x\n", 3, "unknown operation `frob`");
    parse_err("class C instance\n_ C\n", 2, "unknown operation `_`");
}
END_TEST

START_TEST(queries)
{
    pm_trace t = parse_ok("query count\nquery stats\nquery threshold\nquery freeze_count\n"
                          "query garbage\nquery tracked a\nquery finalized b\n"
                          "query refcount a\n");
    pm_query_kind q[] = { PM_Q_COUNT, PM_Q_STATS, PM_Q_THRESHOLD, PM_Q_FREEZE_COUNT,
                          PM_Q_GARBAGE, PM_Q_TRACKED, PM_Q_FINALIZED, PM_Q_REFCOUNT };
    for (int i = 0; i < 8; i++) {
        ck_assert_int_eq(t.ops[i].kind, PM_OP_QUERY);
        ck_assert_int_eq(t.ops[i].query, q[i]);
    }
    ck_assert_int_eq(t.ops[5].name, 0);
    ck_assert_int_eq(t.ops[6].name, 1);
    ck_assert_int_eq(t.ops[7].name, 0);
    ck_assert_int_eq(t.nnames, 2);
    pm_trace_free(&t);

    parse_err("query\n", 1, "expected what to query (count, stats, threshold, freeze_count, "
                            "garbage, tracked, finalized or refcount) after `query`");
    parse_err("query size\n", 1, "unknown query `size` (expected count, stats, threshold, "
                                 "freeze_count, garbage, tracked, finalized or refcount)");
    parse_err("query tracked\n", 1, "expected a binding name after `tracked`");
    parse_err("query refcount _\n", 1, "bad binding name `_`: `_` (None) can only be a value");
    parse_err("query finalized a b\n", 1, "unexpected `b` at the end of a `query` operation");
    parse_err("query count a\n", 1, "unexpected `a` at the end of a `query` operation");
}
END_TEST

/* -------------------------------------------------------------- symbols */

START_TEST(binding_order)
{
    pm_trace t = parse_ok("class C instance slots=2\n"
                          "class R instance del=resurrect:r\n"
                          "class K instance del=create:C:k\n"
                          "new x C y z\n"
                          "query refcount q\n"
                          "set y.1 w\n"
                          "weakref v x\n"
                          "bind u x\n"
                          "del t\n"
                          "new z C\n");
    const char *want[] = { "r", "k", "x", "y", "z", "q", "w", "v", "u", "t" };
    ck_assert_int_eq(t.nnames, 10);
    for (int i = 0; i < 10; i++)
        ck_assert_str_eq(t.names[i], want[i]);
    ck_assert_int_eq(t.ops[3].name, 2);
    ck_assert_int_eq(t.values[t.ops[3].values0], 3);
    ck_assert_int_eq(t.ops[9].name, 4);
    pm_trace_free(&t);
}
END_TEST

START_TEST(spec_example)
{
    pm_trace t = parse_ok("class Node instance slots=1 weakref del=observe\n"
                          "new a Node            # o1\n"
                          "new b Node a          # o2, b.s000 = a\n"
                          "set a.0 b             # a <-> b\n"
                          "weakref w a callback  # o3\n"
                          "del a\n"
                          "del b\n"
                          "collect\n");
    ck_assert_int_eq(t.nops, 8);
    pm_op_kind k[] = { PM_OP_CLASS, PM_OP_NEW, PM_OP_NEW, PM_OP_SET, PM_OP_WEAKREF,
                       PM_OP_DEL, PM_OP_DEL, PM_OP_COLLECT };
    for (int i = 0; i < 8; i++) {
        ck_assert_int_eq(t.ops[i].kind, k[i]);
        ck_assert_int_eq(t.ops[i].line, i + 1);
    }
    ck_assert_int_eq(t.nnames, 3);
    ck_assert_int_eq(t.ops[7].args[0], 2);
    pm_trace_free(&t);
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

START_TEST(free_is_idempotent)
{
    pm_trace t = parse_ok("class C instance\nnew a C\n");
    pm_trace_free(&t);
    ck_assert_ptr_null(t.ops);
    ck_assert_int_eq(t.nops, 0);
    pm_trace_free(&t);
    pm_trace_free(NULL);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("trace_parse");
    TCase *lex = tcase_create("lexical");
    tcase_add_test(lex, empty_and_comments);
    tcase_add_test(lex, line_numbers_and_separators);
    tcase_add_test(lex, line_length_limit);
    tcase_add_test(lex, bad_bytes);
    tcase_add_test(lex, names);
    tcase_add_test(lex, numbers);
    tcase_add_test(lex, long_token_in_message);
    suite_add_tcase(s, lex);
    TCase *ops = tcase_create("operations");
    tcase_add_test(ops, class_kinds);
    tcase_add_test(ops, class_attributes);
    tcase_add_test(ops, class_errors);
    tcase_add_test(ops, new_values);
    tcase_add_test(ops, new_errors);
    tcase_add_test(ops, set_ops);
    tcase_add_test(ops, set_errors);
    tcase_add_test(ops, set_static_class);
    tcase_add_test(ops, bind_del_weakref);
    tcase_add_test(ops, gc_operations);
    tcase_add_test(ops, queries);
    tcase_add_test(ops, binding_order);
    tcase_add_test(ops, spec_example);
    tcase_add_test(ops, free_is_idempotent);
    suite_add_tcase(s, ops);
    TCase *lim = tcase_create("limits");
    tcase_set_timeout(lim, 60);
    tcase_add_test(lim, limit_operations);
    tcase_add_test(lim, limit_classes);
    tcase_add_test(lim, limit_names);
    suite_add_tcase(s, lim);
    return s;
}

int main(void)
{
    SRunner *r = srunner_create(suite());
    srunner_run_all(r, CK_NORMAL);
    int failed = srunner_ntests_failed(r);
    srunner_free(r);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
