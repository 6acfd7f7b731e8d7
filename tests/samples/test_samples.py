"""Uploading a round's sample (docs/design.md §8): every bad row refused with its path."""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest
from flask.testing import FlaskClient

from service.store import Store
from tests.support.factories import household_round, sample_row, small_sample, visit

ROUND = "hh-sample"
FRAME = {
    "districts": {"080": "Thành phố Lào Cai", "082": "Huyện Bát Xát"},
    "communes": {
        "02641": {"district": "080", "name": "Phường Duyên Hải"},
        "02660": {"district": "082", "name": "Thị trấn Bát Xát"},
    },
}


@pytest.fixture
def round_id(make_round) -> str:
    make_round(household_round(ROUND, frame=FRAME))
    return ROUND


def put_sample(client: FlaskClient, headers: dict[str, str], rows: list[dict[str, Any]]) -> Any:
    return client.put(f"/api/v1/rounds/{ROUND}/sample", json={"assignments": rows}, headers=headers)


def as_csv(rows: list[dict[str, Any]]) -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(rows[0]), lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: "" if v is None else v for k, v in row.items()})
    return buffer.getvalue()


def test_a_sample_is_stored_and_summarised(client, as_admin, round_id, store: Store) -> None:
    response = put_sample(client, as_admin, small_sample())
    assert response.status_code == 200, response.json
    assert response.json == {"assignments": 6, "psus": 3, "strata": 2}
    assert len(store.assignments.of_round(ROUND)) == 6


def test_the_round_shows_its_sample(client, as_admin, round_id) -> None:
    put_sample(client, as_admin, small_sample())
    shown = client.get(f"/api/v1/rounds/{ROUND}", headers=as_admin).json
    assert shown["sample"] == {"assignments": 6, "psus": 3, "strata": 2}


def test_a_csv_sample_equals_the_json_one(client, as_admin, round_id, store: Store) -> None:
    response = client.put(
        f"/api/v1/rounds/{ROUND}/sample",
        data=as_csv(small_sample()).encode(),
        headers={**as_admin, "Content-Type": "text/csv"},
    )
    assert response.status_code == 200, response.json
    again = put_sample(client, as_admin, small_sample())
    assert again.status_code == 200
    assert store.rounds.get(ROUND)["data_version"] == 1  # the JSON copy changed nothing


def test_base_weights_and_certainty_psus(client, as_admin, round_id, store: Store) -> None:
    put_sample(client, as_admin, small_sample())
    units = {a["assignment_id"]: a for a in store.assignments.of_round(ROUND, {"_id": 0})}
    assert units["A-003"]["sampling"] == {"stratum": "080-U", "psu": "080002", "weight": 10.0}
    # psu_prob = 1: the PSU is a stratum for variance and its units are the PSUs
    assert units["B-001"]["sampling"] == {"stratum": "082001", "psu": "B-001", "weight": 20.0}
    assert (units["B-001"]["stratum"], units["B-001"]["psu"]) == ("082-R", "082001")


BAD_ROWS = [
    ("assignment_id", "A 001", "assignments.0.assignment_id"),
    ("psu_prob", 0, "assignments.0.psu_prob"),
    ("psu_prob", 1.5, "assignments.0.psu_prob"),
    ("unit_prob", -0.1, "assignments.0.unit_prob"),
    ("unit_prob", "a tenth", "assignments.0.unit_prob"),
    ("district", "099", "assignments.0.district"),
    ("commune", "99999", "assignments.0.commune"),
    ("area", "suburban", "assignments.0.area"),
    ("stratum", ..., "assignments.0.stratum"),
    ("weight", 10, "assignments.0.weight"),
]


@pytest.mark.parametrize(
    ("field", "value", "path"), BAD_ROWS, ids=[r[2] + str(r[1]) for r in BAD_ROWS]
)
def test_a_bad_row_is_refused_with_its_path(
    client, as_admin, round_id, store: Store, field: str, value: Any, path: str
) -> None:
    rows = small_sample()
    if value is ...:
        rows[0].pop(field)
    else:
        rows[0][field] = value
    response = put_sample(client, as_admin, rows)
    assert response.status_code == 422
    assert path in response.json["errors"]
    assert store.assignments.of_round(ROUND) == []
    assert store.rounds.get(ROUND).get("sample") is None


def test_a_repeated_assignment_id_is_refused(client, as_admin, round_id, store: Store) -> None:
    rows = [*small_sample(), sample_row("A-001")]
    response = put_sample(client, as_admin, rows)
    assert response.status_code == 422
    assert list(response.json["errors"]) == ["assignments.6.assignment_id"]
    assert store.assignments.of_round(ROUND) == []


def test_a_psu_in_two_strata_is_refused(client, as_admin, round_id, store: Store) -> None:
    rows = [*small_sample(), sample_row("A-009", stratum="080-R")]
    response = put_sample(client, as_admin, rows)
    assert response.status_code == 422
    assert list(response.json["errors"]) == ["assignments.6.stratum"]
    assert store.assignments.of_round(ROUND) == []


def test_a_psu_with_two_probabilities_is_refused(client, as_admin, round_id, store) -> None:
    rows = [*small_sample(), sample_row("A-009", psu_prob=0.3)]
    response = put_sample(client, as_admin, rows)
    assert response.status_code == 422
    assert list(response.json["errors"]) == ["assignments.6.psu_prob"]


def test_csv_errors_name_the_line(client, as_admin, round_id, store: Store) -> None:
    rows = small_sample()
    rows[2]["unit_prob"] = 2
    response = client.put(
        f"/api/v1/rounds/{ROUND}/sample",
        data=as_csv(rows).encode(),
        headers={**as_admin, "Content-Type": "text/csv"},
    )
    assert response.status_code == 422
    assert list(response.json["errors"]) == ["line.4.unit_prob"]
    assert store.assignments.of_round(ROUND) == []


def test_the_same_sample_again_changes_nothing(client, as_admin, round_id, store) -> None:
    put_sample(client, as_admin, small_sample())
    before = store.rounds.get(ROUND)["data_version"]
    again = put_sample(client, as_admin, list(reversed(small_sample())))
    assert again.status_code == 200
    assert again.json == {"assignments": 6, "psus": 3, "strata": 2}
    assert store.rounds.get(ROUND)["data_version"] == before


def test_a_sample_not_yet_used_may_be_replaced(client, as_admin, round_id, store) -> None:
    put_sample(client, as_admin, small_sample())
    response = put_sample(client, as_admin, small_sample()[:2])
    assert response.status_code == 200
    assert len(store.assignments.of_round(ROUND)) == 2


def test_replacing_a_sample_in_use_is_a_conflict(
    client, as_admin, as_supervisor, round_id, store: Store
) -> None:
    put_sample(client, as_admin, small_sample())
    sent = client.post(
        f"/api/v1/rounds/{ROUND}/submissions", json=visit("A-001"), headers=as_supervisor
    )
    assert sent.status_code == 201, sent.json
    response = put_sample(client, as_admin, small_sample()[:2])
    assert response.status_code == 409
    assert len(store.assignments.of_round(ROUND)) == 6


def test_the_same_sample_stays_fine_once_in_use(client, as_admin, as_supervisor, round_id) -> None:
    put_sample(client, as_admin, small_sample())
    client.post(f"/api/v1/rounds/{ROUND}/submissions", json=visit("A-001"), headers=as_supervisor)
    assert put_sample(client, as_admin, small_sample()).status_code == 200


@pytest.mark.parametrize(
    ("psu_prob", "unit_prob"),
    [(1e-200, 0.5), (5e-324, 5e-324), (1e-4, 1e-4)],
    ids=["weight 2e200", "underflow to 0", "weight 1e8"],
)
def test_a_base_weight_outside_the_design_range_is_refused(
    client, as_admin, round_id, store: Store, psu_prob: float, unit_prob: float
) -> None:
    rows = [sample_row("A-001", psu_prob=psu_prob, unit_prob=unit_prob)]
    response = put_sample(client, as_admin, rows)
    assert response.status_code == 422
    assert "assignments.0.unit_prob" in response.json["errors"]
    assert store.assignments.get(ROUND, "A-001") is None
