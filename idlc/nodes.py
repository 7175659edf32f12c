"""The one node mechanism of the compiler's two trees, the syntax tree and the IR, and ``Span``.

Both trees are families of small immutable records: declared like dataclasses (annotations,
defaults, ``field(compare=False, repr=False)`` for a span), they behave like frozen, slotted
ones (keyword or positional construction, equality and hashing by the compared fields,
``__match_args__``, ``replace``), but are built by a small metaclass: creating seventy-five
dataclasses cost about a sixth of the compiler's cold start, these cost almost nothing, and the
parser builds hundreds of thousands of syntax nodes, each through an ``__init__`` written out
for its fields. What the trees hold differs (``idlc.syntax.ast``: names as written, nothing
resolved; ``idlc.ir``: resolved, typed, ready for a backend); how their nodes behave does not.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import Field as _Field
from dataclasses import FrozenInstanceError
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar

if TYPE_CHECKING:
    from typing_extensions import dataclass_transform
else:

    def dataclass_transform(**_: object) -> Any:
        return lambda cls: cls


_N = TypeVar("_N", bound="Node")


class _NodeMeta(type):
    def __new__(mcs, name: str, bases: tuple[type, ...], ns: dict[str, Any]) -> _NodeMeta:
        fields = tuple(f for f in ns.get("__annotations__", {}) if not f.startswith("_"))
        defaults: dict[str, Any] = {}
        uncompared: set[str] = set()
        unshown: set[str] = set()
        for f in fields:
            if f in ns:
                value = ns.pop(f)
                if isinstance(value, _Field):
                    if value.default_factory is not dataclasses.MISSING:
                        raise TypeError(f"{name}.{f}: no default_factory for nodes")
                    if not value.compare:
                        uncompared.add(f)
                    if not value.repr:
                        unshown.add(f)
                    if value.default is dataclasses.MISSING:
                        continue
                    value = value.default
                defaults[f] = value
        ns["__slots__"] = fields
        ns["__match_args__"] = fields
        cls = super().__new__(mcs, name, bases, ns)
        cls._fields = fields  # type: ignore[attr-defined]
        cls._compared = tuple(f for f in fields if f not in uncompared)  # type: ignore[attr-defined]
        cls._shown = tuple(f for f in fields if f not in unshown)  # type: ignore[attr-defined]
        if fields:

            def first_init(self: Any, *args: Any, **kwargs: Any) -> None:
                methods = _methods(cls, defaults)
                for method_name, method in methods.items():
                    type.__setattr__(cls, method_name, method)
                methods["__init__"](self, *args, **kwargs)

            type.__setattr__(cls, "__init__", first_init)
        return cls


def _methods(cls: Any, defaults: dict[str, Any]) -> dict[str, Any]:
    """``__init__``, ``__eq__`` and ``__hash__`` written out for the fields, as dataclasses
    write them, when the class is first instantiated (most classes never are in a small run)."""
    fields: tuple[str, ...] = cls._fields
    params = ", ".join(f"{f}=_d_{f}" if f in defaults else f for f in fields)
    # Each slot's own setter, bound once: twice as fast as object.__setattr__(self, name, v).
    sets = "".join(f"\n    _s_{f}(self, {f})" for f in fields)
    mine = "".join(f"self.{f}, " for f in cls._compared)
    theirs = "".join(f"other.{f}, " for f in cls._compared)
    source = (
        f"def __init__(self, {params}):{sets}\n"
        "def __eq__(self, other):\n"
        "    if other.__class__ is self.__class__:\n"
        f"        return ({mine}) == ({theirs})\n"
        "    return NotImplemented\n"
        "def __hash__(self):\n"
        f"    return hash(({mine}))\n"
    )
    scope: dict[str, Any] = {f"_s_{f}": getattr(cls, f).__set__ for f in fields}
    scope.update((f"_d_{f}", v) for f, v in defaults.items())
    exec(source, scope)
    out = {m: scope[m] for m in ("__init__", "__eq__", "__hash__")}
    for m, method in out.items():
        method.__qualname__ = f"{cls.__qualname__}.{m}"
    return out


@dataclass_transform(frozen_default=True, field_specifiers=(dataclasses.field,))
class Node(metaclass=_NodeMeta):
    """Frozen, slotted, compared and hashed by value with ``compare=False`` fields left out."""

    __slots__ = ()
    _fields: ClassVar[tuple[str, ...]]
    _compared: ClassVar[tuple[str, ...]]
    _shown: ClassVar[tuple[str, ...]]

    def __setattr__(self, name: str, value: object) -> None:
        raise FrozenInstanceError(f"cannot assign to field {name!r}")

    def __delattr__(self, name: str) -> None:
        raise FrozenInstanceError(f"cannot delete field {name!r}")

    def _key(self) -> tuple[object, ...]:
        return tuple(getattr(self, f) for f in self._compared)

    # What the written-out methods do (they replace these at a class's first instance).
    def __eq__(self, other: object) -> bool:
        if other.__class__ is self.__class__:
            return self._key() == other._key()
        return NotImplemented

    def __hash__(self) -> int:
        return hash(self._key())

    def __repr__(self) -> str:
        body = ", ".join(f"{f}={getattr(self, f)!r}" for f in self._shown)
        return f"{type(self).__qualname__}({body})"

    def __reduce__(self) -> tuple[type, tuple[object, ...]]:
        return type(self), tuple(getattr(self, f) for f in self._fields)


def replace(node: _N, **changes: Any) -> _N:
    """A copy of ``node`` with some fields changed (``dataclasses.replace`` for nodes)."""
    fields = node._fields
    for f in changes:
        if f not in fields:
            raise TypeError(f"{type(node).__name__}: no field {f!r}")
    return type(node)(*(changes[f] if f in changes else getattr(node, f) for f in fields))


class Span:
    """A position in a source file: 1-based line and column (ordered by file, line, column).

    Frozen and compared by value like a node. The parser makes one for almost every token and
    reads few of them (most only ever sit in the tree in case a diagnostic needs them): a span
    made by ``Span.later`` finds its position when first read.
    """

    __slots__ = ("_at", "_find", "_pos")
    __match_args__ = ("file", "line", "column")
    _at: tuple[str, int, int] | None
    _find: Callable[[int], Span] | None
    _pos: int

    def __init__(self, file: str, line: int, column: int) -> None:
        _span_at(self, (file, line, column))

    @staticmethod
    def later(find: Callable[[int], Span], pos: int) -> Span:
        """The span ``find(pos)`` returns, found when first read."""
        span = _new_span(Span)
        _span_at(span, None)
        _span_find(span, find)
        _span_pos(span, pos)
        return span

    def _where(self) -> tuple[str, int, int]:
        at = self._at
        if at is None:
            assert self._find is not None
            at = self._find(self._pos)._where()
            _span_at(self, at)
            _span_find(self, None)  # what it held (a line table, a mapping) may go
        return at

    @property
    def file(self) -> str:
        return self._where()[0]

    @property
    def line(self) -> int:
        return self._where()[1]

    @property
    def column(self) -> int:
        return self._where()[2]

    def __setattr__(self, name: str, value: object) -> None:
        raise FrozenInstanceError(f"cannot assign to field {name!r}")

    def __delattr__(self, name: str) -> None:
        raise FrozenInstanceError(f"cannot delete field {name!r}")

    def __repr__(self) -> str:
        file, line, column = self._where()
        return f"Span(file={file!r}, line={line!r}, column={column!r})"

    def __str__(self) -> str:
        return "{}:{}:{}".format(*self._where())

    def __reduce__(self) -> tuple[type, tuple[str, int, int]]:
        return Span, self._where()

    def __hash__(self) -> int:
        return hash(self._where())

    def __eq__(self, other: object) -> bool:
        if other.__class__ is not Span:
            return NotImplemented
        return self._where() == other._where()

    def __lt__(self, other: Span) -> bool:
        if other.__class__ is not Span:
            return NotImplemented
        return self._where() < other._where()

    def __le__(self, other: Span) -> bool:
        if other.__class__ is not Span:
            return NotImplemented
        return self._where() <= other._where()

    def __gt__(self, other: Span) -> bool:
        if other.__class__ is not Span:
            return NotImplemented
        return self._where() > other._where()

    def __ge__(self, other: Span) -> bool:
        if other.__class__ is not Span:
            return NotImplemented
        return self._where() >= other._where()


# Slot setters, bound once (Span is frozen; object.__setattr__ costs twice as much).
_new_span = object.__new__
_span_at: Callable[[Span, tuple[str, int, int] | None], None] = Span.__dict__["_at"].__set__
_span_find: Callable[[Span, Callable[[int], Span] | None], None] = Span.__dict__["_find"].__set__
_span_pos: Callable[[Span, int], None] = Span.__dict__["_pos"].__set__


NO_SPAN = Span("<builtin>", 0, 0)
