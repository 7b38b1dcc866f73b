/* test_obmalloc.c: unit tests of the pymalloc model (model/obmalloc*.c).
 * Every expected value comes from CPython's Objects/obmalloc.c (3.11; the
 * function is named next to the check) or from spec/obmalloc.md. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "obmalloc.h"

static pm_obm st;
static pm_obm_config cfg;
static char why[256];

static void setup64(void)
{
    ck_assert_int_eq(pm_obm_config_init(&cfg, 64, 4096), 0);
    ck_assert_int_eq(pm_obm_init(&st, &cfg), PM_OBM_OK);
}

static void teardown(void)
{
    ck_assert_msg(pm_pymalloc_is_valid(&st, why, sizeof why), "%s", why);
    pm_obm_destroy(&st);
}

static pm_obm_block alloc(uint64_t n)
{
    pm_obm_block b;
    ck_assert_int_eq(pm_pymalloc_alloc(&st, n, &b), PM_OBM_OK);
    return b;
}

static void release(uint64_t addr)
{
    pm_obm_block b;
    ck_assert_int_eq(pm_pymalloc_free(&st, addr, &b), PM_OBM_OK);
}

/* ----------------------------------------------------------- constants */
START_TEST(config_constants)
{
    pm_obm_config c;
    /* ALIGNMENT, POOL_BITS 14 (USE_LARGE_POOLS), ARENA_BITS 20,
     * POOL_OVERHEAD = sizeof(struct pool_header) rounded to ALIGNMENT */
    ck_assert_int_eq(pm_obm_config_init(&c, 64, 0), 0);
    ck_assert_uint_eq(c.alignment, 16);
    ck_assert_uint_eq(c.nclasses, 32);
    ck_assert_uint_eq(c.pool_size, 16384);
    ck_assert_uint_eq(c.arena_size, 1048576);
    ck_assert_uint_eq(c.pool_overhead, 48);
    ck_assert_int_eq(pm_obm_config_init(&c, 32, 0), 0);
    ck_assert_uint_eq(c.alignment, 8);
    ck_assert_uint_eq(c.nclasses, 64);
    ck_assert_uint_eq(c.pool_size, 4096);
    ck_assert_uint_eq(c.arena_size, 262144);
    ck_assert_uint_eq(c.pool_overhead, 32);
    /* misalignment must be a page multiple below POOL_SIZE */
    ck_assert_int_eq(pm_obm_config_init(&c, 64, 100), -1);
    ck_assert_int_eq(pm_obm_config_init(&c, 64, 16384), -1);
    ck_assert_int_eq(pm_obm_config_init(&c, 16, 0), -1);
}
END_TEST

START_TEST(numblocks_and_sizes)
{
    /* NUMBLOCKS(I) = (POOL_SIZE - POOL_OVERHEAD) / INDEX2SIZE(I) */
    ck_assert_uint_eq(pm_obm_class_size(&st, 0), 16);
    ck_assert_uint_eq(pm_obm_class_size(&st, 31), 512);
    ck_assert_int_eq(pm_obm_numblocks(&st, 0), 1021);
    ck_assert_int_eq(pm_obm_numblocks(&st, 31), 31);
    ck_assert_int_eq(pm_obm_numblocks(&st, 2), 340);   /* 16336 / 48 */
}
END_TEST

/* ---------------------------------------------------------- allocation */
START_TEST(first_blocks)
{
    /* new_arena: address misaligned by 4096 -> 63 pools, first pool at the
     * next POOL_SIZE boundary; allocate_from_new_pool returns the first
     * block (offset POOL_OVERHEAD) and puts the second on the free list */
    pm_obm_block b = alloc(1);
    ck_assert_int_eq(b.small, 1);
    ck_assert_int_eq(b.new_arena, 1);
    ck_assert_int_eq(b.arena, 0);
    ck_assert_int_eq(b.pool, 0);
    ck_assert_int_eq(b.szidx, 0);
    ck_assert_uint_eq(b.offset, 48);
    ck_assert_uint_eq(st.arenas[0].address, 0x10000000u + 4096);
    ck_assert_uint_eq(st.arenas[0].ntotalpools, 63);
    ck_assert_uint_eq(b.addr, 0x10000000u + 16384 + 48);
    ck_assert_int_eq(st.maxarenas, 16);                 /* INITIAL_ARENA_OBJECTS */
    ck_assert_int_eq(st.arenas[0].nfreepools, 62);
    /* second block: the free list; third: pymalloc_pool_extend */
    ck_assert_uint_eq(alloc(16).offset, 64);
    ck_assert_uint_eq(alloc(9).offset, 80);
    ck_assert_int_eq(st.pools[0].count, 3);
    ck_assert_int_eq(st.pools[0].nextoffset, 48 + 4 * 16);
    /* another class takes the next pool of the arena */
    pm_obm_block c = alloc(17);
    ck_assert_int_eq(c.szidx, 1);
    ck_assert_int_eq(c.pool, 1);
    ck_assert_uint_eq(c.offset, 48);
    ck_assert_int_eq(c.new_arena, 0);
}
END_TEST

START_TEST(aligned_arena_has_64_pools)
{
    pm_obm_config c;
    pm_obm s2;
    ck_assert_int_eq(pm_obm_config_init(&c, 64, 0), 0);
    ck_assert_int_eq(pm_obm_init(&s2, &c), PM_OBM_OK);
    pm_obm_block b;
    ck_assert_int_eq(pm_pymalloc_alloc(&s2, 100, &b), PM_OBM_OK);
    ck_assert_int_eq(s2.arenas[0].ntotalpools, 64);     /* excess == 0 */
    ck_assert_uint_eq(b.addr, 0x10000000u + 48);
    pm_obm_destroy(&s2);
}
END_TEST

START_TEST(size_classes)
{
    /* pymalloc_alloc: size = (nbytes - 1) >> ALIGNMENT_SHIFT */
    ck_assert_int_eq(alloc(1).szidx, 0);
    ck_assert_int_eq(alloc(16).szidx, 0);
    ck_assert_int_eq(alloc(17).szidx, 1);
    ck_assert_int_eq(alloc(496).szidx, 30);
    ck_assert_int_eq(alloc(497).szidx, 31);
    ck_assert_int_eq(alloc(512).szidx, 31);
    /* 0 and > SMALL_REQUEST_THRESHOLD: PyMem_RawMalloc */
    int64_t raw = st.raw_allocated_blocks;
    pm_obm_block z = alloc(0), big = alloc(513);
    ck_assert_int_eq(z.small, 0);
    ck_assert_int_eq(big.small, 0);
    ck_assert_uint_ne(z.addr, big.addr);
    ck_assert_int_eq(st.raw_allocated_blocks, raw + 2);
    release(z.addr);
    ck_assert_int_eq(st.raw_allocated_blocks, raw + 1);
    pm_obm_block e;
    ck_assert_int_eq(pm_pymalloc_alloc(&st, (uint64_t)INT64_MAX + 1, &e),
                     PM_OBM_ETOOBIG);                    /* PyObject_Malloc */
}
END_TEST

START_TEST(lifo_reuse)
{
    /* pymalloc_free pushes on the pool's free list; pymalloc_alloc pops */
    pm_obm_block a = alloc(32), b = alloc(32), c = alloc(32);
    release(a.addr);
    release(c.addr);
    ck_assert_uint_eq(alloc(32).addr, c.addr);
    ck_assert_uint_eq(alloc(32).addr, a.addr);
    ck_assert_uint_eq(alloc(32).offset, 48 + 3 * 32);   /* then virgin */
    (void)b;
}
END_TEST

START_TEST(full_pool_goes_front)
{
    /* 512-byte class: 31 blocks a pool.  A full pool leaves usedpools
     * (pymalloc_pool_extend); freeing one of its blocks puts it at the
     * front (insert_to_usedpool), so the next allocation comes from it. */
    uint64_t first[31];
    for (int i = 0; i < 31; i++)
        first[i] = alloc(512).addr;
    ck_assert_int_eq(st.used_next[31], PM_OBM_HDR(31));  /* full: unlinked */
    pm_obm_block n = alloc(512);
    ck_assert_int_eq(n.pool, 1);
    ck_assert_uint_eq(n.offset, 48);
    release(first[7]);
    ck_assert_int_eq(st.used_next[31], 0);               /* pool 0 in front */
    ck_assert_uint_eq(alloc(512).addr, first[7]);
}
END_TEST

START_TEST(empty_pool_cached_and_reused)
{
    /* insert_to_freepool: an empty pool goes to its arena's freepools;
     * allocate_from_new_pool takes it back first.  Same class: the old
     * free list is kept (last freed block first); another class: the pool
     * is initialised again (first block at POOL_OVERHEAD). */
    pm_obm_block a = alloc(64), b = alloc(64);
    alloc(128);                                         /* pool 1, keeps the arena */
    release(a.addr);
    release(b.addr);
    ck_assert_int_eq(st.arenas[0].freepools, 0);
    ck_assert_int_eq(st.arenas[0].nfreepools, 62);      /* 61 virgin + 1 */
    pm_obm_block c = alloc(64);
    ck_assert_int_eq(c.pool, 0);
    ck_assert_uint_eq(c.addr, b.addr);
    release(c.addr);
    pm_obm_block d = alloc(200);
    ck_assert_int_eq(d.pool, 0);
    ck_assert_int_eq(d.szidx, 12);
    ck_assert_uint_eq(d.offset, 48);
}
END_TEST

START_TEST(last_arena_kept_others_released)
{
    /* insert_to_freepool case 1: a wholly free arena is released unless it
     * is the last of usable_arenas (bpo-37257).  The test is made before
     * the arena would slide right (case 3). */
    int per_arena = 63 * 31;
    uint64_t *x = malloc(sizeof *x * (size_t)(per_arena + 1));
    for (int i = 0; i <= per_arena; i++)
        x[i] = alloc(512).addr;                         /* arena 0 full, 1 used */
    ck_assert_uint_eq(st.narenas_currently_allocated, 2);
    for (int i = 0; i < per_arena; i++)
        release(x[i]);
    /* arena 0 came back at the head (case 2) and stayed left of arena 1,
     * which has 62 free pools: its last pool freed, it was not last */
    ck_assert_uint_eq(st.narenas_currently_allocated, 1);
    ck_assert_int_eq(st.unused_arena_objects, 0);
    ck_assert_int_eq(st.usable_arenas, 1);
    release(x[per_arena]);
    /* arena 1 is now wholly free but the only one: kept */
    ck_assert_uint_eq(st.narenas_currently_allocated, 1);
    ck_assert_int_eq(st.arenas[1].nfreepools, 63);
    ck_assert_uint_eq(st.ntimes_arena_allocated, 2);
    ck_assert_uint_eq(st.narenas_highwater, 2);
    /* its cached pool comes back with its free list: last freed first */
    ck_assert_uint_eq(alloc(512).addr, x[per_arena]);
    /* the next arena takes object 0 again, at a fresh address */
    for (int i = 1; i < per_arena; i++)
        alloc(512);
    pm_obm_block n = alloc(512);
    ck_assert_int_eq(n.arena, 0);
    ck_assert_int_eq(n.new_arena, 1);
    ck_assert_uint_eq(st.arenas[0].address, 0x10000000u + 2 * 1048576 + 4096);
    free(x);
}
END_TEST

START_TEST(usable_arenas_sorted)
{
    /* usable_arenas is kept sorted by nfreepools ascending
     * (insert_to_freepool case 3 slides an arena right) */
    int per_arena = 63 * 31;
    int n = 3 * per_arena;
    uint64_t *x = malloc(sizeof *x * (size_t)n);
    for (int i = 0; i < n; i++)
        x[i] = alloc(512).addr;                         /* three full arenas */
    /* free 5 pools of arena 0, 2 of arena 1, 9 of arena 2 */
    int frees[3] = {5, 2, 9};
    for (int a = 0; a < 3; a++)
        for (int i = 0; i < frees[a] * 31; i++)
            release(x[a * per_arena + i]);
    ck_assert_int_eq(st.usable_arenas, 1);
    ck_assert_int_eq(st.arena_next[1], 0);
    ck_assert_int_eq(st.arena_next[0], 2);
    ck_assert_int_eq(st.nfp2lasta[5], 0);
    /* the next pool comes from the fullest arena */
    ck_assert_int_eq(alloc(16).arena, 1);
    free(x);
}
END_TEST

START_TEST(arena_table_doubles)
{
    /* new_arena: numarenas = maxarenas << 1 when unused_arena_objects is
     * empty; the 17th arena gets object 16 */
    int per_arena = 63 * 31;
    for (int i = 0; i < 16 * per_arena; i++)
        alloc(512);
    ck_assert_int_eq(st.maxarenas, 16);
    pm_obm_block b = alloc(512);
    ck_assert_int_eq(b.arena, 16);
    ck_assert_int_eq(st.maxarenas, 32);
    ck_assert_int_eq(st.unused_arena_objects, 17);
}
END_TEST

/* ------------------------------------------------------------- realloc */
START_TEST(realloc_rules)
{
    /* pymalloc_realloc: in place if nbytes <= size and 4*nbytes > 3*size */
    pm_obm_block a = alloc(512), r;
    ck_assert_int_eq(pm_pymalloc_realloc(&st, a.addr, 385, &r), PM_OBM_OK);
    ck_assert_uint_eq(r.addr, a.addr);                  /* 1540 > 1536 */
    ck_assert_int_eq(pm_pymalloc_realloc(&st, a.addr, 384, &r), PM_OBM_OK);
    ck_assert_uint_ne(r.addr, a.addr);                  /* 1536: copy */
    ck_assert_int_eq(r.szidx, 23);
    uint64_t p = r.addr;
    ck_assert_int_eq(pm_pymalloc_realloc(&st, p, 385, &r), PM_OBM_OK);
    ck_assert_int_eq(r.szidx, 24);                      /* grows: moves */
    /* the old block was freed: its address comes back first */
    ck_assert_uint_eq(alloc(384).addr, p);
    /* realloc to 0: _PyObject_Malloc(0) goes to the raw allocator */
    ck_assert_int_eq(pm_pymalloc_realloc(&st, r.addr, 0, &r), PM_OBM_OK);
    ck_assert_int_eq(r.small, 0);
    /* a raw block stays raw (PyMem_RawRealloc) even when it shrinks */
    ck_assert_int_eq(pm_pymalloc_realloc(&st, r.addr, 8, &r), PM_OBM_OK);
    ck_assert_int_eq(r.small, 0);
    /* realloc(NULL, n) is malloc */
    ck_assert_int_eq(pm_pymalloc_realloc(&st, 0, 8, &r), PM_OBM_OK);
    ck_assert_int_eq(r.small, 1);
    /* spec/obmalloc.md: a raw block stays in place while the new size fits
     * in what was reserved for it (the request rounded up to 16) */
    pm_obm_block big = alloc(1000);
    ck_assert_int_eq(big.small, 0);
    ck_assert_int_eq(pm_pymalloc_realloc(&st, big.addr, 1008, &r), PM_OBM_OK);
    ck_assert_uint_eq(r.addr, big.addr);
    ck_assert_int_eq(pm_pymalloc_realloc(&st, r.addr, 1009, &r), PM_OBM_OK);
    ck_assert_uint_ne(r.addr, big.addr);
}
END_TEST

/* -------------------------------------------------------------- errors */
START_TEST(bad_frees_detected)
{
    pm_obm_block a = alloc(48), e;
    alloc(48);
    ck_assert_int_eq(pm_pymalloc_free(&st, 0, &e), PM_OBM_OK);  /* free(NULL) */
    ck_assert_int_eq(pm_pymalloc_free(&st, a.addr + 16, &e), PM_OBM_ENOTALLOC);
    ck_assert_int_eq(pm_pymalloc_free(&st, a.addr + 48 * 10, &e),
                     PM_OBM_ENOTALLOC);                 /* virgin block */
    ck_assert_int_eq(pm_pymalloc_free(&st, 12345, &e), PM_OBM_ENOTALLOC);
    release(a.addr);
    ck_assert_int_eq(pm_pymalloc_free(&st, a.addr, &e), PM_OBM_EFREED);
    ck_assert_int_eq(pm_pymalloc_realloc(&st, a.addr, 10, &e), PM_OBM_EFREED);
    pm_obm_block big = alloc(4000);
    release(big.addr);
    ck_assert_int_eq(pm_pymalloc_free(&st, big.addr, &e), PM_OBM_EFREED);
    ck_assert_int_eq(pm_pymalloc_free(&st, big.addr + 1, &e), PM_OBM_ENOTALLOC);
}
END_TEST

/* --------------------------------------------------------- is_valid */
START_TEST(is_valid_catches_corruption)
{
    pm_obm_block a = alloc(16), b = alloc(16), c = alloc(16);
    release(a.addr);
    release(c.addr);
    ck_assert(pm_pymalloc_is_valid(&st, why, sizeof why));
    /* a cycle in the free list */
    int16_t saved = st.pools[0].next[0];
    st.pools[0].next[0] = 2;
    ck_assert(!pm_pymalloc_is_valid(&st, why, sizeof why));
    st.pools[0].next[0] = saved;
    /* count disagreeing with the blocks */
    st.pools[0].count++;
    ck_assert(!pm_pymalloc_is_valid(&st, why, sizeof why));
    st.pools[0].count--;
    /* usable_arenas out of order */
    st.arenas[0].nfreepools++;
    ck_assert(!pm_pymalloc_is_valid(&st, why, sizeof why));
    st.arenas[0].nfreepools--;
    /* an arena at the top of the address space, with its misalignment
     * kept: its end (and its first pool) wrap around to 0 */
    uint64_t address = st.arenas[0].address, first = st.arenas[0].first_pool;
    uint64_t excess = address % st.cfg.pool_size;
    st.arenas[0].address = UINT64_MAX - st.cfg.pool_size + 1 + excess;
    st.arenas[0].first_pool = st.arenas[0].address + st.cfg.pool_size - excess;
    ck_assert(!pm_pymalloc_is_valid(&st, why, sizeof why));
    st.arenas[0].address = address;
    st.arenas[0].first_pool = first;
    ck_assert_msg(pm_pymalloc_is_valid(&st, why, sizeof why), "%s", why);
    /* usable_arenas linked to an arena object far past the table: the
     * check rejects it without reading that arena (an out-of-bounds read
     * before the fix, caught by make unit-asan) */
    int32_t next = st.arena_next[0];
    st.arena_next[0] = 1 << 24;
    ck_assert(!pm_pymalloc_is_valid(&st, why, sizeof why));
    st.arena_next[0] = next;
    ck_assert_msg(pm_pymalloc_is_valid(&st, why, sizeof why), "%s", why);
    (void)b;
}
END_TEST

/* ------------------------------------------------------------- stats */
START_TEST(stats_format)
{
    alloc(16);
    alloc(16);
    alloc(500);
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    pm_obm_debugmallocstats(&st, f);
    fclose(f);
    /* layout of _PyObject_DebugMallocStats and printone; the numbers:
     * 2 of 1021 blocks of 16 bytes, 1 of 32 blocks of 512 bytes */
    ck_assert_ptr_nonnull(strstr(text,
        "Small block threshold = 512, in 32 size classes.\n\n"
        "class   size   num pools   blocks in use  avail blocks\n"
        "-----   ----   ---------   -------------  ------------\n"
        "    0     16           1               2          1019\n"
        "   31    512           1               1            30\n\n"));
    ck_assert_ptr_nonnull(strstr(text,
        "# arenas allocated total           =                    1\n"));
    ck_assert_ptr_nonnull(strstr(text,
        "1 arenas * 1048576 bytes/arena     =            1,048,576\n"));
    ck_assert_ptr_nonnull(strstr(text,
        "61 unused pools * 16384 bytes      =              999,424\n"));
    /* pool headers 2 * 48; quantization (16336 % 512) = 464;
     * arena alignment one pool */
    ck_assert_ptr_nonnull(strstr(text,
        "# bytes lost to pool headers       =                   96\n"));
    ck_assert_ptr_nonnull(strstr(text,
        "# bytes lost to quantization       =                  464\n"));
    ck_assert_ptr_nonnull(strstr(text,
        "# bytes lost to arena alignment    =               16,384\n"
        "Total                              =            1,048,576\n"));
    ck_assert_ptr_nonnull(strstr(text,
        "# bytes lost to arena map root     =              262,144\n"));
    free(text);
}
END_TEST

/* ---------------------------------------------------------- snapshots */
START_TEST(snapshot_round_trip)
{
    for (int i = 0; i < 3000; i++)
        alloc((uint64_t)(1 + (i * 37) % 512));
    char *t1 = NULL, *t2 = NULL;
    size_t l1 = 0, l2 = 0;
    FILE *f = open_memstream(&t1, &l1);
    pm_obm_snapshot_write(&st, f);
    fclose(f);
    pm_obm s2;
    ck_assert_int_eq(pm_obm_init(&s2, &cfg), PM_OBM_OK);
    f = fmemopen(t1, l1, "r");
    ck_assert_int_eq(pm_obm_snapshot_read(&s2, f, why, sizeof why), 0);
    fclose(f);
    f = open_memstream(&t2, &l2);
    pm_obm_snapshot_write(&s2, f);
    fclose(f);
    ck_assert_str_eq(t1, t2);
    /* a corrupted snapshot is refused */
    char *bad = strdup(t1);
    char *usable = strstr(bad, "\nusable ");
    ck_assert_ptr_nonnull(usable);
    usable[8] = '9';
    f = fmemopen(bad, strlen(bad), "r");
    ck_assert_int_ne(pm_obm_snapshot_read(&s2, f, why, sizeof why), 0);
    fclose(f);
    free(bad);
    free(t1);
    free(t2);
    pm_obm_destroy(&s2);
}
END_TEST

/* A snapshot that lists an arena's cached pools on several freepools
 * lines is refused: the lines together may not name more pools than the
 * arena has carved (each one used to push onto the arena's 64-entry
 * fpstack, past its end for the last arena of the table). */
START_TEST(snapshot_freepools_bounded)
{
    char text[4096];
    size_t n = (size_t)snprintf(text, sizeof text,
        "pymalloc-snapshot 1\nbits 64\nmaxarenas 16\n"
        "counters 1 1 1 0\narena 15 0x10000000 64 0\n");
    for (int rep = 0; rep < 2; rep++) {
        n += (size_t)snprintf(text + n, sizeof text - n, "freepools 15");
        for (int k = 0; k < 64; k++)
            n += (size_t)snprintf(text + n, sizeof text - n, " %d", k);
        n += (size_t)snprintf(text + n, sizeof text - n, "\n");
    }
    n += (size_t)snprintf(text + n, sizeof text - n, "usable\nunused\nend\n");
    ck_assert_uint_lt(n, sizeof text);
    pm_obm s2;
    ck_assert_int_eq(pm_obm_init(&s2, &cfg), PM_OBM_OK);
    FILE *f = fmemopen(text, n, "r");
    ck_assert_int_ne(pm_obm_snapshot_read(&s2, f, why, sizeof why), 0);
    ck_assert_ptr_nonnull(strstr(why, "line 7: freepools: bad pool"));
    fclose(f);
    pm_obm_destroy(&s2);
}
END_TEST

/* Read TEXT into a fresh state: the reader's result, its message in why. */
static int read_text(const char *text)
{
    pm_obm s2;
    ck_assert_int_eq(pm_obm_init(&s2, &cfg), PM_OBM_OK);
    why[0] = '\0';
    FILE *f = fmemopen((void *)text, strlen(text), "r");
    ck_assert_ptr_nonnull(f);
    int ret = pm_obm_snapshot_read(&s2, f, why, sizeof why);
    fclose(f);
    pm_obm_destroy(&s2);
    return ret;
}

/* Arena 0 of 16 at ADDR (0x10000000 is POOL_SIZE-aligned: 64 pools, pool
 * 0 carved, 63 free; the others unused, head first) with pool 0 of class
 * 0 (16 bytes): 1016 blocks of (16384 - 48) / 16 = 1021 carved, the last
 * one free (pymalloc_alloc carves a block onto the empty free list), so
 * COUNT 1015, NEXTOFFSET 48 + 1016 * 16 = 16304, MAXNEXTOFFSET 16384 - 16
 * = 16368 (init_pool), free list 16288.  POOL is the pool line, COUNTERS
 * the numbers of the counters line. */
static const char *snap_with(const char *addr, const char *pool,
                             const char *counters)
{
    static char text[1024];
    int n = snprintf(text, sizeof text,
        "pymalloc-snapshot 1\nbits 64\nmaxarenas 16\ncounters %s\n"
        "arena 0 %s 1 63\nfreepools 0\n%s\nusable 0\nnfp2lasta 63 0\n"
        "unused 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15\nused 0 0:0\nend\n",
        counters, addr, pool);
    ck_assert_int_lt(n, (int)sizeof text);
    return text;
}

#define ADDR_OK     "0x10000000"
#define POOL_OK     "pool 0 0 0 1015 16304 16368 16288"
#define COUNTERS_OK "1 1 1 0"

/* The reader checks each number's range before narrowing it to the
 * model's fields (spec/obmalloc.md, "Snapshots"): values that used to
 * wrap are refused, naming the field. */
START_TEST(snapshot_ranges_valid)
{
    ck_assert_msg(read_text(snap_with(ADDR_OK, POOL_OK, COUNTERS_OK)) == 0,
                  "%s", why);
    /* RAW_BLOCKS is signed: the writer prints an int64_t */
    ck_assert_msg(read_text(snap_with(ADDR_OK, POOL_OK, "1 1 1 -3")) == 0,
                  "%s", why);
    ck_assert_msg(read_text(snap_with(ADDR_OK, POOL_OK,
                                      "1 1 1 -9223372036854775808")) == 0,
                  "%s", why);
}
END_TEST

START_TEST(snapshot_count_2p32)
{
    /* 2^32 + 1015: was read as (int32_t) 1015 */
    ck_assert_int_ne(read_text(snap_with(ADDR_OK,
        "pool 0 0 0 4294968311 16304 16368 16288", COUNTERS_OK)), 0);
    ck_assert_str_eq(why, "line 7: pool: count out of range");
    /* 2^32 + 5 for a pool with 5 blocks in use of 6 carved: was 5 */
    ck_assert_int_ne(read_text(snap_with(ADDR_OK,
        "pool 0 0 0 4294967301 144 16368 48", COUNTERS_OK)), 0);
    ck_assert_str_eq(why, "line 7: pool: count out of range");
}
END_TEST

START_TEST(snapshot_maxnextoffset_2p32)
{
    /* 2^32 + 16368: was read as (int32_t) 16368 */
    ck_assert_int_ne(read_text(snap_with(ADDR_OK,
        "pool 0 0 0 1015 16304 4294983664 16288", COUNTERS_OK)), 0);
    ck_assert_str_eq(why, "line 7: pool: maxnextoffset out of range");
}
END_TEST

START_TEST(snapshot_values_2p63)
{
    /* 2^63 + 1015: was read as a negative int64_t, then (int32_t) 1015 */
    ck_assert_int_ne(read_text(snap_with(ADDR_OK,
        "pool 0 0 0 9223372036854776823 16304 16368 16288", COUNTERS_OK)), 0);
    ck_assert_str_eq(why, "line 7: pool: count out of range");
    /* RAW_BLOCKS 2^63: was read as INT64_MIN */
    ck_assert_int_ne(read_text(snap_with(ADDR_OK, POOL_OK,
                                         "1 1 1 9223372036854775808")), 0);
    ck_assert_str_eq(why, "line 4: counters: RAW_BLOCKS out of range");
    /* 2^64 and more (strtoull's ERANGE): was read as -1 */
    ck_assert_int_ne(read_text(snap_with(ADDR_OK, POOL_OK,
                                         "1 1 1 18446744073709551616")), 0);
    ck_assert_str_eq(why, "line 4: number out of range (2^64 or more)");
    /* NTIMES_ALLOCATED -1: was read as 2^64 - 1 */
    ck_assert_int_ne(read_text(snap_with(ADDR_OK, POOL_OK, "-1 1 1 0")), 0);
    ck_assert_str_eq(why, "line 4: negative number");
}
END_TEST

START_TEST(snapshot_first_pool_wraps)
{
    /* new_arena rounds the address up to POOL_SIZE: past 2^64 here (was
     * refused only later, by pm_pymalloc_is_valid, after the wrap) */
    ck_assert_int_ne(read_text(snap_with("0xfffffffffffff001", POOL_OK,
                                         COUNTERS_OK)), 0);
    ck_assert_str_eq(why,
                     "line 5: arena: address too high (first pool past 2^64)");
}
END_TEST

/* ----------------------------------------------------------- 32-bit */
START_TEST(config32_layout)
{
    pm_obm_config c;
    pm_obm s2;
    ck_assert_int_eq(pm_obm_config_init(&c, 32, 0), 0);
    ck_assert_int_eq(pm_obm_init(&s2, &c), PM_OBM_OK);
    pm_obm_block b;
    ck_assert_int_eq(pm_pymalloc_alloc(&s2, 1, &b), PM_OBM_OK);
    ck_assert_uint_eq(b.offset, 32);
    ck_assert_int_eq(pm_pymalloc_alloc(&s2, 8, &b), PM_OBM_OK);
    ck_assert_uint_eq(b.offset, 40);
    ck_assert_int_eq(pm_pymalloc_alloc(&s2, 9, &b), PM_OBM_OK);
    ck_assert_int_eq(b.szidx, 1);
    ck_assert_int_eq(pm_pymalloc_alloc(&s2, 512, &b), PM_OBM_OK);
    ck_assert_int_eq(b.szidx, 63);
    ck_assert_int_eq(pm_obm_numblocks(&s2, 0), 508);    /* 4064 / 8 */
    ck_assert_int_eq(pm_obm_numblocks(&s2, 63), 7);
    ck_assert_int_eq(s2.arenas[0].ntotalpools, 64);
    ck_assert(pm_pymalloc_is_valid(&s2, why, sizeof why));
    pm_obm_destroy(&s2);
}
END_TEST

/* --------------------------------------------------- random soak test */
START_TEST(random_ops_keep_invariants)
{
    enum { N = 4000 };
    uint64_t live[N];
    int n = 0;
    unsigned seed = 7;
    for (int i = 0; i < 60000; i++) {
        seed = seed * 1103515245u + 12345u;
        unsigned r = (seed >> 16) % 100;
        pm_obm_block b;
        if (n < N && (n == 0 || r < (i % 20000 < 10000 ? 60u : 35u))) {
            live[n++] = alloc((seed >> 8) % 700).addr;
        } else if (r < 90) {
            int j = (int)((seed >> 4) % (unsigned)n);
            release(live[j]);
            live[j] = live[--n];
        } else {
            int j = (int)((seed >> 4) % (unsigned)n);
            ck_assert_int_eq(pm_pymalloc_realloc(&st, live[j], (seed >> 9) % 700,
                                                 &b), PM_OBM_OK);
            live[j] = b.addr;
        }
        if (i % 1000 == 0)
            ck_assert_msg(pm_pymalloc_is_valid(&st, why, sizeof why), "op %d: %s",
                          i, why);
    }
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("obmalloc");
    TCase *t = tcase_create("obmalloc");
    tcase_add_checked_fixture(t, setup64, teardown);
    tcase_set_timeout(t, 60);
    tcase_add_test(t, config_constants);
    tcase_add_test(t, numblocks_and_sizes);
    tcase_add_test(t, first_blocks);
    tcase_add_test(t, aligned_arena_has_64_pools);
    tcase_add_test(t, size_classes);
    tcase_add_test(t, lifo_reuse);
    tcase_add_test(t, full_pool_goes_front);
    tcase_add_test(t, empty_pool_cached_and_reused);
    tcase_add_test(t, last_arena_kept_others_released);
    tcase_add_test(t, usable_arenas_sorted);
    tcase_add_test(t, arena_table_doubles);
    tcase_add_test(t, realloc_rules);
    tcase_add_test(t, bad_frees_detected);
    tcase_add_test(t, is_valid_catches_corruption);
    tcase_add_test(t, stats_format);
    tcase_add_test(t, snapshot_round_trip);
    tcase_add_test(t, snapshot_freepools_bounded);
    tcase_add_test(t, snapshot_ranges_valid);
    tcase_add_test(t, snapshot_count_2p32);
    tcase_add_test(t, snapshot_maxnextoffset_2p32);
    tcase_add_test(t, snapshot_values_2p63);
    tcase_add_test(t, snapshot_first_pool_wraps);
    tcase_add_test(t, config32_layout);
    tcase_add_test(t, random_ops_keep_invariants);
    suite_add_tcase(s, t);
    return s;
}

int main(void)
{
    SRunner *r = srunner_create(suite());
    srunner_run_all(r, CK_NORMAL);
    int failed = srunner_ntests_failed(r);
    srunner_free(r);
    return failed == 0 ? 0 : 1;
}
