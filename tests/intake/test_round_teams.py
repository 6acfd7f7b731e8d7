"""Who collects for a round (docs/design.md §16): with `teams`, an enumerator outside them sees
neither the round's form nor its assignments, and its submissions are refused with 403."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest
from flask.testing import FlaskClient

from service.store import Store
from tests.support.apps import bearer
from tests.support.factories import household_round, visit
from tests.support.openrosa_client import basic, collect_headers, openrosa_message

ROUND = "hh-teams"
OPEN_ROUND = "hh-everyone"
FORMLIST = {"x": "http://openrosa.org/xforms/xformsList"}


@pytest.fixture
def secrets(store: Store) -> dict[str, str]:
    return {
        name: store.tokens.create(role, name)[1]
        for name, role in (
            ("enum-01", "enumerator"),
            ("enum-02", "enumerator"),
            ("sup", "supervisor"),
        )
    }


@pytest.fixture
def rounds(make_sample_round, make_round, client: FlaskClient, as_admin) -> None:
    make_sample_round(ROUND)
    changed = client.patch(f"/api/v1/rounds/{ROUND}", json={"teams": ["enum-01"]}, headers=as_admin)
    assert changed.status_code == 200, changed.json
    assert changed.json["teams"] == ["enum-01"]
    make_round(household_round(OPEN_ROUND))


def form_ids(client: FlaskClient, name: str, secret: str) -> set[str]:
    response = client.get(
        "/openrosa/formList", headers={**collect_headers(), **basic(name, secret)}
    )
    assert response.status_code == 200
    root = ET.fromstring(response.data)
    return {
        form.findtext("x:formID", namespaces=FORMLIST) for form in root.findall("x:xform", FORMLIST)
    }


@pytest.mark.usefixtures("rounds")
def test_the_form_list_shows_a_round_only_to_its_teams(client, secrets) -> None:
    assert form_ids(client, "enum-01", secrets["enum-01"]) == {ROUND, OPEN_ROUND}
    assert form_ids(client, "enum-02", secrets["enum-02"]) == {OPEN_ROUND}
    assert form_ids(client, "sup", secrets["sup"]) == {ROUND, OPEN_ROUND}


@pytest.mark.usefixtures("rounds")
@pytest.mark.parametrize(
    "path",
    [
        f"/openrosa/forms/{ROUND}.xml",
        f"/openrosa/forms/{ROUND}/manifest",
        f"/openrosa/forms/{ROUND}/assignments.csv",
        f"/openrosa/rounds/{ROUND}/formList",
    ],
)
def test_form_and_media_are_refused_outside_the_teams(client, secrets, path) -> None:
    outsider = {**collect_headers(), **basic("enum-02", secrets["enum-02"])}
    response = client.get(path, headers=outsider)
    assert response.status_code == 403
    assert "không thuộc các đội" in openrosa_message(response)
    insider = {**collect_headers(), **basic("enum-01", secrets["enum-01"])}
    assert client.get(path, headers=insider).status_code == 200


@pytest.mark.usefixtures("rounds")
def test_assignments_are_refused_outside_the_teams(client, secrets) -> None:
    path = f"/api/v1/rounds/{ROUND}/assignments"
    assert client.get(path, headers=bearer(secrets["enum-02"])).status_code == 403
    mine = client.get(path, headers=bearer(secrets["enum-01"]))
    assert mine.status_code == 200
    assert {a["enumerator"] for a in mine.json["items"]} == {"enum-01"}


@pytest.mark.usefixtures("rounds")
def test_submissions_from_outside_the_teams_are_refused_and_not_stored(
    client, secrets, as_admin
) -> None:
    path = f"/api/v1/rounds/{ROUND}/submissions"
    refused = client.post(
        path, json=visit("A-001", enumerator_id="enum-02"), headers=bearer(secrets["enum-02"])
    )
    assert refused.status_code == 403
    assert "not in the teams" in refused.json["detail"]
    batch = client.post(
        f"{path}/batch", json={"submissions": [visit("A-001")]}, headers=bearer(secrets["enum-02"])
    )
    assert batch.status_code == 403
    assert client.get(path, headers=as_admin).json["items"] == []
    accepted = client.post(path, json=visit("A-001"), headers=bearer(secrets["enum-01"]))
    assert accepted.status_code == 201


def test_teams_must_be_token_names(client, make_round, as_admin) -> None:
    response = client.post(
        "/api/v1/rounds",
        json=household_round("hh-bad-teams", teams=["no spaces"]),
        headers=as_admin,
    )
    assert response.status_code == 422
    assert "teams.0" in response.json["errors"]
