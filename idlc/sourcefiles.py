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
