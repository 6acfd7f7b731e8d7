"""Benchmark: change between two rounds by district, ours from per-PSU cells against R ``survey``.

usage: .venv/bin/python bench/change.py [HOUSEHOLDS_PER_ROUND]     (default 100000)

Two synthetic household rounds (9 districts × 2 areas = 18 strata, 400 PSUs each; the later
round revisits 60 % of the earlier round's PSUs and adds new ones), answering the four 0/1
household indicators and the two person-level rates of docs/design.md §5.

- "ours cells": each round reduced to PSU × district cells (:class:`scoring.PsuTotals`, what
  the service keeps; timed separately as "rows → cells").
- "ours change": ``change_from_totals`` on those cells, one indicator, both pairings; *cold*
  is the first call in a fresh process (imports excluded, reported apart), *warm* the best
  of 5 later calls. "all 6 indicators" times the six in sequence (warm).
- R: ``Rscript`` on the same rows (written to bench/out/): ``rbind`` of both rounds,
  ``svydesign(nest = TRUE)`` on the stack, ``svyby(~fiber_available, ~round + district,
  svymean, covmat = TRUE)`` and one ``svycontrast`` per district, timed by ``system.time``
  (reading the CSVs excluded).
- "rake" rows: each round raked to its own district and area margins (its weight sums scaled
  unevenly). Ours times ``calibrate`` of both rounds from their calibration cells' ``Σd`` plus
  the change from PSU × calibration cell × district sums (:class:`CalibratedRound`); R times
  ``calibrate(stack, ~ per-round indicators − 1, calfun = "raking")``, the influence
  functions of every (round, district) ``svymean`` and ``svyrecvar`` on them (what
  ``svyby(covmat = TRUE)`` does; survey 4.1.1's ``svyby`` fails on calibrated designs), then
  the contrasts.
The machine's load average is printed: other processes share the 2 cores.
"""

from __future__ import annotations

import csv
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.r_change import R_CALIBRATED, R_CONTRASTS
from bench.scoring import best_ms

ROOT = Path(__file__).resolve().parent.parent

OUT = Path(__file__).resolve().parent / "out"
N_DISTRICTS, N_AREAS, N_PSUS, REVISITED = 9, 2, 400, 0.6
PROPORTIONS = ("fiber_available", "fiber_subscribed", "mobile_4g_5g", "smartphone_household")
RATES = ("members_15plus_with_epay", "members_15plus_egov_mobile")
COLUMNS = ("stratum", "psu", "district", "area", "w", *PROPORTIONS, "members_15plus", *RATES)
R_SCRIPT = (
    """
suppressMessages(library(survey))
args <- commandArgs(trailingOnly = TRUE)
read <- function(path, round) {
  d <- read.csv(path, colClasses = c(rep("character", 4), rep("numeric", 8)))
  d$round <- round
  d
}
d <- rbind(read(args[1], "a"), read(args[2], "b"))
pairing <- args[3]
if (pairing == "independent") {
  d$stratum <- paste(d$round, d$stratum)
  d$psu <- paste(d$round, d$psu)
}
margins <- if (length(args) > 3) {
  read.csv(args[4], colClasses = c("character", "character", "character", "numeric"))
} else NULL
"""
    + R_CONTRASTS
    + R_CALIBRATED
    + """
t <- system.time({
  des <- svydesign(ids = ~psu, strata = ~stratum, weights = ~w, data = d, nest = TRUE)
  if (is.null(margins)) {
    b <- svyby(~fiber_available, ~round + district, des, svymean, covmat = TRUE)
  } else {
    b <- by_round_district(calibrated(des, margins),
                           function(sub) svymean(~fiber_available, sub, influence = TRUE))
  }
  out <- contrasts(b)
})
cat(t[["elapsed"]] * 1000, "\\n")
"""
)
COLD = """
import sys, time, pickle
start = time.perf_counter()
from scoring.contrasts import change_from_totals
imported = time.perf_counter()
rounds = pickle.load(open(sys.argv[1], "rb"))
loaded = time.perf_counter()
change_from_totals(*rounds, "proportion", pairing=sys.argv[2])
done = time.perf_counter()
print((imported - start) * 1000, (done - loaded) * 1000)
"""


def synthetic(households: int, psu_ids: np.ndarray, seed: int) -> dict[str, np.ndarray]:
    """Households spread over the given PSUs (PSU k lies in stratum k mod 18)."""
    rng = np.random.default_rng(seed)
    psu = psu_ids[rng.integers(0, psu_ids.shape[0], households)]
    stratum = psu % (N_DISTRICTS * N_AREAS)
    district = stratum // N_AREAS
    base = np.linspace(0.3, 0.8, N_DISTRICTS)[district] + 0.05 * seed
    members = rng.integers(1, 8, households)
    data = {
        "stratum": np.char.add("s", stratum.astype(str)),
        "psu": np.char.add("p", psu.astype(str)),
        "district": np.char.add("d", district.astype(str)),
        "area": np.where(stratum % N_AREAS == 0, "rural", "urban"),
        "w": rng.uniform(20, 200, households).round(3),
        "members_15plus": members.astype(float),
    }
    for k, name in enumerate(PROPORTIONS):
        data[name] = (rng.uniform(size=households) < base - 0.05 * k).astype(float)
    for name in RATES:
        data[name] = rng.binomial(members, np.clip(base - 0.2, 0.05, 0.95)).astype(float)
    return data


def rounds(households: int) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    earlier = np.arange(N_PSUS)
    kept = earlier[: int(N_PSUS * REVISITED)]
    later = np.concatenate([kept, np.arange(N_PSUS, 2 * N_PSUS - kept.shape[0])])
    return synthetic(households, earlier, 0), synthetic(households, later, 1)


def estimand(data: dict[str, np.ndarray], indicator: str):
    from scoring import Estimand

    if indicator in RATES:
        return Estimand.member_proportion(data[indicator], data["members_15plus"])
    return Estimand.proportion(data[indicator])


def cells(data: dict[str, np.ndarray], indicator: str):
    from scoring.row_totals import totals_from_rows
    from scoring.stacking import RoundTotals

    totals = totals_from_rows(
        data["w"], data["stratum"], data["psu"], estimand(data, indicator), data["district"]
    )
    return RoundTotals(totals)


def write_csv(data: dict[str, np.ndarray], path: Path) -> None:
    with open(path, "w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(COLUMNS)
        writer.writerows(zip(*(data[k].tolist() for k in COLUMNS), strict=True))


def cold_ms(pickled: Path, pairing: str) -> tuple[float, float]:
    proc = subprocess.run(
        [sys.executable, "-c", COLD, str(pickled), pairing],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
    )
    imported, computed = proc.stdout.split()
    return float(imported), float(computed)


def r_ms(paths: list[Path], pairing: str, margins: Path | None = None) -> float | None:
    if shutil.which("Rscript") is None:
        return None
    extra = [] if margins is None else [str(margins)]
    proc = subprocess.run(
        ["Rscript", "-e", R_SCRIPT, *map(str, paths), pairing, *extra],
        capture_output=True,
        text=True,
        check=False,
    )
    try:
        return float(proc.stdout.split()[-1])
    except (IndexError, ValueError):
        return None


def margins(data: dict[str, np.ndarray], skew: float) -> list[dict]:
    """District and area margins: the round's weight sums, scaled unevenly (same total)."""
    out = []
    for variable in ("district", "area"):
        keys, index = np.unique(data[variable], return_inverse=True)
        sums = np.bincount(index, weights=data["w"])
        scale = 1 + skew * (-1) ** np.arange(keys.shape[0])
        totals = sums * scale * data["w"].sum() / (sums * scale).sum()
        out.append(
            {
                "variables": [variable],
                "totals": dict(zip(keys.tolist(), totals.tolist(), strict=True)),
            }
        )
    return out


def calibrated_cells(data: dict[str, np.ndarray], spec_margins: list[dict]):
    """PSU × calibration cell × district sums of d, and the cells' Σd: what the service keeps."""
    from scoring.weights import CellTotals

    key = np.char.add(np.char.add(data["psu"], "|"), np.char.add(data["area"], "|"))
    key = np.char.add(key, data["district"])
    _, first, index = np.unique(key, return_index=True, return_inverse=True)
    cells, cell_of_row = np.unique(
        np.char.add(np.char.add(data["district"], "|"), data["area"]), return_inverse=True
    )
    w, y = data["w"], data["fiber_available"]
    totals = CellTotals(
        stratum=data["stratum"][first],
        psu=data["psu"][first],
        cell=cell_of_row[first],
        domain=data["district"][first],
        n=np.bincount(index),
        sd=np.bincount(index, weights=w),
        sdy=np.bincount(index, weights=w * y),
    )
    labels = {
        "district": np.array([c.split("|")[0] for c in cells]),
        "area": np.array([c.split("|")[1] for c in cells]),
    }
    return totals, labels, np.bincount(cell_of_row, weights=w), spec_margins


def raked_change(prepared: list, pairing: str) -> None:
    from scoring.calibrated_rounds import CalibratedRound
    from scoring.contrasts import change_from_totals
    from scoring.weights import CalibrationSpec, calibrate

    rounds = []
    for totals, labels, d, spec_margins in prepared:
        spec = CalibrationSpec.from_json({"method": "rake", "margins": spec_margins})
        rounds.append(CalibratedRound(totals, calibrate(spec, labels, d)))
    change_from_totals(*rounds, "proportion", pairing=pairing)


def write_margins(all_margins: list[list[dict]], path: Path) -> None:
    with open(path, "w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["round", "variable", "category", "total"])
        for which, round_margins in zip(("a", "b"), all_margins, strict=True):
            for k, margin in enumerate(round_margins):
                items = sorted(margin["totals"].items())[(1 if k else 0) :]
                for category, total in items:
                    writer.writerow([which, margin["variables"][0], category, repr(total)])


def main(households: int) -> None:
    import pickle

    from scoring.contrasts import change_from_totals

    OUT.mkdir(exist_ok=True)
    (OUT / ".gitignore").write_text("*\n")  # generated data, never committed
    print(f"load average before: {os.getloadavg()}, cores: {os.cpu_count()}")
    data = rounds(households)
    paths = [OUT / f"change_{households}_{k}.csv" for k in ("from", "to")]
    for d, path in zip(data, paths, strict=True):
        write_csv(d, path)
    reduce_ms = best_ms(lambda: [cells(d, "fiber_available") for d in data], repeat=3)
    fiber = [cells(d, "fiber_available") for d in data]
    pickled = OUT / "change_cells.pickle"
    pickled.write_bytes(pickle.dumps(fiber))
    every = {name: [cells(d, name) for d in data] for name in (*PROPORTIONS, *RATES)}
    n_cells = sum(np.asarray(r.totals.n).shape[0] for r in fiber)
    print(f"{households:,} households per round, {n_cells:,} PSU × district cells in all")
    print(f"rows → cells, both rounds, one indicator: {reduce_ms:,.0f} ms")
    print()
    print("| pairing | import ms | ours cold ms | ours warm ms | all 6 warm ms | R survey ms |")
    print("|---|---:|---:|---:|---:|---:|")
    for pairing in ("independent", "overlapping"):
        imported, cold = cold_ms(pickled, pairing)
        warm = best_ms(lambda p=pairing: change_from_totals(*fiber, "proportion", pairing=p), 5)

        def all_six(p: str = pairing) -> None:
            for name, pair in every.items():
                kind = "member_proportion" if name in RATES else "proportion"
                change_from_totals(*pair, kind, pairing=p)

        six = best_ms(all_six, 5)
        r = r_ms(paths, pairing)
        r_text = "n/a" if r is None else f"{r:,.0f}"
        row = [pairing, f"{imported:,.0f}", f"{cold:,.1f}", f"{warm:,.1f}", f"{six:,.1f}", r_text]
        print("| " + " | ".join(row) + " |", flush=True)
    all_margins = [margins(d, skew) for d, skew in zip(data, (0.04, 0.07), strict=True)]
    prepared = [calibrated_cells(d, m) for d, m in zip(data, all_margins, strict=True)]
    margins_path = OUT / "change_margins.csv"
    write_margins(all_margins, margins_path)
    print("\n| pairing, rake | ours calibrate + change warm ms | R survey ms |")
    print("|---|---:|---:|")
    for pairing in ("independent", "overlapping"):
        warm = best_ms(lambda p=pairing: raked_change(prepared, p), 5)
        r = r_ms(paths, pairing, margins_path)
        r_text = "n/a" if r is None else f"{r:,.0f}"
        print(f"| {pairing} | {warm:,.1f} | {r_text} |", flush=True)
    print(f"\nload average after: {os.getloadavg()}")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 100_000)
