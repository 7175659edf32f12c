"""Views of procedures and structs kept across the modules generated in one process.

A corpus run generates the same procedures and structs again and again in different modules
(a file compiled by several recipes, each lowering it afresh): over the visible corpus half of
the 4 245 procedure views and of the 3 235 struct codecs are repeats, in equal IR but not the
same objects. Their views are a pure function of the IR node and of what the Marshaller reads
of the rest of the program and of the module being generated for the node's types. That is
little, because a value's code names a struct or union by its codec and never looks at its
fields (the codec does): ``dependencies`` lists it, and the key holds both.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TypeVar

from ... import ir
from .typeinfo import TypeInfo

_V = TypeVar("_V")

# Keys hold their IR by value (compared and hashed as the IR defines equality), so an entry
# stays right however many programs come and go; the bound only limits memory.
_CACHE: dict[tuple[object, ...], object] = {}
_CACHE_SIZE = 20_000


def cached(key: tuple[object, ...], make: Callable[[], _V]) -> _V:
    """``make()``, or what it returned for an equal ``key`` before."""
    hit = _CACHE.get(key)
    if hit is None:
        hit = make()
        if len(_CACHE) >= _CACHE_SIZE:
            _CACHE.clear()
        _CACHE[key] = hit
    return hit  # type: ignore[return-value]


def dependencies(m: TypeInfo, types: Iterable[ir.Type]) -> tuple[object, ...]:
    """What the code for values of ``types`` reads beside the types themselves: for each name,
    how the module being generated spells it ("" in its own module, else the module's alias)
    and its declaration, looked through typedefs, as far as the Marshaller looks at one (a
    struct's or enum's kind, a union's kind and whether it is encapsulated). Type by type,
    each found once per Marshaller: parameters of the same types recur."""
    memo = m.dependency_memo
    out: list[object] = []
    for t in types:
        found = memo.get(t)
        if found is None:
            found = memo[t] = _dependencies(m, t)
        out.append(found)
    return tuple(out)


def _dependencies(m: TypeInfo, t: ir.Type) -> tuple[object, ...]:
    found: list[object] = []
    seen: set[ir.TypeRef] = set()
    stack = [t]
    while stack:
        t = stack.pop()
        if isinstance(t, ir.TypeRef):
            if t in seen:
                continue
            seen.add(t)
            where = "" if t.module == m.module else m.module_aliases.get(t.module)
            decl = m.find_decl(t)
            if isinstance(decl, ir.Typedef):
                found.append((t, where, decl.type))
                stack.append(decl.type)
            elif isinstance(decl, ir.Union):
                found.append((t, where, ir.Union, decl.switch_name is None))
            else:
                found.append((t, where, type(decl)))
        elif isinstance(t, ir.PointerType):
            stack.append(t.target)
        elif isinstance(t, ir.ArrayType | ir.PipeType):
            stack.append(t.element)
    return tuple(found)
