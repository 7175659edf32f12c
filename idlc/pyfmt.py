"""Line layout for generated Python: the few shapes idlc emits, laid out as ruff/black would.

Generated code must pass ``ruff format --check`` as it is written, with no formatter at compile
time, so the wrapping rules of the formatter are reproduced here for calls, signatures and
collection literals: everything on one line if it fits, else the contents on one indented line,
else one item per line with a magic trailing comma.
"""

from __future__ import annotations

import json

LINE_LENGTH = 88
INDENT = "    "


def py_str(value: str) -> str:
    """A double-quoted, ASCII-only Python string literal (the formatter's preferred quotes)."""
    return json.dumps(value, ensure_ascii=True)


def py_value(value: int | float | str | bool | None) -> str:
    """The Python literal of a constant's value."""
    if isinstance(value, str):
        return py_str(value)
    return repr(value)


def wrap(indent: str, head: str, items: list[str], tail: str, *, magic: bool = False) -> list[str]:
    """Lay out ``head`` + ``items`` joined by ", " + ``tail``, where head ends with an opening
    bracket and tail starts with the matching closing one. ``magic`` forces one item per line."""
    one = f"{indent}{head}{', '.join(items)}{tail}"
    if not magic and len(one) <= LINE_LENGTH:
        return [one]
    inner = indent + INDENT
    joined = f"{inner}{', '.join(items)}"
    if not magic and items and len(joined) <= LINE_LENGTH:
        return [f"{indent}{head}", joined, f"{indent}{tail}"]
    return [f"{indent}{head}", *(f"{inner}{item}," for item in items), f"{indent}{tail}"]


def signature(
    indent: str, name: str, params: list[str], returns: str, *, is_async: bool = False
) -> list[str]:
    """A ``def`` line (or lines) with annotated parameters."""
    head = f"{'async ' if is_async else ''}def {name}("
    lines = wrap(indent, head, params, f") -> {returns}:")
    if len(lines) == 3 and len(params) == 1:
        lines[1] += ","  # a lone parameter on its own line takes the formatter's trailing comma
    return lines


def _closing_split(code: str) -> tuple[str, str, str] | None:
    """Split ``code`` (ending in a closing bracket) at the bracket pair that closes it: head
    (through the opening bracket), body, closing bracket. Double-quoted strings are skipped."""
    pairs = {")": "(", "]": "[", "}": "{"}
    if not code or code[-1] not in pairs:
        return None
    in_str = False
    opener_at: dict[int, int] = {}
    stack: list[int] = []
    i = 0
    while i < len(code):
        ch = code[i]
        if in_str:
            if ch == "\\":
                i += 1
            elif ch == '"':
                in_str = False
        elif ch == '"':
            in_str = True
        elif ch in "([{":
            stack.append(i)
        elif ch in ")]}":
            if not stack:
                return None
            opener_at[i] = stack.pop()
        i += 1
    start = opener_at.get(len(code) - 1)
    if start is None:
        return None
    return code[: start + 1], code[start + 1 : -1], code[-1]


def _top_level_split(body: str, sep: str) -> list[str]:
    """Split ``body`` at ``sep`` outside brackets and strings."""
    parts: list[str] = []
    depth = 0
    in_str = False
    last = 0
    i = 0
    while i < len(body):
        ch = body[i]
        if in_str:
            if ch == "\\":
                i += 1
            elif ch == '"':
                in_str = False
        elif ch == '"':
            in_str = True
        elif ch in "([{":
            depth += 1
        elif ch in ")]}":
            depth -= 1
        elif depth == 0 and body.startswith(sep, i):
            parts.append(body[last:i])
            last = i + len(sep)
            i = last
            continue
        i += 1
    parts.append(body[last:])
    return [p.strip() for p in parts]


def fit_line(line: str) -> list[str]:
    """Lay out one over-long statement the way the formatter would; other lines pass through."""
    if len(line) <= LINE_LENGTH:
        return [line]
    pad = line[: len(line) - len(line.lstrip())]
    code = line.strip()
    inner = pad + INDENT
    if code.startswith("if ") and code.endswith(":"):
        cond = code[3:-1]
        if len(inner + cond) <= LINE_LENGTH:
            return [f"{pad}if (", inner + cond, f"{pad}):"]
        first, *rest = _top_level_split(cond, " or ")
        return [f"{pad}if (", inner + first, *(f"{inner}or {r}" for r in rest), f"{pad}):"]
    split = _closing_split(code)
    if split is None:
        return [line]
    head, body, close = split
    if not body.strip():
        return [line]
    if len(inner + body) <= LINE_LENGTH and not body.rstrip().endswith(","):
        return [pad + head, inner + body, pad + close]
    items = [i for i in _top_level_split(body, ",") if i]
    out = [pad + head]
    for item in items:
        *lines, last = fit_line(inner + item)
        out += [*lines, last + ","]
    out.append(pad + close)
    return out


def relayout(text: str) -> str:
    """Apply ``fit_line`` to every line of generated source."""
    out: list[str] = []
    for line in text.split("\n"):
        out += fit_line(line)
    return "\n".join(out)
