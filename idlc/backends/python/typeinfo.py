"""The IR's types as the Python backend sees them from one generated module.

``TypeInfo`` answers what the code generators ask of a type: the declaration a name refers to,
where a typedef chain ends, whether a value may be None or is a context handle or bytes, the
Python annotation of a value and how this module spells another module's names. It writes no
code: ``conversions.Marshaller`` builds on it to write the checks and conversions.
"""

from __future__ import annotations

from ... import ir

BYTE_NAMES = frozenset({"byte", "unsigned char"})  # with char: their arrays are bytes
_MAX_TYPEDEF_CHAIN = 100  # typedefs followed before a chain is taken for a cycle


def is_encapsulated(decl: ir.Decl) -> bool:
    """An encapsulated union carries its discriminant: it is a class, like a struct."""
    return isinstance(decl, ir.Union) and decl.switch_name is not None


class TypeInfo:
    """The types of one program, seen from one module; answers are kept once found."""

    __slots__ = (
        "_annotations",
        "_annotations_by_value",
        "_decls",
        "_resolved",
        "_untypedefed",
        "dependency_memo",
        "module",
        "module_aliases",
        "program",
    )

    def __init__(self, program: ir.Program, module: str) -> None:
        self.program = program
        self.module = module  # the module being generated: references into others are qualified
        self.module_aliases: dict[str, str] = {}  # module name -> local alias
        self._decls: dict[tuple[str, str], ir.Decl] = {}
        self._resolved: dict[tuple[str, str], ir.Type | ir.Decl] = {}  # by (module, name)
        self._untypedefed: dict[tuple[str, str], ir.Type] = {}  # by (module, name)
        self._annotations: dict[tuple[int, bool], tuple[ir.Type, str]] = {}
        self._annotations_by_value: dict[tuple[ir.Type, bool], str] = {}
        # memo.dependencies, type by type (they depend on the module aliases, too)
        self.dependency_memo: dict[ir.Type, tuple[object, ...]] = {}

    # -- names -------------------------------------------------------------------------------

    def qualify(self, ref: ir.TypeRef, name: str | None = None) -> str:
        local = ir.py_name(name if name is not None else ref.name)
        if ref.module == self.module:
            return local
        return f"{self.module_aliases[ref.module]}.{local}"

    def codec_name(self, direction: str, ref: ir.TypeRef) -> str:
        """The generated function that encodes or decodes a struct: ``_enc_X`` / ``_dec_X``."""
        return self.qualify(ref, f"_{direction}_{ref.name}")

    def referenced_modules(self, t: ir.Type) -> set[str]:
        """Modules other than this one whose declarations ``t`` names."""
        match t:
            case ir.TypeRef(module=module):
                return set() if module == self.module else {module}
            case (
                ir.PointerType(target=inner)
                | ir.ArrayType(element=inner)
                | ir.PipeType(element=inner)
            ):
                return self.referenced_modules(inner)
        return set()

    # -- declarations and typedef chains -------------------------------------------------------

    def decl(self, ref: ir.TypeRef) -> ir.Decl:
        """The declaration ``ref`` names (indexed once: a program may hold thousands)."""
        if not self._decls:
            for module in self.program.modules:
                for d in module.decls:
                    if not isinstance(d, ir.Const):
                        self._decls.setdefault((module.name, d.name), d)
        return self._decls[(ref.module, ref.name)]

    def find_decl(self, ref: ir.TypeRef) -> ir.Decl | None:
        """The declaration ``ref`` names, or None when there is none."""
        try:
            return self.decl(ref)
        except KeyError:
            return None

    def resolve(self, t: ir.Type) -> ir.Type | ir.Decl:
        """Look through typedef chains to the declaration or type that decides the wire form."""
        if not isinstance(t, ir.TypeRef):
            return t
        # Asked hundreds of thousands of times over a large program, of a few thousand names;
        # keyed by plain strings, which hash in C (a TypeRef hashes in Python).
        key = (t.module, t.name)
        hit = self._resolved.get(key)
        if hit is None:
            hit = self._resolved[key] = self._resolve(t)
        return hit

    def _resolve(self, t: ir.Type) -> ir.Type | ir.Decl:
        if isinstance(t, ir.TypeRef):
            t = self.through_typedefs(t)
        return self.decl(t) if isinstance(t, ir.TypeRef) else t

    def through_typedefs(self, t: ir.TypeRef) -> ir.Type:
        """``t`` looked through typedefs: the reference to a struct, union or enum it comes to,
        or the type a typedef chain ends in (kept by name, as ``resolve`` keeps its answers)."""
        key = (t.module, t.name)
        hit = self._untypedefed.get(key)
        if hit is None:
            hit = t
            for _ in range(_MAX_TYPEDEF_CHAIN + 1):
                if not isinstance(hit, ir.TypeRef):
                    break
                decl = self.decl(hit)
                if not isinstance(decl, ir.Typedef):
                    break
                hit = decl.type
            else:  # a cycle the checks missed: never loop forever
                hit = ir.UnsupportedType(t.name, "typedef cycle")
            self._untypedefed[key] = hit
        return hit

    # -- Python annotations --------------------------------------------------------------------

    def alias_modules(self, aliases: dict[str, str]) -> None:
        """Name the other modules this one refers to (module name -> local alias), before any
        annotation is asked for: annotations are kept once made."""
        self.module_aliases.update(aliases)
        self._annotations.clear()
        self._annotations_by_value.clear()
        self.dependency_memo.clear()

    def py_type(self, t: ir.Type, *, server: bool = False) -> str:
        """The annotation of a value of ``t``; context handles differ on the ``server`` side."""
        # A large program asks again and again for the annotations of a few thousand types:
        # of each type object several times (found by its id, which is quick), and of equal
        # types in different objects (every parameter's type is its own): 15 600 distinct
        # annotations over the corpus, out of 52 600 type objects.
        key = (id(t), server)
        hit = self._annotations.get(key)
        if hit is None or hit[0] is not t:
            by_value = self._annotations_by_value
            text = by_value.get((t, server))
            if text is None:
                text = by_value[(t, server)] = self._py_type(t, server)
            hit = self._annotations[key] = (t, text)
        return hit[1]

    def _py_type(self, t: ir.Type, server: bool) -> str:
        if self.is_context_handle(t):
            return "object" if server else "idlrt.ContextHandle | None"
        match t:
            case ir.IntType():
                return "int"
            case ir.BoolType():
                return "bool"
            case ir.FloatType():
                return "float"
            case ir.CharType() | ir.StringType():
                return "str"
            case ir.VoidType():
                return "None"
            case ir.HandleType():
                return "idlrt.CallContext"
            case ir.TypeRef():
                return self.qualify(t)
            case ir.PointerType(target=ir.VoidType()):
                return "object"  # an untyped pointer: opaque, cannot travel
            case ir.PointerType(target=target, kind=kind):
                inner = self.py_type(target, server=server)
                if kind == "ref" or inner.endswith("| None") or inner == "None":
                    return inner
                return f"{inner} | None"
            case ir.ArrayType(element=element) | ir.PipeType(element=element):
                # a pipe's value is a chunk: a run of its elements
                if self.is_byte(element):
                    return "bytes"
                return f"list[{self.py_type(element, server=server)}]"
            case _:
                return "object"

    # -- predicates ----------------------------------------------------------------------------

    def is_nullable(self, t: ir.Type) -> bool:
        """Whether None is a value of ``t`` itself: a [unique] or [ptr] pointer (the IR never
        adds a level of data for a pointer), or a non-encapsulated union's empty arm."""
        r = self.resolve(t)
        while isinstance(r, ir.PointerType):
            if r.kind != "ref":
                return True
            t, r = r.target, self.resolve(r.target)
        return self.is_open_union(t)

    def is_open_union(self, t: ir.Type) -> bool:
        """A non-encapsulated union: its discriminant lives elsewhere, its value may be None."""
        r = self.resolve(t)
        return isinstance(r, ir.Union) and r.switch_name is None

    def is_context_handle(self, t: ir.Type) -> bool:
        """A ``[context_handle]`` value, possibly behind typedefs and one [ref] pointer level."""
        r = self.resolve(t)
        if isinstance(r, ir.PointerType):
            r = self.resolve(r.target)
        return isinstance(r, ir.ContextHandleType)

    def is_byte(self, t: ir.Type) -> bool:
        """An element type whose arrays (not ``[string]``) are ``bytes`` in Python."""
        r = self.resolve(t)
        if isinstance(r, ir.CharType):
            return not r.wide
        return isinstance(r, ir.IntType) and r.name in BYTE_NAMES
