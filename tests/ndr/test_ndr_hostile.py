"""Hostile octets: whatever a peer sends, the generated NDR20 decoders raise ``RpcError`` and
nothing else (no IndexError, struct.error, UnicodeDecodeError, MemoryError), with the code the
fault calls for: 1783 RPC_X_BAD_STUB_DATA for malformed data, 1734 RPC_X_INVALID_BOUND for
bounds that contradict each other, 1780 RPC_X_NULL_REF_POINTER for a null [ref] pointer, 1781
for a value an enum does not declare. A count is never trusted: a conformance of 2**32 - 1
costs no more than any other bad count.
"""

from __future__ import annotations

import random
import struct
import time
from collections.abc import Callable
from types import ModuleType
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import idlrt
from idlc import ir
from ndr.ndrkit import CONFORMANCE, Unsupported, Values, compile_idl

CODES = {1783, 1734, 1780, 1781}
SETTINGS = settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


@pytest.fixture(scope="module")
def conformance(tmp_path_factory: pytest.TempPathFactory) -> tuple[ir.Program, ModuleType]:
    return compile_idl(CONFORMANCE, tmp_path_factory.mktemp("ndr_hostile") / "gen_ndr_hostile")


def decoders(program: ir.Program) -> list[str]:
    """Every decoder that reads a peer's octets: each type's, each procedure's both sides."""
    module = program.module(program.root)
    names = [f"_ndr_dec_{d.name}" for d in module.decls if isinstance(d, ir.Struct | ir.Union)]
    for iface in module.interfaces:
        for p in iface.procedures:
            if p.name not in ("Open", "Use"):  # context handles: test_ndr_units
                names += [f"_ndr_{iface.name}_{p.name}_sin", f"_ndr_{iface.name}_{p.name}_cout"]
    return names


def refuses(decode: Callable[[bytes], Any], data: bytes) -> int | None:
    """None if ``data`` decodes, else the RpcError's code (anything else fails the test)."""
    try:
        decode(data)
    except idlrt.RpcError as exc:
        assert exc.code in CODES, exc
        return exc.code
    return None


def samples(program: ir.Program, module: ModuleType, name: str, seed: int) -> list[bytes]:
    """Valid octets for the decoder ``name``, from random values."""
    rng = random.Random(seed)
    values = Values(program, module, rng)
    if name.startswith("_ndr_dec_"):
        tname = name.removeprefix("_ndr_dec_")
        decl = program.resolve(ir.TypeRef(tname, program.root))
        encode = getattr(module, f"_ndr_enc_{tname}")
        if isinstance(decl, ir.Union) and decl.switch_name is None:
            d, v = values.union_arm(decl, 0)
            return [encode(v, d)]
        return [encode(values.of(ir.TypeRef(tname, program.root)))]
    _, _, iface, proc, side = name.split("_")  # _ndr_<interface>_<procedure>_<side>
    (p,) = [
        p for i in program.module(program.root).interfaces for p in i.procedures if p.name == proc
    ]
    params = [q for q in p.params if not q.is_handle]
    slots = [(q.name, q.type, q.range, q.switch_is) for q in params]
    if p.has_retval:
        slots.append(("retval", p.return_type, None, None))
    got = values.record(slots, 0)
    ins = [got[q.name] for q in p.in_params]
    outs = [got[q.name] for q in p.out_params]
    if p.has_retval:
        outs.insert(0, got["retval"])
    prefix = f"_ndr_{iface}_{proc}"
    if side == "sin":
        return [getattr(module, f"{prefix}_cin")(*ins)]
    return [getattr(module, f"{prefix}_sout")(tuple(ins), *outs)]


def test_every_truncation_is_refused(conformance: tuple[ir.Program, ModuleType]) -> None:
    program, module = conformance
    checked = 0
    for name in decoders(program):
        decode = getattr(module, name)
        for seed in range(8):
            try:
                (data,) = samples(program, module, name, seed)
            except Unsupported:
                continue
            assert refuses(decode, data) is None
            for n in range(len(data)):
                # a shorter stub is refused, or is a shorter valid value (an empty array...)
                refuses(decode, data[:n])
                checked += 1
    assert checked > 1000


@pytest.mark.parametrize("seed", range(4))
@SETTINGS
@given(noise=st.binary(min_size=1, max_size=64), where=st.integers(0, 10_000))
def test_corrupted_octets_are_refused_or_decoded(
    conformance: tuple[ir.Program, ModuleType], seed: int, noise: bytes, where: int
) -> None:
    program, module = conformance
    for name in decoders(program):
        try:
            (data,) = samples(program, module, name, seed)
        except Unsupported:
            continue
        at = where % (len(data) + 1)
        refuses(getattr(module, name), data[:at] + noise + data[at + len(noise) :])


@SETTINGS
@given(data=st.binary(max_size=300))
def test_random_octets_are_refused_or_decoded(
    conformance: tuple[ir.Program, ModuleType], data: bytes
) -> None:
    program, module = conformance
    for name in decoders(program):
        refuses(getattr(module, name), data)


HUGE = 0xFFFFFFFF


def quickly(decode: Callable[[bytes], Any], data: bytes, code: int) -> None:
    start = time.perf_counter()
    assert refuses(decode, data) == code
    assert time.perf_counter() - start < 0.05


def test_lying_conformance_costs_nothing(conformance: tuple[ir.Program, ModuleType]) -> None:
    _, m = conformance
    # Arrays(n, values[n], ...): values' maximum count 2**32 - 1 with n saying the same
    quickly(m._ndr_NdrConformance_Arrays_sin, struct.pack("<lL", -1, HUGE), 1783)
    # an array of octets ([out] octets in the response)
    response = struct.pack("<LL", 0, HUGE) + b"xy"  # optional: null; octets: 2**32 - 1
    quickly(m._ndr_NdrConformance_Arrays_cout, response, 1783)
    # an array of structures behind a pointer: RECORDS{count, records*}
    quickly(m._ndr_dec_RECORDS, struct.pack("<lLL", -1, 0x20000, HUGE), 1783)
    # strings: a maximum count that does not match the actual one, a huge actual one
    quickly(m._ndr_dec_CSTRING, struct.pack("<LlLL", HUGE, 1, 0, HUGE), 1783)
    quickly(m._ndr_NdrConformance_Strings_sin, struct.pack("<LLL", HUGE, 0, HUGE), 1783)
    # a conformant structure (SID) whose count is huge
    quickly(m._ndr_dec_SID, struct.pack("<LBB", HUGE, 1, 255) + bytes(8), 1783)
    # a varying array whose offset and count exceed its 10 items
    quickly(m._ndr_dec_VARYING, struct.pack("<llLL", 0, 3, HUGE, 3), 1734)
    # conformant-varying: actual count above the maximum
    data = struct.pack("<llLLLL", 2, 3, 0x20000, 2, 0, 3) + bytes(6)
    quickly(m._ndr_dec_CONFVARYING, data, 1734)


def test_specific_faults_have_their_codes(conformance: tuple[ir.Program, ModuleType]) -> None:
    _, m = conformance
    # a [ref] pointer that arrives null (POINTERS.always)
    assert refuses(m._ndr_dec_POINTERS, struct.pack("<5L", 0, 0, 0, 0, 0)) == 1780
    # an enum value SHAPE does not declare
    assert refuses(m._ndr_NdrConformance_Enums_sin, struct.pack("<H", 7) + bytes(20)) == 1781
    # a string without its terminator, or with an offset
    assert refuses(m._ndr_dec_NAMES, _names(b"a\x00b\x00", 2)) == 1783
    assert refuses(m._ndr_NdrConformance_Strings_sin, struct.pack("<LLL", 2, 1, 1) + b"a\0") == 1783
    # a count that disagrees with the size_is that governs it (ARRAYS.n = 2, max count 3)
    data = struct.pack("<lLLlll", 2, 0x20000, 3, 1, 2, 3)
    assert refuses(m._ndr_dec_ARRAYS, data) == 1734
    # a union discriminant with no arm (CHOICE has no default)
    assert refuses(m._ndr_dec_CHOOSER, struct.pack("<lL", 9, 9)) == 1783
    # a discriminant that is not the one switch_is names
    assert refuses(m._ndr_dec_CHOOSER, struct.pack("<lLl", 1, 6, 0)) == 1783


def _names(chars: bytes, n: int) -> bytes:
    """NAMES{count=1, names -> [ -> string of n units whose last is not the terminator ]}."""
    head = struct.pack("<lLLL", 1, 0x20000, 1, 0x20004)
    return head + struct.pack("<LLL", n, 0, n) + chars
