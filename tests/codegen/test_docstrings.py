"""IDL comments directly above an interface, a procedure or a type become its docstrings."""

from __future__ import annotations

import contextlib
import io
import os
from pathlib import Path
from types import ModuleType

import pytest

from idlc.backends.python.filters import docstring
from idlc.cli import main
from idlc.sourcefiles import leading_comment
from support import import_generated

IDL = r'''// A job queue.
//
// Jobs run "in order"; see \\server\share.
[
    uuid(12345678-1234-1234-1234-123456789abc),
    version(1.0)
]
interface Jobs
{
    /* The kinds of job. */
    typedef enum { QUICK, SLOW } KIND;

    /**
     * One job.
     *   its second line, indented
     */
    typedef struct { long id; KIND kind; } JOB;

    const long LIMIT = 4; // a comment after code documents nothing below it
    typedef struct { long a; } UNDOCUMENTED;

    // Start a job after `delay` ms.
    [idempotent] long StartJob([in] long delay, [out] JOB *job);

    // Ping. """quoted"""

    void Ping(void);  // a blank line parts a comment from what follows
}
'''


@pytest.fixture(scope="module")
def gen(tmp_path_factory: pytest.TempPathFactory) -> ModuleType:
    root = tmp_path_factory.mktemp("docs")
    (root / "jobs.idl").write_text(IDL)
    cwd = Path.cwd()
    os.chdir(root)
    try:
        with contextlib.redirect_stderr(io.StringIO()) as err:
            assert main(["jobs.idl", "-o", "gen_docs"]) == 0, err.getvalue()
    finally:
        os.chdir(cwd)
    return import_generated(root / "gen_docs", "jobs")


def test_interface_comment_follows_each_class_summary(gen: ModuleType) -> None:
    about = 'Jobs run "in order"; see \\\\server\\share.'
    for cls, summary in (
        (gen.JobsClient, "Blocking client of interface Jobs."),
        (gen.JobsAsyncClient, "asyncio client of interface Jobs."),
        (gen.JobsManager, "Manager routines of interface Jobs: subclass and override."),
    ):
        lines = [x.strip() for x in cls.__doc__.strip().split("\n")]
        assert lines == [summary, "", "A job queue.", "", about]


def test_procedure_and_type_comments(gen: ModuleType) -> None:
    assert gen.JobsClient.StartJob.__doc__ == "Start a job after `delay` ms."
    assert gen.JobsAsyncClient.StartJob.__doc__ == "Start a job after `delay` ms."
    assert gen.JobsManager.StartJob.__doc__ == "Start a job after `delay` ms."
    assert gen.JobsClient.Ping.__doc__ is None  # a blank line in between
    assert gen.KIND.__doc__ == "The kinds of job."
    assert gen.JOB.__doc__ == "One job.\n    its second line, indented\n    "  # as ruff formats it
    assert gen.UNDOCUMENTED.__doc__ != "a comment after code documents nothing below it"


def test_leading_comment_shapes(tmp_path: Path) -> None:
    f = tmp_path / "x.idl"
    f.write_text("/* a */ /* b */\nX\nint y; /* c */\nZ\n  /*\n   * d\n   */\n[\nW\n")
    name = str(f)
    assert leading_comment(name, 2) is None  # two blocks on one line
    assert leading_comment(name, 4) is None  # after code
    assert leading_comment(name, 9) == "d"  # past an attribute list's own "[" line
    assert leading_comment(name, 1) is None


def test_docstring_literals_stay_python() -> None:
    assert docstring("", None, "    ") == ""
    assert docstring("S.", None, "") == '"""S."""'
    assert docstring("", 'ends in a quote"', "") == '"""ends in a quote\\""""'
    assert docstring("", 'has """ and \\', "") == '"""has \\"\\"\\" and \\\\"""'
    assert docstring("", "bell\x07", "") == '"""bell\\x07"""'
    for text in ('x"', '"""', "a\\", "\x00", 'q"""'):
        literal = docstring("", text, "")
        assert eval(literal) == text


def test_equal_declarations_keep_their_own_comments(tmp_path: Path) -> None:
    """Two files declaring the same procedure and struct, commented differently, compiled in one
    process: the generator's memo of equal declarations must not hand one file's docstring (or
    its absence) to the other."""
    body = "[uuid(2b0a5f7e-1f3c-4e21-9d7a-5c1e8b3a6f40)] interface Same {{\n{0}\n}}\n"
    decls = "typedef struct {{ long x; }} PT;\n{1}\nlong Go([in] long n);"
    texts = {
        "first": body.format(decls.format("", "// Go, as the first file says.")),
        "second": body.format(decls.format("", "")),
        "third": body.format(decls.format("", "// Go, as the third file says.")),
    }
    for name, text in texts.items():
        (tmp_path / f"{name}.idl").write_text(text)
        out = tmp_path / f"out_{name}"
        with contextlib.redirect_stderr(io.StringIO()):
            assert main([str(tmp_path / f"{name}.idl"), "-o", str(out)]) == 0
    first = (tmp_path / "out_first" / "first.py").read_text()
    second = (tmp_path / "out_second" / "second.py").read_text()
    third = (tmp_path / "out_third" / "third.py").read_text()
    assert '"""Go, as the first file says."""' in first
    assert "as the" not in second
    assert '"""Go, as the third file says."""' in third
