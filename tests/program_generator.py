"""Seeded random Python programs mixing compiled array code with code that must run in Python.

``generate_module(seed, count)`` returns the source of a module of ``count`` functions
``f0 .. f{count-1}``, all with the signature ``(x, y, k, mode, table, items, buf, cfg)``,
and ``make_args(seed, i)`` fresh arguments for function ``i``. Bodies mix elementwise
arithmetic, ufuncs, reductions, slices, in-place updates, loops over range and element
loops (which compile) with string compares, list appends, dict lookups, attribute reads, print to a
StringIO, try/except, comprehensions, conditional expressions and big Python ints (which
run in Python). Every name is defined before it is read on every path, so a program only
raises what NumPy or Python raise at run time (an empty array's max, an index past the end).
"""
from __future__ import annotations

import importlib.util
import io
import random
import sys
from types import SimpleNamespace

import numpy as np

PARAMS = "x, y, k, mode, table, items, buf, cfg"
HEADER = "import numpy as np\n\n\n"


class _Body:
    def __init__(self, rnd: random.Random):
        self.r = rnd
        self.arrays = {"x": 0, "y": 0}   # name -> elements short of the input length
        self.locals = set()              # arrays this function made (safe to update in place)
        self.scalars = []                # float-valued names
        self.lines = []
        self.count = 0

    # ---- names and expressions -----------------------------------------------------------
    def fresh(self, prefix):
        self.count += 1
        return f"{prefix}{self.count}"

    def array(self, d=None):
        names = [n for n, dd in self.arrays.items() if d is None or dd == d]
        return self.r.choice(names)

    def const(self):
        return self.r.choice(["0.5", "1.5", "2.0", "3", "-1.25", "0.1"])

    def leaf(self, d):
        roll = self.r.random()
        if roll < 0.6:
            return self.array(d)
        if roll < 0.8 and self.scalars:
            return self.r.choice(self.scalars)
        return self.const()

    def expr(self, d, depth=0):
        r = self.r
        if depth >= 2 or r.random() < 0.3:
            e = self.leaf(d)
            # at least one array operand somewhere keeps the shape: leaves are wrapped below
            return e
        kind = r.randrange(9)
        a = self.expr(d, depth + 1)
        if kind <= 3:
            b = self.expr(d, depth + 1)
            return f"({a} {r.choice(['+', '-', '*', '*'])} {b})"
        if kind == 4:
            b = self.expr(d, depth + 1)
            return f"({a} / (1.5 + np.abs({b})))"
        if kind == 5:
            return f"np.{r.choice(['sin', 'cos', 'abs', 'tanh', 'floor'])}({a})"
        if kind == 6:
            return f"np.sqrt(np.abs({a}))"
        if kind == 7:
            b = self.expr(d, depth + 1)
            return f"np.{r.choice(['maximum', 'minimum'])}({a}, {b})"
        b, c = self.expr(d, depth + 1), self.expr(d, depth + 1)
        return f"np.where({a} > {self.const()}, {b}, {c})"

    def array_expr(self, d):
        """An expression that is an array of length n - d (one array operand at least)."""
        return f"({self.array(d)} + {self.expr(d)})" if self.r.random() < 0.5 else f"({self.expr(d)} * {self.array(d)})"

    def emit(self, *lines, indent=0):
        self.lines.extend("    " * indent + line for line in lines)

    # ---- statements that compile ----------------------------------------------------------
    def s_assign(self):
        d = self.r.choice(sorted(set(self.arrays.values())))
        name = self.fresh("a")
        self.emit(f"{name} = {self.array_expr(d)}")
        self.arrays[name] = d
        self.locals.add(name)

    def s_reduce(self):
        name = self.fresh("s")
        a = self.array()
        how = self.r.choice([f"{a}.sum()", f"{a}.mean()", f"np.max({a})", f"{a}.min()", f"float({a}.sum())",
                             f"{a}.std()", f"np.abs({a}).sum()", f"({a} > 0).sum() * 1.0", f"np.add.reduce({a})"])
        self.emit(f"{name} = {how}")
        self.scalars.append(name)

    def s_slice(self):
        d = self.r.choice(sorted(set(self.arrays.values())))
        a, b = self.array(d), self.array(d)
        name = self.fresh("a")
        form = self.r.randrange(4)
        if form == 0:
            self.emit(f"{name} = {a}[1:] - {b}[:-1]")
            self.arrays[name] = d + 1
        elif form == 1:
            self.emit(f"{name} = {a}[::-1] * {self.const()}")
            self.arrays[name] = d
        elif form == 2:
            self.emit(f"{name} = 0.5 * ({a}[:-1] + {b}[1:])")
            self.arrays[name] = d + 1
        else:
            self.emit(f"{name} = {a}[2:] + {a}[:-2] - 2 * {b}[1:-1]")
            self.arrays[name] = d + 2
        self.locals.add(name)

    def local_array(self):
        if not self.locals or self.r.random() < 0.2:
            src = self.array()
            name = self.fresh("a")
            self.emit(f"{name} = {src}.copy()")
            self.arrays[name] = self.arrays[src]
            self.locals.add(name)
            return name
        return self.r.choice(sorted(self.locals))

    def s_inplace(self):
        if self.r.random() < 0.1:
            target = "x"                      # writes an argument: NumPy's writes are the reference
        else:
            target = self.local_array()
        d = self.arrays[target]
        form = self.r.randrange(5)
        if form == 0:
            self.emit(f"{target} {self.r.choice(['+=', '-=', '*='])} {self.expr(d)}")
        elif form == 1:
            self.emit(f"{target}[1:] += {target}[:-1]")
        elif form == 2:
            self.emit(f"{target}[::2] = {self.const()}")
        elif form == 3:
            self.emit(f"{target}[{target} < 0] = 0.0")
        else:
            self.emit(f"{target}[0] = {self.r.choice(self.scalars) if self.scalars else self.const()}")

    def s_loop(self):
        r = self.r
        if r.random() < 0.5:
            target = self.local_array()
            self.emit("for i in range(k):",
                      f"    {target} = {target} * {self.const()} + i")
        else:
            name = self.fresh("s")
            a = self.array()
            self.emit(f"{name} = 0.0", "for i in range(k):",
                      f"    {name} = {name} + {a}.sum() * i")
            self.scalars.append(name)

    def s_scalar_loop(self):
        """Element loops as users write them: running maxima that may never be assigned (an
        int 0 or a NumPy scalar, whichever path ran), counts, inner loops that may make zero
        trips, while with break, element writes reading the previous element."""
        a, name = self.array(), self.fresh("s")
        form = self.r.randrange(5)
        if form == 0:
            self.emit(f"{name} = 0", f"for i in range(len({a})):", f"    if {a}[i] > {name}:",
                      f"        {name} = {a}[i]")
        elif form == 1:
            self.emit(f"{name} = 0.0", "for i in range(k):", f"    for j in range(min(i, len({a}))):",
                      f"        {name} += {a}[j] * 0.5")
        elif form == 2:
            self.emit(f"{name} = 0", f"for v in {a}:", "    if v > 0:", f"        {name} += 1")
        elif form == 3:
            self.emit(f"{name} = 0", f"while {name} < len({a}):", f"    if {a}[{name}] < -1.0:",
                      "        break", f"    {name} += 1")
        else:
            target = self.local_array()
            self.emit(f"for i in range(1, len({target})):",
                      f"    {target}[i] = max({target}[i], {target}[i - 1] * 0.5)")
            return
        self.scalars.append(name)

    def s_while(self):
        target = self.local_array()
        self.emit("j = 0", "while j < k:", f"    {target} = {target} * 0.5 + 1.0", "    j += 1")

    # ---- statements that run in Python ----------------------------------------------------
    def s_mode(self):
        target = self.local_array() if self.r.random() < 0.7 else self.array()
        c = self.const()
        self.emit(f'if mode == "{self.r.choice(["a", "b", "sum"])}":', f"    {target} = {target} + {c}",
                  "else:", f"    {target} = {target} - {c}")

    def s_append(self):
        if self.r.random() < 0.5:
            a = self.array()
            self.emit(f"items.append({self.r.choice([f'len({a})', f'float({a}.sum())', f'{a}.shape'])})")
        else:
            a = self.array()
            name = self.fresh("s")
            self.emit("outs = []", "for step in (1, 2, 3):", f"    outs.append({a}[::step].sum())",
                      f"{name} = sum(outs)")
            self.scalars.append(name)

    def s_dict(self):
        name = self.fresh("s")
        base = self.r.choice(self.scalars) if self.scalars else "1.0"
        self.emit(self.r.choice([f'{name} = table["scale"] * {base}',
                                 f'{name} = table.get(mode, 1.0) + {base}',
                                 f'{name} = {base} if "shift" not in table else {base} + table["shift"]']))
        self.scalars.append(name)

    def s_attr(self):
        a = self.array()
        name = self.fresh("a")
        self.emit(f"{name} = {a} * cfg.factor + cfg.offset")
        self.arrays[name] = self.arrays[a]
        self.locals.add(name)

    def s_print(self):
        a = self.array()
        self.emit(self.r.choice([f"print(mode, len({a}), k, file=buf)",
                                 f"print({a}.shape, int(({a} > 0).sum()), file=buf)",
                                 f'buf.write(f"{{mode}}:{{{a}.size}}\\n")']))

    def s_try(self):
        a = self.array()
        name = self.fresh("s")
        self.emit("try:", f"    {name} = float({a}[k])", "except IndexError:", f"    {name} = -1.0")
        self.scalars.append(name)

    def s_comprehension(self):
        a = self.array()
        form = self.r.randrange(3)
        if form == 0:
            name = self.fresh("s")
            self.emit(f"{name} = sum([float(v) for v in {a}[:3]])")
            self.scalars.append(name)
        elif form == 1:
            name = self.fresh("a")
            self.emit(f"parts = [{a} * i for i in range(1, 3)]", f"{name} = parts[-1] - parts[0]")
            self.arrays[name] = self.arrays[a]
            self.locals.add(name)
        else:
            name = self.fresh("s")
            self.emit(f"named = {{key: {a}.sum() * i for i, key in enumerate(('p', 'q'))}}",
                      f"{name} = named['q']")
            self.scalars.append(name)

    def s_conditional(self):
        a = self.array()
        name = self.fresh("s")
        self.emit(self.r.choice([f"{name} = {a}.sum() if k > 1 else {a}.mean()",
                                 f"{name} = float({a}.sum()) if len({a}) else 0.0",
                                 f"{name} = {a}.max() if {a}.size else -1.0"]))
        self.scalars.append(name)

    def s_bigint(self):
        name = self.fresh("s")
        base = self.r.choice(self.scalars) if self.scalars else "0.0"
        self.emit(f"big = (k + 3) ** 25", f"{name} = {base} + big % 97")
        self.scalars.append(name)

    def s_value_branch(self):
        if not self.scalars:
            return self.s_reduce()
        s = self.r.choice(self.scalars)
        target = self.local_array()
        self.emit(f"if {s} > 0:", f"    {target} = {target} * 2.0", "else:", f"    {target} = -{target}")

    COMPILED = ("s_assign", "s_assign", "s_reduce", "s_slice", "s_inplace", "s_loop", "s_while", "s_value_branch",
                "s_scalar_loop")
    PYTHON = ("s_mode", "s_append", "s_dict", "s_attr", "s_print", "s_try", "s_comprehension",
              "s_conditional", "s_bigint")

    def build(self, name):
        r = self.r
        for _ in range(r.randint(3, 9)):
            group = self.COMPILED if r.random() < 0.6 else self.PYTHON
            getattr(self, r.choice(group))()
        outs = [self.array()]
        if self.scalars:
            outs.append(r.choice(self.scalars))
        if r.random() < 0.3:
            outs.append(self.array())
        if r.random() < 0.2:
            outs.append("items")
        ret = outs[0] if len(outs) == 1 and r.random() < 0.5 else "(" + ", ".join(outs) + ",)"
        body = "\n".join("    " + line for line in self.lines + [f"return {ret}"])
        return f"def {name}({PARAMS}):\n{body}\n"


def generate_function(seed: int, name: str) -> str:
    return _Body(random.Random(seed)).build(name)


def generate_module(seed: int, count: int) -> str:
    """Source of ``count`` functions f0.. from ``seed`` (function i uses seed*100003 + i)."""
    return HEADER + "\n\n".join(generate_function(seed * 100003 + i, f"f{i}") for i in range(count))


def make_args(seed: int, i: int):
    """Fresh arguments for function ``i`` of the module generated from ``seed``."""
    r = random.Random(f"args-{seed}-{i}")
    rng = np.random.default_rng(r.randrange(2 ** 32))
    n = r.choice([0, 1, 4, 9, 9, 16, 33])
    layout = r.choice(["contiguous", "contiguous", "strided", "reversed"])
    x = rng.uniform(-3, 3, 2 * n)
    x = {"contiguous": x[:n], "strided": x[::2], "reversed": x[::-1][:n]}[layout]
    if layout == "contiguous":
        x = x.copy()
    y = rng.uniform(-3, 3, n)
    if r.random() < 0.15:
        y = rng.integers(-3, 4, n)
    elif r.random() < 0.1:
        y = y.astype(np.float32)
    k = r.choice([0, 1, 2, 3, 5])
    mode = r.choice(["a", "b", "sum", "max"])
    table = r.choice([{"scale": 2.0}, {"scale": -0.5, "shift": 1.0, "a": 3.0}])
    items = [] if r.random() < 0.5 else [1.0, "tag"]
    cfg = SimpleNamespace(factor=r.choice([0.5, 2.0, -1.0]), offset=r.choice([0.0, 1.5]))
    return (x, y, k, mode, table, items, io.StringIO(), cfg)


def load_module(source: str, directory, name: str):
    """Write ``source`` to ``directory/name.py`` and import it (inspect.getsource reads the
    real file)."""
    import pathlib
    path = pathlib.Path(directory) / f"{name}.py"
    path.write_text(source)
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module
