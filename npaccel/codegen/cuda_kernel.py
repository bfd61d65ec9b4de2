"""Text helpers every CUDA kernel writer uses: indentation, the grid-stride loop, and the
split of a linear thread index into per-dimension indexes. A leaf: no other codegen module
is imported here.

>>> indent(["a;", "", "b;"])
['    a;', '', '    b;']
>>> split_index("g", [(0, "n0"), (1, "n1")], "q")
['npa_idx_t q = (npa_idx_t)(g);', 'const int64_t i1 = (int64_t)(q % (npa_idx_t)n1); q /= (npa_idx_t)n1;', 'const int64_t i0 = (int64_t)q;']
"""
from __future__ import annotations


def indent(lines, n=1):
    return ["    " * n + line if line else line for line in lines]


def split_index(var, dims, scratch):
    """Lines defining ``i<d>`` for each (d, C extent) in ``dims`` from the linear ``var``
    (row-major over ``dims``). The divisions are in ``npa_idx_t``, a template parameter of
    the kernel: 32-bit when the sizes allow (64-bit division is many times slower on GPUs)."""
    if not dims:
        return []
    if len(dims) == 1:
        return [f"const int64_t i{dims[0][0]} = {var};"]
    lines = [f"npa_idx_t {scratch} = (npa_idx_t)({var});"]
    for d, extent in reversed(dims[1:]):
        lines.append(f"const int64_t i{d} = (int64_t)({scratch} % (npa_idx_t){extent}); {scratch} /= (npa_idx_t){extent};")
    lines.append(f"const int64_t i{dims[0][0]} = (int64_t){scratch};")
    return lines


def grid_stride(var, count):
    """The opening lines of a grid-stride loop of ``var`` over ``count`` (C text)."""
    return [f"for (int64_t {var} = (int64_t)blockIdx.x * blockDim.x + threadIdx.x; {var} < {count};",
            f"     {var} += (int64_t)blockDim.x * gridDim.x) {{"]
