/* lcg.h: the generator shared with cpython_full.py (same constants). */
#ifndef BENCH_LCG_H
#define BENCH_LCG_H
#include <stdint.h>
static inline uint32_t lcg_next(uint64_t *x)
{
    *x = *x * 6364136223846793005ULL + 1442695040888963407ULL;
    return (uint32_t)(*x >> 33);
}
#endif
