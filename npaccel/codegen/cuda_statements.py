"""Program statements (ir/program.py) on the GPU: the C backend's StatementWriter with the
control flow on the host and the work in kernels.

The generated entry runs loops, branches, scalar assignments and pointer swaps as host
code; every store and every value computed before a statement (reductions, products) is
a kernel launch (cuda_source.py), on the legacy default stream, so launches stay ordered
and the host does not wait for them. What lives where:

- ScalarVars are host variables, passed to kernels by value at each launch.
- Storages and values statements read are device buffers in the entry's scratch block;
  ArrayVars are host variables holding device pointers; pool slots are cudaMalloc'd on
  first use (npa_pick) and freed at the end, on the error path too. A swap ``u, v = v, u``
  swaps pointers.
- A scalar computed from host values only (loop counters, arguments, sizes) is computed on
  the host. One that reads device memory (``while np.max(err) > tol``, ``s += x[i]``) is
  computed by a one-thread kernel and copied back with cudaMemcpy: that copy waits for
  every kernel launched before it, the one synchronisation a data-dependent branch needs.
- Run-time index checks set the kernel's error flag; a statement kernel that can set it is
  followed by a copy of the flag (a synchronisation) and a jump out, so an IndexError
  stops the program where the CPU build stops it, with the same error code.
- A scatter ``x[idx] = v`` runs as one thread: every index checked, then the writes in
  order (the last of repeated indices wins, as in NumPy).
"""
from __future__ import annotations

from ..ir import program as P
from ..ir.nodes import ArrayVar, Node, ScalarVar, topo_order
from .c_statements import StatementWriter


class CudaStatementWriter(StatementWriter):
    def declarations(self, body):
        decl, free = super().declarations(body)
        if self.sized_pools:
            raise NotImplementedError("CUDA backend: an array whose shape changes with a loop counter")
        nodes = [n for s in P.walk(body) for n in P.statement_nodes(s) if isinstance(n, Node)]
        for n in topo_order(nodes):        # loop scalars by value, pointer variables: kernel arguments
            if isinstance(n, ScalarVar):
                self.gen.params[f"sv{n.vid}"] = f"const {self.r.ctype(n.dtype)} sv{n.vid}"
            elif isinstance(n, ArrayVar):
                self.gen.params[f"av{n.vid}"] = f"{self.r.ctype(n.dtype)} *av{n.vid}"
        return decl, free

    def compaction(self, s):
        raise NotImplementedError("CUDA backend: a boolean-mask selection kept in a loop variable")

    def new_buffer(self, name, node, decl, free):
        return self.gen.scratch_buffer(name, node)       # device memory, freed with the scratch

    @staticmethod
    def free_pool_slot(slot):
        return f"cudaFree({slot});"

    def growable_buffer(self, name, node, decl, free):
        raise NotImplementedError("CUDA backend: a buffer whose size changes with a loop counter")

    def check_error(self, depth):
        # host-visible errors (a failed launch, a host-side index check): no synchronisation
        return ["if (npa_err || npa_ce != cudaSuccess) goto npa_done;"]

    def scalar_expr(self, node, w=None):
        """Computed on the host when it reads no device memory, else by a one-thread kernel
        and copied back (cuda_source.device_scalar)."""
        w = w or self.writer_cls(self.gen, False)
        probe = self.writer_cls(self.gen, False)      # w's state, kept only for a host value
        probe.memo, probe._arrays_count = dict(w.memo), getattr(w, "_arrays_count", 0)
        value = probe.value(node, ())
        if self.gen.reads_device(probe.lines + [value]):
            return self.gen.device_scalar(node)
        w.memo, w._arrays_count = probe.memo, probe._arrays_count
        w.lines.extend(probe.lines)
        return probe.lines, value

    def scatter(self, s):
        checks, writes = self.scatter_passes(s)
        body = checks + ["if (!npa_err) {"] + ["    " + x for x in writes] + ["}"]
        return ["/* scatter: one thread checks every index, then writes in order */"] + \
            self.gen.single_thread(f"scatter {self.kernels}", body)
