"""IR to Python source: builds the module's view and renders the Jinja templates."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import jinja2

from ...cachedir import cache_dir
from ...diagnostics import DiagnosticSink
from ...ir import Program, Span
from . import module_view
from .filters import FILTERS
from .layout import relayout


def template_dirs() -> list[Path]:
    """Where the templates are: inside the installed package, or ``templates/`` in a checkout."""
    package = Path(__file__).resolve().parents[2]  # idlc/
    return [d for d in (package / "templates", package.parent / "templates") if d.is_dir()]


@cache
def environment() -> jinja2.Environment:
    """The Jinja environment, built once per process."""
    folder = cache_dir()
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader([str(d) for d in template_dirs()]),
        # Compiled templates are kept between runs: compiling them is most of a cold start's
        # generation time for a small file.
        bytecode_cache=None if folder is None else jinja2.FileSystemBytecodeCache(str(folder)),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        autoescape=False,
    )
    env.filters.update(FILTERS)
    return env


# Generated text by the identity of the IR modules it came from: the front end shares one
# Module object per file across compiles in a process, so a header imported by many files is
# generated once. The entry holds the modules, so their ids cannot be reused while cached.
_Warnings = tuple[tuple[Span | None, str], ...]
_CACHE: dict[tuple[object, ...], tuple[tuple[object, ...], str, _Warnings]] = {}
_CACHE_SIZE = 512


def generate(program: Program, *, version: str, sink: DiagnosticSink | None = None) -> str:
    """The Python source of the module for ``program.root``; what its NDR20 codecs cannot
    marshal goes to ``sink`` as warnings (the codecs raise RPC_S_CANNOT_SUPPORT there)."""
    key = (program.root, version, *(id(m) for m in program.modules))
    hit = _CACHE.get(key)
    if hit is None:
        view = module_view.build(program, version=version)
        text = environment().get_template("module.py.j2").render(m=view)
        # Templates keep blank lines simple; normalise the trailing ones to exactly one newline.
        source = relayout(text.rstrip("\n")) + "\n"
        if len(_CACHE) >= _CACHE_SIZE:
            _CACHE.pop(next(iter(_CACHE)))
        hit = _CACHE[key] = (program.modules, source, view.ndr.warnings)
    if sink is not None:
        for span, message in hit[2]:
            sink.warning(message, span, kind="ndr")
    return hit[1]
