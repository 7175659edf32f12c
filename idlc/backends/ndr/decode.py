"""Straight-line NDR20 decoding of one value: its in-place part (``scalars``, which returns a
Python expression for it), the referents its pointers defer (``deferred``, which replaces the
placeholders the in-place part left), or both for a value at the top (``whole``).

The code reads through ``r`` (an ``idlrt.wire.ndr.Reader``); a run of fixed-layout fields is
one ``Struct.unpack_from`` into a tuple whose items the expressions name, so an expression is
pure and may be used any time after its run is read (runs are read before anything else is).
A pointer's placeholder until its referent is read is its referent id (None when null); a
union with deferred parts is ``(discriminant, value)`` until then. Counts are checked against
the data that remains before anything is built from them (``Reader.count``, ``varying``,
``take``).
"""

from __future__ import annotations

import re

from ... import ir
from .context import Context, Value
from .emit import Body, bare
from .model import ARRAY_CODES, EMBEDDED, LAST, SIZES, TOP, Position, pointee

_SIMPLE = re.compile(r"[A-Za-z_][\w.]*(\[\d+\])?$")  # a name, an attribute, a run's item


class Decoder(Body):
    def __init__(self, ctx: Context, align: int = 8, depth: int = 1) -> None:
        super().__init__(ctx.structs, align, depth)
        self.ctx = ctx
        self.tuple: str | None = None
        self.uses_buf = False
        self.base = depth
        # An enum's expression -> the number it looks up: what sizes and discriminants read
        # (they compare and compute alike, and stay short).
        self.raw: dict[str, str] = {}

    # -- the run -------------------------------------------------------------------------------

    def runtime_align(self, a: int) -> None:
        self.emit(f"r.pos = (r.pos + {a - 1}) & ~{a - 1}")

    def flush(self) -> None:
        if not self.fmt:
            return
        if not self.items:
            self.emit(f"r.pos += {self.size}")
        else:
            self.uses_buf = True
            name = self.structs.name(self.run_format())
            self.emit(f"{self.tuple} = {name}.unpack_from(buf, r.pos)", f"r.pos += {self.size}")
        self.reset_run()
        self.tuple = None

    def take(self, fmt: str, size: int, items: int = 1) -> tuple[str, int]:
        """Add to the run; the tuple's name and the index of the first item."""
        if self.tuple is None:
            self.tuple = self.fresh("t")
        i = self.items
        self.fmt.append(fmt)
        self.size += size
        self.items += items
        self.advance(size)
        return self.tuple, i

    def text(self) -> list[str]:
        self.flush()
        if self.uses_buf:
            return ["    " * self.base + "buf = r.buf", *self.lines]
        return self.lines

    def bind(self, expr: str, stem: str = "x") -> str:
        """``expr`` in a local of its own (to be replaced, or read once)."""
        if expr.isidentifier():
            return expr
        x = self.fresh(stem)
        self.write(f"{x} = {bare(expr)}")
        return x

    def write(self, *lines: str) -> None:
        self.flush()
        self.emit(*lines)

    # -- values --------------------------------------------------------------------------------

    def top(self, t: ir.Type, pos: Position) -> tuple[ir.Type, ir.Type | ir.Decl]:
        return self.ctx.model.top(t, pos)

    def whole(self, t: ir.Type, val: Value) -> str:
        """A value at the top, its deferred referents included: an expression."""
        t, _ = self.top(t, TOP)
        lay = self.ctx.model.of(t, TOP)
        if lay.kind == "struct" and lay.conformant:
            self.align(4)
            tup, i = self.take("L", 4)
            val = Value(val.scope, val.path, val.switch, f"{tup}[{i}]")
        x = self.scalars(t, TOP, val)
        if lay.deferred:
            x = self.bind(x)
            self.deferred(t, x, TOP, val)
        return x

    def scalars(self, t: ir.Type, pos: Position, val: Value) -> str:
        ctx = self.ctx
        t, r = self.top(t, pos)
        lay = ctx.model.of(t, pos)
        kind = lay.kind
        if kind == "prim":
            self.align(lay.align)
            tup, i = self.take(lay.fmt, lay.align)
            conv = ctx.conversion(t)
            raw = f"{tup}[{i}]"
            if conv is None:
                return raw
            self.raw[conv.format(raw)] = raw
            return conv.format(raw)
        if kind == "ctx":
            assert isinstance(r, ir.ContextHandleType)
            path = val.path.src
            if ctx.side == "server":
                call = (
                    f'_codec.ctx_from_client(_ndr.get_ctx(r), {path}, "{r.name}", {ctx.nullable})'
                )
            else:
                call = f"_codec.ctx_from_server(_ndr.get_ctx(r), {path})"
            x = self.fresh("x")
            self.write(f"{x} = {call}")
            self.forget(4)
            return x
        if kind in ("fstring", "string"):
            assert isinstance(r, ir.StringType)
            w = "w" if r.wide else ""
            x = self.fresh("x")
            if kind == "fstring":
                self.write(f"{x} = _ndr.get_v{w}str(r, {r.max_length})")
            elif pos == LAST:
                self.write(f"{x} = _ndr.get_v{w}str(r, {val.conformance})")
            else:
                self.write(f"{x} = _ndr.get_{w}str(r)")
            self.forget(2 if r.wide else 1)
            return x
        if kind == "array":
            assert isinstance(r, ir.ArrayType)
            return self.array(r, pos, val)
        if kind == "pointer":
            return self.pointer(t, r, pos, val)
        if kind == "struct" and lay.conformant and pos == EMBEDDED:
            self.write(ctx.problem("a conformant structure that is not last"))
            return "_ndr.NULL"  # never reached: the problem raises first
        if kind == "struct":
            assert isinstance(r, ir.Struct)
            self.align(lay.align)
            if ctx.is_flat(t):
                values = []
                for f in r.fields:
                    x = self.scalars(f.type, EMBEDDED, val)
                    values.append(x)  # positional: the dataclass's fields, in order
                return f"{ctx.m.qualify(ctx.ref(t))}({', '.join(values)})"
            start = self.state()
            args = f"r, {val.conformance}" if lay.conformant else "r"
            x = self.fresh("x")
            self.write(f"{x} = {ctx.fn('get', t)}({args})")
            self.restore(start)
            if lay.size is None:
                self.forget()
            else:
                self.advance(lay.size)
            return x
        if kind in ("union", "eunion"):
            self.align(lay.align)
            x = self.fresh("x")
            given = val.switch
            if given is not None and not _SIMPLE.match(given):
                given = self.bind(given, "s")  # a computed discriminant: once, on its own line
            switch = "" if kind == "eunion" else f", {given or 'None'}"
            self.write(f"{x} = {ctx.fn('get', t)}(r{switch})")
            self.forget()
            return x
        self.write(ctx.problem(lay.problem or "this type"))
        return "_ndr.NULL"  # never reached: the problem raises first

    def deferred(self, t: ir.Type, lv: str, pos: Position, val: Value) -> None:
        """Replace the placeholders in ``lv`` (an assignable expression) by the referents."""
        ctx = self.ctx
        t, r = self.top(t, pos)
        lay = ctx.model.of(t, pos)
        if not lay.deferred:
            return
        if lay.kind == "pointer":
            if pos != TOP:
                self.referent(t, r, lv, val)
        elif lay.kind == "array":
            assert isinstance(r, ir.ArrayType)
            elay = ctx.model.of(r.element, EMBEDDED)
            if elay.kind in ("struct", "eunion"):  # changed in place
                e = self.fresh("e")
                self.open(f"for {e} in {lv}:")
                self.forget()
                self.deferred(r.element, e, EMBEDDED, val)
            else:
                items, i = self.bind(lv, "a"), self.fresh("i")
                self.open(f"for {i} in range(len({items})):")
                self.forget()
                self.deferred(r.element, f"{items}[{i}]", EMBEDDED, val)
            self.close()
            self.forget()
        elif lay.kind in ("struct", "eunion"):
            self.write(f"{ctx.fn('getd', t)}(r, {lv})")
            self.forget()
        elif lay.kind == "union":
            self.write(f"{lv} = {ctx.fn('getd', t)}(r, {lv})")
            self.forget()

    # -- pointers ------------------------------------------------------------------------------

    def pointer(self, t: ir.Type, r: ir.Type | ir.Decl, pos: Position, val: Value) -> str:
        _, kind = pointee(t, r)
        self.align(4)
        tup, i = self.take("L", 4)
        if kind == "ref":
            return f"{tup}[{i}]"  # 0 (null) is refused when its referent is read
        if pos != TOP:
            return f"{tup}[{i}] or _ndr.NULL"
        x = self.fresh("p")
        self.write(f"{x}: Any = {tup}[{i}] or None")
        self.ctx.used_any = True
        self.referent(t, r, x, val)
        return x

    def referent(self, t: ir.Type, r: ir.Type | ir.Decl, lv: str, val: Value) -> None:
        """The referent of the pointer whose placeholder is in ``lv``."""
        target, kind = pointee(t, r)
        if kind == "ref":
            self.write(f"if not {lv}:", f"    raise _ndr.null_ref({val.path.src})")
            self.forget()
            x = self.whole(target, val)
            self.write(f"{lv} = {x}")
            self.forget()
            return
        if kind == "ptr":
            self.open(f"if {lv} is not None:")
            self.forget()
            self.full(target, lv, val)
            self.close()
            self.forget()
            return
        self.open(f"if {lv} is not None:")
        self.forget()
        x = self.whole(target, val)
        self.write(f"{lv} = {x}")
        self.close()
        self.forget()

    def full(self, target: ir.Type, lv: str, val: Value) -> None:
        """A full pointer's referent: read at the first occurrence of its id, the same object
        at the others (a structure is known before its own referents are read, for cycles)."""
        rid = self.fresh("k")
        self.write(f"{rid} = {lv}", f"{lv} = _ndr.full_get(r, {rid})")
        self.open(f"if {lv} is _ndr.MISSING:")
        self.forget()
        t, _ = self.top(target, TOP)
        lay = self.ctx.model.of(t, TOP)
        if lay.kind in ("struct", "eunion") and lay.deferred:
            x = self.bind(self.scalars(t, TOP, val))
            self.write(f"_ndr.full_put(r, {rid}, {x})")
            self.deferred(t, x, TOP, val)
        else:
            x = self.bind(self.whole(target, val))
            self.write(f"_ndr.full_put(r, {rid}, {x})")
        self.write(f"{lv} = {x}")
        self.close()

    # -- arrays --------------------------------------------------------------------------------

    def array(self, a: ir.ArrayType, pos: Position, val: Value) -> str:
        ctx = self.ctx
        conformant = a.size_is is not None and a.fixed_size is None
        varying = a.length_is is not None or a.first_is is not None
        elay = ctx.model.of(a.element, EMBEDDED)
        least = elay.size or 1
        path = val.path.body
        count: str
        if a.fixed_size is None and a.size_is is None:
            self.write(ctx.problem("an array without [size_is] or a size"))
            return "_ndr.NULL"  # never reached: the problem raises first
        if conformant and pos == TOP:
            self.flush()
            self.forget(4)
            if varying:
                maximum = self.fresh("m")
                self.write(f"{maximum} = r.u32()")
                self.agree(maximum, a.size_is, val, "size_is")
            else:
                count = self.fresh("n")
                self.write(f"{count} = r.count({least})")
                self.agree(count, a.size_is, val, "size_is")
        elif conformant:
            maximum = str(val.conformance)
            if not varying:
                count = maximum
                self.write(f"r.fits({count}, {least})")
        elif varying:
            maximum = str(a.fixed_size)
        if varying:
            first, count = self.fresh("f"), self.fresh("n")
            self.write(f"{first}, {count} = r.varying({maximum}, {least})")
            self.forget(4)
            expected = ctx.expr(a.first_is, val.scope) if a.first_is is not None else "0"
            if expected is not None:
                message = f"{path}: offset {{{first}}}, not {{{expected}}}"
                self.write(
                    f"if {first} != {expected}:", f'    raise _ndr.bound_error(f"{message}")'
                )
            self.agree(count, a.length_is, val, "length_is")
            return self.elements(a.element, count, None, val)
        if a.fixed_size is not None:
            return self.elements(a.element, str(a.fixed_size), a.fixed_size, val)
        return self.elements(a.element, count, None, val)

    def agree(self, count: str, e: ir.Expr | None, val: Value, attribute: str) -> None:
        """1734 unless the count read agrees with the ``attribute`` governing it, where that is
        known already."""
        expected = self.ctx.expr(e, val.scope)
        if expected is None:
            return
        self.write(
            f"if {count} != {expected}:",
            f'    raise _ndr.bound_error(f"{val.path.body}: {{{count}}} items, but '
            f'{attribute} is {{{expected}}}")',
        )

    def elements(self, elem: ir.Type, count: str, n: int | None, val: Value) -> str:
        ctx = self.ctx
        elay = ctx.model.of(elem, EMBEDDED)
        if elay.kind == "prim":
            conv = ctx.conversion(elem)
            fmt = elay.fmt
            if ctx.m.is_byte(elem):
                if n is not None and n <= 64:
                    tup, i = self.take(f"{n}s", n)
                    return f"{tup}[{i}]"
                x = self.fresh("x")
                self.write(f"{x} = r.take({count})")
                self.forget()
                return x
            self.align(elay.align)
            if n is not None and n <= 16:
                tup, i = self.take(f"{n}{fmt}", n * SIZES[fmt], items=n)
                items = f"{tup}[{i}:{i + n}]"
                if conv is None:
                    return f"list({items})"
                self.flush()
                x = self.fresh("x")
                self.comprehension(x, conv.format("x"), f"for x in {items}")
                return x
            x = self.fresh("x")
            code = ARRAY_CODES.get(fmt, "B")
            got = f'_ndr.get_array(r, "{code}", {count})'
            if fmt == "?":
                conv = "({} != 0)"
            self.flush()
            if conv is None:
                self.emit(f"{x} = {got}")
            else:
                self.comprehension(x, conv.format("x"), f"for x in {got}")
            self.forget(elay.align)
            return x
        if ctx.is_flat(elem) and elay.size is not None and elay.size % elay.align == 0:
            self.align(elay.align)
            self.flush()
            sub = Decoder(ctx, elay.align)
            sub.tuple = "y"
            value = sub.scalars(elem, EMBEDDED, val)
            name = self.structs.name(sub.run_format())
            x = self.fresh("x")
            self.flush()
            clause = f"for y in {name}.iter_unpack(r.take({count} * {elay.size}))"
            self.comprehension(x, value, clause)
            self.forget(elay.align)
            return x
        steady = elay.size is not None and elay.size % elay.align == 0
        self.align(elay.align if steady else 1)
        x = self.fresh("a")
        self.write(f"{x}: list[Any] = []")
        self.ctx.used_any = True
        self.open(f"for _ in range({count}):")
        if steady:
            self.mod, self.off = elay.align, 0
        else:
            self.forget()
        value = self.scalars(elem, EMBEDDED, val)
        self.write(f"{x}.append({value})")
        self.close()
        self.forget(elay.align if steady else 1)
        return x
