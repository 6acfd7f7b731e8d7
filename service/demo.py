"""Synthetic Lào Cai survey rounds, household and business, of known design, on real codes.

2024 and 2025 (geography `vn-2025-03`, coverage: the former Lào Cai, 10): strata are district
× urban/rural; PSUs are communes (urban: phường and thị trấn; rural: xã) drawn within each
stratum; about 20 households (8 businesses) are interviewed per commune; weights are inverse
selection probabilities with a little non-response adjustment. Most districts have a single
urban unit, so the lonely-PSU policy matters.

2026 (geography `vn-2025-07`, coverage: both former provinces, 10 and 15): strata are former
province × area (phường urban, xã rural); 60 of the 99 communes are drawn; the households are
raked to the frame's counts by former province × area (docs/design.md §13), and answered at
their commune's synthetic fibre-route share (the demo's small-area covariate) plus a commune
effect, so that the Fay–Herriot model of §14 helps.

Household counts and development indices are synthetic. Everything is seeded: the same call
always produces the same rounds and submission ids.
"""

from __future__ import annotations

import csv
import math
import random
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from catalogue import LAO_CAI_DISTRICTS
from catalogue.geography import crosswalk, former_provinces, load_version
from schemas.submissions import PRACTICES

HOUSEHOLD_ROUND = "laocai-2025-household"
HOUSEHOLD_ROUND_2024 = "laocai-2024-household"
HOUSEHOLD_ROUND_2026 = "laocai-2026-household"
HOUSEHOLD_SERIES = "laocai-household"  # the household rounds, for change (design.md §10)
OLD_GEOGRAPHY, NEW_GEOGRAPHY = "vn-2025-03", "vn-2025-07"
YEAR_BEFORE_SHIFT = -0.06  # 2024's lower development: the demo's change since 2024
BUSINESS_ROUND = "laocai-2025-business"
NAMESPACE = uuid.UUID("5b1c2d9e-0a6f-4c1e-9d0b-4c41a0ca2025")
# The small-area demo's synthetic commune covariates, drawn from `frame_2026` by
# service/small_area/demo.py; the 2026 households are answered from their fibre-route share.
COVARIATES_CSV = Path(__file__).parent / "small_area" / "demo-vn-2025-07.csv"

# district: (urban households, rural households, sampled urban communes, sampled rural communes,
#            digital development index 0..1 that drives the simulated answers)
DISTRICT_PROFILE: dict[str, tuple[int, int, int, int, float]] = {
    "080": (30000, 6000, 5, 2, 0.92),
    "082": (2500, 17000, 1, 5, 0.45),
    "083": (1500, 12500, 1, 4, 0.38),
    "084": (900, 7200, 1, 4, 0.30),
    "085": (1800, 12500, 1, 4, 0.40),
    "086": (9000, 19000, 3, 5, 0.70),
    "087": (4000, 17500, 1, 5, 0.55),
    "088": (8000, 6500, 2, 3, 0.75),
    "089": (3000, 20000, 1, 5, 0.48),
}
# The former Yên Bái's districts for the 2026 frame: (urban households, rural households,
# development index), synthetic like the above.
YEN_BAI_PROFILE: dict[str, tuple[int, int, float]] = {
    "132": (28000, 6000, 0.85),
    "133": (9000, 5000, 0.68),
    "135": (2000, 22000, 0.42),
    "136": (2500, 26000, 0.45),
    "137": (1200, 13000, 0.28),
    "138": (2000, 19000, 0.52),
    "139": (800, 7500, 0.27),
    "140": (6000, 30000, 0.44),
    "141": (4000, 27000, 0.50),
}
YEAR_2026_SHIFT = 0.04  # development since 2025
VILLAGE_HOUSEHOLDS_2026 = 5  # households interviewed per village (the PSU) in 2026
COMMUNE_EFFECT_2026 = 0.12  # sd of a commune's development beyond its synthetic covariate
# 2026 sample: communes drawn per stratum (former province × area), 60 of the 99.
SAMPLE_2026 = {("10", "urban"): 3, ("10", "rural"): 26, ("15", "urban"): 5, ("15", "rural"): 26}
HOUSEHOLDS_PER_PSU = 20
BUSINESSES_PER_PSU = 8


def _clip(p: float) -> float:
    return min(max(p, 0.01), 0.995)


def area_of(kind: str) -> str:
    """A commune's area in the demo: phường and thị trấn urban, xã rural."""
    return "rural" if kind == "xã" else "urban"


def communes_of(district: str, area: str) -> list[str]:
    """The district's communes of that area (vn-2025-03)."""
    old = load_version(OLD_GEOGRAPHY)
    return [c.code for c in old.units_at("commune", district) if area_of(c.kind) == area]


def frame() -> dict[str, Any]:
    """The former Lào Cai's districts and communes (vn-2025-03) with their Vietnamese names."""
    old = load_version(OLD_GEOGRAPHY)
    communes = {
        c.code: {"district": district, "name": c.name_vi}
        for district in LAO_CAI_DISTRICTS
        for c in old.units_at("commune", district)
    }
    return {"districts": dict(LAO_CAI_DISTRICTS), "communes": communes}


def _old_round(body: dict[str, Any]) -> dict[str, Any]:
    return body | {"frame": frame(), "geography": OLD_GEOGRAPHY, "coverage": ["10"]}


def rounds() -> list[dict[str, Any]]:
    period = {"start": "2025-03-01", "end": "2025-10-31"}
    return [
        *(_old_round(body) for body in _rounds_2024_2025(period)),
        {
            "id": HOUSEHOLD_ROUND_2026,
            "instrument": "household",
            "period": {"start": "2026-03-01", "end": "2026-10-31"},
            "geography": NEW_GEOGRAPHY,
            "coverage": ["10", "15"],
            # in the series with 2024 and 2025: its change is compared on the former Lào Cai
            # (coverage 10), the one area all three rounds cover (design.md §13)
            "series": HOUSEHOLD_SERIES,
            "title": "Lào Cai household digital adoption survey 2026 (demo)",
            "title_vi": "Khảo sát chuyển đổi số hộ gia đình Lào Cai 2026 (thử nghiệm)",
        },
    ]


def _rounds_2024_2025(period: dict[str, str]) -> list[dict[str, Any]]:
    return [
        {
            "id": HOUSEHOLD_ROUND_2024,
            "instrument": "household",
            "period": {"start": "2024-03-01", "end": "2024-10-31"},
            "series": HOUSEHOLD_SERIES,
            "title": "Lào Cai household digital adoption survey 2024 (demo)",
            "title_vi": "Khảo sát chuyển đổi số hộ gia đình Lào Cai 2024 (thử nghiệm)",
        },
        {
            "id": HOUSEHOLD_ROUND,
            "instrument": "household",
            "period": period,
            "series": HOUSEHOLD_SERIES,
            "title": "Lào Cai household digital adoption survey 2025 (demo)",
            "title_vi": "Khảo sát chuyển đổi số hộ gia đình Lào Cai 2025 (thử nghiệm)",
        },
        {
            "id": BUSINESS_ROUND,
            "instrument": "business",
            "period": period,
            "title": "Lào Cai business digital adoption survey 2025 (demo)",
            "title_vi": "Khảo sát chuyển đổi số doanh nghiệp Lào Cai 2025 (thử nghiệm)",
        },
    ]


def household_calibration() -> dict[str, Any]:
    """How a statistics office would weight the 2025 households: raked to census counts of
    households per district and per area (the frame's counts, `DISTRICT_PROFILE`), §9."""
    districts = {code: urban + rural for code, (urban, rural, *_) in DISTRICT_PROFILE.items()}
    areas = {
        "urban": sum(profile[0] for profile in DISTRICT_PROFILE.values()),
        "rural": sum(profile[1] for profile in DISTRICT_PROFILE.values()),
    }
    return {
        "method": "rake",
        "margins": [
            {"variables": ["district"], "totals": districts},
            {"variables": ["area"], "totals": areas},
        ],
    }


def weighting_of(round_id: str) -> dict[str, Any] | None:
    """The `weighting` a demo round is created with (None: its input weights)."""
    if round_id == HOUSEHOLD_ROUND_2026:
        return {"calibration": calibration_2026()}
    return {"calibration": household_calibration()} if round_id == HOUSEHOLD_ROUND else None


# ---- 2026: the merged province (vn-2025-07) ------------------------------------------------


def frame_2026() -> dict[str, dict[str, Any]]:
    """Per commune of vn-2025-07: former province, area, households and development index,
    from its former communes' districts (each former commune takes an equal share of its
    district's households of its area)."""
    old, new = load_version(OLD_GEOGRAPHY), load_version(NEW_GEOGRAPHY)
    profile = {d: (u, r, index) for d, (u, r, _, _, index) in DISTRICT_PROFILE.items()}
    profile |= YEN_BAI_PROFILE
    former = former_provinces(NEW_GEOGRAPHY)
    walk = crosswalk(OLD_GEOGRAPHY, NEW_GEOGRAPHY)
    out = {}
    for commune in new.communes:
        households, indices = 0.0, []
        for code in walk.constituents(commune.code):
            unit = old.unit(code)
            assert unit is not None and unit.parent is not None
            urban, rural, index = profile[unit.parent]
            area = area_of(unit.kind)
            households += (urban if area == "urban" else rural) / len(
                communes_of(unit.parent, area)
            )
            indices.append(index)
        out[commune.code] = {
            "former_province": former[commune.code],
            "area": area_of(commune.kind),
            "households": round(households),
            "development": sum(indices) / len(indices),
        }
    return out


def development_2026(commune: dict[str, Any]) -> float:
    """A commune's development index in 2026 (a `frame_2026` entry): its former districts'
    index, moved by the year and its area."""
    shift = YEAR_2026_SHIFT + (0.08 if commune["area"] == "urban" else -0.08)
    return float(commune["development"]) + shift


def calibration_2026() -> dict[str, Any]:
    """Raked to the frame's households by former province × area (docs/design.md §13)."""
    totals: dict[str, int] = {}
    for commune in frame_2026().values():
        key = f"{commune['former_province']}|{commune['area']}"
        totals[key] = totals.get(key, 0) + commune["households"]
    return {
        "method": "rake",
        "margins": [{"variables": ["former_province", "area"], "totals": totals}],
    }


def demo_column(column: str) -> dict[str, float]:
    """One column of the demo table: commune code → value."""
    with COVARIATES_CSV.open(encoding="utf-8") as file:
        return {row["commune"]: float(row[column]) for row in csv.DictReader(file)}


def households_2026() -> list[dict[str, Any]]:
    """About 1,200 households in 60 of the 99 communes, both former provinces, answered at a
    development index that follows the demo's synthetic fibre-route share of their commune
    (service/small_area/demo.py), so that small-area estimation has a covariate to use."""
    rng = random.Random(2026)
    communes = frame_2026()
    route = demo_column("fiber_route_share_synthetic")
    out: list[dict[str, Any]] = []
    for (province, area), n_psu in SAMPLE_2026.items():
        stratum = f"{province}-{area[0].upper()}"
        in_stratum = sorted(
            c for c, v in communes.items() if (v["former_province"], v["area"]) == (province, area)
        )
        for commune in rng.sample(in_stratum, n_psu):
            facts = communes[commune]
            interviews = HOUSEHOLDS_PER_PSU + rng.randint(-3, 3)
            base = len(in_stratum) / n_psu * facts["households"] / interviews
            # the commune's own effect beyond its (synthetic) covariates: v_d of §14's model
            development = _clip(route[commune] + rng.gauss(0, COMMUNE_EFFECT_2026))
            for interview in range(interviews):
                weight = round(base * rng.uniform(0.9, 1.1), 3)
                serial = len(out)
                common = _common(
                    rng, "household-2026", serial, "", area, stratum, commune, weight, 2026
                )
                common["location"].pop("district")
                # variance within the drawn communes (stratum: the commune; PSU: a village of
                # 5 households), as commune estimates need (docs/design.md §14)
                village = f"{commune}-{interview // VILLAGE_HOUSEHOLDS_2026}"
                common["sampling"] |= {"stratum": commune, "psu": village}
                common["enumerator_id"] = f"enum-{commune}-{rng.randint(1, 2)}"
                out.append(common | {"answers": _household_answers(rng, development)})
    return out


def _sample(
    rng: random.Random, per_psu: int, population_share: float, shift: float = 0.0
) -> Iterator[tuple[str, str, str, str, float, float]]:
    """Yield (district, area, stratum, commune, weight, development) for each interview;
    `shift` moves every district's development index (an earlier year)."""
    for district, (urban, rural, n_urban, n_rural, index) in DISTRICT_PROFILE.items():
        for area, units, n_psu in (("urban", urban, n_urban), ("rural", rural, n_rural)):
            stratum = f"{district}-{area[0].upper()}"
            for commune in rng.sample(communes_of(district, area), n_psu):
                interviews = per_psu + rng.randint(-3, 3)
                base = units * population_share / (n_psu * interviews)
                development = _clip(
                    index + shift + (0.08 if area == "urban" else -0.08) + rng.gauss(0, 0.05)
                )
                for _ in range(interviews):
                    weight = round(base * rng.uniform(0.9, 1.1), 3)
                    yield district, area, stratum, commune, weight, development


def _common(
    rng: random.Random,
    kind: str,
    serial: int,
    district: str,
    area: str,
    stratum: str,
    commune: str,
    weight: float,
    year: int = 2025,
) -> dict[str, Any]:
    start = datetime(year, 3, 3, 8, tzinfo=UTC)
    when = start + timedelta(days=rng.randint(0, 200), minutes=rng.randint(0, 600))
    return {
        "submission_id": str(uuid.uuid5(NAMESPACE, f"{kind}-{serial}")),
        "interviewed_at": when.isoformat().replace("+00:00", "Z"),
        "enumerator_id": f"enum-{district}-{rng.randint(1, 4)}",
        "location": {"district": district, "commune": commune, "area": area},
        "sampling": {"stratum": stratum, "psu": commune, "weight": weight},
    }


def households(year: int = 2025) -> list[dict[str, Any]]:
    """A year's households; the seeds differ, so 2024 and 2025 share only some communes."""
    rng = random.Random(year)
    kind = "household" if year == 2025 else f"household-{year}"
    shift = 0.0 if year == 2025 else YEAR_BEFORE_SHIFT
    out = []
    for serial, (district, area, stratum, commune, weight, d) in enumerate(
        _sample(rng, HOUSEHOLDS_PER_PSU, 1.0, shift)
    ):
        answers = _household_answers(rng, d)
        out.append(
            _common(rng, kind, serial, district, area, stratum, commune, weight, year)
            | {"answers": answers}
        )
    return out


def _household_answers(rng: random.Random, d: float) -> dict[str, Any]:
    """One household's answers at development index `d`."""
    members = max(1, min(12, round(rng.gauss(4.2, 1.5))))
    adults = max(1, members - rng.randint(0, min(3, members - 1)))
    fiber = rng.random() < _clip(d + 0.1)
    adult_rate = _clip(d * 0.65)
    return {
        "members": members,
        "members_15plus": adults,
        "fiber_available": fiber,
        "fiber_subscribed": fiber and rng.random() < 0.75,
        "mobile_4g_5g": rng.random() < _clip(d + 0.2),
        "smartphones": sum(rng.random() < _clip(d + 0.15) for _ in range(adults)),
        "members_15plus_with_epay": sum(rng.random() < adult_rate for _ in range(adults)),
        "members_15plus_egov_mobile": sum(rng.random() < adult_rate * 0.8 for _ in range(adults)),
    }


def businesses(seed: int = 2026) -> list[dict[str, Any]]:
    rng = random.Random(seed)
    out = []
    sectors = "ACFGHIKMS"
    for serial, (district, area, stratum, commune, weight, d) in enumerate(
        _sample(rng, BUSINESSES_PER_PSU, 0.04)
    ):
        kind = rng.choices(["enterprise", "cooperative", "household_business"], [3, 1, 6])[0]
        size = {"enterprise": 25, "cooperative": 12, "household_business": 3}[kind]
        uses_it = rng.random() < _clip(d + (0.25 if kind == "enterprise" else 0.05))
        practice_rate = _clip(d - 0.1) if uses_it else 0.05
        practices = {name: rng.random() < practice_rate for name in PRACTICES}
        answers = {
            "type": kind,
            "sector": rng.choice(sectors),
            "employees": max(0, int(rng.expovariate(1 / size))),
            "uses_it": uses_it,
            "e_transactions": uses_it and rng.random() < _clip(d + 0.1),
            "practices": practices,
        }
        out.append(
            _common(
                rng,
                "business",
                serial,
                district,
                area,
                stratum,
                commune,
                round(weight * math.sqrt(size) / 2, 3),
            )
            | {"answers": answers}
        )
    return out


def submissions_by_round() -> dict[str, list[dict[str, Any]]]:
    return {
        HOUSEHOLD_ROUND_2024: households(2024),
        HOUSEHOLD_ROUND: households(),
        BUSINESS_ROUND: businesses(),
        HOUSEHOLD_ROUND_2026: households_2026(),
    }
