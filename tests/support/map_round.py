"""A household round coded in the new Lào Cai's communes (geography vn-2025-07), for the commune
map's tests: some communes with enough interviews to publish, some with too few (withheld), the
rest without interviews. Seeded, so the same round every time."""

from __future__ import annotations

import csv
import random
import uuid
from typing import Any

from schemas.rounds import RoundCreateSchema
from service.dashboard.commune_map.build import CENTRES
from service.loading import load_submissions
from service.rounds.model import round_to_store
from service.store import Store

MAP_ROUND = "laocai-2026-map-test"
NAMESPACE = uuid.UUID("0c6f3d1e-6a51-4f6b-9d4e-6d6170202607")
FORMER = {"10": "Lào Cai (tỉnh cũ)", "15": "Yên Bái (tỉnh cũ)"}
PUBLISHED_COMMUNES = 36  # 10 villages × 4 households each
WITHHELD_COMMUNES = 24  # 1 village × 2 households each
VILLAGES, HOUSEHOLDS = 10, 4


def former_province(code: str) -> str:
    """Communes coded below 04000 were in the former Lào Cai (10), the others in Yên Bái (15)."""
    return "10" if code < "04000" else "15"


def communes() -> list[dict[str, str]]:
    with CENTRES.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


# Rounds name their geography version once the geography work (branch `geo`, design §13) is in:
# then the round says vn-2025-07, which has no districts; before, a frame with the former
# provinces as districts holds the same communes.
NAMES_GEOGRAPHY = "geography" in RoundCreateSchema().fields


def round_body() -> dict[str, Any]:
    body = {
        "id": MAP_ROUND,
        "instrument": "household",
        "title": "New Lào Cai commune map test round (vn-2025-07)",
        "title_vi": "Đợt thử bản đồ xã Lào Cai mới (vn-2025-07)",
        "period": {"start": "2026-01-01", "end": "2026-12-31"},
    }
    if NAMES_GEOGRAPHY:
        return body | {"geography": "vn-2025-07"}
    frame = {
        "districts": dict(FORMER),
        "communes": {
            c["code"]: {
                "district": former_province(c["code"]),
                "name": f"{'Phường' if c['kind'] == 'phuong' else 'Xã'} {c['name_vi']}",
            }
            for c in communes()
        },
    }
    return body | {"frame": frame}


def submissions() -> list[dict[str, Any]]:
    rng = random.Random(2607)
    codes = [c["code"] for c in communes()]
    rng.shuffle(codes)
    plan = [(code, VILLAGES, HOUSEHOLDS) for code in codes[:PUBLISHED_COMMUNES]]
    few = codes[PUBLISHED_COMMUNES : PUBLISHED_COMMUNES + WITHHELD_COMMUNES]
    plan += [(code, 1, 2) for code in few]
    out = []
    for code, villages, households in plan:
        level = rng.uniform(0.15, 0.9)
        province = former_province(code)
        for village in range(villages):
            for k in range(households):
                adults = rng.randint(1, 4)
                fiber = rng.random() < level
                out.append(
                    {
                        "submission_id": str(uuid.uuid5(NAMESPACE, f"{code}-{village}-{k}")),
                        "interviewed_at": "2026-05-04T09:00:00+07:00",
                        "enumerator_id": f"enum-{province}",
                        "location": {"commune": code, "area": "rural"}
                        | ({} if NAMES_GEOGRAPHY else {"district": province}),
                        "sampling": {
                            "stratum": province,
                            "psu": f"{code}-{village}",
                            "weight": 40.0,
                        },
                        "answers": {
                            "members": adults + 1,
                            "members_15plus": adults,
                            "fiber_available": fiber,
                            "fiber_subscribed": fiber and rng.random() < 0.8,
                            "mobile_4g_5g": rng.random() < min(level + 0.2, 0.98),
                            "smartphones": sum(rng.random() < level for _ in range(adults)),
                            "members_15plus_with_epay": sum(
                                rng.random() < level for _ in range(adults)
                            ),
                            "members_15plus_egov_mobile": sum(
                                rng.random() < level * 0.7 for _ in range(adults)
                            ),
                        },
                    }
                )
    return out


def load(store: Store) -> dict[str, int]:
    """Create the round and load its households through the same ingest as every submission."""
    store.rounds.create(round_to_store(RoundCreateSchema().load(round_body())))
    return load_submissions(store, MAP_ROUND, submissions())
