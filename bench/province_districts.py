"""Province and districts in one process (issue 26).

usage: .venv/bin/python bench/province_districts.py [--repeat N] [--against REF]

The same 1M-row synthetic sample as ``bench/scoring.py`` (300 PSUs in 18 district × area
strata, a 0/1 y), written once as CSV; then, end to end as a whole process (best of N):
``python -m scoring estimate … --proportion y --by district --by ''`` (one read, one design,
two tables) beside two processes (one table each) and R ``survey`` doing both tables in
one ``Rscript`` (``data.table::fread`` when installed, else ``read.csv``; one run).
Target: ≤ 0.5 s.

The machine is shared, so each time is printed with the 1-minute load average of its runs;
``--against REF`` (e.g. ``main``) runs the same commands from a ``git archive`` of REF too,
alternating with this checkout run by run, so that both see the same load.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.scoring import CLI, ROOT, fmt, process_ms, synthetic, write_csv

ROWS = 1_000_000
TARGET_MS = 500.0
R_BOTH = """
suppressMessages(library(survey))
path <- commandArgs(trailingOnly = TRUE)[1]
fast <- requireNamespace("data.table", quietly = TRUE)
d <- if (fast) as.data.frame(data.table::fread(path)) else read.csv(path)
des <- svydesign(ids = ~psu, strata = ~stratum, weights = ~w, data = d, nest = TRUE)
print(svymean(~y, des))
print(svyby(~y, ~district, des, svymean))
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=5, help="runs per command (best is shown)")
    parser.add_argument("--against", metavar="REF", help="also time this git ref's code")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "rows.csv"
        write_csv(synthetic(ROWS), path)
        checkouts = {"this checkout": ROOT}
        if args.against:
            checkouts[args.against] = _archive(args.against, Path(folder) / "ref")
        base = [sys.executable, *CLI[:3], str(path), *CLI[3:], "--proportion", "y"]
        commands = {
            "both": [*base, "--by", "district", "--by", ""],
            "districts": [*base, "--by", "district"],
            "province": base,
        }
        times, loads = _interleaved(checkouts, commands, args.repeat)
        r = (
            None
            if shutil.which("Rscript") is None
            else process_ms(["Rscript", "-e", R_BOTH, str(path)], 1)
        )
    print(
        f"| {ROWS:,} rows | one process, both tables | two processes "
        "| R survey, both (1 run) | target | load average |"
    )
    print("|---|---:|---:|---:|---|---|")
    for name in checkouts:
        both = times[name, "both"]
        parts = (times[name, "districts"], times[name, "province"])
        two = None if None in parts else sum(p for p in parts if p is not None)
        verdict = "met" if both is not None and both <= TARGET_MS else "not met"
        print(
            f"| {name}, ms (best of {args.repeat}) | {fmt(both)} | {fmt(two)} | {fmt(r)} "
            f"| ≤ {TARGET_MS:.0f} ms: {verdict} | {min(loads):.1f}–{max(loads):.1f} |"
        )


def _interleaved(
    checkouts: dict[str, Path], commands: dict[str, list[str]], repeat: int
) -> tuple[dict[tuple[str, str], float | None], list[float]]:
    """Best wall time per (checkout, command), the checkouts alternating run by run."""
    runs: dict[tuple[str, str], list[float | None]] = {}
    loads = []
    for _ in range(repeat):
        for command_name, command in commands.items():
            for name, root in checkouts.items():
                runs.setdefault((name, command_name), []).append(_wall_ms(command, root))
        loads.append(os.getloadavg()[0])
    return {key: _best(ms) for key, ms in runs.items()}, loads


def _best(ms: list[float | None]) -> float | None:
    """The fastest run, or None if any run failed."""
    return None if None in ms else min(m for m in ms if m is not None)


def _wall_ms(command: list[str], cwd: Path) -> float | None:
    start = time.perf_counter()
    proc = subprocess.run(command, capture_output=True, check=False, cwd=cwd)
    return None if proc.returncode != 0 else (time.perf_counter() - start) * 1000


def _archive(ref: str, folder: Path) -> Path:
    """The files of ``ref`` (``git archive``), where ``python -m scoring`` runs REF's code."""
    folder.mkdir()
    archive = folder / "ref.tar"
    with open(archive, "wb") as out:
        subprocess.run(["git", "archive", ref], stdout=out, cwd=ROOT, check=True)
    with tarfile.open(archive) as tar:
        tar.extractall(folder, filter="data")
    return folder


if __name__ == "__main__":
    main()
