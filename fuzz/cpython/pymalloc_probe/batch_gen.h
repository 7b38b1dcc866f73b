/* batch_gen.h: the random batches of the pymalloc differential check.
 *
 * One generator, compiled into both sides (the probe inside CPython and
 * the model's model_batch), so that a batch is named by its seed alone and
 * both sides build the same calls without shipping them through Python.
 *
 * A batch is a list of operations (kind, id, size): 'm' allocates block
 * ID with SIZE bytes, 'f' frees block ID, 'r' reallocates block ID to SIZE
 * bytes.  Every block still live at the end is freed, so a batch leaves
 * the allocator with the blocks it found.  Shapes:
 *   12%  fill: 4,000 to 45,000 blocks of one size or of random small
 *        sizes (new arenas; with 40,000 or more blocks of 512 bytes the
 *        arena table grows), freed in a random or a strided order (pools
 *        emptied, arenas released but the last);
 *   13%  long: 6,000 to 14,000 mixed calls;
 *   75%  short: 20 to 2,000 mixed calls.
 * Mixed calls allocate with a probability drawn in [0.45, 0.8), then in
 * [0.2, 0.5) for the second half (a freeing phase); a fifth of the batches
 * stress one size class.  Sizes: 70% uniform in 1..512, 15% on class
 * edges, 3% zero, 12% large (513..8192).
 *
 * The PRNG is splitmix64 (public domain, Steele, Lea and Flood's SplitMix
 * with Vigna's constants): the same seed gives the same batch everywhere.
 * Storage comes from the caller's allocator (the probe must not use
 * pymalloc while it builds a batch). */
#ifndef PMD_BATCH_GEN_H
#define PMD_BATCH_GEN_H

#include <stddef.h>
#include <stdint.h>

typedef struct pmd_op { char kind; int64_t id; uint64_t size; } pmd_op;

typedef struct pmd_rng { uint64_t s; } pmd_rng;

static inline uint64_t pmd_next(pmd_rng *r)
{
    uint64_t z = (r->s += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

/* uniform in [0, 1) */
static inline double pmd_real(pmd_rng *r)
{
    return (double)(pmd_next(r) >> 11) * (1.0 / 9007199254740992.0);
}

/* uniform in [lo, hi] (the modulo bias is below 2^-50 here) */
static inline int64_t pmd_int(pmd_rng *r, int64_t lo, int64_t hi)
{
    return lo + (int64_t)(pmd_next(r) % (uint64_t)(hi - lo + 1));
}

static const uint64_t pmd_small_edges[] = {
    1, 15, 16, 17, 31, 32, 33, 48, 255, 256, 257, 496, 497, 511, 512
};

static inline uint64_t pmd_size(pmd_rng *r)
{
    double x = pmd_real(r);
    if (x < 0.70)
        return (uint64_t)pmd_int(r, 1, 512);
    if (x < 0.85)
        return pmd_small_edges[pmd_int(r, 0, 14)];
    if (x < 0.88)
        return 0;
    return (uint64_t)pmd_int(r, 513, 8192);
}

/* The most operations a batch can have (a fill of 45,000 blocks, freed). */
#define PMD_MAX_OPS 90000

/* Fills OPS (room for PMD_MAX_OPS) and SCRATCH (room for PMD_MAX_OPS ids)
 * with the batch of SEED; returns the number of operations. */
static inline size_t pmd_gen_batch(uint64_t seed, pmd_op *ops, int64_t *scratch)
{
    pmd_rng rng = {seed * 0x2545F4914F6CDD1Dull + 1};
    pmd_rng *r = &rng;
    size_t n = 0;
    if (pmd_real(r) < 0.12) {
        static const int64_t counts[] = {4000, 10000, 20000, 45000};
        static const uint64_t sizes[] = {0, 512, 16, 256};
        int64_t nb = counts[pmd_int(r, 0, 3)];
        uint64_t size = sizes[pmd_int(r, 0, 3)];
        for (int64_t i = 0; i < nb; i++)
            ops[n++] = (pmd_op){'m', i,
                                size ? size : (uint64_t)pmd_int(r, 1, 512)};
        int64_t *order = scratch;
        for (int64_t i = 0; i < nb; i++)
            order[i] = i;
        for (int64_t i = nb - 1; i > 0; i--) {        /* Fisher-Yates */
            int64_t j = pmd_int(r, 0, i), t = order[i];
            order[i] = order[j];
            order[j] = t;
        }
        if (pmd_real(r) < 0.5)                        /* strided: by x % 7 */
            for (int64_t k = 0, w = 0; k < 7; k++)
                for (int64_t x = k; x < nb; x += 7)
                    order[w++] = x;
        for (int64_t i = 0; i < nb; i++)
            ops[n++] = (pmd_op){'f', order[i], 0};
        return n;
    }
    int64_t nops = pmd_real(r) < 0.15 ? pmd_int(r, 6000, 14000)
                                      : pmd_int(r, 20, 2000);
    double p_alloc = 0.45 + 0.35 * pmd_real(r);
    int one_class = pmd_real(r) < 0.2;
    uint64_t cls_size = (uint64_t)pmd_int(r, 1, 512);
    int64_t *live = scratch, nlive = 0, next_id = 0;
    for (int64_t i = 0; i < nops; i++) {
        if (i == nops / 2)
            p_alloc = 0.2 + 0.3 * pmd_real(r);       /* a freeing phase */
        double x = pmd_real(r);
        if (nlive == 0 || x < p_alloc) {
            uint64_t size = one_class && pmd_real(r) < 0.8 ? cls_size
                                                           : pmd_size(r);
            ops[n++] = (pmd_op){'m', next_id, size};
            live[nlive++] = next_id++;
        } else if (x < p_alloc + (1 - p_alloc) * 0.8) {
            int64_t j = pmd_int(r, 0, nlive - 1), t = live[j];
            live[j] = live[nlive - 1];
            live[nlive - 1] = t;
            ops[n++] = (pmd_op){'f', live[--nlive], 0};
        } else {
            ops[n++] = (pmd_op){'r', live[pmd_int(r, 0, nlive - 1)],
                                pmd_size(r)};
        }
    }
    for (int64_t i = nlive - 1; i > 0; i--) {          /* free the rest */
        int64_t j = pmd_int(r, 0, i), t = live[i];
        live[i] = live[j];
        live[j] = t;
    }
    for (int64_t i = 0; i < nlive; i++)
        ops[n++] = (pmd_op){'f', live[i], 0};
    return n;
}

#endif
