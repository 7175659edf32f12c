"""The pure filters the templates call: data from the views in, laid-out Python text out.

Templates write the fixed shapes of generated code; where a shape's line breaks depend on its
length in a way ``layout.relayout`` (run over the whole text afterwards) does not reproduce, a
filter lays it out as ``ruff format`` would. Each is a pure function of its arguments, so the
layouts are kept by value: the same signatures recur module after module.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import lru_cache

from .layout import py_str, py_value, signature, wrap

Param = str | tuple[str, str]  # written as is ("self", "*"), or (name, annotation)


def _param(p: Param) -> str:
    return p if isinstance(p, str) else f"{p[0]}: {p[1]}"


@lru_cache(maxsize=20_000)
def method_signature(
    name: str,
    params: tuple[Param, ...],
    returns: str,
    keywords: tuple[Param, ...] = (),
    is_async: bool = False,
) -> str:
    """A method's ``def`` line(s): ``params``, then ``*`` and ``keywords`` if there are any."""
    items = [_param(p) for p in params]
    if keywords:
        items += ["*", *(_param(p) for p in keywords)]
    return "\n".join(signature("    ", name, items, returns, is_async=is_async))


def names(params: Iterable[tuple[str, str]]) -> str:
    """The names of (name, annotation) pairs, as the arguments of a call."""
    return ", ".join([name for name, _ in params])


def args_tuple(params: Iterable[tuple[str, str]]) -> str:
    """The names of (name, annotation) pairs as a tuple display: ``()``, ``(x,)``, ``(x, y)``."""
    items = [name for name, _ in params]
    return f"({items[0]},)" if len(items) == 1 else f"({', '.join(items)})"


def py_tuple(items: Iterable[str], indent: str, head: str, tail: str) -> str:
    """A tuple display after ``head``: ``()``, ``(x,)`` or the items one a line (a magic trailing
    comma when ``tail`` follows), as the formatter writes it."""
    items = list(items)
    if not items:
        return f"{indent}{head}(){tail}"
    if len(items) == 1:
        return "\n".join(wrap(indent, f"{head}(", [items[0] + ","], f"){tail}"))
    return "\n".join(wrap(indent, f"{head}(", items, f"){tail}", magic=bool(tail)))


def docstring(summary: str, doc: str | None, indent: str) -> str:
    """A docstring at ``indent``: ``summary`` (may be empty), then the IDL comment ``doc`` as
    its own paragraph; empty when both are."""
    parts = [x for x in (summary, doc) if x]
    if not parts:
        return ""
    text = "\n\n".join(parts).replace("\\", "\\\\").replace('"""', '\\"\\"\\"')
    if text.endswith('"') and not text.endswith('\\"'):
        text = text[:-1] + '\\"'
    text = "".join(c if c >= " " or c in "\n\t" else f"\\x{ord(c):02x}" for c in text)
    # As ruff format writes a docstring: the first line without leading blanks, the others
    # indented alike (their common indentation replaced by the docstring's).
    lines = [x.rstrip() for x in text.split("\n")]
    lines[0] = lines[0].lstrip()
    rest = [_expand_indent(x) for x in lines[1:]]
    common = min((len(x) - len(x.lstrip()) for x in rest if x), default=0)
    if not rest:
        return f'{indent}"""{lines[0]}"""'
    body = [f"{indent}{x[common:]}" if x else "" for x in rest]
    return "\n".join([f'{indent}"""{lines[0]}', *body, f'{indent}"""'])


def _expand_indent(line: str) -> str:
    stripped = line.lstrip()
    return line[: len(line) - len(stripped)].expandtabs(8) + stripped


FILTERS: dict[str, Callable[..., str]] = {
    "docstring": docstring,
    "signature": method_signature,
    "names": names,
    "args_tuple": args_tuple,
    "py_str": py_str,
    "py_tuple": py_tuple,
    "py_value": py_value,
}
