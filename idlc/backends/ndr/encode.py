"""Straight-line NDR20 encoding of one value: its in-place part (``scalars``), the referents
its pointers defer (``deferred``), or both at once for a value at the top (``whole``).

The code appends to ``b`` (an ``idlrt.wire.ndr.Buffer``). Fixed-layout fields gather into one
``Struct.pack`` per run; a referent id is ``0x20000`` plus the position of the pointer, taken
from ``o = len(b)`` at the run's start. Values are checked where packing does not check them
(enums through their table, array bounds, [ref] pointers, union discriminants); ``struct``
checks the types and ranges of numbers, and a failure there is explained by the msgpack
encoder of the same values (``_ndr.encode_failed``).
"""

from __future__ import annotations

import re

from ... import ir
from .context import Context, Value
from .emit import REFERENT_BASE, Body, bare
from .model import ARRAY_CODES, EMBEDDED, LAST, SIZES, TOP, Position, pointee

_SIMPLE = re.compile(r"[A-Za-z_][\w.]*(\[\d+\])?$")  # a name, an attribute, a run's item


_Snapshot = tuple[list[str], list[str], int, int, bool, tuple[int, int]]


def not_bool(v: str) -> str:
    """``v``, refused if it is a ``bool`` where an integer is packed (``struct`` would take it
    as 0 or 1). The msgpack check then says which value it was (``_ndr.encode_failed``).
    ``isinstance``, not ``__class__ is``: mypy refuses the latter for a parameter typed as an
    enum."""
    return f"_ndr.no_bool() if isinstance({v}, bool) else {v}"


class Encoder(Body):
    def __init__(self, ctx: Context, align: int = 8, depth: int = 1) -> None:
        super().__init__(ctx.structs, align, depth)
        self.ctx = ctx
        self.args: list[str] = []
        self.uses_o = False

    # -- the run -------------------------------------------------------------------------------

    def runtime_align(self, a: int) -> None:
        self.emit(f"b += _ndr.PAD[-len(b) & {a - 1}]")

    def flush(self) -> None:
        if not self.fmt:
            return
        if not self.items:
            self.emit(
                f"b += _ndr.PAD[{self.size}]" if self.size < 8 else f"b += bytes({self.size})"
            )
        else:
            if self.uses_o:
                self.emit("o = len(b)")
            name = self.structs.name(self.run_format())
            self.emit(f"b += {name}.pack({', '.join(self.args)})")
        self.reset_run()
        self.args = []
        self.uses_o = False

    def snapshot(self) -> _Snapshot:
        """The open run and the alignment, to take up again in each branch that follows."""
        return list(self.fmt), list(self.args), self.size, self.items, self.uses_o, self.state()

    def resume(self, snap: _Snapshot) -> None:
        fmt, args, self.size, self.items, self.uses_o, state = snap
        self.fmt, self.args = list(fmt), list(args)
        self.restore(state)

    def put(self, fmt: str, size: int, arg: str, items: int = 1) -> None:
        self.fmt.append(fmt)
        self.args.append(arg)
        self.size += size
        self.items += items
        self.advance(size)

    def referent_id(self) -> str:
        """The id of a pointer about to join the run: unique within the call, never 0."""
        self.uses_o = True
        return f"o + {REFERENT_BASE + self.size}"

    def check(self, *lines: str) -> None:
        """Checks that write nothing: they may go before the open run is written."""
        self.emit(*lines)

    def write(self, *lines: str) -> None:
        self.flush()
        self.emit(*lines)

    # -- values --------------------------------------------------------------------------------

    def top(self, t: ir.Type, pos: Position) -> tuple[ir.Type, ir.Type | ir.Decl]:
        return self.ctx.model.top(t, pos)

    def whole(self, t: ir.Type, v: str, val: Value) -> None:
        """A value at the top: a conformant structure's conformance, then the value, then the
        referents of the pointers it embeds."""
        t, _r = self.top(t, TOP)
        lay = self.ctx.model.of(t, TOP)
        if lay.kind == "struct" and lay.conformant:
            self.align(4)
            self.put("L", 4, f"{self.ctx.fn('conf', t)}({v})")
        self.scalars(t, v, TOP, val)
        if lay.deferred:
            self.deferred(t, v, TOP, val)

    def scalars(self, t: ir.Type, v: str, pos: Position, val: Value) -> None:
        ctx = self.ctx
        t, r = self.top(t, pos)
        lay = ctx.model.of(t, pos)
        kind = lay.kind
        if kind == "prim":
            self.align(lay.align)
            arg = v
            if isinstance(r, ir.Enum_):
                arg = f"{ctx.enum_table(t)}[{not_bool(v)}]"
            elif isinstance(r, ir.IntType):
                arg = not_bool(v)
            elif isinstance(r, ir.CharType):
                arg = f"ord({v})"
            self.put(lay.fmt.replace("?", "B"), lay.align, arg)
        elif kind == "ctx":
            assert isinstance(r, ir.ContextHandleType)
            path = val.path.src
            if ctx.side == "server":
                wire = f'_codec.ctx_to_client({v}, {path}, "{r.name}")'
            else:
                wire = f"_codec.ctx_to_server({v}, {path}, {ctx.nullable})"
            self.write(f"_ndr.put_ctx(b, {wire})")
            self.forget(4)
        elif kind in ("fstring", "string"):
            assert isinstance(r, ir.StringType)
            w = "w" if r.wide else ""
            if kind == "fstring":
                self.write(f"_ndr.put_v{w}str(b, {v}, {r.max_length})")
            elif pos == LAST:
                self.write(f"_ndr.put_v{w}str(b, {v}, None)")
            else:
                self.write(f"_ndr.put_{w}str(b, {v})")
            self.forget(2 if r.wide else 1)
        elif kind == "array":
            assert isinstance(r, ir.ArrayType)
            self.array(r, v, pos, val)
        elif kind == "pointer":
            self.pointer(t, r, v, pos, val)
        elif kind == "struct" and lay.conformant and pos == EMBEDDED:
            self.write(ctx.problem("a conformant structure that is not last"))
        elif kind == "struct":
            if ctx.is_flat(t):
                assert isinstance(r, ir.Struct)
                self.align(lay.align)
                for f in r.fields:
                    self.scalars(f.type, f"{v}.{ir.py_name(f.name)}", EMBEDDED, val)
                return
            self.align(lay.align)
            start = self.state()
            self.write(f"{ctx.fn('put', t)}(b, {v})")
            self.restore(start)
            if lay.size is None:
                self.forget()
            else:
                self.advance(lay.size)
        elif kind == "union":
            if val.switch is None:
                self.write(ctx.problem("a union without a [switch_is] in scope"))
                return
            switch = val.switch
            if not _SIMPLE.match(switch):  # a computed discriminant: once, on its own line
                switch = self.fresh("s")
                self.check(f"{switch} = {bare(val.switch)}")
            self.align(lay.align)
            self.write(f"{ctx.fn('put', t)}(b, {v}, {switch})")
            self.forget()
        elif kind == "eunion":
            self.align(lay.align)
            self.write(f"{ctx.fn('put', t)}(b, {v})")
            self.forget()
        else:
            self.write(ctx.problem(lay.problem or "this type"))

    def deferred(self, t: ir.Type, v: str, pos: Position, val: Value) -> None:
        """The referents of the pointers in ``v``, in order (C706 14.3.12.3)."""
        ctx = self.ctx
        t, r = self.top(t, pos)
        lay = ctx.model.of(t, pos)
        if not lay.deferred:
            return
        if lay.kind == "pointer":
            if pos != TOP:  # at the top, the referent followed the pointer at once
                self.referent(t, r, v, val)
        elif lay.kind == "array":
            assert isinstance(r, ir.ArrayType)
            e = self.fresh("e")
            self.open(f"for {e} in {v}:")
            self.forget()
            self.deferred(r.element, e, EMBEDDED, val)
            self.close()
            self.forget()
        elif lay.kind == "struct":
            self.write(f"{ctx.fn('putd', t)}(b, {v})")
            self.forget()
        elif lay.kind == "union":
            if val.switch is not None:
                switch = val.switch
                if not _SIMPLE.match(switch):
                    switch = self.fresh("s")
                    self.write(f"{switch} = {bare(val.switch)}")
                self.write(f"{ctx.fn('putd', t)}(b, {v}, {switch})")
                self.forget()
        elif lay.kind == "eunion":
            self.write(f"{ctx.fn('putd', t)}(b, {v})")
            self.forget()

    # -- pointers ------------------------------------------------------------------------------

    def pointer(self, t: ir.Type, r: ir.Type | ir.Decl, v: str, pos: Position, val: Value) -> None:
        target, kind = pointee(t, r)
        self.align(4)
        rid = self.referent_id()
        if kind == "ref":
            if not self.ctx.m.is_nullable(target):
                self.check(f"if {v} is None:", f"    raise _ndr.null_ref({val.path.src})")
            self.put("L", 4, rid)
        elif kind == "ptr":
            self.put("L", 4, f"_ndr.full_id(b, {v}, {rid})")
        else:
            self.put("L", 4, f"{rid} if {v} is not None else 0")
        if pos == TOP:  # the referent of a top-level pointer follows it at once
            self.referent(t, r, v, val)

    def referent(self, t: ir.Type, r: ir.Type | ir.Decl, v: str, val: Value) -> None:
        target, kind = pointee(t, r)
        if kind == "ref":
            self.flush()
            self.forget()
            self.whole(target, v, val)
            self.flush()
            self.forget()
            return
        if kind == "ptr":
            self.open(f"if {v} is not None and _ndr.full_first(b, {v}):")
        else:
            self.open(f"if {v} is not None:")
        self.forget()
        self.whole(target, v, val)
        self.close()
        self.forget()

    # -- arrays --------------------------------------------------------------------------------

    def array(self, a: ir.ArrayType, v: str, pos: Position, val: Value) -> None:
        ctx = self.ctx
        conformant = a.size_is is not None and a.fixed_size is None
        varying = a.length_is is not None or a.first_is is not None
        maximum: str | None = str(a.fixed_size) if a.fixed_size is not None else None
        if a.fixed_size is None and a.size_is is None:
            self.write(ctx.problem("an array without [size_is] or a size"))
            return
        if conformant and pos == TOP:
            self.align(4)
            if varying:
                maximum = ctx.expr(a.size_is, val.scope)
                if maximum is None:
                    self.write(ctx.problem("a [size_is] that is not in scope"))
                    return
                self.put("L", 4, maximum)
            else:
                self.put("L", 4, f"len({v})")
        elif conformant:  # in place at the end of a structure: its conformance went first
            maximum = ctx.expr(a.size_is, val.scope)
        if varying:
            first = "0"
            if a.first_is is not None:
                found = ctx.expr(a.first_is, val.scope)
                if found is None:
                    self.write(ctx.problem("a [first_is] that is not in scope"))
                    return
                first = found
            if maximum is not None:
                self.check(
                    f"if {first} + len({v}) > {maximum}:",
                    f'    raise _ndr.bound_error(f"{val.path.body}: {{len({v})}} items from '
                    f'{{{first}}} exceed {{{maximum}}}")',
                )
            self.align(4)
            self.put("LL", 8, f"{first}, len({v})", items=2)
            self.elements(a.element, v, None, val)
            return
        if a.fixed_size is not None:
            n = a.fixed_size
            if not ctx.flat_array(a):
                self.check(
                    f"if len({v}) != {n}:",
                    f'    raise _ndr.bound_error(f"{val.path.body}: {{len({v})}} items, not {n}")',
                )
            self.elements(a.element, v, n, val)
            return
        self.elements(a.element, v, None, val)

    def elements(self, elem: ir.Type, v: str, n: int | None, val: Value) -> None:
        """The items of an array (its count already checked or written)."""
        ctx = self.ctx
        elay = ctx.model.of(elem, EMBEDDED)
        if elay.kind == "prim":
            if ctx.m.is_byte(elem):
                if n is not None and n <= 64:
                    self.check(
                        f"if len({v}) != {n}:",
                        f'    raise _ndr.bound_error(f"{val.path.body}: '
                        f'{{len({v})}} octets, not {n}")',
                    )
                    self.put(f"{n}s", n, v)
                    return
                self.write(f"b += {v}")
                self.forget()
                return
            fmt = elay.fmt
            conv = None
            r = ctx.model.target(elem)
            if isinstance(r, ir.Enum_):
                conv = f"{ctx.enum_table(elem)}[{not_bool('x')}]"
            elif isinstance(r, ir.CharType):
                conv = "ord(x)"
            self.align(elay.align)
            if n is not None and n <= 16 and conv is None:
                items = f"*{v}" if fmt in "?fd" else f"*_ndr.no_bools({v})"
                self.put(f"{n}{fmt.replace('?', 'B')}", n * SIZES[fmt], items, items=n)
                return
            code = "?" if fmt == "?" else ARRAY_CODES.get(fmt, "B")
            values = v
            if conv is not None:
                self.flush()
                values = self.fresh("c")
                self.comprehension(values, conv, f"for x in {v}")
            self.write(f'_ndr.put_array(b, "{code}", {values})')
            self.forget(elay.align)
            return
        if ctx.is_flat(elem) and elay.size is not None and elay.size % elay.align == 0:
            self.align(elay.align)
            self.flush()
            sub = Encoder(ctx, elay.align)
            sub.scalars(elem, "x", EMBEDDED, val)
            assert sub.items and not sub.uses_o
            name = self.structs.name(sub.run_format())
            parts = self.fresh("c")
            self.comprehension(parts, f"{name}.pack({', '.join(sub.args)})", f"for x in {v}")
            self.emit(f'b += b"".join({parts})')
            self.forget(elay.align)
            return
        e = self.fresh("e")
        steady = elay.size is not None and elay.size % elay.align == 0
        self.align(elay.align if steady else 1)
        self.open(f"for {e} in {v}:")
        if steady:
            self.mod, self.off = elay.align, 0
        else:
            self.forget()
        self.scalars(elem, e, EMBEDDED, val)
        self.close()
        self.forget(elay.align if steady else 1)
