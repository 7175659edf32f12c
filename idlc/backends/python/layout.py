"""Line layout for generated Python: the few shapes idlc emits, laid out as ruff/black would.

Generated code must pass ``ruff format --check`` as it is written, with no formatter at compile
time, so the wrapping rules of the formatter are reproduced here for calls, signatures and
collection literals: everything on one line if it fits, else the contents on one indented line,
else one item per line with a magic trailing comma.
"""

from __future__ import annotations

import json
import re

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
    # Splitting the return type scans it: do it only for an over-long last line.
    arms = top_level_split(returns, " | ") if len(lines[-1]) > LINE_LENGTH else []
    if len(arms) > 1:
        # An over-long union return type is parenthesised, one arm a line if need be.
        lines[-1:] = [f"{indent}) -> (", *_union_lines(indent + INDENT, arms), f"{indent}):"]
    return lines


def _union_lines(inner: str, arms: list[str], suffix: str = "") -> list[str]:
    """The arms of a union type inside parentheses: on one line if it fits, else one an arm."""
    joined = " | ".join(arms)
    if len(inner + joined + suffix) <= LINE_LENGTH:
        return [inner + joined + suffix]
    out = fit_line(inner + arms[0])
    for arm in arms[1:]:
        out += fit_line(f"{inner}| {arm}")
    out[-1] += suffix
    return out


# What scanning a line looks at: double-quoted strings whole (with their escapes; an
# f-string's braces are inside its quotes), and brackets. Generated code has no other quotes.
_SCAN = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"|[()\[\]{}]')


def _tokens(code: str) -> list[tuple[int, str]]:
    """Positions of the brackets outside double-quoted strings."""
    return [(m.start(), t) for m in _SCAN.finditer(code) if len(t := m[0]) == 1]


def _closing_split(code: str) -> tuple[str, str, str] | None:
    """Split ``code`` (ending in a closing bracket) at the bracket pair that closes it: head
    (through the opening bracket), body, closing bracket. Double-quoted strings are skipped."""
    if not code or code[-1] not in ")]}":
        return None
    stack: list[int] = []
    start = None
    for i, ch in _tokens(code):
        if ch in "([{":
            stack.append(i)
        elif not stack:
            return None
        else:
            start = stack.pop()
    if start is None or stack:
        return None
    return code[: start + 1], code[start + 1 : -1], code[-1]


def top_level_split(body: str, sep: str) -> list[str]:
    """Split ``body`` at ``sep`` outside brackets and strings."""
    if sep not in body:
        return [body.strip()]
    # The spans, [start, end), of the top-level strings and bracket pairs, in order. No
    # separator idlc splits at holds a quote or a bracket, so an occurrence is either wholly
    # inside one of them or wholly outside all.
    nested: list[tuple[int, int]] = []
    depth = 0
    opened = 0
    for m in _SCAN.finditer(body):
        t = m[0]
        if len(t) > 1:
            if depth == 0:
                nested.append((m.start(), m.end()))
        elif t in "([{":
            if depth == 0:
                opened = m.start()
            depth += 1
        else:
            depth -= 1
            if depth == 0:
                nested.append((opened, m.end()))
    parts: list[str] = []
    start = pos = k = 0
    width = len(sep)
    while (i := body.find(sep, pos)) >= 0:
        while k < len(nested) and nested[k][1] <= i:
            k += 1
        if k < len(nested) and nested[k][0] <= i:  # inside: look on after the span
            pos = nested[k][1]
            continue
        parts.append(body[start:i].strip())
        start = pos = i + width
    parts.append(body[start:].strip())
    return parts


# The true branch of a conditional expression that stands alone on its line (an argument, an
# item): no statement keyword, no assignment.
_EXPRESSION = re.compile(r"(?!(return|yield|raise|assert|del|await)\b)[^=]*$")


def fit_line(line: str, suffix: str = "") -> list[str]:
    """Lay out one over-long statement the way the formatter would; other lines pass through.

    ``suffix`` (a trailing comma, say) is appended to the last line and counts for length.
    """
    if len(line) + len(suffix) <= LINE_LENGTH:
        return [line + suffix]
    pad = line[: len(line) - len(line.lstrip())]
    code = line.strip()
    inner = pad + INDENT
    if code.startswith("if ") and code.endswith(":"):
        cond = code[3:-1]
        split_call = _closing_split(cond)
        if (
            split_call is not None
            and " or " not in cond
            and len(f"{pad}if {split_call[0]}") <= LINE_LENGTH
        ):
            # A lone call: the formatter splits its own brackets rather than add parentheses.
            return fit_line(f"{pad}if {split_call[0]}{split_call[1]}{split_call[2]}", ":" + suffix)
        if len(inner + cond) <= LINE_LENGTH:
            return [f"{pad}if (", inner + cond, f"{pad}):"]
        first, *rest = top_level_split(cond, " or ")
        operands = [inner + first, *(f"{inner}or {r}" for r in rest)]
        return [f"{pad}if (", *(ln for o in operands for ln in _chain_lines(o)), f"{pad}):"]
    conditional = top_level_split(code, " if ")
    if (
        len(conditional) == 2
        and len(top_level_split(conditional[1], " else ")) == 2
        and _EXPRESSION.match(conditional[0])  # an argument or item, not a statement
    ):
        # `A if B else C` (an NDR encoder's bool refusal), alone on its line: one part a line.
        cond, other = top_level_split(conditional[1], " else ")
        return [pad + conditional[0], f"{pad}if {cond}", f"{pad}else {other}{suffix}"]
    annotated = _annotation_split(code)
    if annotated is not None:
        # `name: A | B` or `Alias = A | B`: parenthesise the union, one arm a line if need be.
        head, union = annotated
        arms = top_level_split(union, " | ")
        return [f"{pad}{head}(", *_union_lines(inner, arms), f"{pad}){suffix}"]
    split = _closing_split(code)
    targets = top_level_split(code, " = ")
    if len(targets) == 2 and "," in targets[0] and not any(c in targets[0] for c in "([\"'"):
        # Unpacking: the formatter splits the value's own brackets if their head fits, else
        # parenthesises the value if the targets fit beside it, else explodes the targets.
        names, value = targets
        if split is None or len(pad + split[0]) > LINE_LENGTH:
            if len(f"{pad}{names} = (") <= LINE_LENGTH and len(inner + value) <= LINE_LENGTH:
                return [f"{pad}{names} = (", inner + value, f"{pad}){suffix}"]
            items = top_level_split(names, ",")
            return [f"{pad}(", *(f"{inner}{n}," for n in items), f"{pad}) = {value}{suffix}"]
    if split is None or len(pad + split[0]) > LINE_LENGTH:
        # No brackets to split, or their head is too long: wrap the value in parentheses if
        # that makes it fit (or is all there is to do).
        for keyword in ("return ", *(f"{t[0]} = " for t in [targets] if len(targets) == 2)):
            value = code[len(keyword) :]
            inside = _closing_split(value)
            helps = len(inner + value) <= LINE_LENGTH or (
                inside is not None and len(inner + inside[0]) <= LINE_LENGTH
            )
            head_fits = len(f"{pad}{keyword}(") <= LINE_LENGTH  # else parentheses gain nothing
            if code.startswith(keyword) and head_fits and (split is None or helps):
                return [f"{pad}{keyword}(", *fit_line(inner + value), f"{pad}){suffix}"]
        if split is None:
            return [line + suffix]
    head, body, close = split
    if not body.strip():
        return [line + suffix]
    # A call's arguments may hug on one indented line; a list or tuple display explodes.
    display = head == "(" or head.endswith((" [", " (", "=[", "=(", "return [", "return ("))
    fits = len(inner + body) <= LINE_LENGTH
    if fits and not display and not body.rstrip().endswith(","):
        return [pad + head, inner + body, pad + close + suffix]
    items = [i for i in top_level_split(body, ",") if i]
    if len(items) == 1 and not display:
        # One long argument or subscript: laid out on its own, with no trailing comma.
        return [pad + head, *fit_line(inner + items[0]), pad + close + suffix]
    out = [pad + head]
    for item in items:
        if len(inner) + len(item) < LINE_LENGTH:  # with its comma: what fit_line would say
            out.append(f"{inner}{item},")
        else:
            out += fit_line(inner + item, ",")
    out.append(pad + close + suffix)
    return out


def _chain_lines(line: str) -> list[str]:
    """An over-long operand of a split condition, broken before each top-level ``<=`` of its
    comparison chain at the operand's own indentation, as the formatter breaks it."""
    if len(line) <= LINE_LENGTH:
        return [line]
    pad = line[: len(line) - len(line.lstrip())]
    first, *rest = top_level_split(line.strip(), " <= ")
    return [pad + first, *(f"{pad}<= {r}" for r in rest)]


def _annotation_split(code: str) -> tuple[str, str] | None:
    """``("name: ", "A | B")`` for an annotated name or an alias whose value is a union."""
    if " | " not in code:
        return None
    for sep in (": ", " = "):
        parts = top_level_split(code, sep)
        if (
            len(parts) == 2
            and parts[0].isidentifier()
            and len(top_level_split(parts[1], " | ")) > 1
        ):
            return parts[0] + sep, parts[1]
    return None


# Over-long lines already laid out, by their text. Headers imported by many files generate the
# same long lines (codec checks, signatures) module after module: over the corpus 65 000 long
# lines are 24 200 distinct ones. Laying out is a pure function of the line, so a hit is exact.
_LAID_OUT: dict[str, str] = {}
_LAID_OUT_SIZE = 50_000


def relayout(text: str) -> str:
    """Apply ``fit_line`` to every line of generated source."""
    lines = text.split("\n")
    done = _LAID_OUT
    # Most lines fit (90% over the corpus): only the others are visited, and each is replaced
    # in place by its layout, newlines and all, so that one join makes the text.
    for i in [i for i, line in enumerate(lines) if len(line) > LINE_LENGTH]:
        line = lines[i]
        laid = done.get(line)
        if laid is None:
            laid = "\n".join(fit_line(line))
            if len(done) >= _LAID_OUT_SIZE:
                done.clear()
            done[line] = laid
        lines[i] = laid
    return "\n".join(lines)
