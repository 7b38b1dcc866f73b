/* obmalloc_env.c: the pymalloc model's environment, which new_arena
 * (obmalloc_arena.c) calls through contracts it trusts: the arena "mmap"
 * (_PyObject_Arena.alloc in new_arena, Objects/obmalloc.c), whose addresses
 * the model chooses (spec/obmalloc.md, "Addresses"), and the node counts of
 * the radix tree that arena_map_mark_used fills.
 *
 * Proved on its own (proofs/wp/run-wp.sh model/obmalloc_env.c), not with
 * the allocator files: Frama-C would merge the contracts below with the
 * ones obmalloc_arena.c declares, and pm_obm_note_arena's differs (it
 * needs the key table to be well formed and apart from the state, and it
 * writes the table; spec/obmalloc.md, "Proof status").  The proof build
 * has no test address source (a call through a function pointer, which
 * WP cannot check) and its key table does not grow. */
#include "obmalloc_core.h"

#include <stdlib.h>

/* The pointer width: a constant in the proof build (obmalloc_stats.c does
 * the same). */
#ifdef PM_PROOF
# define ENV_BITS(st) PM_PROOF_BITS
#else
# define ENV_BITS(st) ((st)->cfg.pointer_bits)
#endif

/* The default addresses: arena_base + serial * ARENA_SIZE + misalign, below
 * the system allocator's; 0 (the mmap failed) once they run out.  The tests
 * base > sys, misalign >= size and n == 0 are false for every
 * configuration of pm_obm_config_init. */
/*@ assigns \nothing; */
uint64_t pm_obm_arena_address(pm_obm *st)
{
    uint64_t serial = S.ntimes_arena_allocated;
#ifndef PM_PROOF
    if (st->arena_source != NULL)
        return st->arena_source(st->arena_source_ctx, serial);
#endif
    uint64_t base = S.cfg.arena_base, misalign = S.cfg.arena_misalign;
    uint64_t size = (uint64_t)PMC_ARENA(st), sys = (uint64_t)PMC_SYS_BASE(st);
    if (base > sys || misalign >= size)
        return 0;
    uint64_t n = (sys - base) / size;     /* arenas below sys_base */
    if (n == 0 || serial >= n - 1)
        return 0;
    return base + serial * size + misalign;
}

/* arena_map_mark_used: the radix tree gets a MAP_MID node per distinct top
 * index and a MAP_BOT node per distinct (top, mid) index of the arena's
 * first byte and, when the arena is not ARENA_SIZE-aligned, of the address
 * ARENA_SIZE above it.  Nodes are never freed.  32-bit builds have no
 * interior nodes.  The keys seen are map_keys[0 .. map_nkeys - 1]; a key
 * with bit 63 set is a top index (a MAP_MID node), else a (top, mid) index
 * (a MAP_BOT node).  In the proof build the table does not grow (as if
 * realloc failed: the key is not recorded). */
/*@ predicate map_table_ok(pm_obm s) =
      0 <= s.map_mid_count && 0 <= s.map_bot_count
      && s.map_mid_count + s.map_bot_count <= s.map_nkeys
      && 0 <= s.map_nkeys <= s.map_capkeys
      && \valid(s.map_keys + (0 .. s.map_capkeys - 1));
*/
/* The contract of note_key, note_address and pm_obm_note_arena: the key
 * table stays well formed and apart from the state, and the node counts
 * only grow. */
#define PM_MAP_NOTE_CONTRACT \
    requires table: map_table_ok(pm_g); \
    requires \separated(pm_g.map_keys + (0 .. pm_g.map_capkeys - 1), &pm_g); \
    assigns pm_g.map_mid_count, pm_g.map_bot_count, pm_g.map_nkeys, \
            pm_g.map_keys[0 .. pm_g.map_capkeys - 1]; \
    ensures table: map_table_ok(pm_g); \
    ensures grow: \old(pm_g.map_mid_count) <= pm_g.map_mid_count \
      && \old(pm_g.map_bot_count) <= pm_g.map_bot_count;

/*@ PM_MAP_NOTE_CONTRACT */
static void note_key(pm_obm *st, uint64_t key)
{
    /*@ loop invariant 0 <= i <= pm_g.map_nkeys;
        loop assigns i;
        loop variant pm_g.map_nkeys - i; */
    for (int32_t i = 0; i < S.map_nkeys; i++)
        if (S.map_keys[i] == key)
            return;
    if (S.map_nkeys == S.map_capkeys) {
#ifdef PM_PROOF
        return;
#else
        int32_t nc = st->map_capkeys ? 2 * st->map_capkeys : 16;
        uint64_t *k = realloc(st->map_keys, (size_t)nc * sizeof *k);
        if (k == NULL)
            return;
        st->map_keys = k;
        st->map_capkeys = nc;
#endif
    }
    S.map_keys[S.map_nkeys++] = key;
    if (key >> 63)
        S.map_mid_count++;
    else
        S.map_bot_count++;
}

/*@ PM_MAP_NOTE_CONTRACT */
static void note_address(pm_obm *st, uint64_t addr)
{
    unsigned arena_bits = ENV_BITS(st) == 64 ? 20 : 18;
    unsigned interior = (ENV_BITS(st) - arena_bits + 2) / 3;
    unsigned bot_bits = ENV_BITS(st) - arena_bits - 2 * interior;
    unsigned mid_shift = arena_bits + bot_bits;
    unsigned top_shift = mid_shift + interior;
    note_key(st, ((uint64_t)1 << 63) | (addr >> top_shift));
    note_key(st, addr >> mid_shift);
}

/*@ PM_MAP_NOTE_CONTRACT */
void pm_obm_note_arena(pm_obm *st, uint64_t address)
{
    if (ENV_BITS(st) != 64)
        return;
    note_address(st, address);
    uint64_t size = (uint64_t)PMC_ARENA(st);
    if (address % size != 0 && address <= UINT64_MAX - size)
        note_address(st, address + size);
}
