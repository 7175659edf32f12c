"""A cache folder only this user can write, for the parser tables and compiled templates."""

from __future__ import annotations

import os
from functools import cache
from pathlib import Path


@cache
def cache_dir() -> Path | None:
    """A cache folder only this user can write (``$XDG_CACHE_HOME/idlc``, ``~/.cache/idlc``):
    the parser tables are pickles, which must never be loaded from a shared temp folder."""
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    folder = Path(base) / "idlc"
    try:
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        st = folder.stat()
    except OSError:
        return None
    if st.st_uid != os.getuid() or st.st_mode & 0o022:
        return None  # someone else could plant a file there
    return folder
