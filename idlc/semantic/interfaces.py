"""Interfaces and their procedures and parameters: numbered, directed, checked, lowered to IR."""

from __future__ import annotations

from collections.abc import Callable

from .. import ir
from ..diagnostics import Diagnostic, DiagnosticSink
from ..syntax import ast
from .attributes import IMPLEMENTED, NO_EFFECT, check_attrs, doc_comment
from .symbols import SymbolTable
from .typeshapes import TypeShaper, attr, has_attr

_UUID_HEX = "0123456789abcdefABCDEF"
_QUIET = IMPLEMENTED | NO_EFFECT  # attributes check_attrs says nothing about
_PROPERTY_ATTRS = ("propget", "propput", "propputref")


class InterfaceLowerer:
    """Lowers interfaces, numbering their procedures after their bases'; ``lowered`` holds them
    in file order.

    Handed the symbol table, the sink and the type lowerer (return and parameter types; an
    interface's pointer_default is set on it while its body is lowered)."""

    def __init__(
        self,
        symbols: SymbolTable,
        sink: DiagnosticSink,
        types: TypeShaper,
    ) -> None:
        self.symbols = symbols
        self.sink = sink
        self.types = types
        self.lowered: list[ir.Interface] = []

    def interface(
        self, item: ast.Interface, lower_items: Callable[[tuple[ast.Item, ...]], None]
    ) -> None:
        """Lower interface ``item``; ``lower_items`` (the orchestrator's walk) lowers what it
        declares besides procedures: typedefs, constants..."""
        is_object = has_attr(item.attrs, "object")
        is_local = has_attr(item.attrs, "local")
        check_attrs(item.attrs, self.sink, generated=not (is_object or is_local))
        prev = self.symbols.lookup_type(item.name)
        if prev is not None and not prev.interface:
            self.sink.error(f"'{item.name}' is already declared as a type", item.span)
        if item.name in self.symbols.own.interfaces:
            self.sink.error(f"redefinition of interface '{item.name}'", item.span)
        self.symbols.declare_interface(item.name, item.span)
        uuid = self.uuid(item)
        version = self.version(item)
        types = self.types
        saved = types.pointer_default
        in_object = is_object or is_local
        pd = attr(item.attrs, "pointer_default")
        if pd is not None and pd.args:
            kind = pd.args[0].text.strip()
            if kind in ("ref", "unique", "ptr"):
                types.pointer_default = kind  # type: ignore[assignment]
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
                opnum = first + len(procedures)
                for proc in self.procedures(sub, opnum, in_object):
                    key = (proc.name, prop if in_object else "")
                    if key in seen:
                        self.sink.error(
                            f"duplicate procedure '{proc.name}' in interface '{item.name}'",
                            proc.span,
                            notes=(_note("previous declaration is here", seen[key].span),),
                        )
                    seen[key] = proc
                    procedures.append(proc)
            else:
                lower_items((sub,))
        if procedures and not (in_object or has_attr(item.attrs, "uuid")):
            # (MIDL lets an interface of types alone go without, as oaidl.idl's do)
            self.sink.error(
                f"interface '{item.name}' has procedures but no [uuid]: a remote interface "
                "needs one (mark it [local] if it is not remote)",
                item.span,
            )
        self.symbols.own.interfaces[item.name] = first + len(procedures)
        self.lowered.append(
            ir.Interface(
                item.name,
                uuid,
                version,
                tuple(procedures),
                types.pointer_default,
                is_object,
                is_local,
                item.base,
                tuple(ir.Attribute(a.name, _arg_texts(a), a.span) for a in item.attrs),
                item.span,
                doc_comment(item.span, item.attrs),
            )
        )
        types.pointer_default = saved

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
        if 1 <= len(parts) <= 2 and all(p.isascii() and p.isdigit() and len(p) < 9 for p in parts):
            nums = [int(p) for p in parts] + [0]
            if all(n <= 0xFFFF for n in nums):
                return nums[0], nums[1]
        self.sink.error(
            f"malformed version '{text}': expected MAJOR or MAJOR.MINOR",
            a.args[0].span if a.args else a.span,
        )
        return (0, 0)

    def procedures(self, decl: ast.Declaration, opnum: int, in_object: bool) -> list[ir.Procedure]:
        """The procedures ``decl`` declares, numbered from ``opnum``."""
        check_attrs(decl.attrs, self.sink, generated=not in_object)
        types = self.types
        out: list[ir.Procedure] = []
        # [callback]: run by the client, generated with the interface (not in COM interfaces)
        is_callback = has_attr(decl.attrs, "callback") and not in_object
        is_async = has_attr(decl.attrs, "async")
        for d in decl.declarators:
            if d.params is None or d.func_pointers:
                self.sink.warning(
                    f"declaration of '{d.name}' in an interface ignored",
                    d.span,
                    kind="ignored-declaration",
                )
                continue
            ret_decl = ast.Declarator(None, d.pointers, span=d.span)
            ret, _ = types.shape(decl.type, ret_decl, decl.attrs, "return", f"{d.name}_return")
            if isinstance(self.symbols.resolve_deep(ret), ir.VoidType):
                ret = ir.VoidType()  # `VOID F();` with `typedef void VOID;` returns nothing
            saved, types.local_names = (
                types.local_names,
                {p.declarator.name for p in d.params if p.declarator and p.declarator.name},
            )
            params = self.params(d.params, d.name or "", in_object, is_callback)
            types.local_names = saved
            if is_callback and is_async:
                self.sink.warning(
                    f"[async] on [callback] procedure '{d.name}' is ignored: a callback is an "
                    "ordinary call that the client serves",
                    d.span,
                    kind="unsupported",
                )
            out.append(
                ir.Procedure(
                    d.name or "",
                    opnum + len(out),
                    ret,
                    params,
                    is_async=is_async and not is_callback,
                    comm_status=has_attr(decl.attrs, "comm_status"),
                    fault_status=has_attr(decl.attrs, "fault_status"),
                    span=d.span,
                    doc=doc_comment(decl.span, decl.attrs),
                    is_callback=is_callback,
                )
            )
        return out

    def params(
        self, params: tuple[ast.Param, ...], proc: str, in_object: bool, is_callback: bool
    ) -> tuple[ir.Param, ...]:
        """The parameters of procedure ``proc`` (of an object or local interface when
        ``in_object``, where [out] need not be a pointer; a [callback] when ``is_callback``)."""
        types = self.types
        shape = types.shape
        out: list[ir.Param] = []
        for i, p in enumerate(params):
            if p.type is None:
                self.sink.warning(
                    f"variable arguments in '{proc}' ignored", p.span, kind="ignored-declaration"
                )
                continue
            decl = p.declarator or ast.Declarator(None, span=p.span)
            is_void = isinstance(p.type, ast.BaseType) and p.type.name == "void"
            if is_void and not decl.pointers and not decl.arrays and decl.params is None:
                if len(params) > 1 or decl.name:
                    self.sink.error("'void' must be the only parameter", p.span)
                continue
            names = [a.name for a in p.attrs]  # asked of 30 000 parameters over the corpus
            if not _QUIET.issuperset(names):
                check_attrs(p.attrs, self.sink, generated=not in_object)
            name = decl.name or f"arg{i}"
            t, _floating = shape(p.type, decl, p.attrs, "param", f"{proc}_{name}")
            has_in, has_out = "in" in names, "out" in names
            direction = (
                ir.Direction.INOUT
                if has_in and has_out
                else ir.Direction.OUT
                if has_out
                else ir.Direction.IN
            )
            span = decl.span if decl.name else p.span
            # a pipe has rules of its own, which say what is wrong with it
            is_pipe = not in_object and bool(
                types.pipes.param(t, direction, name, proc, is_callback, span)
            )
            checked = in_object or is_pipe
            if has_out and not checked and not self.is_pointer(t):
                self.sink.error(f"[out] parameter '{name}' is not a pointer", decl.span)
            elif has_out and not has_in and not checked and decl.pointers:
                kind = next((n for n in names if n in ("unique", "ptr")), None)
                if kind is not None:
                    self.sink.error(
                        f"[out] parameter '{name}' is [{kind}]: the top-level pointer of an "
                        "[out]-only parameter must be [ref]",
                        decl.span,
                    )
            out.append(
                ir.Param(
                    name,
                    direction,
                    t,
                    switch_is=types.switch_is(p.attrs) if "switch_is" in names else None,
                    range=types.range(p.attrs) if "range" in names else None,
                    comm_status="comm_status" in names,
                    fault_status="fault_status" in names,
                    span=span,
                    is_pipe=is_pipe,
                )
            )
        return tuple(out)


def _arg_texts(a: ast.Attribute) -> tuple[str, ...]:
    return tuple(x.text for x in a.args) if a.args else ()


def _note(message: str, span: ir.Span) -> Diagnostic:
    return Diagnostic("note", message, span)
