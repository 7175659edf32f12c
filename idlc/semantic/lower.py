"""AST to IR for one IDL file: resolve names, evaluate constants, shape types, number procedures.

Naming choices (see also typeshapes.py):
- ``typedef struct _P {...} P, *PP;`` gives a Struct named ``P`` (the first plain declarator), a
  Typedef ``_P`` aliasing it (the tag, when it differs) and a Typedef ``PP``.
- A struct/union/enum defined inline without a name is named ``<Outer>_<field>`` (or ``_<first
  declarator>`` in a typedef with only pointer declarators).
"""

from __future__ import annotations

from .. import ir
from ..diagnostics import Diagnostic, DiagnosticSink
from ..syntax import ast
from .constexpr import NotConstant, normalize
from .forward import ForwardTypes, Pending
from .records import RecordLowerer
from .symbols import Symbols, SymbolTable
from .typeshapes import TypeShaper, attr, check_attrs, has_attr
from .values import ValueLowerer

_UUID_HEX = "0123456789abcdefABCDEF"
_PROPERTY_ATTRS = ("propget", "propput", "propputref")


class FileLowerer(ForwardTypes):
    def __init__(
        self,
        module: str,
        source: str,
        tree: ast.File,
        imports: tuple[str, ...],
        visible: list[Symbols],
        sink: DiagnosticSink,
    ) -> None:
        self.module = module
        self.source = source
        self.tree = tree
        self.imports = imports
        self.symbols = SymbolTable(module, visible, sink)
        self.sink = sink
        self.values = ValueLowerer(self.symbols, sink)
        self.types = TypeShaper(self.symbols, sink, self.values)
        self.records = RecordLowerer(self.symbols, sink, self.types, self.values)
        self.values.connect(self.types.shape_cast, self.lower_pending_const)
        self.types.connect(self.records.lower, self.lower_pending)
        self.interfaces: list[ir.Interface] = []
        self.in_object = False
        # the typedefs of this file by declared name, lowered on demand when used before them
        self.pending: dict[str, Pending] = {}
        self.pending_consts: dict[str, Pending | ast.ConstDecl | ast.Declaration] = {}
        self._wellknown_depth = 0
        self.started: set[int] = set()

    # files -----------------------------------------------------------------------------------

    def run(self) -> tuple[ir.Module, Symbols]:
        self.prepass(self.tree.items)
        self.items(self.tree.items, in_interface=False)
        module = ir.Module(
            self.module,
            self.source,
            self.imports,
            tuple(self.symbols.decls),
            tuple(self.interfaces),
            ir.Span(self.source, 1, 1),
        )
        return module, self.symbols.own

    def items(self, items: tuple[ast.Item, ...], in_interface: bool) -> None:
        for item in items:
            if isinstance(item, ast.Typedef):
                self.typedef(item)
            elif isinstance(item, ast.ConstDecl):
                self.const(item)
            elif isinstance(item, ast.Declaration):
                self.declaration(item, None)
            elif isinstance(item, ast.Interface):
                self.interface(item)
            elif isinstance(item, ast.Container):
                self.container(item)
            # imports, importlib, cpp_quote and pragmas carry nothing for the IR

    def container(self, item: ast.Container) -> None:
        check_attrs(item.attrs, self.sink)
        if item.kind == "interface":  # forward declaration
            if self.symbols.lookup_type(item.name) is None:
                self.symbols.declare_interface(item.name, item.span)
            return
        if item.items is None:
            return
        saved = self.types.pointer_default
        if item.kind in ("library", "module"):
            self.items(item.items, in_interface=item.kind == "module")
        self.types.pointer_default = saved

    # interfaces ------------------------------------------------------------------------------

    def interface(self, item: ast.Interface) -> None:
        check_attrs(item.attrs, self.sink)
        is_object = has_attr(item.attrs, "object")
        is_local = has_attr(item.attrs, "local")
        prev = self.symbols.lookup_type(item.name)
        if prev is not None and not prev.interface:
            self.sink.error(f"'{item.name}' is already declared as a type", item.span)
        if item.name in self.symbols.own.interfaces:
            self.sink.error(f"redefinition of interface '{item.name}'", item.span)
        self.symbols.declare_interface(item.name, item.span)
        uuid = self.uuid(item)
        version = self.version(item)
        saved = self.types.pointer_default
        self.in_object = is_object or is_local
        pd = attr(item.attrs, "pointer_default")
        if pd is not None and pd.args:
            kind = pd.args[0].text.strip()
            if kind in ("ref", "unique", "ptr"):
                self.types.pointer_default = kind  # type: ignore[assignment]
            else:
                self.sink.error(
                    f"pointer_default must be ref, unique or ptr, not '{kind}'", pd.args[0].span
                )
        first = 0
        if item.base is not None:
            base = self.symbols.lookup_interface(item.base)
            if base is None:
                entry = self.symbols.lookup_type(item.base)
                if entry is None or not entry.interface:
                    self.sink.error(f"unknown base interface '{item.base}'", item.span)
            else:
                first = base
        procedures: list[ir.Procedure] = []
        seen: dict[tuple[str, str], ir.Procedure] = {}
        for sub in item.items:
            if isinstance(sub, ast.Declaration) and any(
                d.params is not None and not d.func_pointers for d in sub.declarators
            ):
                # a COM property's get and put accessors share its name
                prop = next((a.name for a in sub.attrs if a.name in _PROPERTY_ATTRS), "")
                for proc in self.procedures(sub, first + len(procedures)):
                    key = (proc.name, prop if self.in_object else "")
                    if key in seen:
                        self.sink.error(
                            f"duplicate procedure '{proc.name}' in interface '{item.name}'",
                            proc.span,
                            notes=(_note("previous declaration is here", seen[key].span),),
                        )
                    seen[key] = proc
                    procedures.append(proc)
            elif isinstance(sub, ast.Declaration):
                self.declaration(sub, item.name)
            else:
                self.items((sub,), in_interface=True)
        self.symbols.own.interfaces[item.name] = first + len(procedures)
        self.interfaces.append(
            ir.Interface(
                item.name,
                uuid,
                version,
                tuple(procedures),
                self.types.pointer_default,
                is_object,
                is_local,
                item.base,
                tuple(ir.Attribute(a.name, _arg_texts(a), a.span) for a in item.attrs),
                item.span,
            )
        )
        self.types.pointer_default = saved

    def is_pointer(self, t: ir.Type) -> bool:
        r = self.symbols.resolve_deep(t)
        ok = ir.PointerType | ir.ArrayType | ir.StringType | ir.ContextHandleType
        return isinstance(r, ok | ir.UnsupportedType)

    def uuid(self, item: ast.Interface) -> str | None:
        a = attr(item.attrs, "uuid")
        if a is None:
            return None
        text = a.args[0].text.strip() if a.args and len(a.args) == 1 else ""
        if len(text) >= 2 and text[0] == text[-1] == '"':
            text = text[1:-1]
        parts = text.split("-")
        if [len(p) for p in parts] != [8, 4, 4, 4, 12] or any(
            ch not in _UUID_HEX for p in parts for ch in p
        ):
            self.sink.error(
                f"malformed uuid '{text}': expected xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx",
                a.args[0].span if a.args else a.span,
            )
            return None
        return text.lower()

    def version(self, item: ast.Interface) -> tuple[int, int]:
        a = attr(item.attrs, "version")
        if a is None:
            return (0, 0)
        text = a.args[0].text.strip() if a.args and len(a.args) == 1 else ""
        parts = text.split(".")
        if 1 <= len(parts) <= 2 and all(p.isdigit() for p in parts):
            nums = [int(p) for p in parts] + [0]
            if all(n <= 0xFFFF for n in nums):
                return nums[0], nums[1]
        self.sink.error(
            f"malformed version '{text}': expected MAJOR or MAJOR.MINOR",
            a.args[0].span if a.args else a.span,
        )
        return (0, 0)

    def procedures(self, decl: ast.Declaration, opnum: int) -> list[ir.Procedure]:
        check_attrs(decl.attrs, self.sink)
        out: list[ir.Procedure] = []
        for d in decl.declarators:
            if d.params is None or d.func_pointers:
                self.sink.warning(f"declaration of '{d.name}' in an interface ignored", d.span)
                continue
            ret_decl = ast.Declarator(None, d.pointers, span=d.span)
            ret, _ = self.types.shape(decl.type, ret_decl, decl.attrs, "return", f"{d.name}_return")
            if isinstance(self.symbols.resolve_deep(ret), ir.VoidType):
                ret = ir.VoidType()  # `VOID F();` with `typedef void VOID;` returns nothing
            saved, self.types.local_names = (
                self.types.local_names,
                {p.declarator.name for p in d.params if p.declarator and p.declarator.name},
            )
            params = self.params(d.params, d.name or "", decl.attrs)
            self.types.local_names = saved
            out.append(
                ir.Procedure(
                    d.name or "",
                    opnum + len(out),
                    ret,
                    params,
                    is_async=has_attr(decl.attrs, "async"),
                    comm_status=has_attr(decl.attrs, "comm_status"),
                    fault_status=has_attr(decl.attrs, "fault_status"),
                    span=d.span,
                )
            )
        return out

    def params(
        self, params: tuple[ast.Param, ...], proc: str, _: ast.Attrs
    ) -> tuple[ir.Param, ...]:
        out: list[ir.Param] = []
        for i, p in enumerate(params):
            if p.type is None:
                self.sink.warning(f"variable arguments in '{proc}' ignored", p.span)
                continue
            decl = p.declarator or ast.Declarator(None, span=p.span)
            is_void = isinstance(p.type, ast.BaseType) and p.type.name == "void"
            if is_void and not decl.pointers and not decl.arrays and decl.params is None:
                if len(params) > 1 or decl.name:
                    self.sink.error("'void' must be the only parameter", p.span)
                continue
            check_attrs(p.attrs, self.sink)
            name = decl.name or f"arg{i}"
            t, _floating = self.types.shape(p.type, decl, p.attrs, "param", f"{proc}_{name}")
            names = [a.name for a in p.attrs]  # asked of 30 000 parameters over the corpus
            has_in, has_out = "in" in names, "out" in names
            if has_out and not self.in_object and not self.is_pointer(t):
                self.sink.error(f"[out] parameter '{name}' is not a pointer", decl.span)
            direction = (
                ir.Direction.INOUT
                if has_in and has_out
                else ir.Direction.OUT
                if has_out
                else ir.Direction.IN
            )
            out.append(
                ir.Param(
                    name,
                    direction,
                    t,
                    switch_is=self.types.switch_is(p.attrs) if "switch_is" in names else None,
                    range=self.types.range(p.attrs) if "range" in names else None,
                    comm_status="comm_status" in names,
                    fault_status="fault_status" in names,
                    span=decl.span if decl.name else p.span,
                )
            )
        return tuple(out)

    # declarations ----------------------------------------------------------------------------

    def typedef(self, item: ast.Typedef) -> None:
        if id(item) in self.started:
            return
        self.started.add(id(item))
        check_attrs(item.attrs, self.sink)
        base_name = self.defined_name(item.type, item.declarators)
        for d in item.declarators:
            if d.name is None:
                continue
            plain = not d.pointers and not d.arrays and d.params is None
            if plain and d.name == base_name:
                # the struct/union/enum itself takes this name
                self.types.shape(item.type, d, item.attrs, "typedef", d.name)
                continue
            t, floating = self.types.shape(item.type, d, item.attrs, "typedef", base_name or d.name)
            self.symbols.add_decl(ir.Typedef(d.name, t, d.span), floating)

    def defined_name(self, spec: ast.TypeSpec, decls: tuple[ast.Declarator, ...]) -> str | None:
        """The IR name of a struct/union/enum defined in a typedef: its first plain declarator."""
        if not isinstance(spec, ast.StructSpec | ast.UnionSpec | ast.EnumSpec):
            return None
        if (spec.members if isinstance(spec, ast.StructSpec | ast.EnumSpec) else spec.arms) is None:
            return None
        for d in decls:
            if d.name and not d.pointers and not d.arrays and d.params is None:
                return d.name
        if spec.tag:
            return spec.tag
        first = next((d.name for d in decls if d.name), "anonymous")
        return f"_{first}"

    def const(self, item: ast.ConstDecl) -> None:
        name = item.declarator.name or ""
        t, _ = self.types.shape(item.type, item.declarator, (), "const", name)
        try:
            value = self.values.evaluate(item.value)
        except NotConstant as exc:
            self.values.report_not_constant(exc)
            return
        target = t.target if isinstance(t, ir.PointerType) else None
        if isinstance(target, ir.CharType) or (
            isinstance(value, str) and not isinstance(t, ir.StringType)
        ):
            t = ir.StringType(isinstance(target, ir.CharType) and target.wide)
        resolved = self.symbols.resolve_deep(t)
        if isinstance(value, int) and not isinstance(value, bool):
            if isinstance(resolved, ir.IntType):
                value = normalize(value, resolved)
            elif isinstance(resolved, ir.BoolType):
                value = bool(value)
            elif isinstance(resolved, ir.FloatType):
                value = float(value)
        if self.symbols.add_const(name, value, item.declarator.span):
            self.symbols.decls.append(ir.Const(name, t, value, item.declarator.span))

    def declaration(self, item: ast.Declaration, interface: str | None) -> None:
        if id(item) in self.started:
            return
        self.started.add(id(item))
        check_attrs(item.attrs, self.sink)
        if not item.declarators:
            spec = item.type
            body = (
                spec.members
                if isinstance(spec, ast.StructSpec | ast.EnumSpec)
                else spec.arms
                if isinstance(spec, ast.UnionSpec)
                else None
            )
            if isinstance(spec, ast.EnumSpec) and spec.members is not None and not spec.tag:
                # `enum { A = 1, B };`: the members are constants
                t, _ = self.types.shape(spec, ast.Declarator(None), item.attrs, "typedef", "")
                decl = self.symbols.resolve(t) if isinstance(t, ir.TypeRef) else None
                if isinstance(decl, ir.Enum_):
                    self.symbols.withdraw(decl)
                    long = ir.IntType("long", 32, True)
                    self.symbols.decls.extend(
                        ir.Const(m.name, long, m.value, m.span) for m in decl.members
                    )
                return
            if body is None or not getattr(spec, "tag", None):
                self.sink.warning("declaration declares nothing", item.span)
                return
            self.types.shape(spec, ast.Declarator(None), item.attrs, "typedef", spec.tag or "")  # type: ignore[union-attr]
            return
        for d in item.declarators:
            if d.params is not None and not d.func_pointers:
                self.sink.warning(f"procedure '{d.name}' outside an interface ignored", d.span)
            else:
                self.sink.warning(f"declaration of '{d.name}' ignored", d.span)


def _arg_texts(a: ast.Attribute) -> tuple[str, ...]:
    return tuple(x.text for x in a.args) if a.args else ()


def _note(message: str, span: ir.Span) -> Diagnostic:
    return Diagnostic("note", message, span)
