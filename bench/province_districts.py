"""Province and districts in one process (issue 26): ``python bench/province_districts.py``.

The same 1M-row synthetic sample as ``bench/scoring.py`` (300 PSUs in 18 district × area
strata, a 0/1 y), written once as CSV; then, end to end as a whole process (best of 3):
``python -m scoring estimate … --proportion y --by district --by ''`` (one read, one design,
two tables) beside two processes (one table each) and R ``survey`` doing both tables in
one ``Rscript`` (``data.table::fread`` when installed, else ``read.csv``). Target: ≤ 0.5 s.
"""

from __future__ import annotations

import shutil
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.scoring import CLI, fmt, process_ms, synthetic, write_csv

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
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "rows.csv"
        write_csv(synthetic(ROWS), path)
        base = [sys.executable, *CLI[:3], str(path), *CLI[3:], "--proportion", "y"]
        both = process_ms([*base, "--by", "district", "--by", ""])
        districts = process_ms([*base, "--by", "district"])
        province = process_ms(base)
        r = (
            None
            if shutil.which("Rscript") is None
            else process_ms(["Rscript", "-e", R_BOTH, str(path)], 1)
        )
    two = None if districts is None or province is None else districts + province
    print(
        f"| {ROWS:,} rows | one process, both tables | two processes "
        "| R survey, both (1 run) | target |"
    )
    print("|---:|---:|---:|---:|---|")
    verdict = "met" if both is not None and both <= TARGET_MS else "not met"
    print(f"| ms | {fmt(both)} | {fmt(two)} | {fmt(r)} | ≤ {TARGET_MS:.0f} ms: {verdict} |")


if __name__ == "__main__":
    main()
