"""The lines of one generated NDR function, and what both directions share while writing them:
the alignment known at each point, the run of fixed-layout fields gathered into one
precompiled ``struct.Struct``, numbered temporaries, and the module's table of Structs.

Alignment is tracked statically: the position is known to be ``off`` modulo ``mod`` (a
function starts aligned to its type; the stub data starts at 0, aligned to 8). Padding that is
known is written as ``x`` octets inside the run; padding that is not is computed at run time
(``_ndr.PAD[-len(b) & 3]`` when encoding, ``(r.pos + 3) & ~3`` when decoding).
"""

from __future__ import annotations

from ..python.conversions import indent
from ..python.layout import LINE_LENGTH

REFERENT_BASE = 0x00020000  # idlrt.wire.ndr.REFERENT_BASE: a referent id is this + position


class Structs:
    """The module-level ``struct.Struct`` objects of one generated module, by format; named
    after the format itself, so that a name does not depend on the order they were made in."""

    def __init__(self) -> None:
        self.formats: dict[str, str] = {}

    def name(self, fmt: str) -> str:
        hit = self.formats.get(fmt)
        if hit is None:
            hit = self.formats[fmt] = "_NDR_" + fmt.replace("?", "Z")
        return hit

    def lines(self) -> list[str]:
        return [f'{n} = struct.Struct("<{f}")' for f, n in sorted(self.formats.items())]


class Body:
    """Lines at the current depth, the alignment known here and the open run."""

    def __init__(self, structs: Structs, align: int = 8, depth: int = 1) -> None:
        self.structs = structs
        self.lines: list[str] = []
        self.depth = depth
        self.mod = align  # the position is off modulo mod
        self.off = 0
        self.counter = 0
        self.fmt: list[str] = []  # the open run: struct format items
        self.size = 0  # the run's size in octets
        self.items = 0  # values the run packs or unpacks

    # -- lines ---------------------------------------------------------------------------------

    def fresh(self, stem: str) -> str:
        self.counter += 1
        return f"{stem}{self.counter}"

    def emit(self, *lines: str) -> None:
        pad = "    " * self.depth
        self.lines.extend(pad + line for line in lines)

    def text(self) -> list[str]:
        self.flush()
        return self.lines

    def comprehension(self, target: str, element: str, clause: str) -> None:
        """``target = [element clause]``, laid out as the formatter would: on one line if it
        fits, else the element and its ``for`` clause on lines of their own (the element's
        own brackets split further by ``layout.relayout`` if need be)."""
        pad = "    " * self.depth
        one = f"{target} = [{element} {clause}]"
        if len(pad + one) <= LINE_LENGTH:
            self.emit(one)
        elif len(f"{pad}    {element} {clause}") <= LINE_LENGTH:
            self.emit(f"{target} = [", f"    {element} {clause}", "]")
        else:
            self.emit(f"{target} = [", f"    {element}", f"    {clause}", "]")

    # -- alignment -----------------------------------------------------------------------------

    def state(self) -> tuple[int, int]:
        return self.mod, self.off

    def restore(self, state: tuple[int, int]) -> None:
        self.mod, self.off = state

    def forget(self, mod: int = 1) -> None:
        """After something of unknown size: only ``mod`` is known (its end is aligned to it)."""
        self.mod, self.off = mod, 0

    def advance(self, n: int) -> None:
        self.off = (self.off + n) % self.mod

    def align(self, a: int) -> None:
        """Bring the position to a multiple of ``a``: in the run if the gap is known."""
        if a <= 1:
            return
        if self.mod >= a:
            gap = -self.off % a
            if gap:
                self.pad(gap)
            return
        self.flush()
        self.runtime_align(a)
        self.mod, self.off = a, 0

    def pad(self, n: int) -> None:
        self.fmt.append(f"{n}x" if n > 1 else "x")
        self.size += n
        self.advance(n)

    def runtime_align(self, a: int) -> None:
        raise NotImplementedError

    def flush(self) -> None:
        raise NotImplementedError

    def run_format(self) -> str:
        """The open run's format, with consecutive repeats merged (``LL`` -> ``2L``)."""
        return "".join(self.fmt)

    def reset_run(self) -> None:
        self.fmt, self.size, self.items = [], 0, 0

    # -- blocks ----------------------------------------------------------------------------------

    def open(self, head: str) -> None:
        """``head`` (an ``if``/``for`` line) at this depth; the lines after it go inside."""
        self.flush()
        self.emit(head)
        self.depth += 1

    def close(self) -> None:
        self.flush()
        self.depth -= 1


def bare(expr: str) -> str:
    """``expr`` without parentheses around all of it (the formatter drops them on the right of
    an assignment)."""
    while expr.startswith("(") and expr.endswith(")"):
        depth = 0
        for i, ch in enumerate(expr):
            depth += ch == "("
            depth -= ch == ")"
            if depth == 0 and i < len(expr) - 1:
                return expr  # the first parenthesis closes before the end: (a) + (b)
        expr = expr[1:-1]
    return expr


def function(head: list[str], body: list[str], doc: str | None = None) -> list[str]:
    """A function: its ``def`` line(s), a docstring if given, the body (``pass`` if empty)."""
    out = list(head)
    if doc:
        out.append(f'    """{doc}"""')
    out += body or ["    pass"]
    return out


__all__ = ["REFERENT_BASE", "Body", "Structs", "bare", "function", "indent"]
