/* format.c: events as text (`LINE: EVENT`) and as JSON Lines, per the event
 * table of spec/trace.md; the growing output buffer they are written to. */
#include "pymemref.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Room for N more bytes and a terminating NUL; false (and oom set) when
 * there is no memory for it. */
bool pm_buf_reserve(pm_buf *b, size_t n)
{
    if (b->oom)
        return false;
    if (b->cap - b->len > n)
        return true;
    size_t cap = b->cap ? b->cap : 256;
    while (cap - b->len <= n) {
        if (cap > SIZE_MAX / 2) {
            b->oom = true;
            return false;
        }
        cap *= 2;
    }
    char *d = realloc(b->data, cap);
    if (!d) {
        b->oom = true;
        return false;
    }
    b->data = d;
    b->cap = cap;
    return true;
}

void pm_buf_printf(pm_buf *b, const char *fmt, ...)
{
    if (b->oom)
        return;
    for (;;) {
        size_t room = b->cap - b->len;
        va_list ap;
        va_start(ap, fmt);
        int n = vsnprintf(b->data ? b->data + b->len : NULL, room, fmt, ap);
        va_end(ap);
        if (n < 0) {
            b->oom = true;
            return;
        }
        if ((size_t)n < room) {
            b->len += (size_t)n;
            return;
        }
        if (!pm_buf_reserve(b, (size_t)n))
            return;
    }
}

void pm_buf_free(pm_buf *b)
{
    free(b->data);
    *b = (pm_buf){ 0 };
}

static const struct { const char *name; bool observable; } event_info[] = {
    [PM_EV_DEL] = { "del", true },
    [PM_EV_TP_DEL] = { "tp_del", true },
    [PM_EV_CALLBACK] = { "callback", true },
    [PM_EV_COLLECTED] = { "collected", true },
    [PM_EV_COUNT] = { "count", true },
    [PM_EV_THRESHOLD] = { "threshold", true },
    [PM_EV_STATS] = { "stats", true },
    [PM_EV_FREEZE_COUNT] = { "freeze_count", true },
    [PM_EV_GARBAGE] = { "garbage", true },
    [PM_EV_TRACKED] = { "tracked", true },
    [PM_EV_FINALIZED] = { "finalized", true },
    [PM_EV_REFCOUNT] = { "refcount", true },
    [PM_EV_AUTO] = { "auto", false },
    [PM_EV_FREE] = { "free", false },
    [PM_EV_MALLOC] = { "malloc", true },
    [PM_EV_REALLOC] = { "realloc", true },
    [PM_EV_FREED] = { "freed", true },
    [PM_EV_ALLOC_ERROR] = { "alloc_error", true },
};

#define NEVENTS ((unsigned)(sizeof event_info / sizeof event_info[0]))

bool pm_event_observable(pm_event_kind k)
{
    return (unsigned)k < NEVENTS && event_info[k].observable;
}

const char *pm_event_name(pm_event_kind k)
{
    return (unsigned)k < NEVENTS ? event_info[k].name : "unknown";
}

/* The binding name of index I (binding names need no JSON escaping). */
static const char *name_of(const pm_trace *t, int32_t i)
{
    return i >= 0 && i < t->nnames ? t->names[i] : "?";
}

static void numbers(pm_buf *b, const int64_t *v, int n, bool json)
{
    for (int i = 0; i < n; i++)
        pm_buf_printf(b, "%s%lld", json ? (i ? "," : "") : " ", (long long)v[i]);
}

/* ------------------------------------------------------ allocator events */

static const char *pname_of(const pm_trace *t, int32_t i)
{
    return i >= 0 && i < t->npnames ? t->pnames[i] : "?";
}

/* The reason of an alloc_error event (model/obmalloc.h result codes). */
static const char *alloc_reason(int64_t r)
{
    switch (r) {
    case 1: return "no_memory";       /* PM_OBM_ENOMEM    */
    case 2: return "too_big";         /* PM_OBM_ETOOBIG   */
    case 3: return "not_allocated";   /* PM_OBM_ENOTALLOC */
    case 4: return "already_free";    /* PM_OBM_EFREED    */
    default: return "unknown";
    }
}

static const char *alloc_op_name(int32_t op)
{
    return op == PM_OP_MALLOC ? "malloc" : op == PM_OP_FREE ? "free" : "realloc";
}

/* `malloc p 24 c1 a0 p0 +48 new_arena`, `realloc p 40 c2 a0 p1 +48 moved`,
 * `freed p large`, `alloc_error free p+8 not_allocated` */
static void alloc_text(pm_buf *b, const pm_trace *t, const pm_event *e)
{
    const int64_t *v = e->v;
    if (e->kind == PM_EV_ALLOC_ERROR) {
        pm_buf_printf(b, " %s %s", alloc_op_name(e->generation), pname_of(t, e->name));
        if (e->obj)
            pm_buf_printf(b, "+%d", (int)e->obj);
        pm_buf_printf(b, " %s", alloc_reason(e->result));
        return;
    }
    pm_buf_printf(b, " %s", pname_of(t, e->name));
    if (e->kind != PM_EV_FREED)
        pm_buf_printf(b, " %lld", (long long)v[PM_AV_SIZE]);
    if (v[PM_AV_SMALL])
        pm_buf_printf(b, " c%lld a%lld p%lld +%lld", (long long)v[PM_AV_CLASS],
                      (long long)v[PM_AV_ARENA], (long long)v[PM_AV_POOL],
                      (long long)v[PM_AV_OFFSET]);
    else
        pm_buf_printf(b, v[PM_AV_ADDR] ? " large" : " null");
    if (e->kind == PM_EV_REALLOC && v[PM_AV_SMALL])
        pm_buf_printf(b, v[PM_AV_FLAGS] & PM_AF_MOVED ? " moved" : " in_place");
    if (v[PM_AV_FLAGS] & PM_AF_NEW_ARENA)
        pm_buf_printf(b, " new_arena");
    if (v[PM_AV_FLAGS] & PM_AF_FREED_ARENA)
        pm_buf_printf(b, " freed_arena");
}

static void alloc_json(pm_buf *b, const pm_trace *t, const pm_event *e)
{
    const int64_t *v = e->v;
    if (e->kind == PM_EV_ALLOC_ERROR) {
        pm_buf_printf(b, ",\"op\":\"%s\",\"name\":\"%s\",\"plus\":%d,\"error\":\"%s\"",
                      alloc_op_name(e->generation), pname_of(t, e->name), (int)e->obj,
                      alloc_reason(e->result));
        return;
    }
    pm_buf_printf(b, ",\"name\":\"%s\"", pname_of(t, e->name));
    if (e->kind != PM_EV_FREED)
        pm_buf_printf(b, ",\"size\":%lld", (long long)v[PM_AV_SIZE]);
    if (v[PM_AV_SMALL])
        pm_buf_printf(b, ",\"block\":\"small\",\"class\":%lld,\"arena\":%lld,\"pool\":%lld,"
                      "\"offset\":%lld", (long long)v[PM_AV_CLASS], (long long)v[PM_AV_ARENA],
                      (long long)v[PM_AV_POOL], (long long)v[PM_AV_OFFSET]);
    else
        pm_buf_printf(b, ",\"block\":\"%s\"", v[PM_AV_ADDR] ? "large" : "null");
    if (e->kind == PM_EV_REALLOC && v[PM_AV_SMALL])
        pm_buf_printf(b, ",\"moved\":%s", v[PM_AV_FLAGS] & PM_AF_MOVED ? "true" : "false");
    pm_buf_printf(b, ",\"new_arena\":%s,\"freed_arena\":%s",
                  v[PM_AV_FLAGS] & PM_AF_NEW_ARENA ? "true" : "false",
                  v[PM_AV_FLAGS] & PM_AF_FREED_ARENA ? "true" : "false");
}

static void text(pm_buf *b, const pm_model *m, const pm_trace *t, const pm_event *e)
{
    pm_buf_printf(b, "%d: %s", e->line, pm_event_name(e->kind));
    switch (e->kind) {
    case PM_EV_DEL: case PM_EV_TP_DEL: case PM_EV_CALLBACK: case PM_EV_FREE:
        pm_buf_printf(b, " o%d", (int)e->obj);
        break;
    case PM_EV_COLLECTED: case PM_EV_AUTO:
        pm_buf_printf(b, " %d %lld", (int)e->generation, (long long)e->result);
        break;
    case PM_EV_COUNT: case PM_EV_THRESHOLD:
        numbers(b, e->v, 3, false);
        break;
    case PM_EV_STATS:
        numbers(b, e->v, 9, false);
        break;
    case PM_EV_FREEZE_COUNT:
        pm_buf_printf(b, " %lld", (long long)e->result);
        break;
    case PM_EV_GARBAGE:
        for (int32_t i = 0; i < e->nobjs; i++)
            pm_buf_printf(b, " o%d", (int)pm_model_event_obj(m, e->objs0 + i));
        break;
    case PM_EV_TRACKED: case PM_EV_FINALIZED: case PM_EV_REFCOUNT:
        pm_buf_printf(b, " %s %lld", name_of(t, e->name), (long long)e->result);
        break;
    case PM_EV_MALLOC: case PM_EV_REALLOC: case PM_EV_FREED: case PM_EV_ALLOC_ERROR:
        alloc_text(b, t, e);
        break;
    }
    pm_buf_printf(b, "\n");
}

/* JSON: object numbers are integers; `stats` is the list gc.get_stats()
 * returns, three objects {collections, collected, uncollectable}. */
static void json(pm_buf *b, const pm_model *m, const pm_trace *t, const pm_event *e)
{
    pm_buf_printf(b, "{\"line\":%d,\"event\":\"%s\"", e->line, pm_event_name(e->kind));
    switch (e->kind) {
    case PM_EV_DEL: case PM_EV_TP_DEL: case PM_EV_CALLBACK: case PM_EV_FREE:
        pm_buf_printf(b, ",\"obj\":%d", (int)e->obj);
        break;
    case PM_EV_COLLECTED: case PM_EV_AUTO:
        pm_buf_printf(b, ",\"generation\":%d,\"result\":%lld", (int)e->generation,
                      (long long)e->result);
        break;
    case PM_EV_COUNT: case PM_EV_THRESHOLD:
        pm_buf_printf(b, e->kind == PM_EV_COUNT ? ",\"counts\":[" : ",\"thresholds\":[");
        numbers(b, e->v, 3, true);
        pm_buf_printf(b, "]");
        break;
    case PM_EV_STATS:
        pm_buf_printf(b, ",\"stats\":[");
        for (int g = 0; g < 3; g++)
            pm_buf_printf(b, "%s{\"collections\":%lld,\"collected\":%lld,\"uncollectable\":%lld}",
                          g ? "," : "", (long long)e->v[3 * g], (long long)e->v[3 * g + 1],
                          (long long)e->v[3 * g + 2]);
        pm_buf_printf(b, "]");
        break;
    case PM_EV_FREEZE_COUNT:
        pm_buf_printf(b, ",\"result\":%lld", (long long)e->result);
        break;
    case PM_EV_GARBAGE:
        pm_buf_printf(b, ",\"objs\":[");
        for (int32_t i = 0; i < e->nobjs; i++)
            pm_buf_printf(b, "%s%d", i ? "," : "", (int)pm_model_event_obj(m, e->objs0 + i));
        pm_buf_printf(b, "]");
        break;
    case PM_EV_TRACKED: case PM_EV_FINALIZED: case PM_EV_REFCOUNT:
        pm_buf_printf(b, ",\"name\":\"%s\",\"result\":%lld", name_of(t, e->name),
                      (long long)e->result);
        break;
    case PM_EV_MALLOC: case PM_EV_REALLOC: case PM_EV_FREED: case PM_EV_ALLOC_ERROR:
        alloc_json(b, t, e);
        break;
    }
    pm_buf_printf(b, "}\n");
}

void pm_format_event(pm_buf *b, const pm_model *m, const pm_trace *t,
                     const pm_event *e, bool as_json)
{
    if (as_json)
        json(b, m, t, e);
    else
        text(b, m, t, e);
}
