"""Benchmark: all indicators by district right after a new submission, against R survey.

Loads synthetic household rounds (10k, 100k, 300k) and a business round of 20k into a fresh
nx-27017 store through the same ingest code as the API, then times
`GET /api/v1/rounds/{id}/estimates?by=district` (every indicator of the round) right after a new
submission through the API (the cache is then always stale: the case of planners during
fieldwork; estimates read the round's cells, O(cells)), again with a warm cache, and a recount
of the cells from the submissions (the O(rows) path taken only after a crash). When `Rscript`
with `survey` is present, the same estimates are timed in R on an export of the same data
(estimation only, not I/O). Prints each target beside its measured value.

usage: python bench/estimates.py [--sizes 10000 100000 300000] [--businesses 20000]
"""

from __future__ import annotations

import argparse
import csv
import os
import random
import shutil
import statistics
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.in_process import service_in_process
from schemas.submissions import PRACTICES
from service.cells.recount import rebuild
from service.loading import load_submissions

DISTRICTS = ["080", "082", "083", "084", "085", "086", "087", "088", "089"]
PSUS_PER_STRATUM = 300 // 18
TARGET_ROWS, TARGET_MS = 300_000, 300  # docs/design.md §12
R_SCRIPT = r"""
suppressMessages(library(survey))
d <- read.csv(commandArgs(TRUE)[1], colClasses = c(district = "character"))
options(survey.lonely.psu = "adjust")
t <- system.time({
  des <- svydesign(ids = ~psu, strata = ~stratum, weights = ~weight, data = d, nest = TRUE)
  for (v in c("fiber_available", "fiber_subscribed", "mobile_4g_5g", "smartphone_household"))
    svyby(as.formula(paste0("~", v)), ~district, des, svyciprop, method = "logit", vartype = "ci")
  for (v in c("epay", "egov"))
    svyby(as.formula(paste0("~", v)), ~district, des, svyratio, denominator = ~adults)
})
cat(t[["elapsed"]], "\n")
"""


def synthetic_households(n: int, seed: int) -> list[dict]:
    rng = random.Random(seed)
    out = []
    for i in range(n):
        district = DISTRICTS[i % len(DISTRICTS)]
        area = "urban" if (i // len(DISTRICTS)) % 2 else "rural"
        stratum = f"{district}-{area[0].upper()}"
        psu = f"{district}{area[0]}{rng.randrange(PSUS_PER_STRATUM):02d}"
        level = 0.4 + 0.05 * (i % len(DISTRICTS)) + (0.1 if area == "urban" else 0)
        members = rng.randint(1, 8)
        adults = rng.randint(1, members)
        fiber = rng.random() < level
        out.append(
            {
                "submission_id": str(uuid.UUID(int=rng.getrandbits(128))),
                "interviewed_at": "2025-06-01T09:00:00+07:00",
                "enumerator_id": "bench",
                "location": {"district": district, "commune": psu, "area": area},
                "sampling": {
                    "stratum": stratum,
                    "psu": psu,
                    "weight": round(rng.uniform(50, 150), 3),
                },
                "answers": {
                    "members": members,
                    "members_15plus": adults,
                    "fiber_available": fiber,
                    "fiber_subscribed": fiber and rng.random() < 0.7,
                    "mobile_4g_5g": rng.random() < level + 0.2,
                    "smartphones": rng.randint(0, adults),
                    "members_15plus_with_epay": rng.randint(0, adults),
                    "members_15plus_egov_mobile": rng.randint(0, adults),
                },
            }
        )
    return out


def synthetic_businesses(n: int, seed: int) -> list[dict]:
    rng = random.Random(seed)
    out = []
    for payload in synthetic_households(n, seed):
        uses_it = rng.random() < 0.8
        payload["answers"] = {
            "type": rng.choice(["enterprise", "cooperative", "household_business"]),
            "sector": rng.choice("ACGIK"),
            "employees": rng.randint(0, 200),
            "uses_it": uses_it,
            "e_transactions": uses_it and rng.random() < 0.7,
            "practices": {k: rng.random() < 0.5 for k in PRACTICES},
        }
        out.append(payload)
    return out


def write_r_csv(path: Path, payloads: list[dict]) -> None:
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(
            [
                "district",
                "stratum",
                "psu",
                "weight",
                "fiber_available",
                "fiber_subscribed",
                "mobile_4g_5g",
                "smartphone_household",
                "epay",
                "egov",
                "adults",
            ]
        )
        for p in payloads:
            a, s = p["answers"], p["sampling"]
            writer.writerow(
                [
                    p["location"]["district"],
                    s["stratum"],
                    s["psu"],
                    s["weight"],
                    int(a["fiber_available"]),
                    int(a["fiber_subscribed"]),
                    int(a["mobile_4g_5g"]),
                    int(a["smartphones"] >= 1),
                    a["members_15plus_with_epay"],
                    a["members_15plus_egov_mobile"],
                    a["members_15plus"],
                ]
            )


def time_r(csv_path: Path, workdir: Path) -> float | None:
    if shutil.which("Rscript") is None:
        return None
    script = workdir / "bench.R"
    script.write_text(R_SCRIPT)
    done = subprocess.run(["Rscript", str(script), str(csv_path)], capture_output=True, text=True)
    if done.returncode != 0:
        print(done.stderr, file=sys.stderr)
        return None
    return float(done.stdout.split()[-1])


def time_after_writes(
    client: Any, url: str, extras: list[dict], reader: dict, enumerator: dict
) -> tuple[list[float], list[float]]:
    """Seconds of GET `url` right after each new submission (stale cache), then again (warm)."""
    submissions = url.split("/estimates")[0] + "/submissions"
    after_write, warm = [], []
    for extra in extras:
        posted = client.post(submissions, json=extra, headers=enumerator)
        assert posted.status_code == 201, posted.json
        for times in (after_write, warm):
            started = time.perf_counter()
            assert client.get(url, headers=reader).status_code == 200
            times.append(time.perf_counter() - started)
    return after_write, warm


def cold_and_warm(app: Any, url: str, headers: dict[str, str], repeats: int) -> tuple[float, float]:
    """Median seconds of a GET with an empty estimate cache (cold) and right after (warm)."""
    client = app.test_client()
    cold, warm = [], []
    for _ in range(repeats):
        app.extensions.pop("estimate_cache", None)
        for times in (cold, warm):
            started = time.perf_counter()
            assert client.get(url, headers=headers).status_code == 200
            times.append(time.perf_counter() - started)
    return statistics.median(cold), statistics.median(warm)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000, 300_000])
    parser.add_argument("--businesses", type=int, default=20_000)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    rows = []
    with service_in_process("bench-estimates-") as bench:
        store, client, workdir = bench.store, bench.client, bench.workdir
        planner, enumerator = bench.bearer("planner", "bench"), bench.bearer("enumerator", "e")
        plan = [("household", n, synthetic_households) for n in args.sizes]
        plan.append(("business", args.businesses, synthetic_businesses))
        for instrument, n, synthetic in plan:
            payloads = synthetic(n, n)
            round_id = f"bench-{instrument}-{n}"
            bench.create_round(
                {
                    "id": round_id,
                    "instrument": instrument,
                    "title": round_id,
                    "period": {"start": "2025-01-01", "end": "2025-12-31"},
                }
            )
            started = time.perf_counter()
            load_submissions(store, round_id, payloads)
            load_s = time.perf_counter() - started
            url = f"/api/v1/rounds/{round_id}/estimates?by=district"
            extras = synthetic(args.repeats, n + 1)
            after_write, warm = time_after_writes(client, url, extras, planner, enumerator)
            started = time.perf_counter()
            rebuild(store, round_id)
            recount_s = time.perf_counter() - started
            cells = len(store.cells.read(round_id)[1])
            r_seconds = None
            if instrument == "household":
                csv_path = workdir / f"{round_id}.csv"
                write_r_csv(csv_path, payloads)
                r_seconds = time_r(csv_path, workdir)
            after_s, warm_s = statistics.median(after_write), statistics.median(warm)
            rows.append((instrument, n, cells, load_s, after_s, warm_s, recount_s, r_seconds))
            print(f"done {round_id}", file=sys.stderr)
    print_table(rows)


def print_table(rows: list[tuple]) -> None:
    print(
        "| round | rows | cells | load (s) | right after a new submission (ms) | warm (ms) "
        "| recount from the submissions (ms) | R survey, same estimates (ms) | R / after write |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    for instrument, n, cells, load_s, after_s, warm_s, recount_s, r_s in rows:
        r_text = f"{r_s * 1000:.0f}" if r_s is not None else "n/a"
        ratio = f"{r_s / after_s:.0f}×" if r_s is not None else "n/a"
        print(
            f"| {instrument} | {n:,} | {cells:,} | {load_s:.1f} | {after_s * 1000:.0f} "
            f"| {warm_s * 1000:.1f} | {recount_s * 1000:,.0f} | {r_text} | {ratio} |"
        )
    print()
    for instrument, n, _, _, after_s, *_ in rows:
        if instrument == "household" and n == TARGET_ROWS:
            verdict = "met" if after_s * 1000 < TARGET_MS else "NOT met"
            print(
                f"target: {n:,} households, all indicators by district right after a new "
                f"submission < {TARGET_MS} ms; measured {after_s * 1000:.0f} ms ({verdict})"
            )
    print(f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f} at the end")


if __name__ == "__main__":
    main()
