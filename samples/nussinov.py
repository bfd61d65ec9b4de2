"""Nussinov RNA folding: the maximum number of base pairs of a sequence by dynamic
programming over a triangular table, scalar element reads and writes in three nested loops
(bioinformatics; the kernel of the Polybench/npbench suites)."""
import numpy as np

DOMAIN = "bioinformatics / dynamic programming"
LIMIT = "compute: O(n^3) scalar max-plus steps, each cell depending on cells computed before it"


def nussinov(seq):
    n = seq.shape[0]
    table = np.zeros((n, n), np.int32)
    for i in range(n - 1, -1, -1):
        for j in range(i + 1, n):
            if j - 1 >= 0:
                table[i, j] = max(table[i, j], table[i, j - 1])
            if i + 1 < n:
                table[i, j] = max(table[i, j], table[i + 1, j])
            if j - 1 >= 0 and i + 1 < n:
                if i < j - 1:
                    table[i, j] = max(table[i, j], table[i + 1, j - 1] + (seq[i] + seq[j] == 3))
                else:
                    table[i, j] = max(table[i, j], table[i + 1, j - 1])
            for k in range(i + 1, j):
                table[i, j] = max(table[i, j], table[i, k] + table[k + 1, j])
    return table


def inputs(scale=1.0):
    n = max(4, int(120 * scale ** (1 / 3)))
    rng = np.random.default_rng(43)
    return (rng.integers(0, 4, n).astype(np.int32),)     # bases 0..3: pairs sum to 3
