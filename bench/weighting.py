"""Benchmark: rake-calibrated estimates by district from cells, ours against R ``survey``.

usage: .venv/bin/python bench/weighting.py [HOUSEHOLDS]     (default 100000)

A synthetic sample of 9 districts × 2 areas = 18 strata and 600 PSUs (communes), with a
district × area unit class per household. The engine gets what the service will hand it
(docs/design.md §9): calibration cells (unit class → Σd) and, per indicator, sums per
PSU × calibration cell × district. It rakes to district and area margins and estimates
every indicator (four 0/1 rates with logit CIs, a mean, a person-level rate) by district.
"cold" is the first call in the process, "warm" the best of 5. R, in the same run, times
``calibrate(des, ~district + area, pop, calfun = "raking", epsilon = 1e-10)`` and the same
``svyby`` estimates on the CSV of the rows; the answers are compared to R's.
"""

from __future__ import annotations

import csv
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from scoring.weights import CalibrationSpec, CellTotals, calibrate, estimate_calibrated

OUT = Path(__file__).resolve().parent / "out"
N_DISTRICTS, N_AREAS, N_PSUS = 9, 2, 600
RATES = ("fiber", "mobile", "smartphone", "epay_any")
R_SCRIPT = r"""
suppressMessages({library(survey); library(jsonlite)})
args <- commandArgs(trailingOnly = TRUE)
d <- read.csv(args[1], colClasses = c(rep("character", 4), rep("numeric", 8)))
margins <- fromJSON(args[2])
des <- svydesign(ids = ~psu, strata = ~stratum, weights = ~w, data = d, nest = TRUE)
pop <- c(`(Intercept)` = sum(unlist(margins$district)),
         setNames(unlist(margins$district)[-1], paste0("district", names(margins$district)[-1])),
         areaurban = margins$area$urban)
rates <- c("fiber", "mobile", "smartphone", "epay_any")
t_cal <- system.time(
  cal <- calibrate(des, ~district + area, pop, calfun = "raking", epsilon = 1e-10))
t <- system.time({
  out <- lapply(rates, function(v) svyby(as.formula(paste0("~", v)), ~district, cal, svyciprop,
                                         method = "logit", vartype = c("se", "ci")))
  out <- c(out, list(svyby(~smartphones, ~district, cal, svymean)))
  out <- c(out, list(svyby(~epay, ~district, cal, svyratio, denominator = ~adults)))
})
cat(toJSON(list(calibrate_ms = t_cal[["elapsed"]] * 1000, ms = t[["elapsed"]] * 1000,
                se = lapply(out, function(o) unname(SE(o))),
                estimate = lapply(out, function(o) unname(coef(o)))),
           digits = NA, auto_unbox = TRUE), "\n")
"""


def synthetic(households: int, seed: int = 7) -> dict[str, np.ndarray]:
    """Households in 600 PSUs of 18 district × area strata; indicators by district."""
    rng = np.random.default_rng(seed)
    psu_stratum = np.arange(N_PSUS) % (N_DISTRICTS * N_AREAS)
    psu = rng.integers(0, N_PSUS, households)
    stratum = psu_stratum[psu]
    district, area = stratum // N_AREAS, stratum % N_AREAS
    p = np.linspace(0.3, 0.8, N_DISTRICTS)[district] + 0.1 * area
    adults = rng.integers(1, 6, households).astype(float)
    data = {
        "stratum": np.char.add("s", stratum.astype(str)),
        "psu": np.char.add("p", psu.astype(str)),
        "district": np.char.add("0", (80 + district).astype(str)),
        "area": np.array(["rural", "urban"])[area],
        "w": rng.uniform(20, 200, households).round(3),
        "smartphones": rng.poisson(2 + area, households).astype(float),
        "adults": adults,
        "epay": rng.binomial(adults.astype(int), p * 0.6).astype(float),
    }
    for k, name in enumerate(RATES):
        data[name] = (rng.uniform(size=households) < p * (1 - 0.1 * k)).astype(float)
    data["epay_any"] = (data["epay"] > 0).astype(float)
    return data


def margins(data: dict[str, np.ndarray]) -> dict[str, dict[str, float]]:
    """District totals 5-13 % above the weight sums; area totals with the same population."""
    district = {
        k: round(float(data["w"][data["district"] == k].sum()) * (1.05 + 0.01 * i))
        for i, k in enumerate(sorted(set(data["district"].tolist())))
    }
    population = sum(district.values())
    urban = round(float(data["w"][data["area"] == "urban"].sum()) * 1.12)
    return {"district": district, "area": {"urban": urban, "rural": population - urban}}


def cells(data: dict[str, np.ndarray]) -> dict[str, object]:
    """What the service keeps: unit classes and per-indicator PSU × class × district sums."""
    unit_class = np.char.add(np.char.add(data["district"], "|"), data["area"])
    classes, cls = np.unique(unit_class, return_inverse=True)
    keys, row = np.unique(
        np.char.add(np.char.add(data["psu"], "#"), unit_class), return_inverse=True
    )
    first = np.unique(row, return_index=True)[1]
    w = data["w"]

    def sums(values: np.ndarray) -> np.ndarray:
        return np.bincount(row, weights=values, minlength=keys.shape[0])

    labels = {
        "district": [c.split("|")[0] for c in classes],
        "area": [c.split("|")[1] for c in classes],
    }
    frame = {
        "stratum": data["stratum"][first],
        "psu": data["psu"][first],
        "cell": cls[first],
        "domain": data["district"][first],
    }
    indicators = {}
    for name in (*RATES, "smartphones"):
        y = data[name]
        indicators[name] = CellTotals(
            **frame, n=sums(np.ones_like(w)), sd=sums(w), sdy=sums(w * y), sdyy=sums(w * y * y)
        )
    indicators["epay"] = CellTotals(
        **frame,
        n=sums(data["adults"]),
        sd=sums(w),
        sdy=sums(w * data["epay"]),
        sdx=sums(w * data["adults"]),
        sdyy=sums(w * data["epay"]),
    )
    return {"labels": labels, "d": np.bincount(cls, weights=w), "indicators": indicators}


def ours(spec: CalibrationSpec, kept: dict[str, object]) -> dict[str, list]:
    """Calibrate the cells, then every indicator by district."""
    calibrated = calibrate(spec, kept["labels"], kept["d"])
    out = {}
    for name, totals in kept["indicators"].items():
        kind = {"smartphones": "mean", "epay": "member_proportion"}.get(name, "proportion")
        out[name] = estimate_calibrated(totals, calibrated, kind, ci="logit")
    return out


def r_run(path: Path, margins_path: Path) -> dict | None:
    if shutil.which("Rscript") is None:
        return None
    proc = subprocess.run(
        ["Rscript", "-e", R_SCRIPT, str(path), str(margins_path)],
        capture_output=True,
        text=True,
        check=False,
    )
    try:
        return json.loads(proc.stdout.strip().splitlines()[-1])
    except (IndexError, ValueError):
        sys.stderr.write(proc.stderr)
        return None


def write_csv(data: dict[str, np.ndarray], path: Path) -> None:
    columns = ["stratum", "psu", "district", "area", "w", "smartphones", "adults", "epay", *RATES]
    with open(path, "w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(columns)
        writer.writerows(zip(*(data[c].tolist() for c in columns), strict=True))


def max_relative_difference(results: dict[str, list], r: dict) -> float:
    names = [*RATES, "smartphones", "epay"]
    worst = 0.0
    for name, estimates, ses in zip(names, r["estimate"], r["se"], strict=True):
        for res, e, s in zip(results[name], estimates, ses, strict=True):
            worst = max(worst, abs(res.estimate - e) / abs(e), abs(res.se - s) / abs(s))
    return worst


def timed(spec: CalibrationSpec, kept: dict[str, object]) -> tuple[dict, float, float]:
    """Our results, the first call's ms (cold) and the best of five (warm)."""
    start = time.perf_counter()
    results = ours(spec, kept)
    cold = (time.perf_counter() - start) * 1000
    warm = []
    for _ in range(5):
        start = time.perf_counter()
        ours(spec, kept)
        warm.append((time.perf_counter() - start) * 1000)
    return results, cold, min(warm)


def fmt(ms: float | None) -> str:
    return "n/a" if ms is None else f"{ms:,.0f}" if ms >= 100 else f"{ms:.1f}"


def main(households: int) -> None:
    OUT.mkdir(exist_ok=True)
    (OUT / ".gitignore").write_text("*\n")  # generated data, never committed
    data = synthetic(households)
    margin = margins(data)
    spec = CalibrationSpec.from_json(
        {
            "method": "rake",
            "margins": [
                {"variables": ["district"], "totals": margin["district"]},
                {"variables": ["area"], "totals": margin["area"]},
            ],
        }
    )
    start = time.perf_counter()
    kept = cells(data)
    build_ms = (time.perf_counter() - start) * 1000
    results, cold, warm = timed(spec, kept)
    path, margins_path = OUT / f"weighting_{households}.csv", OUT / "weighting_margins.json"
    write_csv(data, path)
    margins_path.write_text(json.dumps(margin))
    r = r_run(path, margins_path) or {}
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    n_cells = kept["indicators"]["fiber"].sd.shape[0]
    print(f"load average (1, 5, 15 min): {load}")
    print(
        f"{households:,} households, {n_cells:,} PSU × class × district cells, "
        f"{len(kept['d'])} calibration cells; building the cells from rows: {build_ms:,.0f} ms"
    )
    print(
        "| households | ours cold ms | ours warm ms | R calibrate ms | R svyby ms | "
        "R total / ours warm | max rel. diff vs R |"
    )
    print("|---:|---:|---:|---:|---:|---:|---:|")
    r_cal, r_est = r.get("calibrate_ms"), r.get("ms")
    ratio = "n/a" if not r else f"{(r_cal + r_est) / warm:,.0f}×"
    diff = "n/a" if not r else f"{max_relative_difference(results, r):.1e}"
    print(
        f"| {households:,} | {fmt(cold)} | {fmt(warm)} | {fmt(r_cal)} | {fmt(r_est)} | "
        f"{ratio} | {diff} |"
    )
    print("targets (service, later): < 1000 ms warm, < 5000 ms cold for all indicators by district")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 100_000)
