"""Fixtures for the preprocessor tests: run ``preprocess`` over text or files in a temp dir."""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from pathlib import Path

import pytest

from idlc.diagnostics import Diagnostic, DiagnosticSink
from idlc.preprocess.preprocessor import Preprocessed, preprocess


class Result:
    def __init__(self, pre: Preprocessed, sink: DiagnosticSink) -> None:
        self.pre = pre
        self.sink = sink
        self.text = pre.text
        self.lines = pre.text.split("\n")

    @property
    def diagnostics(self) -> list[Diagnostic]:
        return self.sink.diagnostics

    def messages(self, severity: str = "error") -> list[str]:
        return [
            f"{d.span}: {d.message}" if d.span else d.message
            for d in self.sink.diagnostics
            if d.severity == severity
        ]

    def words(self) -> list[str]:
        """The output as whitespace-separated words (blank lines and spacing ignored)."""
        return self.text.split()


def run(
    tmp_path: Path,
    files: Mapping[str, str | bytes],
    root: str = "main.idl",
    *,
    include_dirs: Sequence[str] = (),
    defines: Mapping[str, str] | None = None,
) -> Result:
    """Write ``files`` under ``tmp_path`` and preprocess ``root``; paths in spans are relative."""
    for name, content in files.items():
        p = tmp_path / name
        p.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, str):
            p.write_text(content, encoding="utf-8", newline="")
        else:
            p.write_bytes(content)
    cwd = os.getcwd()
    os.chdir(tmp_path)
    try:
        sink = DiagnosticSink()
        pre = preprocess(
            Path(root),
            include_dirs=[Path(d) for d in include_dirs],
            defines=defines or {},
            sink=sink,
        )
    finally:
        os.chdir(cwd)
    return Result(pre, sink)


def run_text(text: str, *, defines: Mapping[str, str] | None = None) -> Result:
    """Preprocess ``text`` given directly (no file system), named ``t.idl``."""
    sink = DiagnosticSink()
    pre = preprocess(Path("t.idl"), sink=sink, text=text, defines=defines or {})
    return Result(pre, sink)


class Runner:
    """``pp.run(files, root, ...)`` over files in a temp dir; ``pp.text(src)`` over a string."""

    def __init__(self, tmp_path: Path) -> None:
        self.tmp_path = tmp_path

    def run(
        self,
        files: Mapping[str, str | bytes],
        root: str = "main.idl",
        *,
        include_dirs: Sequence[str] = (),
        defines: Mapping[str, str] | None = None,
    ) -> Result:
        return run(self.tmp_path, files, root, include_dirs=include_dirs, defines=defines)

    def text(self, text: str, *, defines: Mapping[str, str] | None = None) -> Result:
        return run_text(text, defines=defines)


@pytest.fixture
def pp(tmp_path: Path) -> Runner:
    return Runner(tmp_path)
