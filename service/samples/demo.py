"""The fieldwork demo round: a household round with a sample, so a new user sees the whole flow
(docs/design.md §8): assignments for a few enumerators, visits with every outcome, a second
completion held as a duplicate, units still pending, one certainty commune. Seeded."""

from __future__ import annotations

import random
import uuid
from typing import Any

from service import demo

FIELDWORK_ROUND = "laocai-2025-fieldwork"
NAMESPACE = uuid.UUID("0d6c9a51-33d1-4a5e-8a8e-2f1c3b7a2025")
ENUMERATORS = ("enum-an", "enum-binh", "enum-chi", "enum-dung")
# (stratum, district, area, communes drawn, psu_prob; None = a take-all commune)
STRATA = (
    ("080-U", "080", "urban", 3, 0.25),
    ("082-R", "082", "rural", 3, 0.2),
    ("086-R", "086", "rural", 2, 0.15),
    ("088-U", "088", "urban", 1, None),
)
UNITS_PER_PSU = 10
# Visit results drawn per unit: most complete, the others show every outcome.
OUTCOME_WEIGHTS = {
    "completed": 60,
    "refused": 8,
    "noncontact": 8,
    "not_found": 5,
    "ineligible": 5,
    "other_nonresponse": 4,
    None: 10,  # not visited yet: pending
}


def round_body() -> dict[str, Any]:
    return {
        "id": FIELDWORK_ROUND,
        "instrument": "household",
        "period": {"start": "2025-03-01", "end": "2025-10-31"},
        "frame": demo.frame(),
        "geography": demo.OLD_GEOGRAPHY,
        "coverage": ["10"],
        "title": "Lào Cai household survey 2025 — fieldwork with a sample (demo)",
        "title_vi": "Khảo sát hộ gia đình Lào Cai 2025 — điều tra thực địa theo mẫu (thử nghiệm)",
    }


def sample_rows(seed: int = 12) -> list[dict[str, Any]]:
    rng = random.Random(seed)
    rows = []
    for stratum, district, area, n_psu, psu_prob in STRATA:
        communes = demo.communes_of(district, area)
        for commune in rng.sample(communes, n_psu):
            enumerator = rng.choice(ENUMERATORS)
            unit_prob = round(UNITS_PER_PSU / rng.randint(150, 400), 5)
            for unit in range(1, UNITS_PER_PSU + 1):
                rows.append(
                    {
                        "assignment_id": f"{commune}-{unit:02d}",
                        "stratum": stratum,
                        "psu": commune,
                        "district": district,
                        "commune": commune,
                        "area": area,
                        "psu_prob": 1.0 if psu_prob is None else psu_prob,
                        "unit_prob": unit_prob,
                        "enumerator": enumerator,
                        "label": f"Hộ số {unit}, thôn {rng.randint(1, 9)}",
                    }
                )
    return rows


def visits(seed: int = 13) -> list[dict[str, Any]]:
    """What the phones sent: one visit per visited unit, a refusal converted later for some,
    and one completion sent by two phones."""
    rng = random.Random(seed)
    answers = {a["location"]["commune"]: a["answers"] for a in demo.households()}
    sent = []
    outcomes, weights = list(OUTCOME_WEIGHTS), list(OUTCOME_WEIGHTS.values())
    for serial, row in enumerate(sample_rows()):
        outcome = rng.choices(outcomes, weights)[0]
        if outcome is None:
            continue
        if outcome == "completed" and rng.random() < 0.15:  # nobody home first, then done
            sent.append(_visit(rng, serial, 0, row, "noncontact", None))
        sent.append(_visit(rng, serial, 1, row, outcome, _answers(rng, answers)))
    first_done = next(v for v in sent if v["outcome"] == "completed")
    duplicate = {**first_done, "submission_id": str(uuid.uuid5(NAMESPACE, "duplicate"))}
    return [*sent, duplicate]


def _answers(rng: random.Random, by_commune: dict[str, dict[str, Any]]) -> dict[str, Any]:
    return dict(rng.choice(list(by_commune.values())))


def _visit(
    rng: random.Random,
    serial: int,
    attempt: int,
    row: dict[str, Any],
    outcome: str,
    answers: dict[str, Any] | None,
) -> dict[str, Any]:
    rng.randint(3, 28)  # kept: the draws after it (outcomes, answers) stay as they were
    # One hour of its own per unit (8 a day, from 3 May), the revisit later in that hour: no
    # enumerator is in two interviews at once, so the quality page shows honest work.
    day, hour = 3 + (serial // 8) % 26, 8 + serial % 8
    start, end = 5 + attempt * 30, 25 + attempt * 30
    visit = {
        "submission_id": str(uuid.uuid5(NAMESPACE, f"{serial}-{attempt}")),
        "assignment_id": row["assignment_id"],
        "outcome": outcome,
        "interviewed_at": f"2025-05-{day:02d}T{hour:02d}:{end:02d}:00+07:00",
        "started_at": f"2025-05-{day:02d}T{hour:02d}:{start:02d}:00+07:00",
        "enumerator_id": row["enumerator"],
    }
    return visit | ({"answers": answers} if outcome == "completed" else {})
