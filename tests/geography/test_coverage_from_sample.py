"""A round's coverage, when its admin names none, is the former provinces its sample's communes
lie in (docs/design.md §13)."""

from __future__ import annotations

from typing import Any

from catalogue.geography import former_provinces
from tests.support.factories import household_round, sample_row

NEW = "vn-2025-07"


def communes_of(former_province: str, count: int) -> list[str]:
    return [c for c, p in former_provinces(NEW).items() if p == former_province][:count]


def new_map_round(round_id: str, **changes: Any) -> dict[str, Any]:
    period = {"start": "2026-03-01", "end": "2026-06-30"}
    return household_round(round_id, geography=NEW, period=period, **changes)


def sample_in(communes: list[str]) -> list[dict[str, Any]]:
    rows = []
    for i, commune in enumerate(communes):
        row = sample_row(f"U-{i:03d}", stratum=f"S-{i}", psu=f"P-{i}", commune=commune)
        row.pop("district")
        rows.append(row)
    return rows


def put_sample(client, as_admin, round_id: str, rows: list[dict[str, Any]]) -> None:
    response = client.put(
        f"/api/v1/rounds/{round_id}/sample", json={"assignments": rows}, headers=as_admin
    )
    assert response.status_code == 200, response.json


def coverage(client, as_admin, round_id: str) -> list[str]:
    return client.get(f"/api/v1/rounds/{round_id}", headers=as_admin).json["coverage"]


def test_without_a_named_coverage_the_sample_decides_it(client, as_admin, make_round):
    make_round(new_map_round("yen-bai-only"))
    assert coverage(client, as_admin, "yen-bai-only") == ["10", "15"]

    put_sample(client, as_admin, "yen-bai-only", sample_in(communes_of("15", 2)))

    assert coverage(client, as_admin, "yen-bai-only") == ["15"]


def test_a_named_coverage_is_kept_whatever_the_sample(client, as_admin, make_round):
    make_round(new_map_round("named", coverage=["10", "15"]))

    put_sample(client, as_admin, "named", sample_in(communes_of("15", 2)))

    assert coverage(client, as_admin, "named") == ["10", "15"]
