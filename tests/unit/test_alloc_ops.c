/* test_alloc_ops.c: the allocator operations of the trace language
 * (spec/trace.md "Allocator operations"): parsing and static errors, the
 * events the model prints for them (the values are those the conformance
 * traces tests/conformance/alloc_*.trace confirm against CPython), the
 * error events, the allocator state a model keeps across steps, models and
 * sessions (model/ops_alloc.c), and malloc-stats' state. */
#include "parse_check.h"
#include "obmalloc.h"

/* The events of TEXT under PROFILE, as `run` (JSON: `run --json`) prints
 * them; the caller frees the result. */
static char *events_of(const char *text, const char *profile, bool json)
{
    pm_trace t = parse_ok(text);
    pm_model *m = pm_model_new(pm_profile_find(profile), NULL);
    ck_assert_ptr_nonnull(m);
    pm_diag d;
    ck_assert_msg(pm_model_run(m, &t, &d) == 0, "%d: %s", d.line, d.message);
    pm_buf b = { 0 };
    for (int32_t i = 0; i < pm_model_event_count(m); i++)
        pm_format_event(&b, m, &t, pm_model_event(m, i), json);
    pm_buf_printf(&b, "%s", "");
    ck_assert(!b.oom);
    pm_model_free(m);
    pm_trace_free(&t);
    return b.data;
}

static void expect_events(const char *text, const char *profile, const char *want)
{
    char *got = events_of(text, profile, false);
    ck_assert_str_eq(got, want);
    free(got);
}

/* ----------------------------------------------------------------- parse */

START_TEST(parse_ops)
{
    pm_trace t = parse_ok("pymalloc pools=64 bits=32\nmalloc p 24\nfree p+8\nrealloc p 0\n"
                          "malloc q 0 # comment\nfree q\n");
    ck_assert_int_eq(t.nops, 6);
    ck_assert_int_eq(t.ops[0].kind, PM_OP_PYMALLOC);
    ck_assert_int_eq(t.alloc_pools, 64);
    ck_assert_int_eq(t.alloc_bits, 32);
    ck_assert_int_eq(t.ops[1].kind, PM_OP_MALLOC);
    ck_assert_int_eq(t.ops[1].name, 0);
    ck_assert_int_eq(t.ops[1].args[0], 24);
    ck_assert_int_eq(t.ops[2].kind, PM_OP_FREE);
    ck_assert_int_eq(t.ops[2].args[1], 8);
    ck_assert_int_eq(t.ops[3].kind, PM_OP_REALLOC);
    ck_assert_int_eq(t.ops[3].args[0], 0);
    ck_assert_int_eq(t.ops[3].args[1], 0);
    ck_assert_int_eq(t.npnames, 2);
    ck_assert_str_eq(t.pnames[0], "p");
    ck_assert_str_eq(t.pnames[1], "q");
    ck_assert_int_eq(t.nnames, 0);          /* a namespace of their own */
    pm_trace_free(&t);

    t = parse_ok("malloc p 1\nclass C instance\nnew p C\nfree p\n");
    ck_assert_int_eq(t.npnames, 1);
    ck_assert_int_eq(t.nnames, 1);
    ck_assert_int_eq(t.alloc_pools, 0);     /* no directive: the profile's */
    pm_trace_free(&t);
}
END_TEST

START_TEST(parse_errors)
{
    parse_err("free p\n", 1, "pointer `p` was never bound by `malloc`");
    parse_err("free p\nmalloc p 1\n", 1, "pointer `p` was never bound by `malloc`");
    parse_err("malloc p\n", 1, "expected a size in bytes after `p`");
    parse_err("malloc p -1\n", 1, "expected a number (a size in bytes), got `-1`");
    parse_err("malloc p 2147483648\n", 1, "number `2147483648` does not fit in 31 bits");
    parse_err("malloc 1p 8\n", 1, "bad pointer name `1p`: a name starts with a letter");
    parse_err("malloc p 8 9\n", 1, "unexpected `9` at the end of a `malloc` operation");
    parse_err("malloc p 8\nfree p+x\n", 2, "expected a number after `+` in a pointer, got `x`");
    parse_err("malloc p 8\nfree p q\n", 2, "unexpected `q` at the end of a `free` operation");
    parse_err("malloc p 8\nrealloc p\n", 2, "expected a size in bytes after `p`");
    parse_err("malloc p 8\npymalloc pools=64\n", 2,
              "the `pymalloc` directive must come before the first allocator operation "
              "(line 1)");
    parse_err("pymalloc pools=64\npymalloc pools=64\n", 2,
              "a second `pymalloc` directive (the first is on line 1)");
    parse_err("pymalloc\n", 1, "expected `pools=63` or `pools=64` after `pymalloc`");
    parse_err("pymalloc bits=64\n", 1, "the `pymalloc` directive needs `pools=63` or `pools=64`");
    parse_err("pymalloc pools=62\n", 1, "pools=62: an arena has 63 or 64 usable pools");
    parse_err("pymalloc pools=64 bits=16\n", 1, "bits=16: pointers have 64 or 32 bits");
    parse_err("pymalloc pools=63 bits=32\n", 1,
              "pools=63 with bits=32: a 32-bit arena holds 64 pools whatever its alignment "
              "(POOL_SIZE is the page size)");
    parse_err("pymalloc pools=64 pools=64\n", 1, "`pools` given twice");
    parse_err("pymalloc size=1\n", 1,
              "unknown `pymalloc` attribute `size=1` (expected pools=N or bits=N)");
}
END_TEST

/* ------------------------------------------------------------------ run */

START_TEST(lifo_and_bump)
{
    /* tests/conformance/alloc_lifo_reuse_one_pool.trace */
    expect_events("malloc a 24\nmalloc b 24\nmalloc c 24\nfree b\nfree a\n"
                  "malloc d 24\nmalloc e 24\nmalloc f 24\n", "3.11",
                  "1: malloc a 24 c1 a0 p0 +48\n"
                  "2: malloc b 24 c1 a0 p0 +80\n"
                  "3: malloc c 24 c1 a0 p0 +112\n"
                  "4: freed b c1 a0 p0 +80\n"
                  "5: freed a c1 a0 p0 +48\n"
                  "6: malloc d 24 c1 a0 p0 +48\n"
                  "7: malloc e 24 c1 a0 p0 +80\n"
                  "8: malloc f 24 c1 a0 p0 +144\n");
}
END_TEST

START_TEST(realloc_and_large)
{
    expect_events("malloc p 64\nrealloc p 49\nrealloc p 48\nrealloc p 600\nmalloc z 0\n"
                  "free z\nfree p\n", "3.12",
                  "1: malloc p 64 c3 a0 p0 +48\n"
                  "2: realloc p 49 c3 a0 p0 +48 in_place\n"
                  "3: realloc p 48 c2 a0 p1 +48 moved\n"
                  "4: realloc p 600 large\n"
                  "5: malloc z 0 large\n"
                  "6: freed z large\n"
                  "7: freed p large\n");
}
END_TEST

START_TEST(error_events)
{
    /* tests/conformance/alloc_double_free.trace, alloc_free_unknown_pointer */
    expect_events("malloc a 24\nmalloc b 24\nfree a\nfree a\nmalloc c 24\nmalloc d 24\n"
                  "free b+16\nrealloc b+8 10\nfree b\nrealloc b 32\n", "3.13",
                  "1: malloc a 24 c1 a0 p0 +48\n"
                  "2: malloc b 24 c1 a0 p0 +80\n"
                  "3: freed a c1 a0 p0 +48\n"
                  "4: alloc_error free a already_free\n"
                  "5: malloc c 24 c1 a0 p0 +48\n"
                  "6: malloc d 24 c1 a0 p0 +112\n"
                  "7: alloc_error free b+16 not_allocated\n"
                  "8: alloc_error realloc b+8 not_allocated\n"
                  "9: freed b c1 a0 p0 +80\n"
                  "10: alloc_error realloc b already_free\n");
    char *j = events_of("malloc a 24\nfree a\nfree a\n", "3.11", true);
    ck_assert_str_eq(j,
        "{\"line\":1,\"event\":\"malloc\",\"name\":\"a\",\"size\":24,\"block\":\"small\","
        "\"class\":1,\"arena\":0,\"pool\":0,\"offset\":48,\"new_arena\":false,"
        "\"freed_arena\":false}\n"
        "{\"line\":2,\"event\":\"freed\",\"name\":\"a\",\"block\":\"small\",\"class\":1,"
        "\"arena\":0,\"pool\":0,\"offset\":48,\"new_arena\":false,\"freed_arena\":false}\n"
        "{\"line\":3,\"event\":\"alloc_error\",\"op\":\"free\",\"name\":\"a\",\"plus\":0,"
        "\"error\":\"already_free\"}\n");
    free(j);
    ck_assert(pm_event_observable(PM_EV_MALLOC) && pm_event_observable(PM_EV_ALLOC_ERROR));
    ck_assert_str_eq(pm_event_name(PM_EV_FREED), "freed");
}
END_TEST

/* The arena that fills up: 63 pools of 31 blocks on 3.11, 64 on 3.13 (the
 * profiles' defaults), or what the directive says. */
static int new_arena_line(const char *head, const char *profile)
{
    size_t n = 64 * 31 + 2, len = strlen(head);
    char *text = malloc(len + n * 20);
    ck_assert_ptr_nonnull(text);
    strcpy(text, head);
    for (size_t i = 0; i < n; i++)
        len += (size_t)sprintf(text + len, "malloc b%zu 512\n", i);
    char *ev = events_of(text, profile, false);
    const char *at = strstr(ev, " new_arena");
    ck_assert_ptr_nonnull(at);
    while (at > ev && at[-1] != '\n')
        at--;
    int line = atoi(at);
    free(ev);
    free(text);
    return line;
}

START_TEST(new_arena_pools)
{
    ck_assert_int_eq(new_arena_line("", "3.11"), 63 * 31 + 1);
    ck_assert_int_eq(new_arena_line("", "3.12"), 63 * 31 + 1);
    ck_assert_int_eq(new_arena_line("", "3.13"), 64 * 31 + 1);
    ck_assert_int_eq(new_arena_line("pymalloc pools=64\n", "3.11"), 64 * 31 + 2);
    ck_assert_int_eq(new_arena_line("pymalloc pools=63\n", "3.13"), 63 * 31 + 2);
}
END_TEST

/* --------------------------------------------------------------- state */

/* Two models stepped in turn, one freed and another made: each keeps its
 * own allocator state (rebuilt from its events when another model used the
 * cache in between). */
START_TEST(state_per_model)
{
    pm_trace t = parse_ok("malloc a 24\nmalloc b 24\nfree a\nmalloc c 24\n");
    const pm_profile *p = pm_profile_find("3.11");
    pm_model *m1 = pm_model_new(p, NULL), *m2 = pm_model_new(p, NULL);
    pm_diag d;
    for (int i = 0; i < t.nops; i++) {
        ck_assert_int_eq(pm_model_step(m1, &t, &t.ops[i], &d), 0);
        if (i < 2)
            ck_assert_int_eq(pm_model_step(m2, &t, &t.ops[i], &d), 0);
    }
    /* m2 has a and b; m1 reused a's block for c */
    const pm_event *e = pm_model_event(m1, 3);
    ck_assert_int_eq(e->v[PM_AV_OFFSET], 48);
    ck_assert_int_eq(pm_model_step(m2, &t, &t.ops[2], &d), 0);
    ck_assert_int_eq(pm_model_step(m2, &t, &t.ops[3], &d), 0);
    ck_assert_int_eq(pm_model_event(m2, 3)->v[PM_AV_OFFSET], 48);
    const struct pm_obm *st = pm_model_allocator(m1, &t);
    ck_assert_ptr_nonnull(st);
    char why[200];
    ck_assert_msg(pm_pymalloc_is_valid(st, why, sizeof why), "%s", why);
    ck_assert_int_eq(st->pools[0].count, 2);
    pm_model_free(m1);
    /* a new model (maybe at m1's address) starts from the initial state */
    pm_model *m3 = pm_model_new(p, NULL);
    ck_assert_int_eq(pm_model_step(m3, &t, &t.ops[0], &d), 0);
    ck_assert_int_eq(pm_model_event(m3, 0)->v[PM_AV_OFFSET], 48);
    st = pm_model_allocator(m3, &t);
    ck_assert_int_eq(st->pools[0].count, 1);
    ck_assert_int_eq((int)st->ntimes_arena_allocated, 1);
    pm_model_free(m3);
    pm_model_free(m2);
    pm_trace_free(&t);
}
END_TEST

START_TEST(initial_state)
{
    /* one arena, all pools free, pool 0 carved (spec/trace.md) */
    pm_trace t = parse_ok("# nothing\n");
    pm_model *m = pm_model_new(pm_profile_find("3.11"), NULL);
    const struct pm_obm *st = pm_model_allocator(m, &t);
    ck_assert_ptr_nonnull(st);
    ck_assert_int_eq((int)st->narenas_currently_allocated, 1);
    ck_assert_int_eq(st->arenas[0].ntotalpools, 63);
    ck_assert_int_eq(st->arenas[0].nfreepools, 63);
    ck_assert_int_eq(st->arenas[0].ncarved, 1);
    ck_assert_int_eq((int)st->raw_allocated_blocks, 0);
    pm_model_free(m);
    pm_trace_free(&t);
}
END_TEST

START_TEST(session_lines)
{
    pm_session *s = pm_session_new(pm_profile_find("3.11"), NULL, "s");
    ck_assert_ptr_nonnull(s);
    pm_diag d;
    ck_assert_int_eq(pm_session_apply(s, "free p", 6, &d), -1);
    ck_assert_str_eq(d.message, "pointer `p` was never bound by `malloc`");
    ck_assert_int_eq(pm_session_apply(s, "malloc p 24", 11, &d), 0);
    ck_assert_int_eq(pm_session_apply(s, "free p", 6, &d), 0);
    ck_assert_int_eq(pm_session_apply(s, "free p", 6, &d), 0);
    const pm_model *m = pm_session_model(s);
    ck_assert_int_eq(pm_model_event_count(m), 3);
    ck_assert_int_eq(pm_model_event(m, 2)->kind, PM_EV_ALLOC_ERROR);
    ck_assert_int_eq(pm_model_event(m, 2)->line, 4);
    ck_assert_int_eq(pm_session_reset(s, NULL), 0);
    ck_assert_int_eq(pm_session_apply(s, "malloc q 17", 11, &d), 0);
    const pm_event *e = pm_model_event(pm_session_model(s), 0);
    ck_assert_int_eq(e->v[PM_AV_CLASS], 1);
    ck_assert_int_eq(e->v[PM_AV_OFFSET], 48);
    pm_session_free(s);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("alloc_ops");
    TCase *p = tcase_create("parse");
    tcase_add_test(p, parse_ops);
    tcase_add_test(p, parse_errors);
    suite_add_tcase(s, p);
    TCase *r = tcase_create("run");
    tcase_set_timeout(r, 60);
    tcase_add_test(r, lifo_and_bump);
    tcase_add_test(r, realloc_and_large);
    tcase_add_test(r, error_events);
    tcase_add_test(r, new_arena_pools);
    suite_add_tcase(s, r);
    TCase *st = tcase_create("state");
    tcase_add_test(st, state_per_model);
    tcase_add_test(st, initial_state);
    tcase_add_test(st, session_lines);
    suite_add_tcase(s, st);
    return run_suite(s);
}
