"""A household round on the new Lào Cai (vn-2025-07) whose communes differ in fiber coverage,
with a commune covariate that predicts it: 35 of the 99 communes interviewed, a few of them with
very few interviews, the other 64 without any (tests of §14)."""

from __future__ import annotations

import math
import random
from typing import Any

from flask.testing import FlaskClient

from catalogue.geography import load_version
from tests.support.factories import household, household_round

VERSION = "vn-2025-07"
TABLE = "census"
COMMUNES = [unit.code for unit in load_version(VERSION).communes]
NO_INTERVIEWS = set(COMMUNES[35:])
FEW_INTERVIEWS = set(COMMUNES[30:35])  # 2 interviews: too few for a direct estimate
MANY_INTERVIEWS = {COMMUNES[k] for k in (3, 7, 27, 29)}  # enough for a direct estimate


def coverage_index(k: int) -> float:
    """The synthetic covariate: the commune's share of households on a fiber route."""
    return 0.15 + 0.7 * ((k * 37) % 40) / 40


def auxiliary_csv() -> str:
    lines = ["commune,fiber_route_share,households"]
    lines += [f"{code},{coverage_index(k):.4f},{1000 + 50 * k}" for k, code in enumerate(COMMUNES)]
    return "\n".join(lines) + "\n"


def submissions() -> list[dict[str, Any]]:
    rng = random.Random(25)
    items = []
    for k, code in enumerate(COMMUNES):
        if code in NO_INTERVIEWS:
            continue
        size = 2 if code in FEW_INTERVIEWS else 160 if code in MANY_INTERVIEWS else 16 + (k % 4) * 8
        p = 1 / (1 + math.exp(-(-2.0 + 4.0 * coverage_index(k) + rng.gauss(0, 0.25))))
        for i in range(size):
            fiber = rng.random() < p
            item = household(
                fiber_available=fiber,
                fiber_subscribed=fiber and rng.random() < 0.6,
                members_15plus_with_epay=rng.randint(0, 3),
            )
            item["location"] = {"commune": code, "area": "rural"}
            # a stratum per commune, villages of 4 households as PSUs
            item["sampling"] = {"stratum": code, "psu": f"{code}-{i // 4}", "weight": 50.0}
            items.append(item)
    return items


def load(client: FlaskClient, admin: dict[str, str], round_id: str) -> None:
    """Create the round with its submissions, and store the covariates of VERSION as TABLE."""
    made = client.post(
        "/api/v1/rounds", json=household_round(round_id, geography=VERSION), headers=admin
    )
    assert made.status_code == 201, made.json
    items = submissions()
    for start in range(0, len(items), 1000):  # the batch limit
        batch = {"submissions": items[start : start + 1000]}
        out = client.post(f"/api/v1/rounds/{round_id}/submissions/batch", json=batch, headers=admin)
        assert out.json["summary"]["created"] == len(batch["submissions"])
    put = client.put(
        f"/api/v1/geography/{VERSION}/auxiliary/{TABLE}?source=SYNTHETIC test data",
        data=auxiliary_csv(),
        content_type="text/csv",
        headers=admin,
    )
    assert put.status_code == 200, put.json
