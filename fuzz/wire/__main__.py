"""``python -m fuzz.wire``: run the wire fuzzer; exit status 0 only for a clean run."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from pathlib import Path

from .run import Options, fuzz


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m fuzz.wire", description=__doc__)
    parser.add_argument("--messages", type=int, default=Options.messages, metavar="N")
    parser.add_argument("--seed", type=int, default=Options.seed, metavar="S")
    parser.add_argument(
        "--time-limit", type=float, default=Options.time_limit, metavar="T", help="seconds"
    )
    parser.add_argument("--wire", choices=("msgpack", "dcerpc", "both"), default="both")
    parser.add_argument(
        "--concurrency", type=int, default=Options.concurrency, help="connections at a time"
    )
    parser.add_argument(
        "--burst", type=int, default=Options.burst, help="mean messages per connection"
    )
    parser.add_argument("--log", type=Path, help="keep the server's log in this file")
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    args = parser.parse_args(argv)
    options = Options(
        messages=args.messages,
        seed=args.seed,
        time_limit=args.time_limit,
        wire=args.wire,
        concurrency=args.concurrency,
        burst=args.burst,
        log=args.log,
    )
    report = asyncio.run(fuzz(options))
    print(json.dumps(report.as_dict(), indent=1) if args.json else report.summary())
    return 0 if report.clean() else 1


if __name__ == "__main__":
    sys.exit(main())
