"""The ``idlc`` command: the only layer that writes files."""

from __future__ import annotations

import gc
import os
import sys
from pathlib import Path
from types import SimpleNamespace
from typing import TYPE_CHECKING, Any, NoReturn

from . import __version__

if TYPE_CHECKING:
    import argparse

USAGE = (
    "idlc FILE.idl... [-o OUTDIR] [-I DIR]... [-D NAME[=VALUE]]... "
    "[--acf FILE.acf | --no-acf] [-Werror] [-w KIND]... [--check] [--version] [--dump-ir]"
)
DESCRIPTION = (
    "MIDL-style IDL compiler: one Python module per IDL file (named after its stem in lower\n"
    "case), with typed clients, a manager base class and the marshalling code."
)


def _epilog() -> str:
    from .diagnostics import WARNING_KINDS

    width = max(map(len, WARNING_KINDS))
    kinds = "\n".join(f"  {k:<{width}}  {v}" for k, v in WARNING_KINDS.items())  # < 100
    return (
        "exit status: 0 success (warnings allowed), 1 errors in the input (or stale files "
        "with --check), 2 internal failure.\n\nwarning kinds (each warning names its own, "
        "as [-Wkind]):\n" + kinds
    )


def _arg_parser() -> argparse.ArgumentParser:
    import argparse

    class _ArgumentParser(argparse.ArgumentParser):
        def error(self, message: str) -> None:  # type: ignore[override]
            self.print_usage(sys.stderr)
            sys.stderr.write(f"idlc: error: {message}\n")
            raise SystemExit(1)

    p = _ArgumentParser(
        prog="idlc",
        usage=USAGE,
        description=DESCRIPTION,
        epilog=_epilog(),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument(
        "files",
        nargs="*",
        metavar="FILE.idl",
        help="the IDL files to compile, each as if alone; the modules of the files they "
        "import are generated beside theirs",
    )
    p.add_argument(
        "-o",
        dest="outdir",
        default=None,
        metavar="OUTDIR",
        help="where to write the modules (default: the current directory); made a package "
        "(an empty __init__.py written if absent) unless it is the current directory",
    )
    p.add_argument(
        "-I",
        dest="include",
        action="append",
        default=[],
        metavar="DIR",
        help="search DIR for #include and import files, after the including file's folder",
    )
    p.add_argument(
        "-D",
        dest="define",
        action="append",
        default=[],
        metavar="NAME[=VALUE]",
        help="define a preprocessor macro, as a C compiler does",
    )
    acf = p.add_mutually_exclusive_group()
    acf.add_argument(
        "--acf",
        metavar="FILE.acf",
        help="read this ACF (one input file only) instead of FILE.acf beside FILE.idl",
    )
    acf.add_argument("--no-acf", action="store_true", help="read no ACF")
    p.add_argument("-Werror", dest="werror", action="store_true", help="make warnings errors")
    p.add_argument(
        "-w",
        dest="disable",
        action="append",
        default=[],
        metavar="KIND",
        help="do not report warnings of KIND (see the list below)",
    )
    p.add_argument(
        "--check",
        action="store_true",
        help="write nothing; exit 1 naming each generated file that is missing or out of date",
    )
    p.add_argument("--version", action="store_true", help="print the version and exit")
    p.add_argument(
        "--dump-ir", action="store_true", help="print the typed IR instead of writing modules"
    )
    return p


_VALUED = {"-o": "outdir", "-I": "include", "-D": "define", "--acf": "acf", "-w": "disable"}
_FLAGS = {
    "--no-acf": "no_acf",
    "--check": "check",
    "--version": "version",
    "--dump-ir": "dump_ir",
    "-Werror": "werror",
}


def _plain_args(argv: list[str]) -> SimpleNamespace | None:
    """What argparse makes of a command line in the plain spellings (each option whole, its
    value a separate word not starting with ``-``, the files in one run), without importing
    argparse (a tenth of a small file's start-up); None for anything else, which argparse then
    parses, explains or rejects."""
    values: dict[str, Any] = {
        "files": [],
        "outdir": None,
        "include": [],
        "define": [],
        "disable": [],
        "werror": False,
        "acf": None,
        "no_acf": False,
        "check": False,
        "version": False,
        "dump_ir": False,
    }
    files_state = 0  # 0: none yet, 1: in the run of files, 2: the run is over
    i = 0
    while i < len(argv):
        word = argv[i]
        if word in _VALUED or word in _FLAGS:
            if files_state == 1:
                files_state = 2
            if word in _FLAGS:
                values[_FLAGS[word]] = True
                i += 1
                continue
            if i + 1 == len(argv) or argv[i + 1][:1] in ("-", ""):
                return None
            dest = _VALUED[word]
            if dest in ("include", "define", "disable"):
                values[dest].append(argv[i + 1])
            else:
                values[dest] = argv[i + 1]
            i += 2
            continue
        if word[:1] in ("-", "") or files_state == 2:
            return None
        files_state = 1
        values["files"].append(word)
        i += 1
    if values["acf"] is not None and values["no_acf"]:
        return None  # argparse's "not allowed with" error
    return SimpleNamespace(**values)


def _parse_args(argv: list[str]) -> Any:
    plain = _plain_args(argv)
    return plain if plain is not None else _arg_parser().parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    # No cycle collection during the run: the front end and the generators make millions of
    # small acyclic objects (freed by reference counting), and each collection of the oldest
    # generation walks everything the process-wide caches hold. Cycles made meanwhile are
    # collected after, when the caller's collector runs again.
    collecting = gc.isenabled()
    gc.disable()
    try:
        return _run(argv)
    finally:
        if collecting:
            gc.enable()


def run() -> NoReturn:
    """The ``idlc`` command: ``main()``, then exit without freeing the heap object by object.
    A large run's caches take the interpreter's teardown most of a second (0.9 s after the
    visible corpus); the operating system frees the process's memory at once."""
    rc = main()
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except OSError:  # a reader that has gone away: nothing more can be said to it
        pass
    os._exit(rc)


def _run(argv: list[str] | None) -> int:
    try:
        return _main(sys.argv[1:] if argv is None else argv)
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else 1
    except KeyboardInterrupt:
        return 130
    except Exception as exc:  # the contract: no traceback for any input
        sys.stderr.write(f"idlc: internal error: {type(exc).__name__}: {exc}\n")
        return 2


def _main(argv: list[str]) -> int:
    args = _parse_args(argv)
    if args.version:
        print(f"idlc {__version__}")
        return 0
    if not args.files:
        _arg_parser().error("no input files")
    if args.acf and len(args.files) != 1:
        _arg_parser().error("--acf needs exactly one input file")

    from .diagnostics import WARNING_KINDS, DiagnosticSink, did_you_mean
    from .pipeline.frontend import FrontEnd, Options
    from .preprocess.preprocessor import parse_define

    for kind in args.disable:
        if kind not in WARNING_KINDS:
            _arg_parser().error(
                f"-w {kind}: no such warning kind{did_you_mean(kind, WARNING_KINDS)}"
            )
    policy = {"werror": args.werror, "disabled": frozenset(args.disable)}
    sink = DiagnosticSink(**policy)
    try:
        defines = tuple(parse_define(d) for d in args.define)
    except ValueError as exc:
        sys.stderr.write(f"idlc: error: {exc}\n")
        return 1
    options = Options(
        include_dirs=tuple(Path(d) for d in args.include),
        defines=defines,
        acf=Path(args.acf) if args.acf else None,
        no_acf=args.no_acf,
    )
    front = FrontEnd(options, sink)
    programs = []
    for name in args.files:
        program = front.compile(Path(name))
        if program is not None:
            programs.append(program)
    sink.write(sys.stderr)
    if sink.error_count:
        return 1
    if args.dump_ir:
        from .irdump import dump_program

        for program in programs:
            sys.stdout.write(dump_program(program))
        return 0
    outdir = Path(args.outdir if args.outdir is not None else ".")
    return _generate(programs, outdir, check=args.check, policy=policy)


def _generate(
    programs: list,  # type: ignore[type-arg]
    outdir: Path,
    *,
    check: bool,
    policy: dict[str, Any],
) -> int:
    from . import ir
    from .backends.python.render import generate
    from .diagnostics import DiagnosticSink
    from .pipeline import timing

    t = timing.now()
    outputs: dict[str, str] = {}
    sink = DiagnosticSink(**policy)  # what the generators cannot do: warnings
    for program in programs:
        for module in program.modules:
            if module.name in outputs:
                continue
            closure = _closure(program, module.name)
            sub = ir.Program(tuple(m for m in program.modules if m.name in closure), module.name)
            outputs[module.name] = generate(sub, version=__version__, sink=sink)
    sink.write(sys.stderr)
    if sink.error_count:  # -Werror
        return 1
    t = timing.charge("generate", t)
    try:
        stale = _write(outputs, outdir, check=check)
    except OSError as exc:  # an output folder that cannot be made, read or written to
        where = exc.filename if exc.filename is not None else outdir
        verb = "check" if check else "write"
        sys.stderr.write(f"idlc: error: cannot {verb} {where}: {exc.strerror or exc}\n")
        return 1
    timing.charge("write", t)
    return 1 if stale else 0


def _write(outputs: dict[str, str], outdir: Path, *, check: bool) -> int:
    """Write (or, with ``check``, compare) each module; the number that were stale. OUTDIR is
    made a package (its ``__init__.py``), unless it is the current directory: idlc never drops
    an ``__init__.py`` where it is run."""
    stale = 0
    fresh = False  # a folder made here holds nothing yet: no file to compare with
    if not check:
        try:
            outdir.mkdir(parents=True)
            fresh = True
        except FileExistsError:
            pass
        init = outdir / "__init__.py"
        if fresh or (not init.exists() and outdir.resolve() != Path.cwd().resolve()):
            init.write_text("", encoding="utf-8")
    for name, text in outputs.items():
        target = outdir / f"{name}.py"
        current = None if fresh or not target.is_file() else target.read_text(encoding="utf-8")
        if current == text:
            continue
        if check:
            state = "is missing" if current is None else "is out of date"
            sys.stderr.write(f"idlc: {target} {state}\n")
            stale += 1
        else:
            target.write_text(text, encoding="utf-8", newline="\n")
    return stale


def _closure(program: object, root: str) -> set[str]:
    from . import ir

    assert isinstance(program, ir.Program)
    out: set[str] = set()
    todo = [root]
    while todo:
        name = todo.pop()
        if name in out:
            continue
        out.add(name)
        todo.extend(program.module(name).imports)
    return out
