"""Benchmark: change by district between two rounds of a series, through the service, beside R.

Loads two synthetic household rounds (default 100k households each, the same 18 strata and
PSU codes, so `overlapping` pairs every PSU) into a fresh nx-27017 store through the ingest
code the API uses, puts them in one series, then times
`GET /api/v1/series/{series}/change?by=district` (every household indicator: four rates and two
person-level rates) with an empty cache (one `$group` per round + the engine, "cold") and a
warm one, for both pairings, first on the input weights and then with each round raked to its
own district and area margins (`weighting.calibration` set on both rounds, as a PATCH does;
the totals of bench/weighting_service.py, 5–13 % above each round's weight sums). R
(`Rscript` with `survey`) on an export of the same rows: `rbind` of both rounds,
`svydesign(nest = TRUE)`, and per indicator `svyby(~y, ~round + district, svymean | svyratio,
covmat = TRUE)` + one `svycontrast` per district (estimation only, not I/O); raked, the stack
calibrated with each round's margins crossed by round and the same table from the influence
functions (bench/r_change.py). The load average is printed: other processes share the
machine's 2 cores.

usage: python bench/series_change.py [--households 100000] [--repeats 3] [--no-r-rake]
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.change import write_margins
from bench.estimates import cold_and_warm, synthetic_households
from bench.in_process import service_in_process
from bench.r_change import R_CALIBRATED, R_CONTRASTS
from bench.weighting_service import margins, rake_calibration, write_csv
from service.domain.round import Round
from service.loading import load_submissions
from service.rounds.weighting import check_weighting

SERIES = "bench-series"
R_SCRIPT = (
    r"""
suppressMessages(library(survey))
args <- commandArgs(TRUE)
read <- function(path, round) {
  d <- read.csv(path, colClasses = c(district = "character"))
  d$round <- round
  d
}
d <- rbind(read(args[1], "a"), read(args[2], "b"))
if (args[3] == "independent") {
  d$stratum <- paste(d$round, d$stratum)
  d$psu <- paste(d$round, d$psu)
}
margins <- if (length(args) > 3) {
  read.csv(args[4], colClasses = c("character", "character", "character", "numeric"))
} else NULL
options(survey.lonely.psu = "adjust")
"""
    + R_CONTRASTS
    + R_CALIBRATED
    + r"""
proportions <- c("fiber_available", "fiber_subscribed", "mobile_4g_5g", "smartphone_household")
t <- system.time({
  des <- svydesign(ids = ~psu, strata = ~stratum, weights = ~weight, data = d, nest = TRUE)
  if (is.null(margins)) {
    for (v in proportions)
      contrasts(svyby(as.formula(paste0("~", v)), ~round + district, des, svymean, covmat = TRUE))
    for (v in c("epay", "egov"))
      contrasts(svyby(as.formula(paste0("~", v)), ~round + district, des, svyratio,
                      denominator = ~adults, covmat = TRUE))
  } else {
    cal <- calibrated(des, margins)
    for (v in proportions)
      contrasts(by_round_district(cal, function(sub)
        svymean(as.formula(paste0("~", v)), sub, influence = TRUE)))
    for (v in c("epay", "egov"))
      contrasts(by_round_district(cal, function(sub)
        svyratio(as.formula(paste0("~", v)), ~adults, sub, influence = TRUE)))
  }
})
cat(t[["elapsed"]], "\n")
"""
)


def time_r(paths: list[Path], pairing: str, workdir: Path, margins: Path | None) -> float | None:
    if shutil.which("Rscript") is None:
        return None
    script = workdir / "change.R"
    script.write_text(R_SCRIPT)
    extra = [] if margins is None else [str(margins)]
    done = subprocess.run(
        ["Rscript", str(script), *map(str, paths), pairing, *extra], capture_output=True, text=True
    )
    if done.returncode != 0:
        print(done.stderr, file=sys.stderr)
        return None
    return float(done.stdout.split()[-1])


def rake_both(store: Any, round_ids: list[str], all_payloads: list[list[dict]]) -> list[dict]:
    """Each round raked to its own district and area totals, as `PATCH weighting` stores it."""
    calibrations = []
    for round_id, payloads in zip(round_ids, all_payloads, strict=True):
        calibration = rake_calibration(margins(payloads))
        weighting = check_weighting(
            Round.from_doc(store.rounds.get(round_id)), {"calibration": calibration}
        )
        store.rounds.update(round_id, {"weighting": weighting})
        calibrations.append(calibration)
    return calibrations


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--households", type=int, default=100_000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--no-r-rake", action="store_true", help="skip R's raked stack (slow)")
    args = parser.parse_args()
    n = args.households
    print(f"load average before: {os.getloadavg()}, cores: {os.cpu_count()}")
    paths, rows, round_ids, all_payloads = [], [], [], []
    with service_in_process("bench-series-") as bench:
        app, store, workdir = bench.app, bench.store, bench.workdir
        headers = bench.bearer("planner", "bench")
        for year, seed in ((2024, n + 1), (2025, n + 2)):
            round_id = f"bench-{year}"
            body = {
                "id": round_id,
                "instrument": "household",
                "title": round_id,
                "series": SERIES,
                "period": {"start": f"{year}-01-01", "end": f"{year}-12-31"},
            }
            bench.create_round(body)
            payloads = synthetic_households(n, seed)
            started = time.perf_counter()
            load_submissions(store, round_id, payloads)
            print(f"loaded {round_id}: {time.perf_counter() - started:.1f} s", file=sys.stderr)
            paths.append(workdir / f"{round_id}.csv")
            write_csv(paths[-1], payloads)
            round_ids.append(round_id)
            all_payloads.append(payloads)
        for weighting in ("input", "rake"):
            margins_path = None
            if weighting == "rake":
                calibrations = rake_both(store, round_ids, all_payloads)
                margins_path = workdir / "margins.csv"
                write_margins([c["margins"] for c in calibrations], margins_path)
            for pairing in ("independent", "overlapping"):
                url = f"/api/v1/series/{SERIES}/change?by=district&pairing={pairing}"
                cold, warm = cold_and_warm(app, url, headers, args.repeats)
                skip_r = weighting == "rake" and args.no_r_rake
                r_s = None if skip_r else time_r(paths, pairing, workdir, margins_path)
                rows.append((weighting, pairing, cold, warm, r_s))
    print(f"\n{n:,} households per round, every household indicator by district\n")
    print(
        "| weighting | pairing | service cold (ms) | service warm (ms) "
        "| R stacked svyby + svycontrast (ms) |"
    )
    print("|---|---|---:|---:|---:|")
    for weighting, pairing, cold_s, warm_s, r_s in rows:
        r_text = "n/a" if r_s is None else f"{r_s * 1000:,.0f}"
        print(
            f"| {weighting} | {pairing} | {cold_s * 1000:,.0f} | {warm_s * 1000:,.1f} | {r_text} |"
        )
    print(f"\nload average after: {os.getloadavg()}")


if __name__ == "__main__":
    main()
