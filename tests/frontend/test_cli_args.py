"""The command line's plain-spelling shortcut gives what argparse gives, or leaves the words to
argparse (which then parses, explains or rejects them)."""

from __future__ import annotations

import contextlib
import io
import itertools
import random
import subprocess
import sys

import pytest

import idlc
from idlc import cli

WORDS = [
    "a.idl",
    "b.idl",
    "-o",
    "out",
    "-I",
    "inc",
    "-D",
    "X=1",
    "--acf",
    "a.acf",
    "--no-acf",
    "--check",
    "--version",
    "--dump-ir",
    "-Iinc",
    "-DX",
    "--acf=a.acf",
    "--no",
    "-",
    "--",
    "",
    "-x",
]


def argparse_says(argv: list[str]) -> dict[str, object] | None:
    with contextlib.redirect_stderr(io.StringIO()):
        try:
            return vars(cli._arg_parser().parse_args(argv))
        except SystemExit:
            return None


def check(argv: list[str]) -> None:
    plain = cli._plain_args(argv)
    if plain is not None:
        assert vars(plain) == argparse_says(argv), argv


def test_every_short_command_line() -> None:
    for n in range(4):
        for argv in itertools.product(WORDS, repeat=n):
            check(list(argv))


def test_random_longer_command_lines() -> None:
    rng = random.Random(6)
    for _ in range(3000):
        check([rng.choice(WORDS) for _ in range(rng.randint(4, 9))])


@pytest.mark.parametrize(
    "argv",
    [
        ["a.idl"],
        ["a.idl", "-o", "out", "--no-acf"],
        ["-o", "out", "-I", "inc", "-D", "X=1", "a.idl", "b.idl", "--check"],
        ["--acf", "a.acf", "a.idl"],
        ["--version"],
        ["a.idl", "--dump-ir"],
    ],
)
def test_the_usual_command_lines_take_the_shortcut(argv: list[str]) -> None:
    plain = cli._plain_args(argv)
    assert plain is not None and vars(plain) == argparse_says(argv)


def test_a_plain_command_line_does_not_import_argparse() -> None:
    code = (
        "import sys; from idlc.cli import main; "
        "main(['--version']); print('argparse' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["idlc", idlc.__version__, "False"]
