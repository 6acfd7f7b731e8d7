"""Benchmark: estimates re-expressed through the crosswalk cost what they cost without (§13).

Loads a synthetic 100k-household round on real vn-2025-03 codes (the former Lào Cai's 151
communes as PSUs, strata district × area) into a fresh nx-27017 store through the same ingest
as the API, then times `GET /api/v1/rounds/{id}/estimates` (every household indicator) with an
empty estimate cache, for each `by` in the round's own geography and re-expressed in vn-2025-07
(`?geography=vn-2025-07`: the cells' commune keys are mapped through the crosswalk, O(cells)).
Prints the medians and the ratio through / without; the goal is within 20 %.

usage: python bench/geography.py [--households 100000] [--repeats 9]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.estimates import synthetic_households
from bench.in_process import service_in_process
from catalogue.geography import load_version
from service.loading import load_submissions

GOAL = 1.20  # through the crosswalk / without, docs/design.md §17
CASES = [  # (label, by in the round's own version, the same read through the crosswalk)
    ("province-wide", {}, {"geography": "vn-2025-07"}),
    ("by commune", {"by": "commune"}, {"by": "commune", "geography": "vn-2025-07"}),
    (
        "by former province",
        {"by": "former_province"},
        {"by": "former_province", "geography": "vn-2025-07"},
    ),
]


def households(n: int, seed: int) -> list[dict]:
    """bench/estimates.py's households, placed in the former Lào Cai's communes (real
    vn-2025-03 codes, each commune its own PSU, strata district × area)."""
    old = load_version("vn-2025-03")
    communes = [c for c in old.communes if old.province_of(c.code) == "10"]
    out = synthetic_households(n, seed)
    for i, payload in enumerate(out):
        commune = communes[i % len(communes)]
        area = "rural" if commune.kind == "xã" else "urban"
        payload["location"] = {"district": commune.parent, "commune": commune.code, "area": area}
        payload["sampling"] |= {
            "stratum": f"{commune.parent}-{area[0].upper()}",
            "psu": commune.code,
        }
        payload["interviewed_at"] = "2025-04-01T09:00:00+07:00"
    return out


def cold_ms(app, url: str, query: dict, headers: dict, repeats: int) -> float:
    """Median milliseconds of the GET with an empty estimate cache (computed from the cells)."""
    client = app.test_client()
    times = []
    for _ in range(repeats):
        app.extensions.pop("estimate_cache", None)
        started = time.perf_counter()
        response = client.get(url, query_string=query, headers=headers)
        times.append(time.perf_counter() - started)
        assert response.status_code == 200, response.json
    return statistics.median(times) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--households", type=int, default=100_000)
    parser.add_argument("--repeats", type=int, default=9)
    args = parser.parse_args()
    rows = []
    with service_in_process("bench-geography-") as bench:
        app, store = bench.app, bench.store
        planner = bench.bearer("planner", "bench")
        round_id = "bench-geography"
        body = {
            "id": round_id,
            "instrument": "household",
            "title": round_id,
            "period": {"start": "2025-03-01", "end": "2025-06-30"},
            "geography": "vn-2025-03",
            "coverage": ["10"],
        }
        bench.create_round(body)
        summary = load_submissions(store, round_id, households(args.households, 2025))
        assert summary["created"] == args.households, summary
        cells = len(store.cells.read(round_id)[1])
        url = f"/api/v1/rounds/{round_id}/estimates"
        for label, own, through in CASES:
            cold_ms(app, url, own, planner, 2)  # warm the process (imports, numpy)
            plain = cold_ms(app, url, own, planner, args.repeats)
            mapped = cold_ms(app, url, through, planner, args.repeats)
            rows.append((label, plain, mapped))
    print(
        f"{args.households:,} households, {cells:,} cells, every household indicator, "
        f"median of {args.repeats} with an empty estimate cache\n"
    )
    print("| estimates | own version (ms) | through the crosswalk to vn-2025-07 (ms) | ratio |")
    print("|---|---:|---:|---:|")
    for label, plain, mapped in rows:
        print(f"| {label} | {plain:.0f} | {mapped:.0f} | {mapped / plain:.2f} |")
    worst = max(mapped / plain for _, plain, mapped in rows)
    verdict = "met" if worst <= GOAL else "NOT met"
    print(
        f"\nGoal: through the crosswalk within {GOAL - 1:.0%} of without: {verdict} "
        f"(worst ratio {worst:.2f})"
    )


if __name__ == "__main__":
    main()
