#!/usr/bin/env python3
"""Classify sample indicators end to end: `python scripts/run_classification.py -n 1000 --serve`.

Seeds the source database on first use, samples indicators evenly over their names,
submits them to the API in batches of the server's limit with several requests in flight,
follows them to completion, and prints a summary. Exit 0 only if every one was classified."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from steps.classify.feeder import main

if __name__ == "__main__":
    sys.exit(main())
