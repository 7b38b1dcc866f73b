/* obmalloc.h: the pymalloc model (CPython Objects/obmalloc.c, 3.11-3.14).
 *
 * Every link is an index: arenas are slots of an arena table, pools are
 * numbered arena * PM_OBM_MAX_POOLS + (pool number in its arena), blocks are
 * numbered inside their pool.  Addresses are synthetic (or fed in by the
 * caller) and are only computed from those indices; nothing dereferences
 * them.  spec/obmalloc.md gives the semantics and the invariants.
 *
 * Two builds share the allocator code (obmalloc_pool.c, obmalloc_arena.c,
 * obmalloc_usable.c, obmalloc_entry.c; internal header obmalloc_core.h):
 *   - the executable build: the tables are heap arrays that grow, and the
 *     configuration (64- or 32-bit CPython) is a run-time value;
 *   - the proof build (-DPM_PROOF, Frama-C/WP): the tables are fixed arrays
 *     of PM_PROOF_CAP_ARENAS arenas and the configuration is a set of
 *     constants chosen by PM_PROOF_BITS (64 or 32).  Accesses are written
 *     `st->arenas[i].x` in both, so the text that is proved is the text that
 *     runs. */
#ifndef PM_OBMALLOC_H
#define PM_OBMALLOC_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* ----------------------------------------------------------- constants */
#define PM_OBM_MAX_POOLS   64     /* ARENA_SIZE / POOL_SIZE, both widths  */
#define PM_OBM_MAX_CLASSES 64     /* 512 / 8 on 32-bit; 32 on 64-bit      */
/* The blocks a pool can hold, (16384 - 48) / 16 at most.  A bounded check
 * may define it smaller (proofs/bmc/obm_seq/bounds: a run of N calls
 * carves at most N + 1 blocks of a pool; an access beyond the table is then
 * a failed bounds check, never a silent truncation). */
#ifndef PM_OBM_MAX_BLOCKS
#define PM_OBM_MAX_BLOCKS  1021
#endif
#define PM_OBM_DUMMY_SZIDX 0xffff /* DUMMY_SIZE_IDX: carved, never used   */
#define PM_OBM_NONE        (-1)
#define PM_OBM_THRESHOLD   512    /* SMALL_REQUEST_THRESHOLD              */
#define PM_OBM_INITIAL_ARENAS 16  /* INITIAL_ARENA_OBJECTS                */
/* A used-pool list header (usedpools[2*c]) as a link value: -1 - c - 1. */
#define PM_OBM_HDR(c)      (-2 - (c))
#define PM_OBM_HDR_CLASS(v) (-2 - (v))

/* Block states inside a pool (below the pool's carve mark). */
enum { PM_OBM_B_FREE = 1, PM_OBM_B_USED = 2 };

/* Result codes. */
enum {
    PM_OBM_OK = 0,
    PM_OBM_ENOMEM = 1,        /* arena table or address space exhausted   */
    PM_OBM_ETOOBIG = 2,       /* request > PY_SSIZE_T_MAX                 */
    PM_OBM_ENOTALLOC = 3,     /* address was never handed out (or stale)  */
    PM_OBM_EFREED = 4         /* address is a block already freed         */
};

/* --------------------------------------------------------- configuration */
typedef struct pm_obm_config {
    uint32_t pointer_bits;     /* 64 or 32                                 */
    uint32_t alignment;        /* ALIGNMENT: 16 or 8                       */
    uint32_t alignment_shift;  /* ALIGNMENT_SHIFT: 4 or 3                  */
    uint32_t nclasses;         /* NB_SMALL_SIZE_CLASSES: 32 or 64          */
    uint32_t pool_size;        /* POOL_SIZE: 16 KiB or 4 KiB               */
    uint32_t arena_size;       /* ARENA_SIZE: 1 MiB or 256 KiB             */
    uint32_t pool_overhead;    /* POOL_OVERHEAD: 48 or 32                  */
    uint32_t arena_misalign;   /* default arena address mod POOL_SIZE:
                                  0 gives 64 usable pools, else 63         */
    uint64_t ssize_max;        /* PY_SSIZE_T_MAX                           */
    uint64_t arena_base;       /* first synthetic arena address            */
    uint64_t sys_base;         /* first synthetic system-allocator address */
    uint64_t addr_limit;       /* synthetic addresses stay below this      */
} pm_obm_config;

/* The configuration of a 64-bit (bits = 64) or 32-bit (bits = 32) CPython
 * with the given arena misalignment in bytes (a multiple of 4096 below
 * POOL_SIZE).  Returns -1 for other values. */
int pm_obm_config_init(pm_obm_config *cfg, unsigned bits, uint32_t misalign);

/* ------------------------------------------------------------------ state */
typedef struct pm_obm_pool {
    int32_t count;          /* ref.count: blocks in use                    */
    int32_t szidx;          /* size class, or PM_OBM_DUMMY_SZIDX           */
    int32_t nextoffset;     /* bytes from the pool to its first virgin block */
    int32_t maxnextoffset;  /* largest valid nextoffset                    */
    int32_t ncarved;        /* blocks below nextoffset                     */
    int32_t nblocks;        /* NUMBLOCKS(szidx)                            */
    int32_t freeblock;      /* head of the free list (block number) or -1  */
    int32_t nfree;          /* length of the free list                     */
    int32_t fpos;           /* position in its arena's freepools stack     */
    /* Free list: next[b] is the block after b (or -1).  stack[] holds the
     * same list bottom first (stack[nfree-1] == freeblock) and pos[] is its
     * inverse; they witness that the list is finite and duplicate-free. */
    int16_t next[PM_OBM_MAX_BLOCKS];
    int16_t stack[PM_OBM_MAX_BLOCKS];
    int16_t pos[PM_OBM_MAX_BLOCKS];
    /* The blocks in use, in no particular order (ustack[0..count-1]), and
     * the inverse upos[]: they witness that count agrees with the states. */
    int16_t ustack[PM_OBM_MAX_BLOCKS];
    int16_t upos[PM_OBM_MAX_BLOCKS];
    uint8_t bstate[PM_OBM_MAX_BLOCKS];  /* PM_OBM_B_FREE / _USED below ncarved */
} pm_obm_pool;

typedef struct pm_obm_arena {
    uint64_t address;       /* arena address; 0 when not associated        */
    uint64_t first_pool;    /* address rounded up to POOL_SIZE             */
    int32_t ncarved;        /* pools carved: pool_address = first_pool +
                               ncarved * POOL_SIZE                          */
    int32_t nfreepools;     /* cached free pools + never-carved pools      */
    int32_t ntotalpools;    /* 64, or 63 when address is not pool-aligned  */
    int32_t freepools;      /* head pool id of the cached free pools, -1   */
    int32_t nfpcached;      /* length of freepools                         */
    int32_t unpos;          /* position in the unused stack, -1 when absent */
    int32_t fpstack[PM_OBM_MAX_POOLS]; /* freepools, bottom first (pool ids) */
} pm_obm_arena;

#ifdef PM_PROOF
/* 32 arenas: the table doubles once (16 -> 32) in the proof build; the
 * pool table is 32 * 64 (written out: ACSL array types need a literal). */
# define PM_PROOF_CAP_ARENAS 32
# define PM_PROOF_CAP_POOLS 2048
# define PM_OBM_TABLE(T, name, n) T name[n]
#else
# define PM_OBM_TABLE(T, name, n) T *name
#endif

/* Synthetic system-allocator blocks (requests of 0 or > 512 bytes). */
typedef struct pm_obm_sysblock {
    uint64_t addr;
    uint64_t size;          /* bytes requested                             */
    uint64_t reserve;       /* bytes reserved at addr                      */
    int32_t live;
} pm_obm_sysblock;

typedef uint64_t (*pm_obm_arena_source)(void *ctx, uint64_t serial);

typedef struct pm_obm {
    pm_obm_config cfg;
    int32_t maxarenas;            /* CPython's maxarenas                   */
    int32_t cap_arenas;           /* physical capacity of the tables       */
    PM_OBM_TABLE(pm_obm_arena, arenas, PM_PROOF_CAP_ARENAS);
    /* the arena links, apart from the arenas for the proofs' sake:
     * nextarena (usable_arenas or unused_arena_objects), prevarena
     * (usable_arenas) and the position in usable_arenas (-1: absent) */
    PM_OBM_TABLE(int32_t, arena_next, PM_PROOF_CAP_ARENAS);
    PM_OBM_TABLE(int32_t, arena_prev, PM_PROOF_CAP_ARENAS);
    PM_OBM_TABLE(int32_t, arena_rank, PM_PROOF_CAP_ARENAS);
    PM_OBM_TABLE(pm_obm_pool, pools, PM_PROOF_CAP_POOLS);
    /* the pool links: nextpool (usedpools: pool id or PM_OBM_HDR(c);
     * freepools: next pool id or -1) and prevpool (usedpools) */
    PM_OBM_TABLE(int32_t, pool_next, PM_PROOF_CAP_POOLS);
    PM_OBM_TABLE(int32_t, pool_prev, PM_PROOF_CAP_POOLS);
    PM_OBM_TABLE(int32_t, unused, PM_PROOF_CAP_ARENAS); /* unused_arena_objects,
                                     bottom first (witness of the chain)  */
    int32_t nunused;
    int32_t unused_arena_objects; /* head, -1                              */
    int32_t usable_arenas;        /* head, -1                              */
    int32_t nusable;              /* length of usable_arenas               */
    int32_t nfp2lasta[PM_OBM_MAX_POOLS + 1];
    int32_t used_next[PM_OBM_MAX_CLASSES];  /* usedpools headers           */
    int32_t used_prev[PM_OBM_MAX_CLASSES];
    uint64_t ntimes_arena_allocated;
    uint64_t narenas_currently_allocated;
    uint64_t narenas_highwater;
    int64_t raw_allocated_blocks;
    /* arena addresses: cfg.arena_base + serial * ARENA_SIZE + misalign, or
     * what arena_source returns (0 = the mmap failed) */
    pm_obm_arena_source arena_source;
    void *arena_source_ctx;
    /* radix-tree node counts (arena map), for the statistics */
    int32_t map_mid_count, map_bot_count;
    uint64_t *map_keys;           /* distinct mid/bot keys seen            */
    int32_t map_nkeys, map_capkeys;
    /* system allocator */
    pm_obm_sysblock *sys;         /* sorted by address                     */
    int64_t nsys, capsys, nsys_live;
    uint64_t sys_next;            /* next free synthetic address           */
} pm_obm;

/* What one call did with a block. */
typedef struct pm_obm_block {
    uint64_t addr;          /* 0: none                                     */
    int32_t small;          /* 1: a pymalloc block, 0: system allocator   */
    int32_t arena;          /* arena index (small)                         */
    int32_t pool;           /* pool number inside its arena (small)        */
    int32_t block;          /* block number inside its pool (small)        */
    int32_t szidx;          /* size class (small)                          */
    uint32_t offset;        /* addr & (POOL_SIZE - 1)                      */
    int32_t new_arena;      /* 1 if this call allocated an arena           */
    int32_t freed_arena;    /* 1 if this call released an arena            */
} pm_obm_block;

/* -------------------------------------------------------------- interface */
/* Initialise *ST with *CFG (copied).  Returns PM_OBM_OK or PM_OBM_ENOMEM. */
int pm_obm_init(pm_obm *st, const pm_obm_config *cfg);
void pm_obm_destroy(pm_obm *st);
/* Arena addresses come from SRC(ctx, serial) instead of the default. */
void pm_obm_set_arena_source(pm_obm *st, pm_obm_arena_source src, void *ctx);

/* PyObject_Malloc(n).  *OUT describes the block. */
int pm_pymalloc_alloc(pm_obm *st, uint64_t n, pm_obm_block *out);
/* PyObject_Free(addr); addr 0 does nothing.  *OUT (may be NULL) describes
 * the block freed. */
int pm_pymalloc_free(pm_obm *st, uint64_t addr, pm_obm_block *out);
/* PyObject_Realloc(addr, n).  On error the old block is untouched. */
int pm_pymalloc_realloc(pm_obm *st, uint64_t addr, uint64_t n,
                        pm_obm_block *out);

/* Run-time well-formedness: 1 if every invariant of spec/obmalloc.md holds.
 * WHY (may be NULL, LEN bytes) receives the first violated one. */
int pm_pymalloc_is_valid(const pm_obm *st, char *why, size_t len);

/* sys._debugmallocstats() text (the pymalloc part) for the model state. */
void pm_obm_debugmallocstats(const pm_obm *st, FILE *out);

/* Helpers for the configuration in force. */
uint32_t pm_obm_class_size(const pm_obm *st, int32_t szidx);   /* INDEX2SIZE */
int32_t pm_obm_numblocks(const pm_obm *st, int32_t szidx);     /* NUMBLOCKS */
uint64_t pm_obm_pool_address(const pm_obm *st, int32_t arena, int32_t pool);

/* Snapshots: a text form of the whole state (spec/obmalloc.md), written by
 * pm_obm_snapshot_write and read by pm_obm_snapshot_read, which rebuilds a
 * state (e.g. one observed in CPython by the probe).  Read returns
 * PM_OBM_OK, or -1 with a message in ERR. */
void pm_obm_snapshot_write(const pm_obm *st, FILE *out);
int pm_obm_snapshot_read(pm_obm *st, FILE *in, char *err, size_t errlen);
/* Lines read by the last pm_obm_snapshot_read (its "end" line included). */
int pm_obm_snapshot_lines(void);

/* ---------------------------------------------------------- core (proved) */
/* Used by obmalloc.c; contracts in obmalloc_entry.c. */
int pm_obm_alloc_small(pm_obm *st, int32_t c, pm_obm_block *out);
int pm_obm_free_small(pm_obm *st, int32_t a, int32_t k, int32_t b,
                      pm_obm_block *out);
/* Find the small block at ADDR: 1 and *A,*K,*B if ADDR is in an arena (the
 * block may be free or not a block start: *B is then -1), else 0. */
int pm_obm_lookup(const pm_obm *st, uint64_t addr, int32_t *a, int32_t *k,
                  int32_t *b);
/* Executable build only: grow the tables to hold N arenas. */
int pm_obm_grow(pm_obm *st, int32_t n);
/* The address the next arena would get (the mmap of new_arena), or 0. */
uint64_t pm_obm_arena_address(pm_obm *st);
/* Record that an arena now lives at ADDRESS (radix-tree node counts). */
void pm_obm_note_arena(pm_obm *st, uint64_t address);
/* The system allocator (PyMem_RawMalloc and friends) for requests of 0 or
 * more than 512 bytes: obmalloc_sys.c. */
int pm_obm_sys_alloc(pm_obm *st, uint64_t n, pm_obm_block *out);
int pm_obm_sys_free(pm_obm *st, uint64_t addr, pm_obm_block *out);
int pm_obm_sys_realloc(pm_obm *st, uint64_t addr, uint64_t n,
                       pm_obm_block *out);
/* Size class of a small request N (1..512): (N - 1) >> ALIGNMENT_SHIFT. */
#define PMC_CLASS(st, n) ((int32_t)(((n) - 1) / (uint64_t)PMC_ALIGN(st)))

/* Configuration accessors: constants in the proof build. */
#ifdef PM_PROOF
# if PM_PROOF_BITS == 32
#  define PMC_ALIGN(st)    8
#  define PMC_NCLASSES(st) 64
#  define PMC_POOL(st)     4096
#  define PMC_ARENA(st)    262144
#  define PMC_OVERHEAD(st) 32
#  define PMC_ADDR_LIMIT(st) 4294967296
#  define PMC_SYS_BASE(st)   2147483648
#  define PMC_SSIZE_MAX(st)  2147483647
# else
#  define PMC_ALIGN(st)    16
#  define PMC_NCLASSES(st) 32
#  define PMC_POOL(st)     16384
#  define PMC_ARENA(st)    1048576
#  define PMC_OVERHEAD(st) 48
#  define PMC_ADDR_LIMIT(st) 281474976710656
#  define PMC_SYS_BASE(st)   140737488355328
#  define PMC_SSIZE_MAX(st)  9223372036854775807
# endif
#else
# define PMC_ALIGN(st)    ((int32_t)(st)->cfg.alignment)
# define PMC_NCLASSES(st) ((int32_t)(st)->cfg.nclasses)
# define PMC_POOL(st)     ((int32_t)(st)->cfg.pool_size)
# define PMC_ARENA(st)    ((int32_t)(st)->cfg.arena_size)
# define PMC_OVERHEAD(st) ((int32_t)(st)->cfg.pool_overhead)
# define PMC_ADDR_LIMIT(st) ((st)->cfg.addr_limit)
# define PMC_SYS_BASE(st)   ((st)->cfg.sys_base)
# define PMC_SSIZE_MAX(st)  ((st)->cfg.ssize_max)
#endif
/* INDEX2SIZE(c) */
#define PMC_SIZE(st, c) (((int32_t)(c) + 1) * PMC_ALIGN(st))

#endif /* PM_OBMALLOC_H */
