"""The demo's commune covariates for vn-2025-07: SYNTHETIC numbers, not census counts.

The demo needs covariates known in every commune to show small-area estimation; real ones
(census households, administrative counts of fibre ports) are loaded by an admin with their
source. These are drawn from a seed: the 2026 demo frame's household counts, an urban share by
area (phường are urban) and a fibre-route share following the frame's development index, which
the demo's 2026 households are then answered from (deterministic: the same seeds, the same
table and households). Every column name ends in `_synthetic` so that no table or model output
can pass them off as data. Rebuild the CSV:
`python -m service.small_area.demo > service/small_area/demo-vn-2025-07.csv`.
"""

from __future__ import annotations

import random
from collections.abc import Mapping

from service.demo import COVARIATES_CSV, development_2026, frame_2026
from service.small_area.auxiliary import store_table
from service.store import Store

VERSION = "vn-2025-07"
NAME = "demo-synthetic"
SOURCE = (
    "SYNTHETIC demo data, not census or administrative counts: drawn by "
    "service/small_area/demo.py (seed 2026) for the demo rounds"
)
COLUMNS = ("households_synthetic", "urban_share_synthetic", "fiber_route_share_synthetic")


def synthetic_table(frame: Mapping[str, tuple[str, int, float]], seed: int = 2026) -> str:
    """`commune,<COLUMNS>` for {code: (area, households, development)} of the 2026 demo frame
    (`service.demo.frame_2026`): its household counts, an urban share by area, and a fibre-route
    share that follows the commune's development index. The demo's 2026 households are answered
    from the fibre-route share (`service.demo.households_2026`), so the model has something to
    find, as real covariates would give it."""
    rng = random.Random(seed)
    lines = [",".join(("commune", *COLUMNS))]
    for code, (area, households, development) in sorted(frame.items()):
        urban_share = rng.uniform(0.7, 1.0) if area == "urban" else rng.uniform(0.0, 0.25)
        route = min(1.0, max(0.0, development + rng.gauss(0, 0.06)))
        lines.append(f"{code},{households},{urban_share:.3f},{route:.3f}")
    return "\n".join(lines) + "\n"


def load_demo_auxiliary(store: Store) -> dict[str, object]:
    """Store the demo table (the same table again changes nothing)."""
    return store_table(store, VERSION, NAME, SOURCE, COVARIATES_CSV.read_text("utf-8"))


if __name__ == "__main__":
    facts = frame_2026()
    table = {
        code: (commune["area"], commune["households"], development_2026(commune))
        for code, commune in facts.items()
    }
    print(synthetic_table(table), end="")
