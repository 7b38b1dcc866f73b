/* format.c: events as text (`LINE: EVENT`) and as JSON Lines, per the event
 * table of spec/trace.md; the growing output buffer they are written to. */
#include "pymemref.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
        size_t cap = b->cap ? b->cap : 256;
        while (cap - b->len <= (size_t)n) {
            if (cap > SIZE_MAX / 2) {
                b->oom = true;
                return;
            }
            cap *= 2;
        }
        char *d = realloc(b->data, cap);
        if (!d) {
            b->oom = true;
            return;
        }
        b->data = d;
        b->cap = cap;
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
