"""N1, the codec benchmark (``bench/wire_codecs.py``), still runs: on 10 records, the octets
of impacket and of idlc's NDR20 codec agree, and every codec's figures and ratios are made.
Speed is never asserted here."""

from __future__ import annotations

import importlib
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

pytest.importorskip("impacket.dcerpc.v5.ndr")
pytest.importorskip("msgpack")

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def n1() -> ModuleType:
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    return importlib.import_module("bench.wire_codecs")


@pytest.fixture(scope="module")
def record(n1: ModuleType) -> dict[str, Any]:
    result: dict[str, Any] = n1.run(quick=True, count=10)
    return result


@pytest.mark.timeout(60)
def test_octets_agree_and_figures_are_made(n1: ModuleType, record: dict[str, Any]) -> None:
    assert record["count"] == 10
    assert record["impacket"] and record["identical"]
    for request in n1.REQUESTS:
        sizes = record["bytes"][request]
        assert sizes["impacket"] == sizes["ndr"] > 0 and sizes["msgpack"] > 0
        for codec in n1.CODECS:
            row = record["times"][request][codec]
            for key in ("encode_us", "decode_us", "total_us"):
                assert len(row[key]) == record["reps"]
                assert all(x > 0 for x in row[key]), (request, codec, key)
    for ratio in n1.ratios(record).values():
        assert ratio["impacket/ndr"] is not None and ratio["impacket/ndr"] > 0
        assert ratio["ndr/msgpack"] is not None and ratio["ndr/msgpack"] > 0


def test_report_shows_the_table_and_the_goals(record: dict[str, Any]) -> None:
    report = importlib.import_module("bench.report")
    text = "\n".join(report.codec_lines(record))
    assert "| Submit, 10 records" in text and "| Ping, 5 scalars" in text
    assert "impacket's octets = idlc's" in text
    goals = report.goals({}, None, record)
    assert [g["goal"] for g in goals] == [
        "N1 Submit, 10 records: impacket / idlc NDR >= 20",
        "N1 Submit, 10 records: idlc NDR / idlc msgpack <= 2.5",
        "N1 Ping, 5 scalars: impacket / idlc NDR >= 20",
        "N1 Ping, 5 scalars: idlc NDR / idlc msgpack <= 2.5",
    ]
    assert all(g["value"] is not None for g in goals)


def test_check_refuses_octets_that_differ(n1: ModuleType) -> None:
    codec = n1.Codec
    good = codec(lambda: b"\x01\x00\x00\x00", lambda d: (1,))
    bad = codec(lambda: b"\x02\x00\x00\x00", lambda d: (1,))
    assert n1.check({"small": {"ndr": good, "impacket": good}}, {"small": (1,)}) == {
        "small": {"ndr": 4, "impacket": 4}
    }
    with pytest.raises(AssertionError, match="impacket's octets are not idlc's"):
        n1.check({"small": {"ndr": good, "impacket": bad}}, {"small": (1,)})
    with pytest.raises(AssertionError, match="decodes to another value"):
        n1.check({"small": {"ndr": good}}, {"small": (2,)})
