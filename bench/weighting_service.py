"""Benchmark: rake-calibrated estimates by district through the service, against R ``survey``.

usage: .venv/bin/python bench/weighting_service.py [--households 100000] [--repeats 5] [--members]

Loads the synthetic households of ``bench/estimates.py`` into a fresh nx-27017 store through
the ingest code of the API, sets the round's weighting by PATCH (raking to district and area
totals 5–13 % above the weight sums) and times ``GET …/estimates?by=district`` (every
household indicator): *cold* is the first request after the weighting is set (cells read,
calibrated, every indicator estimated; nothing cached), *after a new submission* the first
request after one more submission through the API (the cache is stale), *warm* a repeated
request (cached). R, in the same run, times ``calibrate(des, ~district + area, pop, calfun =
"raking", epsilon = 1e-10)`` and the same ``svyby`` estimates on a CSV of the same rows
(estimation only, not I/O), and the fiber estimates are compared with R's. With ``--members``
the raking adds a numeric margin, household members totalling 3 % above their weighted sum: the
round then reads its units, not its cells (docs/design.md §9b); R is not run.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.estimates import synthetic_households, time_after_writes
from bench.in_process import service_in_process
from service.loading import load_submissions

ROUND = "bench-weighting"
R_SCRIPT = r"""
suppressMessages({library(survey); library(jsonlite)})
args <- commandArgs(trailingOnly = TRUE)
d <- read.csv(args[1], colClasses = c(district = "character"))
m <- fromJSON(args[2])
options(survey.lonely.psu = "adjust")
des <- svydesign(ids = ~psu, strata = ~stratum, weights = ~weight, data = d, nest = TRUE)
pop <- c(`(Intercept)` = sum(unlist(m$district)),
         setNames(unlist(m$district)[-1], paste0("district", names(m$district)[-1])),
         areaurban = m$area$urban)
t_cal <- system.time(
  cal <- calibrate(des, ~district + area, pop, calfun = "raking", epsilon = 1e-10))
t <- system.time({
  out <- lapply(c("fiber_available", "fiber_subscribed", "mobile_4g_5g", "smartphone_household"),
                function(v) svyby(as.formula(paste0("~", v)), ~district, cal, svyciprop,
                                  method = "logit", vartype = c("se", "ci")))
  for (v in c("epay", "egov"))
    svyby(as.formula(paste0("~", v)), ~district, cal, svyratio, denominator = ~adults)
})
cat(toJSON(list(calibrate_ms = t_cal[["elapsed"]] * 1000, ms = t[["elapsed"]] * 1000,
                fiber = unname(coef(out[[1]])), fiber_se = unname(SE(out[[1]]))),
           digits = NA, auto_unbox = TRUE), "\n")
"""


def margins(payloads: list[dict]) -> dict[str, dict[str, float]]:
    """District totals 5–13 % above the weight sums; area totals with the same population."""
    by_district: dict[str, float] = {}
    urban = 0.0
    for p in payloads:
        w = p["sampling"]["weight"]
        district = p["location"]["district"]
        by_district[district] = by_district.get(district, 0.0) + w
        urban += w if p["location"]["area"] == "urban" else 0.0
    district = {
        k: round(v * (1.05 + 0.01 * i)) for i, (k, v) in enumerate(sorted(by_district.items()))
    }
    population = sum(district.values())
    urban_total = round(urban * 1.12)
    return {"district": district, "area": {"urban": urban_total, "rural": population - urban_total}}


def rake_calibration(totals: dict[str, dict[str, float]], members: float | None = None) -> dict:
    """The round's `weighting.calibration`: raked to `margins()`' district and area totals (and
    to a household members total)."""
    margins: list[dict] = [
        {"variables": [variable], "totals": totals[variable]} for variable in ("district", "area")
    ]
    if members is not None:
        margins.append({"variables": ["members"], "total": members})
    return {"method": "rake", "margins": margins}


def members_total(payloads: list[dict]) -> float:
    """Household members 3 % above their weighted sum."""
    return round(1.03 * sum(p["sampling"]["weight"] * p["answers"]["members"] for p in payloads))


def write_csv(path: Path, payloads: list[dict]) -> None:
    columns = ["district", "area", "stratum", "psu", "weight", "fiber_available",
               "fiber_subscribed", "mobile_4g_5g", "smartphone_household", "epay", "egov",
               "adults"]  # fmt: skip
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(columns)
        for p in payloads:
            a, s, loc = p["answers"], p["sampling"], p["location"]
            writer.writerow(
                [loc["district"], loc["area"], s["stratum"], s["psu"], s["weight"],
                 int(a["fiber_available"]), int(a["fiber_subscribed"]), int(a["mobile_4g_5g"]),
                 int(a["smartphones"] >= 1), a["members_15plus_with_epay"],
                 a["members_15plus_egov_mobile"], a["members_15plus"]]
            )  # fmt: skip


def time_r(workdir: Path, payloads: list[dict], totals: dict) -> dict | None:
    if shutil.which("Rscript") is None:
        return None
    data, margins_path, script = workdir / "rows.csv", workdir / "m.json", workdir / "b.R"
    write_csv(data, payloads)
    margins_path.write_text(json.dumps(totals))
    script.write_text(R_SCRIPT)
    done = subprocess.run(
        ["Rscript", str(script), str(data), str(margins_path)], capture_output=True, text=True
    )
    if done.returncode != 0:
        print(done.stderr, file=sys.stderr)
        return None
    return json.loads(done.stdout)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--households", type=int, default=100_000)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--members", action="store_true", help="add a members total margin")
    args = parser.parse_args()
    payloads = synthetic_households(args.households, args.households)
    totals = margins(payloads)
    calibration = rake_calibration(totals, members_total(payloads) if args.members else None)
    with service_in_process("bench-weighting-") as bench:
        store, client = bench.store, bench.client
        admin, enumerator = bench.bearer("admin", "a"), bench.bearer("enumerator", "e")
        body = {"id": ROUND, "instrument": "household", "title": ROUND,
                "period": {"start": "2025-01-01", "end": "2025-12-31"}}  # fmt: skip
        bench.create_round(body)
        load_submissions(store, ROUND, payloads)
        url = f"/api/v1/rounds/{ROUND}/estimates?by=district"
        client.get(url, headers=admin)  # cells settled and the code paths imported
        patched = client.patch(
            f"/api/v1/rounds/{ROUND}", json={"weighting": {"calibration": calibration}},
            headers=admin,
        )  # fmt: skip
        assert patched.status_code == 200, patched.json
        started = time.perf_counter()
        answer = client.get(url, headers=admin)
        cold = time.perf_counter() - started
        assert answer.status_code == 200 and answer.json["weighting"]["calibration"] == "rake"
        fiber = [r["estimate"] for r in answer.json["estimates"][0]["results"]]
        fiber_se = [r["se"] for r in answer.json["estimates"][0]["results"]]
        extras = synthetic_households(args.repeats, args.households + 1)
        after_write, warm = time_after_writes(client, url, extras, admin, enumerator)
        cells = len(store.cells.read(ROUND)[1])
        r = None if args.members else time_r(bench.workdir, payloads, totals)
    print(f"load average: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
    print("| households | cells | cold (ms) | after a new submission (ms) | warm (ms) "
          "| R calibrate (ms) | R svyby (ms) | R total / ours after write |")  # fmt: skip
    print("|---:|---:|---:|---:|---:|---:|---:|---:|")
    after_ms, warm_ms = statistics.median(after_write) * 1000, statistics.median(warm) * 1000
    r_text = "| n/a | n/a | n/a |"
    if r is not None:
        ratio = (r["calibrate_ms"] + r["ms"]) / after_ms
        r_text = f"| {r['calibrate_ms']:.0f} | {r['ms']:.0f} | {ratio:.0f}× |"
    print(f"| {args.households:,} | {cells:,} | {cold * 1000:.0f} | {after_ms:.0f} "
          f"| {warm_ms:.1f} {r_text}")  # fmt: skip
    if r is not None:
        worst = max(
            abs(a - b) / max(abs(b), 1e-12)
            for a, b in zip(fiber + fiber_se, r["fiber"] + r["fiber_se"], strict=True)
        )
        print(f"fiber by district, estimate and se: largest relative difference to R {worst:.1e}")
    print(f"targets: warm < 1000 ms ({'met' if warm_ms < 1000 else 'NOT met'}), "
          f"cold < 5000 ms ({'met' if cold < 5 else 'NOT met'})")  # fmt: skip


if __name__ == "__main__":
    main()
