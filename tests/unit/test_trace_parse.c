/* test_trace_parse.c: pm_trace_parse against the grammar and the static
 * rules of spec/trace.md: every operation, every attribute, the symbol
 * tables, and every static error with its exact diagnostic and line. */
#include "parse_check.h"

/* ------------------------------------------------------------- classes */

START_TEST(class_kinds)
{
    pm_trace t = parse_ok("class I instance slots=64\nclass L list slots=3\nclass T tuple slots=1\n"
                          "class D dict slots=15\nclass A atom\nclass Z atom slots=0\n");
    ck_assert_int_eq(t.nops, 6);
    ck_assert_int_eq(t.nclasses, 6);
    const char *names[] = { "I", "L", "T", "D", "A", "Z" };
    pm_kind kinds[] = { PM_KIND_INSTANCE, PM_KIND_LIST, PM_KIND_TUPLE, PM_KIND_DICT,
                        PM_KIND_ATOM, PM_KIND_ATOM };
    int slots[] = { 64, 3, 1, 15, 0, 0 };
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
    parse_err("class C list slots=16\n", 1,
              "a list class has at most 15 slots (`C` has slots=16): longer displays compile "
              "differently (spec/differences.md)");
    parse_err("class C tuple slots=30\n", 1,
              "a tuple class has at most 15 slots (`C` has slots=30): longer displays compile "
              "differently (spec/differences.md)");
    parse_err("class C dict slots=16\n", 1,
              "a dict class has at most 15 slots (`C` has slots=16): longer displays compile "
              "differently (spec/differences.md)");
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

int main(void)
{
    Suite *s = suite_create("trace_parse");
    TCase *cls = tcase_create("classes");
    tcase_add_test(cls, class_kinds);
    tcase_add_test(cls, class_attributes);
    tcase_add_test(cls, class_errors);
    suite_add_tcase(s, cls);
    TCase *ops = tcase_create("operations");
    tcase_add_test(ops, new_values);
    tcase_add_test(ops, new_errors);
    tcase_add_test(ops, set_ops);
    tcase_add_test(ops, set_errors);
    tcase_add_test(ops, set_static_class);
    tcase_add_test(ops, bind_del_weakref);
    tcase_add_test(ops, gc_operations);
    tcase_add_test(ops, queries);
    suite_add_tcase(s, ops);
    TCase *sym = tcase_create("symbols");
    tcase_add_test(sym, binding_order);
    tcase_add_test(sym, spec_example);
    tcase_add_test(sym, free_is_idempotent);
    suite_add_tcase(s, sym);
    return run_suite(s);
}
