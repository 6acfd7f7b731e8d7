"""A synthetic Lào Cai survey round, household and business, of known design.

Strata are district × urban/rural; PSUs are communes drawn within each stratum; about 20
households (8 businesses) are interviewed per commune; weights are inverse selection
probabilities with a little non-response adjustment. Sa Pa's and Si Ma Cai's urban strata
have a single sampled commune, so the lonely-PSU policy matters. Everything is seeded:
the same call always produces the same rounds and submission ids.
"""

from __future__ import annotations

import math
import random
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from catalogue import LAO_CAI_DISTRICTS
from schemas.submissions import PRACTICES

HOUSEHOLD_ROUND = "laocai-2025-household"
HOUSEHOLD_ROUND_2024 = "laocai-2024-household"
HOUSEHOLD_SERIES = "laocai-household"  # the two household rounds, for change (design.md §10)
YEAR_BEFORE_SHIFT = -0.06  # 2024's lower development: the demo's change since 2024
BUSINESS_ROUND = "laocai-2025-business"
NAMESPACE = uuid.UUID("5b1c2d9e-0a6f-4c1e-9d0b-4c41a0ca2025")

# district: (urban households, rural households, sampled urban communes, sampled rural communes,
#            digital development index 0..1 that drives the simulated answers)
DISTRICT_PROFILE: dict[str, tuple[int, int, int, int, float]] = {
    "080": (30000, 6000, 5, 2, 0.92),
    "082": (2500, 17000, 2, 5, 0.45),
    "083": (1500, 12500, 2, 4, 0.38),
    "084": (900, 7200, 1, 4, 0.30),
    "085": (1800, 12500, 2, 4, 0.40),
    "086": (9000, 19000, 3, 5, 0.70),
    "087": (4000, 17500, 2, 5, 0.55),
    "088": (8000, 6500, 1, 3, 0.75),
    "089": (3000, 20000, 2, 5, 0.48),
}
COMMUNES_PER_STRATUM = 12
HOUSEHOLDS_PER_PSU = 20
BUSINESSES_PER_PSU = 8


def _clip(p: float) -> float:
    return min(max(p, 0.01), 0.995)


def _communes(district: str, area: str) -> list[str]:
    offset = 0 if area == "urban" else 50
    return [f"{district}{offset + k:02d}" for k in range(1, COMMUNES_PER_STRATUM + 1)]


def frame() -> dict[str, Any]:
    """Districts with their Vietnamese names and the synthetic commune codes of the frame."""
    communes = {}
    for district, name in LAO_CAI_DISTRICTS.items():
        short = name.removeprefix("Thành phố ").removeprefix("Thị xã ").removeprefix("Huyện ")
        for area in ("urban", "rural"):
            kind = "Phường" if area == "urban" else "Xã"
            for code in _communes(district, area):
                communes[code] = {"district": district, "name": f"{kind} {short} {code[-2:]}"}
    return {"districts": dict(LAO_CAI_DISTRICTS), "communes": communes}


def rounds() -> list[dict[str, Any]]:
    period = {"start": "2025-03-01", "end": "2025-10-31"}
    return [
        {
            "id": HOUSEHOLD_ROUND_2024,
            "instrument": "household",
            "period": {"start": "2024-03-01", "end": "2024-10-31"},
            "frame": frame(),
            "series": HOUSEHOLD_SERIES,
            "title": "Lào Cai household digital adoption survey 2024 (demo)",
            "title_vi": "Khảo sát chuyển đổi số hộ gia đình Lào Cai 2024 (thử nghiệm)",
        },
        {
            "id": HOUSEHOLD_ROUND,
            "instrument": "household",
            "period": period,
            "frame": frame(),
            "series": HOUSEHOLD_SERIES,
            "title": "Lào Cai household digital adoption survey 2025 (demo)",
            "title_vi": "Khảo sát chuyển đổi số hộ gia đình Lào Cai 2025 (thử nghiệm)",
        },
        {
            "id": BUSINESS_ROUND,
            "instrument": "business",
            "period": period,
            "frame": frame(),
            "title": "Lào Cai business digital adoption survey 2025 (demo)",
            "title_vi": "Khảo sát chuyển đổi số doanh nghiệp Lào Cai 2025 (thử nghiệm)",
        },
    ]


def _sample(rng: random.Random, per_psu: int, population_share: float, shift: float = 0.0):
    """Yield (district, area, stratum, commune, weight, development) for each interview;
    `shift` moves every district's development index (an earlier year)."""
    for district, (urban, rural, n_urban, n_rural, index) in DISTRICT_PROFILE.items():
        for area, units, n_psu in (("urban", urban, n_urban), ("rural", rural, n_rural)):
            stratum = f"{district}-{area[0].upper()}"
            for commune in rng.sample(_communes(district, area), n_psu):
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
        members = max(1, min(12, round(rng.gauss(4.2, 1.5))))
        adults = max(1, members - rng.randint(0, min(3, members - 1)))
        fiber = rng.random() < _clip(d + 0.1)
        adult_rate = _clip(d * 0.65)
        answers = {
            "members": members,
            "members_15plus": adults,
            "fiber_available": fiber,
            "fiber_subscribed": fiber and rng.random() < 0.75,
            "mobile_4g_5g": rng.random() < _clip(d + 0.2),
            "smartphones": sum(rng.random() < _clip(d + 0.15) for _ in range(adults)),
            "members_15plus_with_epay": sum(rng.random() < adult_rate for _ in range(adults)),
            "members_15plus_egov_mobile": sum(
                rng.random() < adult_rate * 0.8 for _ in range(adults)
            ),
        }
        out.append(
            _common(rng, kind, serial, district, area, stratum, commune, weight, year)
            | {"answers": answers}
        )
    return out


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
    }
