"""Exact stderr for what the ``e_*.idl`` cases cannot show: the ACF's names and attributes (those
cases run with ``--no-acf``), and the flags that change how warnings are reported."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from idlc.cli import main

IDL = """[uuid(12345678-1234-1234-1234-123456789abc), version(1.0)]
interface Jobs
{
    typedef struct { long id; } JOB;
    long StartJob([in] long delay, [out] JOB *job);
    [maybe] void Ping(void);
}
"""


def run(tmp_path: Path, acf: str | None, *args: str) -> tuple[int, str]:
    (tmp_path / "jobs.idl").write_text(IDL)
    if acf is not None:
        (tmp_path / "jobs.acf").write_text(acf)
    cwd = Path.cwd()
    os.chdir(tmp_path)
    try:
        status = main(["jobs.idl", "--dump-ir", *args])
    finally:
        os.chdir(cwd)
    return status, ""


@pytest.fixture
def idlc(tmp_path: Path, capsys: pytest.CaptureFixture[str]):  # type: ignore[no-untyped-def]
    def call(acf: str | None, *args: str) -> tuple[int, str]:
        status, _ = run(tmp_path, acf, *args)
        return status, capsys.readouterr().err

    return call


MAYBE = """jobs.idl:6:6: warning: attribute [maybe] is not implemented by idlc and is ignored \
[-Wignored-attribute]
     [maybe] void Ping(void);
      ^
"""


def test_a_misspelt_acf_procedure_is_an_error_with_a_hint(idlc) -> None:  # type: ignore[no-untyped-def]
    status, err = idlc("interface Jobs { [async] StartJobs(); }\n")
    assert status == 1
    assert err == MAYBE + (
        "jobs.acf:1:26: error: ACF procedure 'StartJobs' is not declared in interface 'Jobs'; "
        "did you mean 'StartJob'?\n"
        " interface Jobs { [async] StartJobs(); }\n"
        "                          ^\n"
    )


def test_acf_parameters_types_and_attributes(idlc) -> None:  # type: ignore[no-untyped-def]
    acf = (
        "typedef [encode] JOBS;\n"
        "interface Jobs { [asynch] StartJob([comm_stat] delai); [notify] Ping(); }\n"
    )
    status, err = idlc(acf)
    assert status == 1
    assert err == MAYBE + (
        "jobs.acf:1:18: error: ACF type 'JOBS' is not declared in jobs.idl; did you mean 'JOB'?\n"
        " typedef [encode] JOBS;\n"
        "                  ^\n"
        "jobs.acf:2:19: error: unknown ACF attribute 'asynch'; did you mean 'async'?\n"
        " interface Jobs { [asynch] StartJob([comm_stat] delai); [notify] Ping(); }\n"
        "                   ^\n"
        "jobs.acf:2:37: error: unknown ACF attribute 'comm_stat'; did you mean 'comm_status'?\n"
        " interface Jobs { [asynch] StartJob([comm_stat] delai); [notify] Ping(); }\n"
        "                                     ^\n"
        "jobs.acf:2:48: error: ACF parameter 'delai' is not a parameter of 'StartJob'; "
        "did you mean 'delay'?\n"
        " interface Jobs { [asynch] StartJob([comm_stat] delai); [notify] Ping(); }\n"
        "                                                ^\n"
        "jobs.acf:2:57: warning: ACF attribute [notify] is not implemented by idlc and is "
        "ignored [-Wignored-attribute]\n"
        " interface Jobs { [asynch] StartJob([comm_stat] delai); [notify] Ping(); }\n"
        "                                                         ^\n"
    )


def test_werror_makes_warnings_errors(idlc) -> None:  # type: ignore[no-untyped-def]
    status, err = idlc(None, "-Werror")
    assert status == 1
    assert err == MAYBE.replace("warning:", "error:").replace(
        "[-Wignored-attribute]", "[-Werror=ignored-attribute]"
    )


def test_w_silences_one_kind(idlc) -> None:  # type: ignore[no-untyped-def]
    status, err = idlc(None, "-w", "ignored-attribute")
    assert (status, err) == (0, "")
    status, err = idlc(None, "-w", "ignored-attribute", "-Werror")
    assert (status, err) == (0, "")
    status, err = idlc(None, "-w", "unsupported")
    assert (status, err) == (0, MAYBE)


def test_w_names_a_kind_that_exists(idlc) -> None:  # type: ignore[no-untyped-def]
    status, err = idlc(None, "-w", "ignored-attributes")
    assert status == 1
    assert err.endswith(
        "idlc: error: -w ignored-attributes: no such warning kind; "
        "did you mean 'ignored-attribute'?\n"
    )


def test_acf_async_on_a_callback_is_ignored_with_a_warning(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "cb.idl").write_text(
        "[uuid(12345678-1234-1234-1234-123456789abc), version(1.0)]\n"
        "interface Cb { void Run(void); [callback] void Back([in] long n); }\n"
    )
    (tmp_path / "cb.acf").write_text("interface Cb { [async] Back(); [async] Run(); }\n")
    cwd = Path.cwd()
    os.chdir(tmp_path)
    try:
        status = main(["cb.idl", "--dump-ir"])
    finally:
        os.chdir(cwd)
    out, err = capsys.readouterr()
    assert status == 0
    assert err == (
        "cb.acf:1:24: warning: [async] on [callback] procedure 'Back' is ignored: a callback "
        "is an ordinary call that the client serves [-Wunsupported]\n"
        " interface Cb { [async] Back(); [async] Run(); }\n"
        "                        ^\n"
    )
    assert "0: Run -> void [async]\n" in out and "1: Back -> void [callback]\n" in out
