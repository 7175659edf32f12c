"""What the NDR writers of one module share: the Python backend's view of the types (names,
annotations, checks), the NDR model, the module's Structs, and the problems found.

A problem is a construct this backend cannot marshal. It is found where the code for it would
be written; there the code raises ``RpcError(1764 RPC_S_CANNOT_SUPPORT)`` instead, and the
problem becomes a warning at the source location of the member, arm or parameter.
"""

from __future__ import annotations

from ... import ir
from ..python.conversions import Marshaller, Path, expr_source
from .emit import Structs
from .model import Model


class Value:
    """Where a value stands: the names in scope for ``size_is``/``switch_is`` (IDL name ->
    Python expression), its error path, the discriminant of a union, the conformance hoisted
    to the front of the structure that ends with it."""

    __slots__ = ("conformance", "path", "scope", "switch")

    def __init__(
        self,
        scope: dict[str, str],
        path: Path,
        switch: str | None = None,
        conformance: str | None = None,
    ) -> None:
        self.scope = scope
        self.path = path
        self.switch = switch
        self.conformance = conformance

    def at(self, path: Path, switch: str | None = None) -> Value:
        return Value(self.scope, path, switch, self.conformance)


class Context:
    """One module's NDR generation."""

    def __init__(self, m: Marshaller) -> None:
        self.m = m
        self.model = Model(m)
        self.structs = Structs()
        self.side = "client"  # context handles differ per side
        self.nullable = True  # whether the context handle being written may be null
        self.problems: list[tuple[ir.Span | None, str]] = []
        self.span: ir.Span | None = None  # of the member or parameter being written
        self.where = ""  # its name, for the message
        self.used_any = False  # the code names typing.Any
        module = m.program.module(m.module)
        self.ms_union = any(a.name == "ms_union" for i in module.interfaces for a in i.attributes)

    def problem(self, what: str) -> str:
        """Record that ``what`` cannot be marshalled here; the code that raises 1764."""
        self.problems.append((self.span, f"NDR20: {self.where}: {what} is not supported"))
        return f'raise _ndr.unsupported("{self.where}: {_escape(what)}")'

    def ref(self, t: ir.Type) -> ir.TypeRef:
        """The reference to the struct, union or enum ``t`` names through typedefs."""
        r = self.m.through_typedefs(t) if isinstance(t, ir.TypeRef) else t
        assert isinstance(r, ir.TypeRef)
        return r

    def fn(self, kind: str, t: ir.Type) -> str:
        """A type's generated NDR function: ``_ndr_put_X``, ``_ndr_get_X``, ``_ndr_conf_X``..."""
        ref = self.ref(t)
        return self.m.qualify(ref, f"_ndr_{kind}_{ref.name}")

    def enum_table(self, t: ir.Type) -> str:
        ref = self.ref(t)
        return self.m.qualify(ref, f"_ndr_E_{ref.name}")

    def expr(self, e: ir.Expr | None, scope: dict[str, str]) -> str | None:
        return None if e is None else expr_source(e, scope)

    def is_flat(self, t: ir.Type) -> bool:
        """A structure of fixed layout without pointers or checks: its members can join the
        run of the code that contains it, and its arrays pack with one Struct per element."""
        r = self.model.target(t)
        if not isinstance(r, ir.Struct):
            return False
        lay = self.model.of(t)
        if lay.problem or lay.deferred or lay.size is None or lay.conformant:
            return False
        for f in r.fields:
            if f.range is not None:
                return False
            flay = self.model.of(f.type)
            if flay.kind == "prim":
                continue
            ft = self.model.target(f.type)
            if isinstance(ft, ir.ArrayType) and self.flat_array(ft):
                continue
            if not self.is_flat(f.type):
                return False
        return True

    def flat_array(self, a: ir.ArrayType) -> bool:
        """A small fixed array of base types, packed inside a run."""
        if a.fixed_size is None or a.size_is or a.length_is or a.first_is:
            return False
        elay = self.model.of(a.element)
        if elay.kind != "prim":
            return False
        if self.m.is_byte(a.element):
            return True
        return a.fixed_size <= 16 and self.conversion(a.element) is None

    def conversion(self, t: ir.Type) -> str | None:
        """How a base type's decoded number becomes its Python value (``{}`` is the number):
        None when it is the value."""
        r = self.model.target(t)
        if isinstance(r, ir.Enum_):
            return f"{self.enum_table(t)}[{{}}]"
        if isinstance(r, ir.CharType):
            return "chr({})"
        return None

    def py_type(self, t: ir.Type) -> str:
        return self.m.py_type(t, server=self.side == "server")


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"')
