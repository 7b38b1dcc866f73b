/* obmalloc_env.c: the pymalloc model's environment, which new_arena
 * (obmalloc_arena.c) calls through contracts it trusts: the arena "mmap"
 * (_PyObject_Arena.alloc in new_arena, Objects/obmalloc.c), whose addresses
 * the model chooses (spec/obmalloc.md, "Addresses"), and the node counts of
 * the radix tree that arena_map_mark_used fills.  Not proved: both read the
 * executable configuration (st->cfg), the first may call a test's address
 * source through a function pointer and the second grows a heap table
 * (spec/obmalloc.md, "Proof status"). */
#include "obmalloc_core.h"

#include <stdlib.h>

uint64_t pm_obm_arena_address(pm_obm *st)
{
    uint64_t serial = st->ntimes_arena_allocated;
    if (st->arena_source != NULL)
        return st->arena_source(st->arena_source_ctx, serial);
    uint64_t span = st->cfg.sys_base - st->cfg.arena_base;
    if (serial >= span / st->cfg.arena_size - 1)
        return 0;
    return st->cfg.arena_base + serial * st->cfg.arena_size
           + st->cfg.arena_misalign;
}

/* arena_map_mark_used: the radix tree gets a MAP_MID node per distinct top
 * index and a MAP_BOT node per distinct (top, mid) index of the arena's
 * first byte and, when the arena is not ARENA_SIZE-aligned, of the address
 * ARENA_SIZE above it.  Nodes are never freed.  32-bit builds have no
 * interior nodes. */
static void note_key(pm_obm *st, uint64_t key)
{
    for (int32_t i = 0; i < st->map_nkeys; i++)
        if (st->map_keys[i] == key)
            return;
    if (st->map_nkeys == st->map_capkeys) {
        int32_t nc = st->map_capkeys ? 2 * st->map_capkeys : 16;
        uint64_t *k = realloc(st->map_keys, (size_t)nc * sizeof *k);
        if (k == NULL)
            return;
        st->map_keys = k;
        st->map_capkeys = nc;
    }
    st->map_keys[st->map_nkeys++] = key;
    if (key >> 63)
        st->map_mid_count++;
    else
        st->map_bot_count++;
}

static void note_address(pm_obm *st, uint64_t addr)
{
    unsigned arena_bits = st->cfg.pointer_bits == 64 ? 20 : 18;
    unsigned interior = (st->cfg.pointer_bits - arena_bits + 2) / 3;
    unsigned bot_bits = st->cfg.pointer_bits - arena_bits - 2 * interior;
    unsigned mid_shift = arena_bits + bot_bits;
    unsigned top_shift = mid_shift + interior;
    note_key(st, ((uint64_t)1 << 63) | (addr >> top_shift));
    note_key(st, addr >> mid_shift);
}

void pm_obm_note_arena(pm_obm *st, uint64_t address)
{
    if (st->cfg.pointer_bits != 64)
        return;
    note_address(st, address);
    if (address % st->cfg.arena_size != 0)
        note_address(st, address + st->cfg.arena_size);
}
