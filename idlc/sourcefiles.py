"""Symbolic links stored as text, as git checks them out where links are not available.

Such a file holds nothing but a relative path to its target (``../../idl/ms-dtyp.idl``). MIDL
users meet them in repositories cloned on Windows or copied without links; idlc reads through
them as a file system would, keeping the link's own path in diagnostics and module names.
"""

from __future__ import annotations

import os

_MAX_LINK_SIZE = 1024
_MAX_HOPS = 8


def follow(path: str) -> str:
    """The file whose contents ``path`` stands for: ``path`` itself unless it is a text link."""
    for _ in range(_MAX_HOPS):
        target = _link_target(path)
        if target is None:
            return path
        path = target
    return path


def _link_target(path: str) -> str | None:
    try:
        if os.path.getsize(path) > _MAX_LINK_SIZE:
            return None
        with open(path, "rb") as f:
            data = f.read()
    except OSError:
        return None
    try:
        text = data.decode("utf-8").strip()
    except UnicodeDecodeError:
        return None
    if not text or any(ch.isspace() for ch in text) or "/" not in text or os.path.isabs(text):
        return None
    target = os.path.normpath(os.path.join(os.path.dirname(path), text))
    return target if os.path.isfile(target) else None


# The lines of files asked for comments, by path, with the file's size and time.
_LINES: dict[str, tuple[tuple[int, int], list[str]]] = {}


def _lines(file: str) -> list[str]:
    path = os.path.abspath(follow(file))
    try:
        st = os.stat(path)
        stamp = (st.st_mtime_ns, st.st_size)
        kept = _LINES.get(path)
        if kept is not None and kept[0] == stamp:
            return kept[1]
        with open(path, "rb") as f:
            data = f.read()
    except OSError:
        return []
    lines = data.decode("utf-8", errors="replace").replace("\r\n", "\n").split("\n")
    _LINES[path] = (stamp, lines)
    return lines


def leading_comment(file: str, line: int) -> str | None:
    """The text of the comment directly above line ``line`` of ``file`` (1-based), on lines of
    its own: a run of ``//`` lines, or one ``/* ... */`` block ending on the line above. Markers,
    a leading ``*`` on the lines of a block and the common indentation are removed; None when
    there is no such comment or it holds no text."""
    lines = _lines(file)
    i = line - 2  # the line above, 0-based
    while 0 <= i < len(lines) and lines[i].strip() == "[":  # an attribute list's own line
        i -= 1
    if not 0 <= i < len(lines):
        return None
    above = lines[i].strip()
    body: list[str] = []
    if above.startswith("//"):
        while i >= 0 and lines[i].strip().startswith("//"):
            body.append(lines[i].strip()[2:].lstrip("/"))
            i -= 1
        body.reverse()
    elif above.endswith("*/"):
        end = i
        while i >= 0 and "/*" not in lines[i]:
            i -= 1
        if i < 0 or lines[i].strip()[:2] != "/*":
            return None  # a comment after code, or none at all
        text = "\n".join(x.strip() for x in lines[i : end + 1])
        text = text[2:-2].lstrip("*!")
        if "/*" in text or "*/" in text:
            return None  # several blocks: not one comment
        body = [x[1:] if x.startswith("*") else x for x in text.split("\n")]
    else:
        return None
    body = [x.rstrip() for x in body]
    while body and not body[0].strip():
        body.pop(0)
    while body and not body[-1].strip():
        body.pop()
    if not body:
        return None
    indent = min(len(x) - len(x.lstrip()) for x in body if x.strip())
    return "\n".join(x[indent:] for x in body)
