#!/usr/bin/env python3
"""Seed the SOURCE database of economic indicators the feeder samples from.

python scripts/seed_database.py [--count 10000] [--seed 42] [--db .stepflow/source.db]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from steps.classify.source import DEFAULT_DB, seed_database


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--count", type=int, default=10_000, help="rows to write (10000)")
    parser.add_argument("--seed", type=int, default=42, help="random seed (42)")
    parser.add_argument("--db", type=Path, default=DEFAULT_DB, help=f"database ({DEFAULT_DB})")
    args = parser.parse_args(argv)
    if args.count < 1:
        parser.error("--count must be at least 1")
    started = time.perf_counter()
    written = seed_database(args.db, args.count, args.seed)
    elapsed = time.perf_counter() - started
    print(f"wrote {written} indicators to {args.db} in {elapsed:.2f}s (seed {args.seed})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
