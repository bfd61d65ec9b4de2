"""C for what passes/loop_facts.py found about a ``for`` loop: the guard choosing between a
loop's unchecked and checked bodies, and the parallel version of an independent loop.

Guard (checks hoisted)::

    const int64_t npa_trip5 = <iterations>;
    int npa_ok5 = 1;
    if (npa_trip5 > 0) {
        const int64_t npa_last5 = start + (npa_trip5 - 1) * step;
        { int npa_err = 0; const int64_t sv5 = start;      /* shadows: the first iteration */
          npa_ok5 &= !npa_err && 0 <= index && index < n; }
        { ... the same at npa_last5 ... }
    }

The index expressions are the loop body's own, evaluated with the counter shadowed by its
first and last value and the error flag shadowed by a local (an overflow there only makes
the guard fail: the checked body then raises where Python would).

Parallel: ``serial_or_parallel`` (c_parallel.py) on the estimated work (iterations times the
trip counts of inner loops known at entry), the parallel version counting iterations in a
private ``npa_it`` and setting the counter from it, scalars the body assigns private (those
read after the loop lastprivate), 0-d buffers it writes then reads local to the iteration.
"""
from __future__ import annotations

from .c_kernel import Buffer
from .c_parallel import parallel_threshold, serial_or_parallel

# a Python-loop iteration of scalar code: a few ns of loads, arithmetic and stores
ITERATION_NS = 1.0
# the trip count guessed for an inner loop whose bounds change with the parallel loop's
# counter: csr_matvec's rows (16 entries on average) then go parallel from about 15k rows;
# a loop of empty rows that size costs one parallel region (~40 us) more than serial
UNKNOWN_TRIPS = 4


def trip_count(start, stop, step) -> str:
    """C for the number of iterations of ``range(start, stop, step)`` (exact, no overflow).

    >>> trip_count("a", "b", 1)
    '(a) < (b) ? (int64_t)(((uint64_t)(b) - (uint64_t)(a) - 1) / 1u + 1) : 0'
    """
    if step > 0:
        return f"({start}) < ({stop}) ? (int64_t)(((uint64_t)({stop}) - (uint64_t)({start}) - 1) / {step}u + 1) : 0"
    return f"({start}) > ({stop}) ? (int64_t)(((uint64_t)({start}) - (uint64_t)({stop}) - 1) / {-step}u + 1) : 0"


def guard_lines(sw, s, bounds) -> list:
    k = s.var.vid
    start, stop = bounds
    out = [f"/* checks hoisted: {len(s.guards)} index check(s) tested at the first and last iteration */",
           f"const int64_t npa_trip{k} = {trip_count(start, stop, s.step)};",
           f"int npa_ok{k} = 1;",
           f"if (npa_trip{k} > 0) {{",
           f"    const int64_t npa_last{k} = (int64_t)((uint64_t){start} + (uint64_t)(npa_trip{k} - 1) * "
           f"(uint64_t)INT64_C({s.step}));"]
    for at in (start, f"npa_last{k}"):
        out += ["    {", "        int npa_err = 0;", f"        const int64_t sv{k} = {at};"]
        w = sw.writer_cls(sw.gen, False)
        conds = []
        for g in s.guards:
            pre, x = sw.scalar_expr(g.index, w)
            pre2, n = sw.scalar_expr(g.n, w)
            out += ["        " + p for p in pre + pre2]
            conds.append(f"(int64_t)({x}) >= 0 && (int64_t)({x}) < (int64_t)({n})")
        out.append(f"        npa_ok{k} &= !npa_err && {' && '.join(conds)};")
        out += [f"        (void)sv{k};", "    }"]
    return out + ["}"]


def parallel_lines(sw, s, bounds, depth):
    """A function wrapping the serial loop's lines into the choice between it and the
    parallel version, or None where the body's C turns out unfit: it can leave other than
    by an error, or opens a parallel region of its own (a safety net under loop_parallel.py's
    proof and program_plan.py's checks, which decide the loop).

    A body that can fail (an index check) ends each iteration at its first error
    (``npa_next<k>``), and the program stops with the error of the lowest failing
    iteration, after the region: the error the serial loop stops at. Iterations after it
    have run too, but they write only the program's own buffers, which an error discards."""
    gen, rec = sw.gen, s.parallel
    k, v = s.var.vid, f"sv{s.var.vid}"
    saved = {}
    for t in rec.storages:
        saved[t] = gen.buffers.get(t)
        gen.buffers[t] = Buffer(f"npa_pst{t.sid}", t, [])
    label, sw.error_label = sw.error_label, f"npa_next{k}"
    try:
        body = sw.block(s.body, depth + 1)
    finally:
        sw.error_label = label
        for key, buf in saved.items():
            gen.buffers[key] = buf
    if any("npa_done" in x or "omp parallel" in x or "return" in x for x in body):
        return None
    fails = any("npa_err" in x for x in body)
    start, stop = bounds
    pre = [f"const int64_t npa_trip{k} = {trip_count(start, stop, s.step)};",
           f"double npa_work{k} = (double)npa_trip{k};"]
    counter = [0]

    def work(loops):
        """C for the iterations of ``loops`` and of the loops nested in them, plus one."""
        terms = ["1.0"]
        for a, b, step, inner in loops:
            if a is None:       # bounds known only inside an iteration (a CSR row's entries)
                terms.append(f"{UNKNOWN_TRIPS:.1f} * ({work(inner)})")
                continue
            ends = []
            for x in (a, b):
                if isinstance(x, int):
                    ends.append(f"INT64_C({x})")
                    continue
                lines, e = sw.scalar_expr(x)
                if any("npa_err" in y for y in lines) or "npa_err" in e:
                    raise ValueError("a bound that can fail")
                name = f"npa_w{k}_{counter[0]}"
                counter[0] += 1
                pre.extend([f"int64_t {name};", "{"] + ["    " + y for y in lines] +
                           [f"    {name} = (int64_t)({e});", "}"])
                ends.append(name)
            terms.append(f"(double)({trip_count(ends[0], ends[1], step)}) * ({work(inner)})")
        return " + ".join(terms)
    try:
        pre.append(f"npa_work{k} *= {work(rec.work)};")
    except ValueError:
        return None
    private = [f"sv{x.vid}" for x in rec.private if x not in rec.lastprivate] + [v]
    clauses = f" private({', '.join(private)})"
    if rec.lastprivate:
        clauses += f" lastprivate({', '.join(f'sv{x.vid}' for x in rec.lastprivate)})"
    ctype = getattr(sw, "r").ctype
    locals_ = [f"{ctype(t.dtype)} npa_pst{t.sid}[1];" for t in rec.storages]
    step = f"INT64_C({s.step})"
    first_error = [f"int npa_ferr{k} = 0;", f"int64_t npa_fit{k} = INT64_MAX;"] if fails else []
    stop = [f"npa_next{k}: ;", "if (npa_err) {", "    #pragma omp critical(npa_first_error)",
            f"    if (npa_it < npa_fit{k}) {{ npa_fit{k} = npa_it; npa_ferr{k} = npa_err; }}", "}"] if fails else []
    par = (["/* parallel: iterations independent */"] + first_error +
           [f"#pragma omp parallel for num_threads(npa_nt) schedule(static){clauses}",
            f"for (int64_t npa_it = 0; npa_it < npa_trip{k}; npa_it++) {{",
            f"    {v} = (int64_t)((uint64_t){start} + (uint64_t)npa_it * (uint64_t){step});"] +
           ["    " + x for x in (["int npa_err = 0;"] if fails else []) + locals_ + body + stop] + ["}",
           f"{v} = (int64_t)((uint64_t){start} + (uint64_t)npa_trip{k} * (uint64_t){step});"] +
           ([f"if (npa_ferr{k}) {{ npa_err = npa_ferr{k}; goto {label}; }}"] if fails else []))
    threshold = parallel_threshold(ITERATION_NS)

    def wrap(serial):
        return pre + serial_or_parallel(f"npa_trip{k} > 1 && npa_work{k} > {threshold}.0",
                                        lambda parallel: par if parallel else serial)
    return wrap
