"""Benchmark: what the non-response step adds to a sample round's estimates.

usage: .venv/bin/python bench/nonresponse.py [--assignments 100000] [--repeats 5]

Stores a synthetic sample (2 000 PSUs in 40 strata, 1 in 50 PSUs taken with certainty) in a
fresh nx-27017 store, gives each assignment a status rank as its visits would (a few closed by
a supervisor, a few pending), and times, per estimate that is not cached:
- `read`: `read_outcomes`, the one `$group` on the PSU over the round's assignments plus
  the per PSU × outcome sums in Python (docs/design.md §9b): O(assignments);
- `adjust`: the engine's `adjust()` (per PSU, O(PSUs)) and the factor of every variance PSU;
- `find`: for comparison, reading the same fields as documents (`find`), which the `$group`
  replaces.
Prints the medians in milliseconds as JSON.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from service.samples.sample import stored_row
from service.samples.status import RANK
from service.store import Store
from service.store.embedded import EmbeddedStore
from service.weighting.nonresponse import read_outcomes, sample_factors

ROUND = "bench-nonresponse"
OUTCOMES = list(RANK)


def assignments(count: int, seed: int = 20251126) -> list[dict]:
    rng = random.Random(seed)
    rows = []
    psus = 2000
    for i in range(count):
        psu = i % psus
        row = stored_row(
            {
                "assignment_id": f"A{i:07d}",
                "stratum": f"S{psu % 40:02d}",
                "psu": f"P{psu:05d}",
                "district": "080",
                "commune": f"C{psu:05d}",
                "area": "urban" if psu % 3 else "rural",
                "psu_prob": 1.0 if psu % 50 == 0 else 0.05 + 0.01 * (psu % 7),
                "unit_prob": 0.02 + 0.001 * (psu % 11),
                "enumerator": None,
                "label": None,
            }
        )
        draw = rng.random()
        if draw < 0.05:
            row |= {"closed": {"outcome": "refused"}, "is_closed": True}
        elif draw > 0.08:  # 3 % pending
            row["rank"] = RANK["completed"] if draw < 0.8 else RANK[rng.choice(OUTCOMES)]
        rows.append(row)
    return rows


def median_ms(work, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        work()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--assignments", type=int, default=100_000)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as data, EmbeddedStore(data) as server:
        store = Store(server.uri, "bench")
        store.ensure_indexes()
        rows = assignments(args.assignments)
        for row in rows:
            row.setdefault("rank", 0)
        store.assignments.add(ROUND, rows)
        round_doc = {"_id": ROUND, "status": "closed", "sample": {"assignments": len(rows)}}
        outcomes = read_outcomes(store, round_doc)
        assert outcomes is not None and outcomes.n_units == len(rows)
        fields = {"rank": 1, "closed": 1, "sampling": 1, "psu": 1, "stratum": 1}
        result = {
            "assignments": len(rows),
            "read_ms": median_ms(lambda: read_outcomes(store, round_doc), args.repeats),
            "adjust_ms": median_ms(lambda: sample_factors(round_doc, outcomes), args.repeats),
            "find_ms": median_ms(
                lambda: list(store.assignments.collection.find({"round_id": ROUND}, fields)),
                args.repeats,
            ),
        }
        store.close()
    print(json.dumps(result))


if __name__ == "__main__":
    main()
