"""Build the bench graph in CPython and time gc.collect(2) (see README.md)."""
import gc
import sys
import time

M64 = (1 << 64) - 1


def main():
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 1000000
    x = int(sys.argv[2]) if len(sys.argv) > 2 else 1

    class Node:
        __slots__ = ('s000', 's001')

    names = ('s000', 's001')
    R = [None] * n
    gc.disable()
    gc.collect()
    gc.freeze()          # the namespace and the interpreter stay out of the scan
    for i in range(n):
        R[i] = Node()
    for i in range(n):
        o = R[i]
        for k in range(2):
            x = (x * 6364136223846793005 + 1442695040888963407) & M64
            if (x >> 33) % 8 < 5:
                x = (x * 6364136223846793005 + 1442695040888963407) & M64
                if i < n // 2:
                    j = (x >> 33) % (n // 2)
                else:
                    j = n // 2 + (x >> 33) % (n - n // 2)
                setattr(o, names[k], R[j])
    o = None
    for i in range(n):
        x = (x * 6364136223846793005 + 1442695040888963407) & M64
        if (x >> 33) % 16 != 0 or i >= n // 2:
            R[i] = None
    t0 = time.perf_counter()
    found = gc.collect(2)
    t1 = time.perf_counter()
    print(found, "%.6f" % (t1 - t0))


main()
