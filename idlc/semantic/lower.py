"""AST to IR for one IDL file: build the lowerers, wire them together, walk the declarations."""

from __future__ import annotations

from .. import ir
from ..diagnostics import DiagnosticSink
from ..syntax import ast
from .attributes import check_attrs
from .declarations import DeclarationLowerer
from .forward import ForwardTypes
from .interfaces import InterfaceLowerer
from .records import RecordLowerer
from .symbols import Symbols, SymbolTable
from .typeshapes import TypeShaper
from .values import ValueLowerer


class FileLowerer:
    """Lowers the syntax tree of module ``module`` (read from ``source``) against the symbol
    tables of the files it sees (``visible``), reporting to ``sink``.

    Each construct has its lowerer, handed what it stands on, so their modules import one way::

        symbols <- values <- typeshapes <- records, declarations, interfaces
                                           declarations <- forward

    The ways back are callbacks, wired here with ``connect`` before anything is lowered: the
    value lowerer has the type lowerer shape a cast's type, the type lowerer has the record
    lowerer lower a struct body and the forward lowerer a name declared further down. ``run``
    cuts them when done: they make the lowerers a reference cycle, which would outlive the
    file while the front end pauses the cycle collector."""

    def __init__(
        self,
        module: str,
        source: str,
        tree: ast.File,
        imports: tuple[str, ...],
        visible: list[Symbols],
        sink: DiagnosticSink,
    ) -> None:
        self.source = source
        self.tree = tree
        self.imports = imports
        self.sink = sink
        self.symbols = SymbolTable(module, visible, sink)
        self.values = ValueLowerer(self.symbols, sink)
        self.types = TypeShaper(self.symbols, sink, self.values)
        self.records = RecordLowerer(self.symbols, sink, self.types, self.values)
        self.declarations = DeclarationLowerer(self.symbols, sink, self.types, self.values)
        self.forward = ForwardTypes(self.symbols, sink, self.types, self.declarations)
        self.interfaces = InterfaceLowerer(self.symbols, sink, self.types)
        self.values.connect(self.types.shape_cast, self.forward.lower_pending_const)
        self.types.connect(self.records, self.forward.lower_pending)

    def run(self) -> tuple[ir.Module, Symbols]:
        """The module, and what it declares for the files importing it."""
        try:
            self.forward.prepass(self.tree.items)
            self.lower_items(self.tree.items)
        finally:
            self.values.disconnect()
            self.types.disconnect()
        module = ir.Module(
            self.symbols.module,
            self.source,
            self.imports,
            tuple(self.symbols.decls),
            tuple(self.interfaces.lowered),
            ir.Span(self.source, 1, 1),
        )
        return module, self.symbols.own

    def lower_items(self, items: tuple[ast.Item, ...]) -> None:
        """Items of the file, of a library or module, or of an interface besides its
        procedures, in order."""
        declarations = self.declarations
        for item in items:
            if isinstance(item, ast.Typedef):
                declarations.typedef(item)
            elif isinstance(item, ast.ConstDecl):
                declarations.const(item)
            elif isinstance(item, ast.Declaration):
                declarations.declaration(item)
            elif isinstance(item, ast.Interface):
                self.interfaces.interface(item, self.lower_items)
            elif isinstance(item, ast.Container):
                self.container(item)
            # imports, importlib, cpp_quote and pragmas carry nothing for the IR

    def container(self, item: ast.Container) -> None:
        """A library or module (its items are lowered), or an interface's forward declaration."""
        check_attrs(item.attrs, self.sink)
        if item.kind == "interface":  # forward declaration
            if self.symbols.lookup_type(item.name) is None:
                self.symbols.declare_interface(item.name, item.span)
            return
        if item.items is None:
            return
        if item.kind in ("library", "module"):
            self.lower_items(item.items)
