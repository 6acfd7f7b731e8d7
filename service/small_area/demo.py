"""The demo's commune covariates for vn-2025-07: SYNTHETIC numbers, not census counts.

The demo needs covariates known in every commune to show small-area estimation; real ones
(census households, administrative counts of fibre ports) are loaded by an admin with their
source. These are drawn from a seed, by commune kind (phường are urban), and every column
name ends in `_synthetic` so that no table or model output can pass them off as data.
Rebuild the CSV (needs the vn-2025-07 geography version):
`python -m service.small_area.demo > service/small_area/demo-vn-2025-07.csv`.
"""

from __future__ import annotations

import random
from pathlib import Path

from service.small_area.auxiliary import store_table
from service.store import Store

VERSION = "vn-2025-07"
NAME = "demo-synthetic"
SOURCE = (
    "SYNTHETIC demo data, not census or administrative counts: drawn by "
    "service/small_area/demo.py (seed 2026) for the demo rounds"
)
CSV_PATH = Path(__file__).with_name("demo-vn-2025-07.csv")
COLUMNS = ("households_synthetic", "urban_share_synthetic", "fiber_route_share_synthetic")


def synthetic_table(communes: list[tuple[str, str]], seed: int = 2026) -> str:
    """`commune,<COLUMNS>` for (code, kind) pairs: phường larger, more urban, better served."""
    rng = random.Random(seed)
    lines = [",".join(("commune", *COLUMNS))]
    for code, kind in sorted(communes):
        urban = kind == "phường"
        households = rng.randint(6000, 15000) if urban else rng.randint(1200, 6000)
        urban_share = rng.uniform(0.7, 1.0) if urban else rng.uniform(0.0, 0.25)
        route = min(1.0, max(0.0, 0.15 + 0.7 * urban_share + rng.gauss(0, 0.12)))
        lines.append(f"{code},{households},{urban_share:.3f},{route:.3f}")
    return "\n".join(lines) + "\n"


def load_demo_auxiliary(store: Store) -> dict[str, object]:
    """Store the demo table (the same table again changes nothing)."""
    return store_table(store, VERSION, NAME, SOURCE, CSV_PATH.read_text("utf-8"))


if __name__ == "__main__":
    from catalogue.geography import load_version

    units = load_version(VERSION).communes
    print(synthetic_table([(unit.code, unit.kind) for unit in units]), end="")
