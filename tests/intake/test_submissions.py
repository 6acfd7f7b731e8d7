"""One submission at a time: idempotency, what is stored, paging and CSV export."""

from __future__ import annotations

import csv
import io
import json
import unicodedata
from collections.abc import Callable

import pytest
from flask.testing import FlaskClient

from service.store import Store
from service.submissions.export import export_columns
from tests.support.factories import business, business_round, changed, household, household_round

SUBMIT = "/api/v1/rounds/hh-test/submissions"


@pytest.fixture
def round_id(make_round: Callable[[dict], dict]) -> str:
    return make_round(household_round())["id"]


def submit(client: FlaskClient, headers: dict[str, str], payload: dict, round_id: str = "hh-test"):
    return client.post(f"/api/v1/rounds/{round_id}/submissions", json=payload, headers=headers)


# --- idempotency ---------------------------------------------------------------------------


def test_a_new_submission_is_created_with_201(
    client: FlaskClient, as_enumerator: dict[str, str], round_id: str
) -> None:
    payload = household()

    response = submit(client, as_enumerator, payload)

    assert response.status_code == 201
    assert response.json["status"] == "created"
    assert response.json["submission_id"] == payload["submission_id"]
    assert response.json["round_id"] == round_id


def test_resending_identical_content_is_a_200_replay_stored_once(
    client: FlaskClient, as_enumerator: dict[str, str], store: Store, round_id: str
) -> None:
    payload = household()
    submit(client, as_enumerator, payload)

    response = submit(client, as_enumerator, payload)

    assert response.status_code == 200
    assert response.json["status"] == "duplicate"
    assert store.submissions.count(round_id) == 1


def test_a_replay_reports_when_the_stored_copy_was_received(
    client: FlaskClient, as_enumerator: dict[str, str], round_id: str
) -> None:
    payload = household()
    first = submit(client, as_enumerator, payload)

    replay = submit(client, as_enumerator, payload)

    assert replay.json["received_at"] == first.json["received_at"]


def test_a_replay_in_another_key_order_and_spacing_is_still_a_replay(
    client: FlaskClient, as_enumerator: dict[str, str], round_id: str
) -> None:
    payload = household()
    submit(client, as_enumerator, payload)
    reordered = json.dumps(dict(reversed(list(payload.items()))), indent=3)

    response = client.post(
        SUBMIT, data=reordered, content_type="application/json", headers=as_enumerator
    )

    assert response.status_code == 200


def test_a_replay_in_another_unicode_normal_form_is_still_a_replay(
    client: FlaskClient, as_enumerator: dict[str, str], round_id: str
) -> None:
    payload = changed(household(), "location.village", "Bản Phố")
    submit(client, as_enumerator, payload)
    decomposed = changed(payload, "location.village", unicodedata.normalize("NFD", "Bản Phố"))

    assert submit(client, as_enumerator, decomposed).status_code == 200


def test_a_replay_with_the_same_instant_in_another_time_zone_is_still_a_replay(
    client: FlaskClient, as_enumerator: dict[str, str], round_id: str
) -> None:
    payload = household()
    submit(client, as_enumerator, payload)
    utc = changed(payload, "interviewed_at", "2025-05-01T03:00:00Z")

    assert submit(client, as_enumerator, utc).status_code == 200


def test_the_same_submission_id_with_other_content_is_a_409_conflict(
    client: FlaskClient, as_enumerator: dict[str, str], store: Store, round_id: str
) -> None:
    payload = household()
    submit(client, as_enumerator, payload)

    response = submit(client, as_enumerator, changed(payload, "answers.smartphones", 3))

    assert response.status_code == 409
    assert payload["submission_id"] in response.json["detail"]
    assert store.submissions.get(round_id, payload["submission_id"])["answers"]["smartphones"] == 2


def test_the_same_submission_id_in_another_round_is_a_separate_submission(
    client: FlaskClient, as_enumerator: dict[str, str], make_round: Callable[[dict], dict]
) -> None:
    make_round(household_round("round-a"))
    make_round(household_round("round-b"))
    payload = household()

    first = submit(client, as_enumerator, payload, "round-a")
    second = submit(client, as_enumerator, payload, "round-b")

    assert (first.status_code, second.status_code) == (201, 201)


def test_a_replay_bumps_the_data_version_only_once(
    client: FlaskClient, as_enumerator: dict[str, str], round_id: str
) -> None:
    payload = household()
    for _ in range(3):
        submit(client, as_enumerator, payload)

    assert client.get(f"/api/v1/rounds/{round_id}", headers=as_enumerator).json["data_version"] == 1


def test_a_submission_sent_singly_then_in_a_batch_is_a_duplicate(
    client: FlaskClient, as_enumerator: dict[str, str], round_id: str
) -> None:
    payload = household()
    submit(client, as_enumerator, payload)

    response = client.post(
        f"{SUBMIT}/batch", json={"submissions": [payload]}, headers=as_enumerator
    )

    assert response.json["results"] == [
        {"submission_id": payload["submission_id"], "status": "duplicate"}
    ]


def test_a_submission_to_an_unknown_round_is_404(
    client: FlaskClient, as_enumerator: dict[str, str]
) -> None:
    assert submit(client, as_enumerator, household(), "nope").status_code == 404


def test_a_business_submission_is_accepted_by_a_business_round(
    client: FlaskClient, as_enumerator: dict[str, str], make_round: Callable[[dict], dict]
) -> None:
    make_round(business_round())

    assert submit(client, as_enumerator, business(), "biz-test").status_code == 201


# --- what is stored ------------------------------------------------------------------------


def test_the_stored_document_keeps_raw_payload_normalised_answers_time_token_and_hash(
    client: FlaskClient, as_enumerator: dict[str, str], store: Store, round_id: str
) -> None:
    payload = changed(household(), "enumerator_id", "  enum-07  ")
    submit(client, as_enumerator, payload)

    doc = store.submissions.collection.find_one({"submission_id": payload["submission_id"]})

    assert json.loads(doc["raw"]) == payload
    assert doc["enumerator_id"] == "enum-07"
    assert doc["interviewed_at"] == "2025-05-01T03:00:00+00:00"
    assert doc["answers"] == payload["answers"]
    assert doc["received_at"].endswith("Z")
    assert doc["token_id"] == store.tokens.by_name("enumerator-1")["_id"]
    assert len(doc["content_hash"]) == 64
    assert doc["source"] == "json"


# --- body handling -------------------------------------------------------------------------


def test_malformed_json_is_400(
    client: FlaskClient, as_enumerator: dict[str, str], round_id: str
) -> None:
    response = client.post(
        SUBMIT, data='{"submission_id": ', content_type="application/json", headers=as_enumerator
    )

    assert response.status_code == 400


def test_a_body_over_the_limit_is_413(
    client: FlaskClient, as_enumerator: dict[str, str], round_id: str
) -> None:
    padding = "x" * (5 * 1024 * 1024)
    body = json.dumps(changed(household(), "location.village", padding))

    response = client.post(
        SUBMIT, data=body, content_type="application/json", headers=as_enumerator
    )

    assert response.status_code == 413


@pytest.mark.parametrize(
    "content_type",
    ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x", None],
)
def test_a_body_not_declared_as_json_is_415(
    client: FlaskClient, as_enumerator: dict[str, str], round_id: str, content_type: str | None
) -> None:
    headers = {**as_enumerator, **({"Content-Type": content_type} if content_type else {})}

    response = client.post(SUBMIT, data=json.dumps(household()), headers=headers)

    assert response.status_code == 415


def test_json_with_a_charset_parameter_is_accepted(
    client: FlaskClient, as_enumerator: dict[str, str], round_id: str
) -> None:
    response = client.post(
        SUBMIT,
        data=json.dumps(household()),
        content_type="application/json; charset=utf-8",
        headers=as_enumerator,
    )

    assert response.status_code == 201


# --- paging and export ---------------------------------------------------------------------


@pytest.fixture
def five_stored(client: FlaskClient, as_enumerator: dict[str, str], round_id: str) -> list[str]:
    """Five stored submissions; their ids in the order listings return them."""
    payloads = [household() for _ in range(5)]
    client.post(f"{SUBMIT}/batch", json={"submissions": payloads}, headers=as_enumerator)
    return sorted(p["submission_id"] for p in payloads)


def test_a_page_is_limited_and_points_to_the_next(
    client: FlaskClient, as_admin: dict[str, str], five_stored: list[str]
) -> None:
    page = client.get(f"{SUBMIT}?limit=2", headers=as_admin).json

    assert [item["submission_id"] for item in page["items"]] == five_stored[:2]
    assert page["next"] == five_stored[1]


def test_following_next_walks_every_submission_once(
    client: FlaskClient, as_admin: dict[str, str], five_stored: list[str]
) -> None:
    seen: list[str] = []
    url = f"{SUBMIT}?limit=2"
    while True:
        page = client.get(url, headers=as_admin).json
        seen += [item["submission_id"] for item in page["items"]]
        if page["next"] is None:
            break
        url = f"{SUBMIT}?limit=2&after={page['next']}"

    assert seen == five_stored


def test_the_last_page_has_no_next(
    client: FlaskClient, as_admin: dict[str, str], five_stored: list[str]
) -> None:
    page = client.get(f"{SUBMIT}?limit=5", headers=as_admin).json

    assert len(page["items"]) == 5
    assert page["next"] is None


def test_listed_items_show_the_submission_without_internals(
    client: FlaskClient, as_admin: dict[str, str], five_stored: list[str]
) -> None:
    item = client.get(f"{SUBMIT}?limit=1", headers=as_admin).json["items"][0]

    assert set(item) == {
        "submission_id",
        "round_id",
        "interviewed_at",
        "enumerator_id",
        "location",
        "sampling",
        "answers",
        "received_at",
        "source",
        "in_estimates",  # whether the interview counts (docs/design.md §8)
    }


@pytest.mark.parametrize(
    ("query", "path"),
    [
        ("limit=0", "limit"),
        ("limit=1001", "limit"),
        ("limit=ten", "limit"),
        ("format=xml", "format"),
    ],
)
def test_invalid_paging_parameters_are_422(
    client: FlaskClient, as_admin: dict[str, str], round_id: str, query: str, path: str
) -> None:
    response = client.get(f"{SUBMIT}?{query}", headers=as_admin)

    assert response.status_code == 422
    assert path in response.json["errors"]


def read_csv(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def test_csv_export_has_the_documented_columns_in_order(
    client: FlaskClient, as_admin: dict[str, str], five_stored: list[str]
) -> None:
    response = client.get(f"{SUBMIT}?format=csv", headers=as_admin)
    header = response.get_data(as_text=True).splitlines()[0].split(",")

    assert response.mimetype == "text/csv"
    assert header == export_columns("household")
    assert header[:3] == ["submission_id", "interviewed_at", "enumerator_id"]
    assert "answers.members_15plus_with_epay" in header
    assert header[-6:] == [
        *("received_at", "source", "review", "review_comment", "in_estimates", "version")
    ]
    assert "assignment_id" not in header  # a round without a sample has no visits


def test_csv_export_has_one_row_per_submission_with_flat_values(
    client: FlaskClient, as_admin: dict[str, str], five_stored: list[str]
) -> None:
    rows = read_csv(client.get(f"{SUBMIT}?format=csv", headers=as_admin).get_data(as_text=True))

    assert [row["submission_id"] for row in rows] == five_stored
    assert rows[0]["location.district"] == "080"
    assert rows[0]["answers.fiber_available"] == "true"
    assert (rows[0]["in_estimates"], rows[0]["version"], rows[0]["review"]) == ("true", "1", "")
    assert rows[0]["sampling.weight"] == "100.5"
    assert rows[0]["location.gps.lat"] == ""


def test_accept_text_csv_selects_the_csv_export(
    client: FlaskClient, as_admin: dict[str, str], five_stored: list[str]
) -> None:
    response = client.get(SUBMIT, headers={**as_admin, "Accept": "text/csv"})

    assert response.mimetype == "text/csv"
    assert len(read_csv(response.get_data(as_text=True))) == 5


def test_business_csv_export_flattens_the_practices(
    client: FlaskClient,
    as_admin: dict[str, str],
    as_enumerator: dict[str, str],
    make_round: Callable[[dict], dict],
) -> None:
    make_round(business_round())
    submit(client, as_enumerator, business(), "biz-test")

    text = client.get("/api/v1/rounds/biz-test/submissions?format=csv", headers=as_admin).get_data(
        as_text=True
    )

    assert text.splitlines()[0].split(",") == export_columns("business")
    assert read_csv(text)[0]["answers.practices.e_invoice"] == "true"


def test_csv_export_neutralises_spreadsheet_formulas(
    client: FlaskClient, as_admin: dict[str, str], as_enumerator: dict[str, str], round_id: str
) -> None:
    submit(client, as_enumerator, changed(household(), "location.village", "=HYPERLINK(1)"))

    rows = read_csv(client.get(f"{SUBMIT}?format=csv", headers=as_admin).get_data(as_text=True))

    assert rows[0]["location.village"] == "'=HYPERLINK(1)"
