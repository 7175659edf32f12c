"""The preprocessor's output: the expanded text, the files read, and the way back from every
position in the text to the file, line and column it came from."""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Mapping
from dataclasses import dataclass, field

from ..nodes import Span

Piece = tuple[int, int, int, bool]  # (out_col, line, col, exact), columns 0-based, line 1-based


@dataclass(frozen=True)
class Preprocessed:
    """The expanded text, the files read (root first), and the way back to the sources."""

    text: str
    files: tuple[str, ...]
    _segments: tuple[tuple[int, str, int], ...] = field(default=(), repr=False, compare=False)
    _colmaps: Mapping[int, tuple[Piece, ...]] = field(
        default_factory=dict, repr=False, compare=False
    )
    # output line -> (file, source line, column map): the parser asks for a span per token
    _lines: dict[int, tuple[str, int, tuple[Piece, ...] | None]] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )

    def identity(self) -> tuple[object, ...]:
        """A key equal for outputs with the same text mapped to the same places."""
        return (self.text, self.files, self._segments, tuple(sorted(self._colmaps.items())))

    def span(self, line: int, column: int) -> Span:
        """The original (file, line, column) of 1-based ``line``/``column`` in ``text``."""
        where = self._lines.get(line)
        if where is None:
            where = self._lines[line] = self._line(line)
        file, orig_line, pieces = where
        if not pieces:
            return Span(file, orig_line, column)
        col0 = column - 1
        j = max(bisect_right(pieces, col0, key=_first) - 1, 0)
        out_col, src_line, src_col, exact = pieces[j]
        return Span(file, src_line, (src_col + col0 - out_col if exact else src_col) + 1)

    def _line(self, line: int) -> tuple[str, int, tuple[Piece, ...] | None]:
        segs = self._segments
        if not segs:
            return self.files[0] if self.files else "<input>", line, None
        k = max(bisect_right(segs, line, key=_first) - 1, 0)
        out_start, file, orig_start = segs[k]
        return file, orig_start + (line - out_start), self._colmaps.get(line)


def _first(item: tuple[int, object, object] | Piece) -> int:
    return item[0]
