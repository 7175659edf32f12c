"""The command line: exit codes, outputs, --check, --dump-ir, -I/-D, --acf/--no-acf."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from frontend_helpers import HEADER, write

import idlc
from idlc import ir
from idlc.backends.python import render
from idlc.cli import main

CALC = HEADER + "interface Calc { long Add([in] long a, [in] long b); }\n"


@pytest.fixture(autouse=True)
def fake_codegen(monkeypatch: pytest.MonkeyPatch) -> None:
    """The CLI is tested apart from the generator: modules become a one-line summary."""

    def generate(program: ir.Program, *, version: str, sink: object = None) -> str:
        m = program.module(program.root)
        others = sorted(x.name for x in program.modules if x.name != m.name)
        return f"# {m.name} from {m.source} ({version}) imports {others}\n"

    monkeypatch.setattr(render, "generate", generate)


def run(tmp_path: Path, *args: str) -> int:
    cwd = Path.cwd()
    os.chdir(tmp_path)
    try:
        return main(list(args))
    finally:
        os.chdir(cwd)


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--version"]) == 0
    assert capsys.readouterr().out == f"idlc {idlc.__version__}\n"


def test_generates_modules_for_root_and_imports(tmp_path: Path) -> None:
    write(
        tmp_path,
        {"Calc-Server.IDL": 'import "types.idl";\n' + CALC, "types.idl": "typedef long T;\n"},
    )
    assert run(tmp_path, "Calc-Server.IDL", "-o", "out") == 0
    out = tmp_path / "out"
    assert sorted(p.name for p in out.iterdir()) == ["__init__.py", "calc_server.py", "types.py"]
    assert (out / "calc_server.py").read_text() == (
        f"# calc_server from Calc-Server.IDL ({idlc.__version__}) imports ['types']\n"
    )
    assert (out / "types.py").read_text().startswith("# types from types.idl")


def test_unchanged_output_keeps_mtime(tmp_path: Path) -> None:
    write(tmp_path, {"calc.idl": CALC})
    assert run(tmp_path, "calc.idl") == 0
    target = tmp_path / "calc.py"
    os.utime(target, (1_000_000, 1_000_000))
    assert run(tmp_path, "calc.idl") == 0
    assert target.stat().st_mtime == 1_000_000


def test_check(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write(tmp_path, {"calc.idl": CALC})
    assert run(tmp_path, "calc.idl", "--check", "-o", "gen") == 1
    assert capsys.readouterr().err == f"idlc: {Path('gen') / 'calc.py'} is missing\n"
    assert not (tmp_path / "gen").exists()
    assert run(tmp_path, "calc.idl", "-o", "gen") == 0
    assert run(tmp_path, "calc.idl", "--check", "-o", "gen") == 0
    (tmp_path / "gen" / "calc.py").write_text("stale\n")
    capsys.readouterr()
    assert run(tmp_path, "calc.idl", "--check", "-o", "gen") == 1
    assert "is out of date" in capsys.readouterr().err


def test_an_output_folder_made_afresh_gets_the_package_marker_and_every_module(
    tmp_path: Path,
) -> None:
    write(tmp_path, {"calc.idl": 'import "t.idl";\n' + CALC, "t.idl": "typedef long T;\n"})
    assert run(tmp_path, "calc.idl", "-o", "a/b/c") == 0
    out = tmp_path / "a" / "b" / "c"
    assert sorted(p.name for p in out.iterdir()) == ["__init__.py", "calc.py", "t.py"]
    (out / "t.py").write_text("edited\n")
    assert run(tmp_path, "calc.idl", "-o", "a/b/c") == 0  # an existing folder: compared, rewritten
    assert (out / "t.py").read_text().startswith("# t from t.idl")


def test_an_output_folder_that_cannot_be_written_is_an_error_not_a_crash(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write(tmp_path, {"calc.idl": CALC, "taken": "a file, not a folder\n"})
    assert run(tmp_path, "calc.idl", "-o", "taken") == 1
    assert capsys.readouterr().err == (
        f"idlc: error: cannot write {Path('taken') / '__init__.py'}: Not a directory\n"
    )
    assert run(tmp_path, "calc.idl", "-o", "taken/sub") == 1
    assert (
        capsys.readouterr().err
        == f"idlc: error: cannot write {Path('taken/sub')}: Not a directory\n"
    )
    (tmp_path / "gen" / "calc.py").mkdir(parents=True)  # a folder where a module should be
    assert run(tmp_path, "calc.idl", "-o", "gen") == 1
    assert capsys.readouterr().err == (
        f"idlc: error: cannot write {Path('gen') / 'calc.py'}: Is a directory\n"
    )
    assert run(tmp_path, "calc.idl", "--check", "-o", "gen") == 1  # not a module: missing
    assert capsys.readouterr().err == f"idlc: {Path('gen') / 'calc.py'} is missing\n"


def test_errors_exit_1_with_gcc_style(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write(tmp_path, {"bad.idl": HEADER + "interface B { void F([in] NOPE x); }\n"})
    assert run(tmp_path, "bad.idl") == 1
    err = capsys.readouterr().err
    assert err.startswith("bad.idl:2:27: error: unknown type 'NOPE'\n")
    assert not (tmp_path / "bad.py").exists()


def test_warnings_exit_0(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write(tmp_path, {"w.idl": HEADER + "interface W { [maybe] void F(void); }\n"})
    assert run(tmp_path, "w.idl") == 0
    err = capsys.readouterr().err
    assert "warning: attribute [maybe] is not implemented by idlc and is ignored" in err


def test_unknown_attributes_are_errors(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write(tmp_path, {"w.idl": HEADER + "interface W { [zork] void F(void); }\n"})
    assert run(tmp_path, "w.idl") == 1
    assert "error: unknown attribute 'zork'\n" in capsys.readouterr().err
    assert not (tmp_path / "w.py").exists()


def test_missing_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(tmp_path, "nope.idl") == 1
    assert capsys.readouterr().err == "idlc: error: cannot open 'nope.idl': no such file\n"


def test_usage_errors(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(tmp_path) == 1
    assert run(tmp_path, "a.idl", "--acf", "x.acf", "--no-acf") == 1
    write(tmp_path, {"a.idl": CALC, "b.idl": CALC})
    assert run(tmp_path, "a.idl", "b.idl", "--acf", "x.acf") == 1
    assert "idlc: error:" in capsys.readouterr().err


def test_include_and_define_attached(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "inc/lib.idl": "typedef long L;\n",
            "t.idl": '#if FLAVOR == 2\nimport "lib.idl";\n#endif\n' + CALC,
        },
    )
    assert run(tmp_path, "t.idl", "-Iinc", "-DFLAVOR=2", "-o", "o1") == 0
    assert (tmp_path / "o1" / "lib.py").exists()
    assert run(tmp_path, "t.idl", "-I", "inc", "-D", "FLAVOR=1", "-o", "o2") == 0
    assert not (tmp_path / "o2" / "lib.py").exists()


def test_acf_flags_and_dump_ir(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write(
        tmp_path,
        {
            "calc.idl": CALC,
            "calc.acf": "interface Calc { [async] Add(); }\n",
            "x.acf": "interface Calc { }\n",
        },
    )
    assert run(tmp_path, "calc.idl", "--dump-ir") == 0
    out = capsys.readouterr().out
    assert "0: Add -> long [async]" in out
    assert out.startswith("program calc\nmodule calc (calc.idl)\n")
    assert run(tmp_path, "calc.idl", "--dump-ir", "--no-acf") == 0
    assert "[async]" not in capsys.readouterr().out
    assert run(tmp_path, "calc.idl", "--dump-ir", "--acf", "x.acf") == 0
    assert "[async]" not in capsys.readouterr().out
    assert not (tmp_path / "calc.py").exists()


def test_several_inputs_share_imports(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "common.idl": "typedef long C;\n",
            "a.idl": 'import "common.idl";\n' + CALC.replace("Calc", "A"),
            "b.idl": 'import "common.idl";\n' + CALC.replace("Calc", "B"),
        },
    )
    assert run(tmp_path, "a.idl", "b.idl") == 0
    assert {p.name for p in tmp_path.glob("*.py")} == {"a.py", "b.py", "common.py"}


def test_no_package_marker_where_idlc_runs(tmp_path: Path) -> None:
    """Without -o (or with -o naming the current directory) the modules go where idlc runs,
    and no __init__.py is dropped there; any other OUTDIR is made a package."""
    write(tmp_path, {"calc.idl": CALC})
    assert run(tmp_path, "calc.idl") == 0
    assert run(tmp_path, "calc.idl", "-o", ".") == 0
    assert run(tmp_path, "calc.idl", "-o", str(tmp_path)) == 0
    assert {p.name for p in tmp_path.glob("*.py")} == {"calc.py"}
    (tmp_path / "gen").mkdir()
    assert run(tmp_path, "calc.idl", "-o", "gen") == 0
    assert {p.name for p in (tmp_path / "gen").iterdir()} == {"calc.py", "__init__.py"}
    (tmp_path / "gen" / "__init__.py").write_text("# mine\n")
    assert run(tmp_path, "calc.idl", "-o", "gen") == 0
    assert (tmp_path / "gen" / "__init__.py").read_text() == "# mine\n"  # never overwritten


def test_help_describes_every_flag(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--help"]) == 0
    out = capsys.readouterr().out
    for flag in ("-o OUTDIR", "-I DIR", "-D NAME", "--acf", "--no-acf", "-Werror", "-w KIND"):
        line = next(x for x in out.splitlines() if x.strip().startswith(flag))
        assert len(line.split()) > len(flag.split()) + 1, line  # a description follows
    for flag in ("--check", "--version", "--dump-ir"):
        assert f"  {flag}  " in out or f"  {flag} " in out
    assert "ignored-attribute" in out and "exit status" in out


def test_internal_errors_exit_2(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def boom(program: ir.Program, *, version: str, sink: object = None) -> str:
        raise RuntimeError("kaput")

    monkeypatch.setattr(render, "generate", boom)
    write(tmp_path, {"calc.idl": CALC})
    assert run(tmp_path, "calc.idl") == 2
    assert capsys.readouterr().err == "idlc: internal error: RuntimeError: kaput\n"


def test_python_m_idlc_version() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "idlc", "--version"], capture_output=True, text=True, check=True
    )
    assert out.stdout == f"idlc {idlc.__version__}\n"


def test_the_command_ends_with_its_status_and_all_its_output(tmp_path: Path) -> None:
    """``idlc`` ends without the interpreter's teardown (os._exit): what it wrote to a pipe
    must still arrive whole, and its exit status must be main()'s."""
    write(tmp_path, {"calc.idl": CALC, "bad.idl": HEADER + "interface Bad { long F( }\n"})
    command = [sys.executable, "-m", "idlc"]
    dump = subprocess.run(
        [*command, "calc.idl", "--dump-ir"], cwd=tmp_path, capture_output=True, text=True
    )
    assert dump.returncode == 0
    assert "Add" in dump.stdout and dump.stdout.endswith("\n")
    in_process = "import sys; from idlc.cli import main; main(sys.argv[1:])"
    inproc = subprocess.run(
        [sys.executable, "-c", in_process, "calc.idl", "--dump-ir"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
    )
    assert dump.stdout == inproc.stdout
    bad = subprocess.run([*command, "bad.idl"], cwd=tmp_path, capture_output=True, text=True)
    assert bad.returncode == 1
    assert "bad.idl:" in bad.stderr and bad.stderr.endswith("\n")
