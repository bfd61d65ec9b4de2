"""``return`` from inside a loop, rewritten so that the loop compiles.

Compiled loops have one exit, so a function that returns from inside a loop is rewritten
(on the parsed tree, before lowering) into the form with a flag and a result variable::

    def find_first(x, t):                    def find_first(x, t):
        for i in range(x.shape[0]):              __npa_done = False
            if x[i] > t:                         for i in range(x.shape[0]):
                return i              ->             if x[i] > t:
        return -1                                        __npa_ret = i
                                                         __npa_done = True
                                                         break
                                                 if not __npa_done:
                                                     __npa_ret = -1
                                                 return __npa_ret

An inner loop that returns is followed by ``if __npa_done: break`` in each loop around it.
What follows the loop at the top level runs only ``if not __npa_done``; a return there sets
the result. Python's semantics are kept exactly: the same statements run, in the same
order, and the function returns the same object. Where the two results have different
Python types, the lowering finds the join unsupported and that part runs in Python.

Only returns inside ``for``/``while`` bodies are rewritten (a return in a top-level branch
of the decorated function is handled by the per-statement fallback; in an inlined helper,
whose branches run at run time when it is called inside a loop, ``branch_exit`` rewrites
returns under ifs into one result each path assigns); loops with ``else`` clauses, returns inside
``try``/``with``, and nested functions are left alone. ``__npa_ret`` is only read where
``__npa_done`` is true, so a loop that may not assign it needs no guard (loops.py).
"""
from __future__ import annotations

import copy

import gast

RESULT, DONE = "__npa_ret", "__npa_done"
_LOOPS = (gast.For, gast.While)


def _walk_code(node):
    """Nodes of ``node`` not inside a nested function, lambda or class."""
    stack = [node]
    while stack:
        n = stack.pop()
        yield n
        for child in gast.iter_child_nodes(n):
            if not isinstance(child, (gast.FunctionDef, gast.AsyncFunctionDef, gast.Lambda, gast.ClassDef)):
                stack.append(child)


def _has_return(stmts) -> bool:
    return any(isinstance(n, gast.Return) for s in stmts for n in _walk_code(s))


def _returns_in_loop(stmt) -> bool:
    return any(isinstance(n, _LOOPS) and _has_return(n.body) for n in _walk_code(stmt))


def _convertible(stmt) -> bool:
    """Every return inside a loop of ``stmt`` is reachable by the rewrite: loops without
    ``else``, returns only under loops and ifs."""
    for n in _walk_code(stmt):
        if isinstance(n, _LOOPS) and _has_return(n.body) and n.orelse:
            return False
        if isinstance(n, (gast.Try, gast.With)) and _has_return([n]):
            return False
    return True


def _after(loop):
    """A location just after ``loop``'s last line: what follows the loop must read as code
    outside it (control.read_outside goes by lines)."""
    line = (getattr(loop, "end_lineno", None) or loop.lineno) + 1
    return gast.Pass(lineno=line, col_offset=0, end_lineno=line, end_col_offset=0)


def _name(id_, ctx, at):
    return gast.copy_location(gast.Name(id=id_, ctx=ctx, annotation=None, type_comment=None), at)


def _assign(id_, value, at):
    return gast.copy_location(gast.Assign(targets=[_name(id_, gast.Store(), at)], value=value,
                                          type_comment=None), at)


def _const(value, at):
    return gast.copy_location(gast.Constant(value=value, kind=None), at)


def _if(test, body, at):
    return gast.copy_location(gast.If(test=test, body=body, orelse=[]), at)


def _result_of(ret):
    return ret.value if ret.value is not None else _const(None, ret)


def _in_loop(stmts):
    """A loop body with each return turned into result, flag and break."""
    out = []
    for s in stmts:
        if isinstance(s, gast.Return):
            return out + [_assign(RESULT, _result_of(s), s), _assign(DONE, _const(True, s), s),
                          gast.copy_location(gast.Break(), s)]
        if isinstance(s, gast.If) and _has_return([s]):
            s.body, s.orelse = _in_loop(s.body), _in_loop(s.orelse)
        elif isinstance(s, _LOOPS) and _has_return(s.body):
            s.body = _in_loop(s.body)
            out.append(s)
            at = _after(s)
            out.append(_if(_name(DONE, gast.Load(), at), [gast.copy_location(gast.Break(), at)], at))
            continue
        out.append(s)
    return out


def _after_loop(stmts, at):
    """The statements after a loop that may return: the result of a return, later loops
    rewritten the same way, None if the end is reached."""
    out = []
    for i, s in enumerate(stmts):
        if isinstance(s, gast.Return):
            return out + [_assign(RESULT, _result_of(s), s)]
        if isinstance(s, _LOOPS) and _has_return(s.body):
            s.body = _in_loop(s.body)
            at = _after(s)
            rest = _after_loop(stmts[i + 1:], at)
            return out + [s, _if(gast.copy_location(gast.UnaryOp(op=gast.Not(), operand=_name(DONE, gast.Load(), at)), at),
                                 rest, at)]
        out.append(s)
    return out + [_assign(RESULT, _const(None, at), at)]


def single_exit(fdef):
    """``fdef`` (a gast.FunctionDef) with returns from inside loops rewritten; the tree
    itself if it has none (or cannot be rewritten). Never changes its input.

    >>> import gast
    >>> src = "def f(x):\\n    for i in range(3):\\n        if x[i]:\\n            return i\\n    return -1\\n"
    >>> print(gast.unparse(single_exit(gast.parse(src).body[0])).strip())
    def f(x):
        __npa_done = False
        for i in range(3):
            if x[i]:
                __npa_ret = i
                __npa_done = True
                break
        if not __npa_done:
            __npa_ret = -1
        return __npa_ret
    >>> plain = gast.parse("def g(x):\\n    return x\\n").body[0]
    >>> single_exit(plain) is plain
    True
    """
    if not any(_returns_in_loop(s) for s in fdef.body) or not all(_convertible(s) for s in fdef.body):
        return fdef
    new = copy.deepcopy(fdef)
    body = []
    for i, s in enumerate(new.body):
        if isinstance(s, _LOOPS) and _has_return(s.body):
            s.body = _in_loop(s.body)
            at = _after(s)
            rest = _after_loop(new.body[i + 1:], at)
            not_done = gast.copy_location(gast.UnaryOp(op=gast.Not(), operand=_name(DONE, gast.Load(), at)), at)
            body += [_assign(DONE, _const(False, s), s), s, _if(not_done, rest, at),
                     gast.copy_location(gast.Return(value=_name(RESULT, gast.Load(), at)), at)]
            new.body = body
            return new
        if _returns_in_loop(s):          # a loop that returns, under an if or a with: left alone
            return fdef
        body.append(s)
    return fdef


def _ends(stmts) -> bool:
    """Does every path through ``stmts`` return?"""
    return any(isinstance(s, gast.Return) or (isinstance(s, gast.If) and _ends(s.body) and _ends(s.orelse))
               for s in stmts)


def _tree(stmts, at):
    """``stmts`` with every return under ifs an assignment of the result and what follows
    an if that returns moved into its branches that may fall through (into both when
    both may): each path assigns the result once (None where it falls off the end)."""
    out = []
    for i, s in enumerate(stmts):
        if isinstance(s, gast.Return):
            return out + [_assign(RESULT, _result_of(s), s)]
        if isinstance(s, gast.If) and _has_return([s]):
            rest = stmts[i + 1:]
            if _ends(s.body):
                s.body, s.orelse = _tree(s.body, s), _tree(s.orelse + rest, s)
            elif _ends(s.orelse):
                s.body, s.orelse = _tree(s.body + rest, s), _tree(s.orelse, s)
            else:       # both may fall through: what follows runs after either
                s.body, s.orelse = _tree(s.body + rest, s), _tree(s.orelse + copy.deepcopy(rest), s)
            return out + [s]
        out.append(s)
    end = out[-1] if out else at
    return out + [_assign(RESULT, _const(None, end), end)]


def _recursive(fdef) -> bool:
    """Does ``fdef`` call itself by name? (Its base case under a run-time branch would inline
    both branches at every level: such a helper keeps its returns, and runs in Python.)"""
    return any(isinstance(n, gast.Call) and isinstance(n.func, gast.Name) and n.func.id == fdef.name
               for s in fdef.body for n in _walk_code(s))


def branch_exit(fdef):
    """``fdef`` with returns under its ifs rewritten so that the function ends in one
    return, of a result each path assigns once: for a helper inlined where its branches run
    at run time (a call inside a compiled loop). What follows an if whose branch returns
    moves into its other branch. The tree itself if no if returns, a loop does
    (single_exit's), a return is under ``try``/``with``, or the helper calls itself.

    >>> import gast
    >>> src = "def clamp(v, lo):\\n    if v < lo:\\n        return lo\\n    return v\\n"
    >>> print(gast.unparse(branch_exit(gast.parse(src).body[0])).strip())
    def clamp(v, lo):
        if v < lo:
            __npa_ret = lo
        else:
            __npa_ret = v
        return __npa_ret
    """
    if any(_returns_in_loop(s) for s in fdef.body) or not all(_convertible(s) for s in fdef.body) or \
            not any(isinstance(s, gast.If) and _has_return([s]) for s in fdef.body) or _recursive(fdef):
        return fdef
    new = copy.deepcopy(fdef)
    body = _tree(new.body, new.body[0])
    at = _after(new.body[-1])
    new.body = body + [gast.copy_location(gast.Return(value=_name(RESULT, gast.Load(), at)), at)]
    size = lambda f: sum(1 for s in f.body for _ in _walk_code(s))      # noqa: E731
    return new if size(new) <= 4 * size(fdef) + 64 else fdef      # (code copied into both branches)
