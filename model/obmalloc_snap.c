/* obmalloc_snap.c: the snapshot text form of a pymalloc state (see
 * spec/obmalloc.md, "Snapshots").  The CPython probe prints the same form
 * from the interpreter's own tables, so a state seen in CPython can be
 * loaded into the model and a final state compared line by line.
 *
 *   pymalloc-snapshot 1
 *   bits 64
 *   maxarenas N
 *   counters NTIMES_ALLOCATED NCURRENT HIGHWATER RAW_BLOCKS
 *   arena A ADDRESS NCARVED NFREEPOOLS          (allocated arenas, by index)
 *   freepools A K...                            (head first, pool numbers)
 *   pool A K SZIDX COUNT NEXTOFFSET MAXNEXTOFFSET OFFSET...  (free list)
 *   usable A...                                 (usable_arenas, head first)
 *   nfp2lasta NFP A                             (entries that are set)
 *   unused A...                                 (unused_arena_objects)
 *   used C A:K...                               (usedpools[C], head first)
 *   end
 */
#include "obmalloc.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

void pm_obm_snapshot_write(const pm_obm *st, FILE *out)
{
    fprintf(out, "pymalloc-snapshot 1\nbits %u\nmaxarenas %d\n",
            st->cfg.pointer_bits, st->maxarenas);
    fprintf(out, "counters %" PRIu64 " %" PRIu64 " %" PRIu64 " %" PRId64 "\n",
            st->ntimes_arena_allocated, st->narenas_currently_allocated,
            st->narenas_highwater, st->raw_allocated_blocks);
    for (int32_t a = 0; a < st->maxarenas; a++) {
        const pm_obm_arena *ao = &st->arenas[a];
        if (ao->address == 0)
            continue;
        fprintf(out, "arena %d %#" PRIx64 " %d %d\n", a, ao->address,
                ao->ncarved, ao->nfreepools);
        fprintf(out, "freepools %d", a);
        for (int32_t p = ao->freepools; p != PM_OBM_NONE;
             p = st->pool_next[p])
            fprintf(out, " %d", p % PM_OBM_MAX_POOLS);
        fputc('\n', out);
        for (int32_t k = 0; k < ao->ncarved; k++) {
            const pm_obm_pool *pl = &st->pools[a * PM_OBM_MAX_POOLS + k];
            int32_t size = PMC_SIZE(st, pl->szidx);
            fprintf(out, "pool %d %d %d %d %d %d", a, k, pl->szidx, pl->count,
                    pl->nextoffset, pl->maxnextoffset);
            for (int32_t b = pl->freeblock; b != PM_OBM_NONE; b = pl->next[b])
                fprintf(out, " %d", PMC_OVERHEAD(st) + b * size);
            fputc('\n', out);
        }
    }
    fputs("usable", out);
    for (int32_t a = st->usable_arenas; a != PM_OBM_NONE;
         a = st->arena_next[a])
        fprintf(out, " %d", a);
    fputc('\n', out);
    for (int32_t k = 0; k <= PM_OBM_MAX_POOLS; k++)
        if (st->nfp2lasta[k] != PM_OBM_NONE)
            fprintf(out, "nfp2lasta %d %d\n", k, st->nfp2lasta[k]);
    fputs("unused", out);
    for (int32_t a = st->unused_arena_objects; a != PM_OBM_NONE;
         a = st->arena_next[a])
        fprintf(out, " %d", a);
    fputc('\n', out);
    for (int32_t c = 0; c < PMC_NCLASSES(st); c++) {
        if (st->used_next[c] < 0)
            continue;
        fprintf(out, "used %d", c);
        for (int32_t p = st->used_next[c]; p >= 0; p = st->pool_next[p])
            fprintf(out, " %d:%d", p / PM_OBM_MAX_POOLS, p % PM_OBM_MAX_POOLS);
        fputc('\n', out);
    }
    fputs("end\n", out);
}

/* ------------------------------------------------------------------ read */

typedef struct reader {
    FILE *in;
    char line[1 << 16];
    int lineno;
    char *err;
    size_t errlen;
    int failed;          /* the first error of a read is the one reported */
} reader;

static int rfail(reader *r, const char *what)
{
    if (!r->failed)
        snprintf(r->err, r->errlen, "line %d: %s", r->lineno, what);
    r->failed = 1;
    return -1;
}

/* Next token of the current line as a number (decimal or 0x hex) and its
 * sign, read in 64-bit unsigned arithmetic so that nothing wraps before
 * the callers' range checks.  1; 0 when the line has no more tokens or the
 * token is not a number; -1 (the error set) when it has more than 64
 * bits. */
static int tok_num(reader *r, char **s, uint64_t *v, int *neg)
{
    char *end;
    while (**s == ' ')
        (*s)++;
    if (**s == '\0' || **s == '\n')
        return 0;
    const char *digits = *s + (**s == '-' || **s == '+');
    if (*digits < '0' || *digits > '9')
        return 0;
    *neg = **s == '-';
    errno = 0;
    unsigned long long u = strtoull(digits, &end, 0);
    *s = end;
    if (errno == ERANGE)
        return rfail(r, "number out of range (2^64 or more)");
    *v = (uint64_t)u;
    return 1;
}

/* A field that is at least 0 (all but RAW_BLOCKS): as tok_num, -1 for a
 * minus sign. */
static int tok_int(reader *r, char **s, uint64_t *v)
{
    int neg, t = tok_num(r, s, v, &neg);
    if (t == 1 && neg)
        return rfail(r, "negative number");
    return t;
}

static int read_pool(reader *r, pm_obm *st, char *s)
{
    uint64_t a, k, c, count, nextoff, maxnext, off;
    if (tok_int(r, &s, &a) <= 0 || tok_int(r, &s, &k) <= 0
        || tok_int(r, &s, &c) <= 0 || tok_int(r, &s, &count) <= 0
        || tok_int(r, &s, &nextoff) <= 0 || tok_int(r, &s, &maxnext) <= 0)
        return rfail(r, "pool: expected A K SZIDX COUNT NEXTOFFSET MAX");
    if (a >= (uint64_t)st->maxarenas || st->arenas[a].address == 0
        || k >= (uint64_t)st->arenas[a].ncarved
        || c >= (uint64_t)PMC_NCLASSES(st))
        return rfail(r, "pool: no such carved pool or size class");
    /* checked before narrowing to the int32_t fields: a count is at most
     * the blocks a pool holds, offsets are within POOL_SIZE */
    int32_t size = PMC_SIZE(st, c);
    uint64_t ov = (uint64_t)PMC_OVERHEAD(st), usize = (uint64_t)size;
    int32_t nblocks = (PMC_POOL(st) - PMC_OVERHEAD(st)) / size;
    if (count > (uint64_t)nblocks)
        return rfail(r, "pool: count out of range");
    if (nextoff < ov || (nextoff - ov) % usize
        || (nextoff - ov) / usize > (uint64_t)nblocks)
        return rfail(r, "pool: bad nextoffset");
    if (maxnext > (uint64_t)PMC_POOL(st))
        return rfail(r, "pool: maxnextoffset out of range");
    pm_obm_pool *pl = &st->pools[a * PM_OBM_MAX_POOLS + k];
    pl->szidx = (int32_t)c;
    pl->count = (int32_t)count;
    pl->nextoffset = (int32_t)nextoff;
    pl->maxnextoffset = (int32_t)maxnext;
    pl->nblocks = nblocks;
    pl->ncarved = (int32_t)((nextoff - ov) / usize);
    for (int32_t b = 0; b < pl->ncarved; b++)
        pl->bstate[b] = PM_OBM_B_USED;
    int32_t list[PM_OBM_MAX_BLOCKS], n = 0;
    int t;
    while ((t = tok_int(r, &s, &off)) > 0) {
        if (off < ov || (off - ov) % usize
            || (off - ov) / usize >= (uint64_t)pl->ncarved || n >= pl->ncarved)
            return rfail(r, "pool: bad free block offset");
        list[n++] = (int32_t)((off - ov) / usize);
    }
    if (t < 0)
        return -1;
    pl->nfree = 0;
    pl->freeblock = PM_OBM_NONE;
    for (int32_t i = n - 1; i >= 0; i--) {
        int32_t b = list[i];
        if (pl->bstate[b] == PM_OBM_B_FREE)
            return rfail(r, "pool: block twice on the free list");
        pl->next[b] = (int16_t)pl->freeblock;
        pl->stack[pl->nfree] = (int16_t)b;
        pl->pos[b] = (int16_t)pl->nfree;
        pl->nfree++;
        pl->freeblock = b;
        pl->bstate[b] = PM_OBM_B_FREE;
    }
    /* the blocks in use, in block order */
    int32_t nused = 0;
    for (int32_t b = 0; b < pl->ncarved; b++)
        if (pl->bstate[b] == PM_OBM_B_USED) {
            pl->ustack[nused] = (int16_t)b;
            pl->upos[b] = (int16_t)nused;
            nused++;
        }
    if (nused != pl->count)
        return rfail(r, "pool: count disagrees with the free list");
    return 0;
}

static int read_arena(reader *r, pm_obm *st, char *s)
{
    uint64_t a, address, ncarved, nfp;
    if (tok_int(r, &s, &a) <= 0 || tok_int(r, &s, &address) <= 0
        || tok_int(r, &s, &ncarved) <= 0 || tok_int(r, &s, &nfp) <= 0)
        return rfail(r, "arena: expected A ADDRESS NCARVED NFREEPOOLS");
    if (a >= (uint64_t)st->maxarenas || address == 0
        || st->arenas[a].address)
        return rfail(r, "arena: bad index or address");
    /* new_arena: the first pool is the address rounded up to POOL_SIZE,
     * which must not pass 2^64 */
    uint64_t pool = (uint64_t)PMC_POOL(st);
    uint64_t excess = address % pool;
    if (excess && address > UINT64_MAX - (pool - excess))
        return rfail(r, "arena: address too high (first pool past 2^64)");
    int32_t ntotal = PM_OBM_MAX_POOLS - (excess != 0);
    if (ncarved > (uint64_t)ntotal || nfp > (uint64_t)ntotal)
        return rfail(r, "arena: bad pool counts");
    pm_obm_arena *ao = &st->arenas[a];
    ao->address = address;
    ao->first_pool = excess ? address + (pool - excess) : address;
    ao->ntotalpools = ntotal;
    ao->ncarved = (int32_t)ncarved;
    ao->nfreepools = (int32_t)nfp;
    ao->freepools = PM_OBM_NONE;
    ao->nfpcached = 0;
    st->arena_rank[a] = PM_OBM_NONE;
    for (int32_t k = 0; k < ao->ncarved; k++)
        st->pools[a * PM_OBM_MAX_POOLS + k].szidx = -1;   /* not read yet */
    st->narenas_currently_allocated++;
    return 0;
}


static int read_freepools(reader *r, pm_obm *st, char *s)
{
    uint64_t a, k;
    if (tok_int(r, &s, &a) <= 0 || a >= (uint64_t)st->maxarenas
        || st->arenas[a].address == 0)
        return rfail(r, "freepools: no such arena");
    pm_obm_arena *ao = &st->arenas[a];
    int32_t list[PM_OBM_MAX_POOLS], n = 0;
    /* with the pools of earlier freepools lines of A, at most ncarved:
     * fpstack has room for 64 */
    int t;
    while ((t = tok_int(r, &s, &k)) > 0) {
        if (k >= (uint64_t)ao->ncarved || n >= ao->ncarved - ao->nfpcached)
            return rfail(r, "freepools: bad pool");
        list[n++] = (int32_t)(a * PM_OBM_MAX_POOLS + k);
    }
    if (t < 0)
        return -1;
    for (int32_t i = n - 1; i >= 0; i--) {
        st->pool_next[list[i]] = ao->freepools;
        st->pools[list[i]].fpos = ao->nfpcached;
        ao->fpstack[ao->nfpcached++] = list[i];
        ao->freepools = list[i];
    }
    return 0;
}

/* A line of arena indices; returns how many, or -1. */
static int read_arena_list(reader *r, pm_obm *st, char *s, int32_t *v)
{
    uint64_t a;
    int n = 0, t;
    while ((t = tok_int(r, &s, &a)) > 0) {
        if (a >= (uint64_t)st->maxarenas || n >= st->maxarenas)
            return rfail(r, "bad arena index");
        v[n++] = (int32_t)a;
    }
    return t < 0 ? -1 : n;
}

static int read_used(reader *r, pm_obm *st, char *s)
{
    uint64_t c, a, k;
    if (tok_int(r, &s, &c) <= 0 || c >= (uint64_t)PMC_NCLASSES(st))
        return rfail(r, "used: bad size class");
    int32_t cls = (int32_t)c, prev = PM_OBM_HDR(cls);
    for (;;) {
        while (*s == ' ')
            s++;
        if (*s == '\0' || *s == '\n')
            break;
        if (tok_int(r, &s, &a) <= 0 || *s != ':')
            return rfail(r, "used: expected A:K");
        s++;
        if (tok_int(r, &s, &k) <= 0 || a >= (uint64_t)st->maxarenas
            || k >= (uint64_t)st->arenas[a].ncarved)
            return rfail(r, "used: bad pool");
        int32_t p = (int32_t)(a * PM_OBM_MAX_POOLS + k);
        st->pool_prev[p] = prev;
        if (prev < 0)
            st->used_next[cls] = p;
        else
            st->pool_next[prev] = p;
        prev = p;
    }
    if (prev >= 0) {
        st->pool_next[prev] = PM_OBM_HDR(cls);
        st->used_prev[cls] = prev;
    }
    return 0;
}

static int read_body(reader *r, pm_obm *st)
{
    int32_t *v = NULL;
    int ret = -1;
    while (fgets(r->line, sizeof r->line, r->in) != NULL) {
        r->lineno++;
        char *s = r->line;
        char word[32];
        int nw = 0;
        while (*s == ' ')
            s++;
        while (*s && *s != ' ' && *s != '\n' && nw < 31)
            word[nw++] = *s++;
        word[nw] = '\0';
        uint64_t x[4];
        if (strcmp(word, "maxarenas") == 0) {
            if (tok_int(r, &s, &x[0]) <= 0 || x[0] > (1 << 20)
                || x[0] % PM_OBM_INITIAL_ARENAS || st->maxarenas)
                { rfail(r, "maxarenas: bad value"); goto out; }
            if (pm_obm_grow(st, (int32_t)x[0]) != 0)
                { rfail(r, "maxarenas: out of memory"); goto out; }
            st->maxarenas = (int32_t)x[0];
            for (int32_t a = 0; a < st->maxarenas; a++) {
                st->arenas[a].address = 0;
                st->arena_rank[a] = PM_OBM_NONE;
            }
            free(v);
            v = malloc((size_t)(st->maxarenas + 1) * sizeof *v);
            if (v == NULL)
                { rfail(r, "out of memory"); goto out; }
        } else if (strcmp(word, "bits") == 0) {
            if (tok_int(r, &s, &x[0]) <= 0 || x[0] != st->cfg.pointer_bits)
                { rfail(r, "bits: not the configuration in use"); goto out; }
        } else if (strcmp(word, "counters") == 0) {
            int neg = 0;
            for (int i = 0; i < 4; i++)
                if ((i < 3 ? tok_int(r, &s, &x[i])
                           : tok_num(r, &s, &x[i], &neg)) <= 0)
                    { rfail(r, "counters: expected 4 numbers"); goto out; }
            /* RAW_BLOCKS is signed (the writer prints an int64_t) */
            if (x[3] > (uint64_t)INT64_MAX + (uint64_t)neg)
                { rfail(r, "counters: RAW_BLOCKS out of range"); goto out; }
            st->ntimes_arena_allocated = x[0];
            st->narenas_highwater = x[2];
            st->raw_allocated_blocks = neg && x[3]
                ? -(int64_t)(x[3] - 1) - 1 : (int64_t)x[3];
        } else if (v == NULL && strcmp(word, "end") != 0) {
            rfail(r, "expected maxarenas first");
            goto out;
        } else if (strcmp(word, "arena") == 0) {
            if (read_arena(r, st, s)) goto out;
        } else if (strcmp(word, "freepools") == 0) {
            if (read_freepools(r, st, s)) goto out;
        } else if (strcmp(word, "pool") == 0) {
            if (read_pool(r, st, s)) goto out;
        } else if (strcmp(word, "usable") == 0) {
            int n = read_arena_list(r, st, s, v);
            if (n < 0) goto out;
            st->usable_arenas = n ? v[0] : PM_OBM_NONE;
            st->nusable = n;
            for (int i = 0; i < n; i++) {
                st->arena_rank[v[i]] = i;
                st->arena_prev[v[i]] = i ? v[i - 1] : PM_OBM_NONE;
                st->arena_next[v[i]] = i + 1 < n ? v[i + 1] : PM_OBM_NONE;
            }
        } else if (strcmp(word, "nfp2lasta") == 0) {
            if (tok_int(r, &s, &x[0]) <= 0 || tok_int(r, &s, &x[1]) <= 0
                || x[0] > PM_OBM_MAX_POOLS || x[1] >= (uint64_t)st->maxarenas)
                { rfail(r, "nfp2lasta: bad entry"); goto out; }
            st->nfp2lasta[x[0]] = (int32_t)x[1];
        } else if (strcmp(word, "unused") == 0) {
            int n = read_arena_list(r, st, s, v);
            if (n < 0) goto out;
            st->unused_arena_objects = n ? v[0] : PM_OBM_NONE;
            st->nunused = n;
            for (int i = 0; i < n; i++) {
                st->unused[n - 1 - i] = v[i];
                st->arenas[v[i]].unpos = n - 1 - i;
                st->arena_next[v[i]] = i + 1 < n ? v[i + 1] : PM_OBM_NONE;
            }
        } else if (strcmp(word, "used") == 0) {
            if (read_used(r, st, s)) goto out;
        } else if (strcmp(word, "end") == 0) {
            ret = 0;
            goto out;
        } else if (word[0] != '\0' && word[0] != '#') {
            rfail(r, "unknown line");
            goto out;
        }
    }
    rfail(r, "no 'end' line");
out:
    free(v);
    return ret;
}

static reader r;     /* the line buffer is large */

int pm_obm_snapshot_lines(void)
{
    return r.lineno;
}

int pm_obm_snapshot_read(pm_obm *st, FILE *in, char *err, size_t errlen)
{
    r.in = in;
    r.lineno = 0;
    r.err = err;
    r.errlen = errlen;
    r.failed = 0;
    if (fgets(r.line, sizeof r.line, in) == NULL
        || strcmp(r.line, "pymalloc-snapshot 1\n") != 0) {
        r.lineno = 1;
        return rfail(&r, "expected 'pymalloc-snapshot 1'");
    }
    r.lineno = 1;
    /* start from an empty state of the same configuration */
    pm_obm_config cfg = st->cfg;
    pm_obm_arena_source src = st->arena_source;
    void *ctx = st->arena_source_ctx;
    pm_obm_destroy(st);
    if (pm_obm_init(st, &cfg) != PM_OBM_OK)
        return rfail(&r, "out of memory");
    pm_obm_set_arena_source(st, src, ctx);
    if (read_body(&r, st) != 0)
        return -1;
    for (int32_t a = 0; a < st->maxarenas; a++) {
        if (st->arenas[a].address == 0)
            continue;
        pm_obm_note_arena(st, st->arenas[a].address);
        for (int32_t k = 0; k < st->arenas[a].ncarved; k++)
            if (st->pools[a * PM_OBM_MAX_POOLS + k].szidx < 0) {
                snprintf(err, errlen, "arena %d: no line for pool %d", a, k);
                return -1;
            }
    }
    if (st->narenas_highwater < st->narenas_currently_allocated)
        st->narenas_highwater = st->narenas_currently_allocated;
    char why[256];
    if (!pm_pymalloc_is_valid(st, why, sizeof why)) {
        snprintf(err, errlen, "state is not valid: %s", why);
        return -1;
    }
    return 0;
}
