"""Benchmark: proportion by district with logit CIs, ours against R ``survey`` (and samplics).

usage: .venv/bin/python bench/scoring.py [ROWS ...]     (default 10000 100000 1000000)

Two tables. End to end: ``python -m scoring estimate`` on the CSV against ``Rscript`` doing
``read.csv`` + ``svydesign`` + ``svyby(svyciprop, method = "logit")`` (both timed as whole
processes, best of 3), with the targets of issue 16 beside the measured values (CLI ≥ 10×
faster than R on 1M rows; the engine alone ≤ 0.25 s on 1M rows). Engine:

A synthetic design of 9 districts × 2 areas = 18 strata and 300 PSUs. "ours raw" times
``Design(...)`` + ``estimate(...)`` on string labels; "ours totals" times
``estimate_from_totals`` on the PSU × district cells (what the service keeps). R times only
``svyby(~y, ~district, des, svyciprop, method = "logit", vartype = "ci")`` with
``system.time`` on the CSV written to bench/out/. samplics runs only if ``pip install
samplics`` works in a throwaway virtualenv; otherwise its column says n/a.
"""

from __future__ import annotations

import csv
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from scoring import Design, Estimand, PsuTotals, estimate, estimate_from_totals

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
N_DISTRICTS, N_AREAS, N_PSUS = 9, 2, 300
R_END_TO_END = """
suppressMessages(library(survey))
args <- commandArgs(trailingOnly = TRUE)
d <- read.csv(args[1])
des <- svydesign(ids = ~psu, strata = ~stratum, weights = ~w, data = d, nest = TRUE)
r <- svyby(~y, ~district, des, svyciprop, method = "logit", vartype = "ci")
"""
CLI = ["-m", "scoring", "estimate", "--weight", "w", "--strata", "stratum", "--psu", "psu"]
CLI_ESTIMAND = ["--proportion", "y", "--by", "district", "--ci", "logit"]
TARGET_CLI_SPEEDUP = 10.0
TARGET_ENGINE_MS = 250.0
R_SCRIPT = """
suppressMessages(library(survey))
args <- commandArgs(trailingOnly = TRUE)
d <- read.csv(args[1], colClasses = c("character", "character", "character", "numeric", "numeric"))
des <- svydesign(ids = ~psu, strata = ~stratum, weights = ~w, data = d, nest = TRUE)
t <- system.time(r <- svyby(~y, ~district, des, svyciprop, method = "logit", vartype = "ci"))
cat(t[["elapsed"]] * 1000, "\\n")
"""
SAMPLICS_SCRIPT = """
import sys, time, csv
import numpy as np
from samplics.estimation import TaylorEstimator
from samplics.utils.types import PopParam
cols = list(zip(*csv.reader(open(sys.argv[1]))))
data = {c[0]: np.array(c[1:]) for c in cols}
est = TaylorEstimator(PopParam.prop)
start = time.perf_counter()
est.estimate(y=data["y"].astype(float), samp_weight=data["w"].astype(float),
             stratum=data["stratum"], psu=data["psu"], domain=data["district"])
print((time.perf_counter() - start) * 1000)
"""


def synthetic(rows: int, seed: int = 1) -> dict[str, np.ndarray]:
    """Rows spread over 300 PSUs in 18 district × area strata; y ~ Bernoulli(p_district)."""
    rng = np.random.default_rng(seed)
    psu_stratum = np.arange(N_PSUS) % (N_DISTRICTS * N_AREAS)
    psu = rng.integers(0, N_PSUS, rows)
    stratum = psu_stratum[psu]
    district = stratum // N_AREAS
    p = np.linspace(0.3, 0.8, N_DISTRICTS)[district]
    return {
        "stratum": np.char.add("s", stratum.astype(str)),
        "psu": np.char.add("p", psu.astype(str)),
        "district": np.char.add("d", district.astype(str)),
        "w": rng.uniform(20, 200, rows).round(3),
        "y": (rng.uniform(size=rows) < p).astype(float),
    }


def best_ms(fn, repeat: int = 3) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    return min(times)


def ours_raw(data: dict[str, np.ndarray]) -> None:
    design = Design(data["w"], strata=data["stratum"], psu=data["psu"])
    estimate(design, Estimand.proportion(data["y"]), domain=data["district"], ci="logit")


def psu_totals(data: dict[str, np.ndarray]) -> PsuTotals:
    keys, inverse = np.unique(
        np.char.add(
            np.char.add(data["stratum"], "|"),
            np.char.add(np.char.add(data["psu"], "|"), data["district"]),
        ),
        return_inverse=True,
    )
    parts = np.array([k.split("|") for k in keys.tolist()])
    w, y = data["w"], data["y"]
    sums = [np.bincount(inverse, weights=v) for v in (np.ones_like(w), w, w * y, w * y * y)]
    return PsuTotals(parts[:, 0], parts[:, 1], parts[:, 2], sums[0], sums[1], sums[2], swyy=sums[3])


def write_csv(data: dict[str, np.ndarray], path: Path) -> None:
    with open(path, "w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["stratum", "psu", "district", "w", "y"])
        writer.writerows(
            zip(*(data[k].tolist() for k in ("stratum", "psu", "district", "w", "y")), strict=True)
        )


def r_ms(path: Path) -> float | None:
    if shutil.which("Rscript") is None:
        return None
    proc = subprocess.run(
        ["Rscript", "-e", R_SCRIPT, str(path)], capture_output=True, text=True, check=False
    )
    try:
        return float(proc.stdout.split()[-1])
    except (IndexError, ValueError):
        return None


def process_ms(command: list[str], repeat: int = 3) -> float | None:
    """Best wall time of ``command`` run as a whole process (None if it fails)."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        proc = subprocess.run(command, capture_output=True, check=False, cwd=ROOT)
        if proc.returncode != 0:
            return None
        times.append((time.perf_counter() - start) * 1000)
    return min(times)


def cli_ms(path: Path) -> float | None:
    return process_ms([sys.executable, *CLI[:3], str(path), *CLI[3:], *CLI_ESTIMAND])


def r_end_to_end_ms(path: Path) -> float | None:
    if shutil.which("Rscript") is None:
        return None
    return process_ms(["Rscript", "-e", R_END_TO_END, str(path)])


def r_version() -> str:
    if shutil.which("Rscript") is None:
        return "R not installed"
    code = 'cat(R.version.string, "survey", as.character(packageVersion("survey")))'
    proc = subprocess.run(["Rscript", "-e", code], capture_output=True, text=True, check=False)
    return proc.stdout.strip()


def load() -> str:
    return " ".join(f"{x:.1f}" for x in os.getloadavg())


def samplics_python() -> str | None:
    """A throwaway virtualenv with samplics, or None when it cannot be installed."""
    venv = Path(tempfile.mkdtemp(prefix="samplics-")) / "venv"
    try:
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, capture_output=True)
        pip = [str(venv / "bin" / "python"), "-m", "pip", "install", "-q", "samplics"]
        subprocess.run(pip, check=True, capture_output=True, timeout=300)
    except (subprocess.SubprocessError, OSError):
        return None
    return str(venv / "bin" / "python")


def samplics_ms(python: str | None, path: Path) -> float | None:
    if python is None:
        return None
    proc = subprocess.run(
        [python, "-c", SAMPLICS_SCRIPT, str(path)], capture_output=True, text=True, check=False
    )
    try:
        return float(proc.stdout.split()[-1])
    except (IndexError, ValueError):
        return None


def fmt(ms: float | None) -> str:
    return "n/a" if ms is None else f"{ms:,.0f}" if ms >= 10 else f"{ms:.1f}"


def main(sizes: list[int]) -> None:
    OUT.mkdir(exist_ok=True)
    (OUT / ".gitignore").write_text("*\n")  # generated data, never committed
    print(f"{r_version()}; Python {sys.version.split()[0]}; {os.cpu_count()} cores")
    print(f"load average before: {load()}\n")
    print("End to end (CSV file in, estimates out), best of 3 processes:\n")
    print("| rows | CLI ms | Rscript ms | R / CLI | target | engine alone ms | target |")
    print("|---:|---:|---:|---:|---|---:|---|")
    engine = {}
    for rows in sizes:
        data = synthetic(rows)
        path = OUT / f"bench_{rows}.csv"
        write_csv(data, path)
        engine[rows] = best_ms(lambda data=data: ours_raw(data), repeat=7)
        cli, r = cli_ms(path), r_end_to_end_ms(path)
        speedup = None if cli is None or r is None else r / cli
        big = rows >= 1_000_000
        cells = [
            f"{rows:,}",
            fmt(cli),
            fmt(r),
            "n/a" if speedup is None else f"{speedup:.1f}×",
            _verdict(speedup is not None and speedup >= TARGET_CLI_SPEEDUP, "≥ 10×", big),
            fmt(engine[rows]),
            _verdict(engine[rows] <= TARGET_ENGINE_MS, "≤ 250 ms", big),
        ]
        print("| " + " | ".join(cells) + " |", flush=True)
    print(f"\nload average after: {load()}\n")
    engine_table(sizes, engine)


def _verdict(met: bool, target: str, applies: bool) -> str:
    if not applies:
        return ""
    return f"{target} {'✓' if met else '✗'}"


def engine_table(sizes: list[int], engine: dict[int, float]) -> None:
    """The engine alone: from raw rows, from PSU totals, R's svyby call, samplics."""
    python = samplics_python()
    print("Engine (estimation call only):\n")
    print("| rows | ours raw ms | ours totals ms | R survey ms | samplics ms | R/raw | R/totals |")
    print("|---:|---:|---:|---:|---:|---:|---:|")
    for rows in sizes:
        data = synthetic(rows)
        raw = engine[rows]
        totals = psu_totals(data)
        from_totals = best_ms(
            lambda totals=totals: estimate_from_totals(totals, "proportion", ci="logit")
        )
        path = OUT / f"bench_{rows}.csv"
        r, sam = r_ms(path), samplics_ms(python, path)
        ratio_raw = "n/a" if r is None else f"{r / raw:,.0f}×"
        ratio_totals = "n/a" if r is None else f"{r / from_totals:,.0f}×"
        cells = [f"{rows:,}", fmt(raw), fmt(from_totals), fmt(r), fmt(sam), ratio_raw, ratio_totals]
        print("| " + " | ".join(cells) + " |", flush=True)


if __name__ == "__main__":
    main([int(a) for a in sys.argv[1:]] or [10_000, 100_000, 1_000_000])
