/* obmalloc_stats.c: the pymalloc part of sys._debugmallocstats() for a
 * model state, in the layout of _PyObject_DebugMallocStats and printone
 * (Objects/obmalloc.c, 3.11): the per-class table, the arena counters, the
 * byte accounting and the radix-tree ("arena map") counts. */
#include "obmalloc_core.h"

#include <string.h>

/* Proof build (-DPM_PROOF): the state is pm_g (S) and the configuration the
 * PMC_* constants; the executable build reads *st and st->cfg. */
#ifdef PM_PROOF
# define STATS_BITS(st) PM_PROOF_BITS
#else
# define STATS_BITS(st) ((st)->cfg.pointer_bits)
#endif

/* V in decimal into D, least significant digit first, with a ',' before
 * each further group of three digits when COMMAS; returns the number of
 * characters (at most 20 digits and 6 commas). */
/*@ requires \valid(d + (0 .. 26));
    assigns d[0 .. 26];
    ensures n: 1 <= \result <= (commas ? 26 : 20);
*/
static int to_digits(char *d, uint64_t v, int commas)
{
    int n = 0, group = 0;
    /* k digits written so far (ghost); v <= (2^64 - 1) / 10^k, so at most
     * 20 digits */
    //@ ghost int k = 0;
    /*@ loop invariant k: 0 <= k <= 19;
        loop invariant n: n == (k == 0 ? 0 : k + (commas ? (k - 1) / 3 : 0));
        loop invariant group: group == (k == 0 ? 0 : (k - 1) % 3 + 1);
        loop invariant v: (k >= 1 ==> v <= 1844674407370955161)
          && (k >= 2 ==> v <= 184467440737095516)
          && (k >= 3 ==> v <= 18446744073709551)
          && (k >= 4 ==> v <= 1844674407370955)
          && (k >= 5 ==> v <= 184467440737095)
          && (k >= 6 ==> v <= 18446744073709)
          && (k >= 7 ==> v <= 1844674407370)
          && (k >= 8 ==> v <= 184467440737)
          && (k >= 9 ==> v <= 18446744073)
          && (k >= 10 ==> v <= 1844674407)
          && (k >= 11 ==> v <= 184467440)
          && (k >= 12 ==> v <= 18446744)
          && (k >= 13 ==> v <= 1844674)
          && (k >= 14 ==> v <= 184467)
          && (k >= 15 ==> v <= 18446)
          && (k >= 16 ==> v <= 1844)
          && (k >= 17 ==> v <= 184)
          && (k >= 18 ==> v <= 18)
          && (k >= 19 ==> v <= 1);
        loop assigns n, group, v, k, d[0 .. 26];
    */
    do {
        if (group == 3) {
            if (commas)
                d[n++] = ',';
            group = 0;
        }
        d[n++] = (char)('0' + v % 10);
        v /= 10;
        group++;
        //@ ghost k++;
    } while (v != 0);
    return n;
}

/* V in decimal on OUT; returns the number of digits. */
/*@ requires \valid(out);
    assigns *out;
    ensures n: 1 <= \result <= 20;
*/
static int putdec(FILE *out, uint64_t v)
{
    char d[27];
    int n = to_digits(d, v, 0), len = n;
    /*@ loop invariant 0 <= n <= 20;
        loop assigns n, *out; */
    while (n > 0)
        fputc(d[--n], out);
    return len;
}

/* The end of a line of printone after a label of LEN characters: spaces
 * up to column 35, '=', then VALUE with thousands separators right-aligned
 * in 21 columns. */
/*@ requires \valid(out);
    assigns *out;
    ensures value: \result == value;
*/
static uint64_t put_value(FILE *out, size_t len, uint64_t value)
{
    char digits[27];
    int n = to_digits(digits, value, 1);
    /*@ loop invariant i == len || len < i <= 35;
        loop assigns i, *out; */
    for (size_t i = len; i < 35; i++)
        fputc(' ', out);
    fputc('=', out);
    /*@ loop invariant i == n || n < i <= 21;
        loop assigns i, *out; */
    for (int i = n; i < 21; i++)
        fputc(' ', out);
    /*@ loop invariant 0 <= n <= 26;
        loop assigns n, *out; */
    while (n > 0)
        fputc(digits[--n], out);
    fputc('\n', out);
    return value;
}

/* The N characters of S on OUT.  Literals are printed through it with
 * their length known (PUT_LIT), not through fputs: WP does not prove
 * valid_read_string of a literal (its strlen), but proves at once that a
 * literal's N characters are readable. */
/*@ requires s: \valid_read(s + (0 .. n - 1));
    requires out: \valid(out);
    assigns *out;
*/
static void put_chars(FILE *out, const char *s, size_t n)
{
    /*@ loop invariant i: 0 <= i <= n;
        loop assigns i, *out; */
    for (size_t i = 0; i < n; i++)
        fputc(s[i], out);
}

#define PUT_LIT(out, lit) put_chars((out), (lit), sizeof(lit) - 1)

/* printone (Objects/obmalloc.c): the label MSG of LEN characters padded to
 * 35 columns, '=', then VALUE with thousands separators right-aligned in
 * 21 columns. */
/*@ requires msg: \valid_read(msg + (0 .. len - 1));
    requires out: \valid(out);
    assigns *out;
    ensures value: \result == value;
*/
static uint64_t printone(FILE *out, const char *msg, size_t len,
                         uint64_t value)
{
    put_chars(out, msg, len);
    return put_value(out, len, value);
}

#define PRINTONE(out, lit, v) printone((out), (lit), sizeof(lit) - 1, (v))

/* printone with the label "X MID Y TAIL" (X and Y in decimal), which
 * _PyObject_DebugMallocStats formats with PyOS_snprintf. */
/*@ requires mid: \valid_read(mid + (0 .. midlen - 1)) && midlen <= 64;
    requires tail: \valid_read(tail + (0 .. taillen - 1)) && taillen <= 64;
    requires out: \valid(out);
    assigns *out;
    ensures value: \result == value;
*/
static uint64_t printone2(FILE *out, uint64_t x, const char *mid,
                          size_t midlen, uint64_t y, const char *tail,
                          size_t taillen, uint64_t value)
{
    size_t len = (size_t)putdec(out, x);
    put_chars(out, mid, midlen);
    len += midlen;
    len += (size_t)putdec(out, y);
    put_chars(out, tail, taillen);
    len += taillen;
    return put_value(out, len, value);
}

#define PRINTONE2(out, x, mid, y, tail, v) \
    printone2((out), (x), (mid), sizeof(mid) - 1, (y), (tail), \
              sizeof(tail) - 1, (v))

/* The printing phases of pm_obm_debugmallocstats, one function each: every
 * string literal of the output is in one of these small functions, whose
 * goals then hold only that literal (in the caller's large context the
 * solvers did not find that a literal is a string). */

/* The threshold line and the header of the per-class table. */
/*@ requires out: \valid(out);
    assigns *out;
*/
static void print_class_header(FILE *out, uint32_t nclasses)
{
    PUT_LIT(out, "Small block threshold = ");
    putdec(out, PM_OBM_THRESHOLD);
    PUT_LIT(out, ", in ");
    putdec(out, nclasses);
    PUT_LIT(out, " size classes.\n\n");
    PUT_LIT(out, "class   size   num pools   blocks in use  avail blocks\n"
                 "-----   ----   ---------   -------------  ------------\n");
}

/* One row of the per-class table. */
/*@ requires out: \valid(out);
    assigns *out;
*/
static void print_class_row(FILE *out, uint32_t c, unsigned size,
                            uint64_t pools, uint64_t used, uint64_t avail)
{
    fprintf(out, "%5u %6u %11llu %15llu %13llu\n", c, size,
            (unsigned long long)pools, (unsigned long long)used,
            (unsigned long long)avail);
}

/* The arena counters. */
/*@ requires out: \valid(out);
    assigns *out;
*/
static void print_arena_counts(FILE *out, uint64_t allocated_total,
                               uint64_t reclaimed, uint64_t highwater,
                               uint64_t current, uint64_t arena_size,
                               uint64_t arena_bytes)
{
    PRINTONE(out, "# arenas allocated total", allocated_total);
    PRINTONE(out, "# arenas reclaimed", reclaimed);
    PRINTONE(out, "# arenas highwater mark", highwater);
    PRINTONE(out, "# arenas allocated current", current);
    PRINTONE2(out, current, " arenas * ", arena_size, " bytes/arena",
              arena_bytes);
    fputc('\n', out);
}

/* Where the arenas' bytes go; TOTAL is the sum of the six amounts. */
/*@ requires out: \valid(out);
    assigns *out;
*/
static void print_bytes(FILE *out, uint64_t allocated, uint64_t available,
                        uint64_t unused_pools, uint64_t pool_size,
                        uint64_t unused_bytes, uint64_t headers,
                        uint64_t quantization, uint64_t alignment,
                        uint64_t total)
{
    PRINTONE(out, "# bytes in allocated blocks", allocated);
    PRINTONE(out, "# bytes in available blocks", available);
    PRINTONE2(out, unused_pools, " unused pools * ", pool_size, " bytes",
              unused_bytes);
    PRINTONE(out, "# bytes lost to pool headers", headers);
    PRINTONE(out, "# bytes lost to quantization", quantization);
    PRINTONE(out, "# bytes lost to arena alignment", alignment);
    PRINTONE(out, "Total", total);
}

/* The radix tree's nodes (WITH_PYMALLOC_RADIX_TREE): 64-bit builds have
 * interior nodes (USE_INTERIOR_NODES), 32-bit builds only the bottom level
 * as root. */
/*@ requires out: \valid(out);
    requires counts: mid <= 2147483647 && bot <= 2147483647;
    assigns *out;
*/
static void print_arena_map(FILE *out, unsigned bits, uint64_t mid,
                            uint64_t bot)
{
    PUT_LIT(out, "\narena map counts\n");
    if (bits == 64) {
        uint64_t node = (uint64_t)8 << 15;       /* 2^15 pointers        */
        uint64_t leaf = (uint64_t)8 << 14;       /* 2^14 int32 pairs     */
        PRINTONE(out, "# arena map mid nodes", mid);
        PRINTONE(out, "# arena map bot nodes", bot);
        fputc('\n', out);
        uint64_t t = PRINTONE(out, "# bytes lost to arena map root", node);
        t += PRINTONE(out, "# bytes lost to arena map mid", node * mid);
        t += PRINTONE(out, "# bytes lost to arena map bot", leaf * bot);
        PRINTONE(out, "Total", t);
    } else {
        PRINTONE(out, "# bytes lost to arena map root", (uint64_t)8 << 14);
    }
}

/* The invariant gives what the statistics read: for pool K of arena A,
 * from pool_ok (the indices are the lemma's, so that its conclusion names
 * the same term pm_g.pools[a * NPOOLS + k] as its callers' invariants)... */
/*@ ghost
  /@ requires a: 0 <= a < PM_PROOF_CAP_ARENAS;
     requires k: 0 <= k < NPOOLS;
     requires ok: pool_ok(pm_g.pools[a * NPOOLS + k]);
     assigns \nothing;
     ensures stats_pool(pm_g.pools[a * NPOOLS + k]);
  @/
  void lemma_stats_pool(int a, int k) { }
*/

/* ... for one arena, from its carved pools' pool_ok, one pool at a time
 * (the precondition is the part of arena_ok the loop needs: with all of
 * arena_ok in the context, Z3 and CVC4 did not prove the loop's
 * invariant)... */
/*@ ghost
  /@ requires a: 0 <= a < PM_PROOF_CAP_ARENAS;
     requires carved: 0 <= pm_g.arenas[a].ncarved <= NPOOLS
              && 0 <= pm_g.arenas[a].nfreepools <= NPOOLS;
     requires pools: \forall integer k; 0 <= k < pm_g.arenas[a].ncarved
              ==> pool_ok(pm_g.pools[a * NPOOLS + k]);
     assigns \nothing;
     ensures stats_arena(pm_g.arenas[a], pm_g.pools, a);
  @/
  void lemma_stats_arena(int a)
  {
    /@ loop invariant k: 0 <= k <= pm_g.arenas[a].ncarved;
       loop invariant done: \forall integer j; 0 <= j < k ==>
         stats_pool(pm_g.pools[a * NPOOLS + j]);
       loop assigns k;
       loop variant pm_g.arenas[a].ncarved - k; @/
    for (int k = 0; k < pm_g.arenas[a].ncarved; k++)
      lemma_stats_pool(a, k);
    /@ assert all: \forall integer j; 0 <= j < pm_g.arenas[a].ncarved ==>
         stats_pool(pm_g.pools[a * NPOOLS + j]); @/
  }
*/

/* ... and for every allocated arena, one at a time. */
/*@ ghost
  /@ requires PM_INV_TABLE && PM_ARENAS_OK;
     assigns \nothing;
     ensures stats_shape(pm_g.arenas, pm_g.pools, pm_g.maxarenas);
  @/
  void lemma_stats_shape(void)
  {
    /@ loop invariant a: 0 <= a <= pm_g.maxarenas;
       loop invariant shape: stats_shape(pm_g.arenas, pm_g.pools, a);
       loop assigns a;
       loop variant pm_g.maxarenas - a; @/
    for (int a = 0; a < pm_g.maxarenas; a++) {
      if (pm_g.arenas[a].address != 0) {
        /@ assert ok: arena_ok(pm_g.arenas[a], pm_g.pools, pm_g.pool_next, a); @/
        /@ assert shape: arena_shape(pm_g.arenas[a]); @/
        /@ assert pools: arena_pools(pm_g.arenas[a], pm_g.pools, a); @/
        lemma_stats_arena(a);
      }
    }
  }
*/

/*@ ghost
  /@ requires x <= y;
     assigns \nothing;
     ensures 0 <= x * s <= y * s;
  @/
  void lemma_stats_mul(uint64_t x, uint64_t y, uint64_t s) { }
*/

/* Its caller holds the allocator's invariant: PM_INV_TABLE and
 * PM_ARENAS_OK give stats_shape (lemma_stats_shape). */
/*@ requires out: \valid(out) && \separated(out, &pm_g);
    requires table: PM_INV_TABLE;
    requires arenas: stats_shape(pm_g.arenas, pm_g.pools, pm_g.maxarenas);
    requires allocated: pm_g.narenas_currently_allocated
               == acount_alloc(pm_g.arenas, pm_g.maxarenas);
    requires counters: counters_ok(pm_g.narenas_currently_allocated,
               pm_g.narenas_highwater, pm_g.ntimes_arena_allocated);
    requires map: map_counts_ok(pm_g.map_mid_count, pm_g.map_bot_count);
    assigns *out;
*/
void pm_obm_debugmallocstats(const pm_obm *st, FILE *out)
{
    uint64_t numpools[PM_OBM_MAX_CLASSES] = {0};
    uint64_t numblocks[PM_OBM_MAX_CLASSES] = {0};
    uint64_t numfree[PM_OBM_MAX_CLASSES] = {0};
    uint64_t narenas = 0, numfreepools = 0, arena_alignment = 0;
    uint64_t pool_size = (uint64_t)PMC_POOL(st);
    uint64_t arena_size = (uint64_t)PMC_ARENA(st);
    uint32_t nclasses = (uint32_t)PMC_NCLASSES(st);

    /* pools of NUMBLOCKS(c) <= MAXB blocks: each count is at most the
     * pools seen so far (times MAXB) */
    /*@ loop invariant a: 0 <= a <= pm_g.maxarenas;
        loop invariant narenas: narenas == acount_alloc(pm_g.arenas, a)
                                && narenas <= a;
        loop invariant sums: numfreepools <= a * NPOOLS
                             && arena_alignment <= a * POOLSZ;
        loop invariant classes: \forall integer c; 0 <= c < MAXCLS ==>
              numpools[c] <= a * NPOOLS && numblocks[c] <= a * NPOOLS * MAXB
              && numfree[c] <= a * NPOOLS * MAXB;
        loop assigns a, narenas, numfreepools, arena_alignment,
                     numpools[0 .. MAXCLS - 1], numblocks[0 .. MAXCLS - 1],
                     numfree[0 .. MAXCLS - 1];
    */
    for (int32_t a = 0; a < S.maxarenas; a++) {
        if (S.arenas[a].address == 0)
            continue;
        /*@ assert carved: 0 <= pm_g.arenas[a].ncarved <= NPOOLS
              && 0 <= pm_g.arenas[a].nfreepools <= NPOOLS; */
        narenas++;
        numfreepools += (uint64_t)S.arenas[a].nfreepools;
        if (S.arenas[a].address % pool_size != 0)
            arena_alignment += pool_size;
        /*@ loop invariant k: 0 <= k <= pm_g.arenas[a].ncarved;
            loop invariant classes: \forall integer c; 0 <= c < MAXCLS ==>
                  numpools[c] <= a * NPOOLS + k
                  && numblocks[c] <= (a * NPOOLS + k) * MAXB
                  && numfree[c] <= (a * NPOOLS + k) * MAXB;
            loop assigns k, numpools[0 .. MAXCLS - 1],
                         numblocks[0 .. MAXCLS - 1], numfree[0 .. MAXCLS - 1];
        */
        for (int32_t k = 0; k < S.arenas[a].ncarved; k++) {
            int32_t p = a * PM_OBM_MAX_POOLS + k;
            /*@ assert counts: 0 <= pm_g.pools[p].szidx < NCLS
                  && 0 <= pm_g.pools[p].count <= pm_g.pools[p].nblocks
                  && pm_g.pools[p].nblocks <= MAXB; */
            if (S.pools[p].count == 0)
                continue;
            int32_t c = S.pools[p].szidx;
            numpools[c]++;
            numblocks[c] += (uint64_t)S.pools[p].count;
            numfree[c] += (uint64_t)(S.pools[p].nblocks - S.pools[p].count);
        }
    }
    print_class_header(out, nclasses);
    uint64_t allocated = 0, available = 0, headers = 0, quantization = 0;
    /* a class has at most CAP * NPOOLS pools and CAP * NPOOLS * MAXB blocks
     * (2048 and 2091008), of at most 512 bytes */
    /*@ loop invariant c: 0 <= c <= NCLS;
        loop invariant sums: allocated <= c * 2091008 * 512
              && available <= c * 2091008 * 512
              && headers <= c * 2048 * OVH && quantization <= c * 2048 * 512;
        loop assigns c, allocated, available, headers, quantization, *out;
    */
    for (uint32_t c = 0; c < nclasses; c++) {
        if (numpools[c] == 0)
            continue;
        uint64_t size = (uint64_t)(c + 1) * (uint64_t)PMC_ALIGN(st);
        //@ assert size: 0 < size <= 512;
        /* products of two bounded factors (lemma_stats_mul) */
        //@ assert bounds: numblocks[c] <= 2091008 && numfree[c] <= 2091008;
        //@ ghost lemma_stats_mul(numblocks[c], 2091008, size);
        //@ ghost lemma_stats_mul(numfree[c], 2091008, size);
        //@ assert pools: numpools[c] <= 2048;
        uint64_t rest = (pool_size - (uint64_t)PMC_OVERHEAD(st)) % size;
        //@ assert rest: rest < 512;
        //@ ghost lemma_stats_mul(numpools[c], 2048, rest);
        print_class_row(out, c, (unsigned)size, numpools[c], numblocks[c],
                        numfree[c]);
        allocated += numblocks[c] * size;
        available += numfree[c] * size;
        headers += numpools[c] * (uint64_t)PMC_OVERHEAD(st);
        quantization += numpools[c] * rest;
    }
    fputc('\n', out);
    print_arena_counts(out, S.ntimes_arena_allocated,
                       S.ntimes_arena_allocated - narenas, S.narenas_highwater,
                       narenas, arena_size, narenas * arena_size);
    uint64_t unused_bytes = numfreepools * pool_size;
    print_bytes(out, allocated, available, numfreepools, pool_size,
                unused_bytes, headers, quantization, arena_alignment,
                allocated + available + unused_bytes + headers + quantization
                + arena_alignment);
    print_arena_map(out, (unsigned)STATS_BITS(st), (uint64_t)S.map_mid_count,
                    (uint64_t)S.map_bot_count);
}
