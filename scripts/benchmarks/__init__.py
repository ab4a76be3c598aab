"""The benchmark sections of `scripts/bench.py`, one module each.

Every section measures stepflow against a baseline measured in the same run (a
hand-written floor doing the same work, a bare client, one process against two) and
reports the ratio next to its target: absolute figures move two or three times between
machines, ratios measured together do not."""
