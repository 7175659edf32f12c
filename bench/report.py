"""Turning run records into medians, ratios, goal checks and the printed table."""

from __future__ import annotations

import statistics
from typing import Any

from bench import wire_codecs

# scenario -> (primary metric, unit, higher is better)
PRIMARY: dict[str, tuple[str, str, bool]] = {
    "S1": ("calls_s", "calls/s", True),
    "S2": ("calls_s", "calls/s", True),
    "S3": ("calls_s", "calls/s", True),
    "S4": ("mb_s", "MB/s", True),
    "S5": ("complete_ms", "ms to complete all", False),
    "D1": ("calls_s", "calls/s", True),
}
HEADLINE = "idlc"
# D1's goals: (label, leg, peer leg, least ratio of their calls/s)
D1_GOALS = (
    ("D1 dcerpc/msgpack, 1 in flight >= 0.5", "dcerpc", "msgpack", 0.5),
    ("D1 dcerpc/impacket, 1 in flight >= 10", "dcerpc", "impacket", 10.0),
    ("D1 dcerpc/msgpack, 64 in flight >= 0.5", "dcerpc-64", "msgpack-64", 0.5),
)


def metrics(r: dict[str, Any]) -> dict[str, float]:
    """The derived numbers of one run record."""
    out: dict[str, float] = {}
    if r["scenario"] == "S5":
        out["complete_ms"] = (r["t_last"] - r["t0"]) / 1e6
        out["bytes_per_call"] = (r["rss_full"] - r["rss_first"]) / max(1, r["calls"] - 1)
        out["park_all_s"] = r["seconds"]
        return out
    out["calls_s"] = r["calls"] / r["seconds"]
    if r["scenario"] == "S4":
        out["mb_s"] = r["bytes"] / r["seconds"] / 1e6
    for key in ("p50_us", "p99_us", "cpu_client_us", "cpu_server_us"):
        if key in r:
            out[key] = float(r[key])
    return out


def brief(r: dict[str, Any]) -> str:
    m = metrics(r)
    name, unit, _ = PRIMARY[r["scenario"]]
    extra = f", {m['bytes_per_call']:.0f} B/parked call" if "bytes_per_call" in m else ""
    return f"{m[name]:,.1f} {unit}{extra}"


def summarize(runs: list[dict[str, Any]]) -> dict[str, dict[str, dict[str, float]]]:
    """``"loop/scenario/system"`` -> metric -> median, min, max, n (failed runs left out)."""
    groups: dict[str, list[dict[str, float]]] = {}
    for r in runs:
        if "error" not in r:
            groups.setdefault(f"{r['loop']}/{r['scenario']}/{r['system']}", []).append(metrics(r))
    summary: dict[str, dict[str, dict[str, float]]] = {}
    for key, ms in groups.items():
        summary[key] = {
            name: {
                "median": statistics.median(m[name] for m in ms),
                "min": min(m[name] for m in ms),
                "max": max(m[name] for m in ms),
                "n": len(ms),
            }
            for name in ms[0]
        }
    return summary


def _median(summary: dict[str, Any], key: str, metric: str) -> float | None:
    entry = summary.get(key)
    if entry is None or metric not in entry:
        return None
    value: float = entry[metric]["median"]
    return value


def ratio(summary: dict[str, Any], loop: str, scenario: str, a: str, b: str) -> float | None:
    """``a``'s primary metric over ``b``'s (for S5, completion time: lower is better)."""
    metric = PRIMARY[scenario][0]
    x = _median(summary, f"{loop}/{scenario}/{a}", metric)
    y = _median(summary, f"{loop}/{scenario}/{b}", metric)
    if x is None or y is None or y == 0:
        return None
    return x / y


def goals(
    summary: dict[str, Any],
    compile_result: dict[str, Any] | None,
    codecs_result: dict[str, Any] | None = None,
) -> list[dict[str, Any]]:
    """The issue's goals for idlc, checked against this run's numbers."""
    out: list[dict[str, Any]] = []

    def check(loop: str, goal: str, value: float | None, target: float, higher: bool) -> None:
        if value is None and loop != "-":
            return  # the scenario (or a system it compares) was not run
        ok = None if value is None else (value >= target if higher else value <= target)
        out.append({"loop": loop, "goal": goal, "value": value, "target": target, "ok": ok})

    loops = sorted({key.split("/")[0] for key in summary})
    for loop in loops:
        for sc, vs_raw, vs_grpc in (("S1", 0.8, 3), ("S2", 1.0, 15), ("S3", 1.0, 15)):
            check(
                loop,
                f"{sc} idlc/raw >= {vs_raw}",
                ratio(summary, loop, sc, HEADLINE, "raw"),
                vs_raw,
                True,
            )
            check(
                loop,
                f"{sc} idlc/gRPC >= {vs_grpc}",
                ratio(summary, loop, sc, HEADLINE, "grpc"),
                vs_grpc,
                True,
            )
        check(loop, "S4 idlc/raw >= 0.7", ratio(summary, loop, "S4", HEADLINE, "raw"), 0.7, True)
        check(
            loop,
            "S5 bytes per parked call <= 512",
            _median(summary, f"{loop}/S5/{HEADLINE}", "bytes_per_call"),
            512,
            False,
        )
        check(
            loop,
            "S5 completion time idlc/raw <= 2",
            ratio(summary, loop, "S5", HEADLINE, "raw"),
            2.0,
            False,
        )
        for goal, a, b, target in D1_GOALS:
            check(loop, goal, ratio(summary, loop, "D1", a, b), target, True)
    if compile_result:
        starts = compile_result.get("idlc_start_s") or []
        check(
            "-",
            "S6 idlc start-up (small file) < 150 ms",
            statistics.median(starts) * 1000 if starts else None,
            150,
            False,
        )
        whole = compile_result.get("corpus_process_s") or []
        check(
            "-",
            "S6 visible corpus in one process < 3 s",
            statistics.median(whole) if whole else None,
            3.0,
            False,
        )
    if codecs_result:
        r = wire_codecs.ratios(codecs_result)
        for request in wire_codecs.REQUESTS:
            label = n1_label(codecs_result, request)
            value = r[request]["impacket/ndr"]
            if codecs_result["impacket"]:
                check("-", f"N1 {label}: impacket / idlc NDR >= 20", value, 20, True)
            value = r[request]["ndr/msgpack"]
            check("-", f"N1 {label}: idlc NDR / idlc msgpack <= 2.5", value, 2.5, False)
    return out


def n1_label(c: dict[str, Any], request: str) -> str:
    """What N1's ``request`` carries."""
    return f"Submit, {c['count']:,} records" if request == "big" else "Ping, 5 scalars"


def _fmt(x: float | None, digits: int = 2) -> str:
    if x is None:
        return "-"
    if abs(x) >= 1000:
        return f"{x:,.0f}"
    return f"{x:.{digits}f}" if abs(x) < 100 else f"{x:.1f}"


def _span(entry: dict[str, float]) -> str:
    return f"{_fmt(entry['median'])} [{_fmt(entry['min'])}-{_fmt(entry['max'])}]"


def render(doc: dict[str, Any]) -> str:
    """The whole report as Markdown: machine, table, S6, goals."""
    m = doc["machine"]
    quick = " (quick)" if doc["config"]["quick"] else ""
    lines = [
        f"machine: {m['nproc']} CPUs ({m['cpu']}), {m['implementation']} {m['python']}, "
        f"{m['platform']}; reps {doc['config']['reps']}{quick}",
        "",
        "| loop | scenario | system | median [min-max] | p50 / p99 us | CPU us/call client / "
        "server | x raw | x gRPC |",
        "|---|---|---|---|---|---|---|---|",
    ]
    summary = doc["summary"]
    for key, entry in summary.items():
        loop, sc, system = key.split("/")
        metric, unit, _ = PRIMARY[sc]
        lat = "-"
        if "p50_us" in entry:
            lat = f"{_fmt(entry['p50_us']['median'], 1)} / {_fmt(entry['p99_us']['median'], 1)}"
        cpu = "-"
        if "cpu_client_us" in entry:
            cpu = (
                f"{_fmt(entry['cpu_client_us']['median'], 1)} / "
                f"{_fmt(entry['cpu_server_us']['median'], 1)}"
            )
        if sc == "S5":
            cpu = f"{_fmt(entry['bytes_per_call']['median'], 0)} B/parked call"
        x_raw = ratio(summary, loop, sc, system, "raw") if system != "raw" else None
        x_grpc = ratio(summary, loop, sc, system, "grpc") if system != "grpc" else None
        lines.append(
            f"| {loop} | {sc} | {system} | {_span(entry[metric])} {unit} | {lat} | {cpu} | "
            f"{_fmt(x_raw)} | {_fmt(x_grpc)} |"
        )
    c = doc.get("compile")
    if c:
        lines += ["", "| S6 compile | idlc | widl |", "|---|---|---|"]
        ws = c.get("widl_start_s") or []
        lines.append(
            f"| start-up, bench.idl, fresh process (median ms) | "
            f"{_fmt(statistics.median(c['idlc_start_s']) * 1000, 1)} | "
            f"{_fmt(statistics.median(ws) * 1000, 1) if ws else 'absent'} |"
        )
        if c.get("corpus_process_s"):
            wc = c.get("widl_corpus_s") or []
            lines.append(
                f"| corpus, {c['corpus_rows']} recipes (s; idlc: one process, whole / inside; "
                f"widl: a process per recipe) | "
                f"{_fmt(statistics.median(c['corpus_process_s']))} / "
                f"{_fmt(statistics.median(c['corpus_compile_s']))} | "
                f"{_fmt(statistics.median(wc)) if wc else 'absent'} |"
            )
            lines += _stage_lines(c)
    if doc.get("codecs"):
        lines += ["", *codec_lines(doc["codecs"])]
    lines += ["", "| loop | goal | value | ok |", "|---|---|---|---|"]
    for g in doc["goals"]:
        ok = {True: "yes", False: "NO", None: "n/a"}[g["ok"]]
        lines.append(f"| {g['loop']} | {g['goal']} | {_fmt(g['value'])} | {ok} |")
    for note in doc.get("notes", []):
        lines.append(f"\nnote: {note}")
    return "\n".join(lines)


def _stage_lines(c: dict[str, Any]) -> list[str]:
    """The corpus run's stages (medians over the repetitions) and its lines per second."""
    runs: list[dict[str, float]] = c.get("corpus_stages_s") or []
    inside = statistics.median(c["corpus_compile_s"])
    out = []
    if c.get("corpus_lines"):
        out.append(
            f"| - lines per second ({c['corpus_lines']:,} distinct lines read) | "
            f"{_fmt(c['corpus_lines'] / inside)} | |"
        )
    if runs:
        staged = 0.0
        for stage in runs[0]:
            value = statistics.median(r[stage] for r in runs)
            staged += value
            out.append(f"| - {stage} (s) | {_fmt(value)} | |")
        out.append(f"| - the rest: CLI, import resolution, ACFs (s) | {_fmt(inside - staged)} | |")
    return out


def codec_lines(c: dict[str, Any]) -> list[str]:
    """N1's table: microseconds per request (median [min] over the repetitions) of every codec,
    encode + decode and each direction, and the ratios of the medians."""
    names = [n for n in wire_codecs.CODECS if n in c["times"]["big"]]
    titles = {"impacket": "impacket NDR", "ndr": "idlc NDR20", "msgpack": "idlc msgpack"}
    same = "; impacket's octets = idlc's" if c["impacket"] else ""
    lines = [
        f"N1 codecs: us per request, median [min] of {c['reps']}{same}",
        "",
        f"| request | {' | '.join(titles[n] for n in names)} | impacket / NDR | NDR / msgpack |",
        "|---|" + "---|" * (len(names) + 2),
    ]
    ratios = wire_codecs.ratios(c)
    for request in wire_codecs.REQUESTS:
        if request not in c["times"]:
            continue
        sizes = ", ".join(
            f"{titles[n].split()[1]} {c['bytes'][request][n]:,} B" for n in ("ndr", "msgpack")
        )
        label = n1_label(c, request)
        for key, what in (
            ("total_us", "encode + decode"),
            ("encode_us", "encode"),
            ("decode_us", "decode"),
        ):
            cells = []
            for n in names:
                values = c["times"][request][n][key]
                cells.append(f"{_fmt(statistics.median(values))} [{_fmt(min(values))}]")
            head = f"{label} ({sizes}): {what}" if key == "total_us" else f"- {what}"
            tail = "| | |"
            if key == "total_us":
                r = ratios[request]
                tail = f"| {_fmt(r['impacket/ndr'])} | {_fmt(r['ndr/msgpack'])} |"
            lines.append(f"| {head} | {' | '.join(cells)} {tail}")
    return lines
