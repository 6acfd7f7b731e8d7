"""Benchmark: change by district between two rounds of a series, through the service, beside R.

Loads two synthetic household rounds (default 100k households each, the same 18 strata and
PSU codes, so `overlapping` pairs every PSU) into a fresh nx-27017 store through the ingest
code the API uses, puts them in one series, then times
`GET /api/v1/series/{series}/change?by=district` (every household indicator: four rates and two
person-level rates) with an empty cache (one `$group` per round + the engine, "cold") and a
warm one, for both pairings. R (`Rscript` with `survey`) on an export of the same rows: `rbind`
of both rounds, `svydesign(nest = TRUE)`, and per indicator `svyby(~y, ~round + district,
svymean | svyratio, covmat = TRUE)` + one `svycontrast` per district (estimation only, not I/O).
The load average is printed: other processes share the machine's 2 cores.

usage: python bench/series_change.py [--households 100000] [--repeats 3]
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.estimates import cold_and_warm, synthetic_households, write_r_csv
from schemas.rounds import RoundCreateSchema
from service import create_app
from service.loading import load_submissions
from service.rounds.model import round_to_store
from service.store.embedded import EmbeddedStore

SERIES = "bench-series"
R_SCRIPT = r"""
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
options(survey.lonely.psu = "adjust")
contrasts <- function(b) {
  lapply(sort(unique(d$district)), function(x) {
    k <- setNames(rep(0, length(coef(b))), names(coef(b)))
    k[paste("a", x, sep = ".")] <- -1
    k[paste("b", x, sep = ".")] <- 1
    svycontrast(b, k)
  })
}
t <- system.time({
  des <- svydesign(ids = ~psu, strata = ~stratum, weights = ~weight, data = d, nest = TRUE)
  for (v in c("fiber_available", "fiber_subscribed", "mobile_4g_5g", "smartphone_household"))
    contrasts(svyby(as.formula(paste0("~", v)), ~round + district, des, svymean, covmat = TRUE))
  for (v in c("epay", "egov"))
    contrasts(svyby(as.formula(paste0("~", v)), ~round + district, des, svyratio,
                    denominator = ~adults, covmat = TRUE))
})
cat(t[["elapsed"]], "\n")
"""


def time_r(paths: list[Path], pairing: str, workdir: Path) -> float | None:
    if shutil.which("Rscript") is None:
        return None
    script = workdir / "change.R"
    script.write_text(R_SCRIPT)
    done = subprocess.run(
        ["Rscript", str(script), *map(str, paths), pairing], capture_output=True, text=True
    )
    if done.returncode != 0:
        print(done.stderr, file=sys.stderr)
        return None
    return float(done.stdout.split()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--households", type=int, default=100_000)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    n = args.households
    print(f"load average before: {os.getloadavg()}, cores: {os.cpu_count()}")
    workdir = Path(tempfile.mkdtemp(prefix="bench-series-"))
    paths, rows = [], []
    with EmbeddedStore(workdir) as server:
        app = create_app(
            {"MONGODB_URI": server.uri, "SURVEY_DB": "bench", "SURVEY_LOG_LEVEL": "WARNING"}
        )
        store = app.extensions["store"]
        headers = {"Authorization": f"Bearer {store.tokens.create('planner', 'bench')[1]}"}
        for year, seed in ((2024, n + 1), (2025, n + 2)):
            round_id = f"bench-{year}"
            body = {
                "id": round_id,
                "instrument": "household",
                "title": round_id,
                "series": SERIES,
                "period": {"start": f"{year}-01-01", "end": f"{year}-12-31"},
            }
            store.rounds.create(round_to_store(RoundCreateSchema().load(body)))
            payloads = synthetic_households(n, seed)
            started = time.perf_counter()
            load_submissions(store, round_id, payloads)
            print(f"loaded {round_id}: {time.perf_counter() - started:.1f} s", file=sys.stderr)
            paths.append(workdir / f"{round_id}.csv")
            write_r_csv(paths[-1], payloads)
        for pairing in ("independent", "overlapping"):
            url = f"/api/v1/series/{SERIES}/change?by=district&pairing={pairing}"
            cold, warm = cold_and_warm(app, url, headers, args.repeats)
            r_s = time_r(paths, pairing, workdir)
            rows.append((pairing, cold, warm, r_s))
        store.close()
    shutil.rmtree(workdir, ignore_errors=True)
    print(f"\n{n:,} households per round, every household indicator by district\n")
    print(
        "| pairing | service cold (ms) | service warm (ms) | R stacked svyby + svycontrast (ms) |"
    )
    print("|---|---:|---:|---:|")
    for pairing, cold_s, warm_s, r_s in rows:
        r_text = "n/a" if r_s is None else f"{r_s * 1000:,.0f}"
        print(f"| {pairing} | {cold_s * 1000:,.0f} | {warm_s * 1000:,.1f} | {r_text} |")
    print(f"\nload average after: {os.getloadavg()}")


if __name__ == "__main__":
    main()
