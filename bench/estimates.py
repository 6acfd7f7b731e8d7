"""Benchmark: all indicators by district from the embedded store, cold and warm, against R survey.

Loads synthetic household rounds of 10k and 100k and a business round of 20k into a fresh
nx-27017 store through the same ingest code as the API, then times
`GET /api/v1/rounds/{id}/estimates?by=district` (every indicator of the round) with an empty
cache (pushed-down `$group` + engine) and a warm one. When `Rscript` with `survey` is present,
the same estimates are timed in R on an export of the same data (estimation only, not I/O).

usage: python bench/estimates.py [--sizes 10000 100000] [--businesses 20000]
"""

from __future__ import annotations

import argparse
import csv
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from schemas.rounds import RoundCreateSchema
from schemas.submissions import PRACTICES
from service import create_app
from service.loading import load_submissions
from service.rounds.model import round_to_store
from service.store.embedded import EmbeddedStore

DISTRICTS = ["080", "082", "083", "084", "085", "086", "087", "088", "089"]
PSUS_PER_STRATUM = 300 // 18
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
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--businesses", type=int, default=20_000)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="bench-estimates-"))
    rows = []
    with EmbeddedStore(workdir) as server:
        app = create_app(
            {"MONGODB_URI": server.uri, "SURVEY_DB": "bench", "SURVEY_LOG_LEVEL": "WARNING"}
        )
        store = app.extensions["store"]
        token = store.tokens.create("planner", "bench")[1]
        headers = {"Authorization": f"Bearer {token}"}
        plan = [("household", n, synthetic_households(n, n)) for n in args.sizes]
        plan.append(("business", args.businesses, synthetic_businesses(args.businesses, 7)))
        for instrument, n, payloads in plan:
            round_id = f"bench-{instrument}-{n}"
            body = {
                "id": round_id,
                "instrument": instrument,
                "title": round_id,
                "period": {"start": "2025-01-01", "end": "2025-12-31"},
            }
            store.rounds.create(round_to_store(RoundCreateSchema().load(body)))
            started = time.perf_counter()
            load_submissions(store, round_id, payloads)
            load_s = time.perf_counter() - started
            url = f"/api/v1/rounds/{round_id}/estimates?by=district"
            cold, warm = cold_and_warm(app, url, headers, args.repeats)
            r_seconds = None
            if instrument == "household":
                csv_path = workdir / f"{round_id}.csv"
                write_r_csv(csv_path, payloads)
                r_seconds = time_r(csv_path, workdir)
            rows.append((instrument, n, load_s, cold, warm, r_seconds))
            print(f"done {round_id}", file=sys.stderr)
        store.close()
    shutil.rmtree(workdir, ignore_errors=True)
    print(
        "| round | rows | load (s) | cold, all indicators by district (ms) | warm (ms) "
        "| R survey, same estimates (ms) | R / cold |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|")
    for instrument, n, load_s, cold_s, warm_s, r_s in rows:
        r_text = f"{r_s * 1000:.0f}" if r_s is not None else "n/a"
        ratio = f"{r_s / cold_s:.1f}×" if r_s is not None else "n/a"
        print(
            f"| {instrument} | {n:,} | {load_s:.1f} | {cold_s * 1000:.0f} | {warm_s * 1000:.1f} "
            f"| {r_text} | {ratio} |"
        )


if __name__ == "__main__":
    main()
