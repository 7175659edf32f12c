"""The NDR20 section of one generated module: the Structs its runs use, each enum's table, each
structure's, union's and pipe type's functions, each procedure's, and the warnings for what it
cannot marshal (at the source location of the member, arm, parameter or pipe type)."""

from __future__ import annotations

from ... import ir
from ..python.conversions import Marshaller
from ..python.procedures import Slot
from .context import Context
from .pipes import pipe_functions
from .procedures import procedure_functions
from .records import enum_table, struct_functions, union_functions, whole_functions
from .serialization import serialization_functions


class ProcSlots(ir.Node):
    """A procedure as the Python backend named its values."""

    iface: str
    proc: ir.Procedure
    ins: tuple[Slot, ...]
    results: tuple[Slot, ...]
    result_class: str | None
    result_type: str


class NdrSection(ir.Node):
    structs: tuple[str, ...]  # module-level Struct constants, one a line
    tables: tuple[str, ...]  # enum tables, one a line
    functions: tuple[str, ...]  # each declaration's or procedure's functions, lines joined
    uses_any: bool
    warnings: tuple[tuple[ir.Span | None, str], ...]


def build(m: Marshaller, module: ir.Module, procs: list[ProcSlots]) -> NdrSection:
    ctx = Context(m)
    tables: list[str] = []
    functions: list[str] = []
    for d in module.decls:
        if isinstance(d, ir.Enum_):
            tables += enum_table(d)
        elif isinstance(d, ir.Struct):
            functions.append("\n".join(struct_functions(ctx, d)))
            functions.append("\n".join(whole_functions(ctx, d)))
        elif isinstance(d, ir.Union):
            functions.append("\n".join(union_functions(ctx, d)))
            functions.append("\n".join(whole_functions(ctx, d)))
        elif isinstance(d, ir.Typedef) and isinstance(d.type, ir.PipeType):
            lines = pipe_functions(ctx, d.name, d.type.element, d.span)
            if lines:
                functions.append("\n".join(lines))
    for t in module.serialized:
        functions.append("\n".join(serialization_functions(ctx, t)))
    for p in procs:
        lines = procedure_functions(
            ctx, p.iface, p.proc, list(p.ins), list(p.results), p.result_class, p.result_type
        )
        functions.append("\n".join(lines))
    seen: set[tuple[ir.Span | None, str]] = set()
    warnings = []
    for w in ctx.problems:
        if w not in seen:
            seen.add(w)
            warnings.append(w)
    return NdrSection(
        tuple(ctx.structs.lines()),
        tuple(tables),
        tuple(functions),
        ctx.used_any,
        tuple(warnings),
    )
