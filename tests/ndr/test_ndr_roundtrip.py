"""Property tests: every structure and union of the conformance IDL and of the examples, and
every procedure's request and response, round-trip through the generated NDR20 codecs.

Values are random and valid (sizes, offsets and discriminants agree with what governs them);
a type travels alone (``_ndr_enc_T`` -> ``_ndr_dec_T``), a procedure's arguments travel client
encode -> server decode and its results server encode -> client decode, and come back equal.
"""

from __future__ import annotations

import random
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from idlc import ir
from ndr.ndrkit import CONFORMANCE, Values, compile_idl
from support import ROOT

SOURCES = {
    "conformance": CONFORMANCE,
    "types": ROOT / "examples" / "types" / "Inventory.idl",
    "async": ROOT / "examples" / "async" / "AsyncRPC.idl",
}
_COMPILED: dict[str, tuple[ir.Program, ModuleType]] = {}


def compiled(key: str, tmp: Path) -> tuple[ir.Program, ModuleType]:
    if key not in _COMPILED:
        _COMPILED[key] = compile_idl(SOURCES[key], tmp / f"gen_ndr_rt_{key}")
    return _COMPILED[key]


@pytest.fixture(scope="module")
def tmp(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("ndr_rt")


def _is_context_handle(program: ir.Program, t: ir.Type) -> bool:
    while True:
        if isinstance(t, ir.PointerType):
            t = t.target
        elif isinstance(t, ir.TypeRef):
            d = program.resolve(t)
            if not isinstance(d, ir.Typedef):
                return False
            t = d.type
        else:
            return isinstance(t, ir.ContextHandleType)


def declarations(key: str) -> list[str]:
    from ndr.ndrkit import program_of

    program = program_of(SOURCES[key])
    decls = program.module(program.root).decls
    return [d.name for d in decls if isinstance(d, ir.Struct | ir.Union)]


def procedures(key: str) -> list[str]:
    """The procedures whose calls can travel without a server: those with context handles
    need a server's call in scope, and test_ndr_units covers them there."""
    from ndr.ndrkit import program_of

    program = program_of(SOURCES[key])
    return [
        p.name
        for i in program.module(program.root).interfaces
        for p in i.procedures
        if not any(
            _is_context_handle(program, t) for t in [p.return_type, *(x.type for x in p.params)]
        )
    ]


TYPE_CASES = [(k, n) for k in SOURCES for n in declarations(k)]
PROC_CASES = [(k, n) for k in SOURCES for n in procedures(k)]
SETTINGS = settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


@pytest.mark.parametrize(("key", "name"), TYPE_CASES, ids=[f"{k}-{n}" for k, n in TYPE_CASES])
@SETTINGS
@given(rng=st.randoms(use_true_random=False))
def test_type_round_trip(key: str, name: str, rng: random.Random, tmp: Path) -> None:
    program, module = compiled(key, tmp)
    values = Values(program, module, rng)
    ref = ir.TypeRef(name, program.root)
    decl = program.resolve(ref)
    encode = getattr(module, f"_ndr_enc_{name}")
    decode = getattr(module, f"_ndr_dec_{name}")
    if isinstance(decl, ir.Union) and decl.switch_name is None:
        d, value = values.union_arm(decl, 0)
        data = encode(value, d)
        assert decode(data, d) == value
        assert decode(data) == value  # the discriminant on the wire suffices
    else:
        value = values.of(ref)
        data = encode(value)
        assert decode(data) == value
    assert encode(decode(data)) == data if not isinstance(decl, ir.Union) else True


def _calls(
    program: ir.Program,
    module: ModuleType,
    iface: ir.Interface,
    proc: ir.Procedure,
    rng: random.Random,
) -> tuple[list[Any], list[Any]]:
    params = [p for p in proc.params if not p.is_handle]
    slots = [(p.name, p.type, p.range, p.switch_is) for p in params]
    if proc.has_retval:
        slots.append(("retval", proc.return_type, None, None))
    values = Values(program, module, rng).record(slots, 0)
    ins = [values[p.name] for p in proc.in_params]
    outs = [values[p.name] for p in proc.out_params]
    if proc.has_retval:
        outs.insert(0, values["retval"])
    return ins, outs


@pytest.mark.parametrize(("key", "name"), PROC_CASES, ids=[f"{k}-{n}" for k, n in PROC_CASES])
@SETTINGS
@given(rng=st.randoms(use_true_random=False))
def test_procedure_round_trip(key: str, name: str, rng: random.Random, tmp: Path) -> None:
    program, module = compiled(key, tmp)
    (iface,) = [i for i in program.module(program.root).interfaces]
    (proc,) = [p for p in iface.procedures if p.name == name]
    ins, outs = _calls(program, module, iface, proc, rng)
    prefix = f"_ndr_{iface.name}_{proc.name}"
    request = getattr(module, f"{prefix}_cin")(*ins)
    assert getattr(module, f"{prefix}_sin")(request) == tuple(ins)
    response = getattr(module, f"{prefix}_sout")(tuple(ins), *outs)
    result = getattr(module, f"{prefix}_cout")(response)
    if proc.out_params:
        assert tuple(result) == tuple(outs)
    else:
        assert result == (outs[0] if outs else None)
