"""OpenRosa submission API: what ODK Collect posts is stored once, like a JSON submission."""

from __future__ import annotations

import hashlib
import time
import xml.etree.ElementTree as ET
from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from service.openrosa.credentials import new_nonce
from service.store import Store
from tests.support import factories
from tests.support.openrosa_client import (
    FRAME,
    SUBMISSION,
    basic,
    collect_headers,
    collect_instance,
    digest_authorization,
    digest_challenge,
    instance_values,
    openrosa_message,
    post_to,
    stored,
)


@pytest.fixture
def collector(store: Store) -> dict[str, str]:
    """Basic credentials of an enumerator: user name = the token's name, password = token."""
    doc, token = store.tokens.create("enumerator", "enum-collect")
    return basic(doc["name"], token)


@pytest.fixture
def rounds(make_round: Callable[[dict[str, Any]], dict[str, Any]]) -> None:
    make_round(factories.household_round(frame=FRAME))
    make_round(factories.business_round(frame=FRAME))


@pytest.fixture
def post_document(
    client: FlaskClient, collector: dict[str, str], rounds: None
) -> Callable[..., TestResponse]:
    def post(document: bytes, url: str = SUBMISSION, **attachments: Any) -> TestResponse:
        return post_to(client, collector, document, url, **attachments)

    return post


@pytest.fixture
def instance_for(
    client: FlaskClient, collector: dict[str, str], rounds: None
) -> Callable[..., bytes]:
    """The instance Collect would build from the round's downloaded XForm."""

    def build(payload: dict[str, Any], round_id: str = "hh-test", **changes: str) -> bytes:
        form = client.get(f"/openrosa/forms/{round_id}.xml", headers=collector)
        assert form.status_code == 200
        return collect_instance(form.data, {**instance_values(payload), **changes})

    return build


# --- HEAD and authentication -------------------------------------------------------------


def test_head_submission_answers_204_with_openrosa_headers(
    client: FlaskClient, collector: dict[str, str], app: Flask
) -> None:
    response = client.head(SUBMISSION, headers={**collect_headers(), **collector})
    assert response.status_code == 204
    assert response.headers["X-OpenRosa-Version"] == "1.0"
    assert response.headers["X-OpenRosa-Accept-Content-Length"] == str(
        app.config["SURVEY_MAX_BODY"]
    )


def test_unauthenticated_request_is_challenged_with_digest_and_basic(
    client: FlaskClient,
) -> None:
    response = client.head(SUBMISSION, headers=collect_headers())
    assert response.status_code == 401
    schemes = [value.split()[0] for value in response.headers.getlist("WWW-Authenticate")]
    assert schemes == ["Digest", "Basic"]
    assert 'qop="auth"' in response.headers["WWW-Authenticate"]


def test_digest_answer_with_the_token_is_accepted(client: FlaskClient, store: Store) -> None:
    _, token = store.tokens.create("enumerator", "enum-digest")
    challenge = digest_challenge(client.head(SUBMISSION).headers.getlist("WWW-Authenticate"))
    answer = digest_authorization(challenge, "HEAD", SUBMISSION, "enum-digest", token)
    assert client.head(SUBMISSION, headers={"Authorization": answer}).status_code == 204


def test_digest_answer_with_a_wrong_token_is_refused(client: FlaskClient, store: Store) -> None:
    store.tokens.create("enumerator", "enum-digest")
    challenge = digest_challenge(client.head(SUBMISSION).headers.getlist("WWW-Authenticate"))
    answer = digest_authorization(challenge, "HEAD", SUBMISSION, "enum-digest", "not-the-token")
    assert client.head(SUBMISSION, headers={"Authorization": answer}).status_code == 401


def test_digest_answer_for_another_url_is_refused(client: FlaskClient, store: Store) -> None:
    _, token = store.tokens.create("enumerator", "enum-digest")
    challenge = digest_challenge(client.head(SUBMISSION).headers.getlist("WWW-Authenticate"))
    answer = digest_authorization(challenge, "GET", "/openrosa/formList", "enum-digest", token)
    assert client.head(SUBMISSION, headers={"Authorization": answer}).status_code == 401


def test_digest_answer_to_an_expired_nonce_is_challenged_again_as_stale(
    client: FlaskClient, store: Store, app: Flask
) -> None:
    _, token = store.tokens.create("enumerator", "enum-digest")
    with app.app_context():
        expired = new_nonce(time.time() - 3600)
    old = f'Digest realm="digital-adoption-survey", nonce="{expired}"'
    answer = digest_authorization(old, "HEAD", SUBMISSION, "enum-digest", token)
    response = client.head(SUBMISSION, headers={"Authorization": answer})
    assert response.status_code == 401
    assert "stale=true" in response.headers["WWW-Authenticate"]


def test_basic_password_of_another_user_is_refused(client: FlaskClient, store: Store) -> None:
    _, token = store.tokens.create("enumerator", "enum-a")
    store.tokens.create("enumerator", "enum-b")
    assert client.head(SUBMISSION, headers=basic("enum-b", token)).status_code == 401


def test_revoked_token_is_refused(client: FlaskClient, store: Store) -> None:
    doc, token = store.tokens.create("enumerator", "enum-gone")
    store.tokens.revoke(doc["_id"])
    assert client.head(SUBMISSION, headers=basic("enum-gone", token)).status_code == 401


def test_planner_token_may_not_submit(client: FlaskClient, store: Store) -> None:
    _, token = store.tokens.create("planner", "planner-or")
    response = client.head(SUBMISSION, headers=basic("planner-or", token))
    assert response.status_code == 403


# --- form list and form download ----------------------------------------------------------


FORM_LIST_NS = {"x": "http://openrosa.org/xforms/xformsList"}


def listed(response: TestResponse) -> dict[str, dict[str, str]]:
    root = ET.fromstring(response.data)
    return {
        entry.find("x:formID", FORM_LIST_NS).text: {
            child.tag.rsplit("}", 1)[-1]: child.text for child in entry
        }
        for entry in root.findall("x:xform", FORM_LIST_NS)
    }


def test_form_list_names_each_open_round_with_the_md5_of_its_xform(
    client: FlaskClient, collector: dict[str, str], rounds: None
) -> None:
    forms = listed(client.get("/openrosa/formList", headers={**collect_headers(), **collector}))
    assert set(forms) == {"hh-test", "biz-test"}
    entry = forms["hh-test"]
    assert entry["name"] == "Household test round"
    assert entry["downloadUrl"] == "http://localhost/openrosa/forms/hh-test.xml"
    download = client.get("/openrosa/forms/hh-test.xml", headers=collector)
    assert download.mimetype == "text/xml"
    assert entry["hash"] == "md5:" + hashlib.md5(download.data).hexdigest()
    assert f'version="{entry["version"]}"' in download.data.decode()


def test_form_list_leaves_out_closed_rounds(
    client: FlaskClient, collector: dict[str, str], rounds: None, as_admin: dict[str, str]
) -> None:
    client.patch("/api/v1/rounds/biz-test", json={"status": "closed"}, headers=as_admin)
    assert set(listed(client.get("/openrosa/formList", headers=collector))) == {"hh-test"}


def test_form_list_can_be_narrowed_by_form_id(
    client: FlaskClient, collector: dict[str, str], rounds: None
) -> None:
    response = client.get("/openrosa/formList?formID=biz-test", headers=collector)
    assert set(listed(response)) == {"biz-test"}


def test_a_round_server_url_lists_only_that_round(
    client: FlaskClient, collector: dict[str, str], rounds: None
) -> None:
    response = client.get("/openrosa/rounds/biz-test/formList", headers=collector)
    assert set(listed(response)) == {"biz-test"}


def test_unknown_form_cannot_be_downloaded(
    client: FlaskClient, collector: dict[str, str], rounds: None
) -> None:
    response = client.get("/openrosa/forms/no-such-round.xml", headers=collector)
    assert response.status_code == 404
    assert "no-such-round" in openrosa_message(response)


# --- submissions --------------------------------------------------------------------------


def test_household_instance_is_stored_as_the_json_submission(
    post_document: Callable[..., TestResponse],
    instance_for: Callable[..., bytes],
    client: FlaskClient,
    as_admin: dict[str, str],
) -> None:
    payload = factories.household()
    response = post_document(instance_for(payload))
    assert response.status_code == 201
    assert openrosa_message(response) == "Đã nhận phiếu của enum-collect – Phường Cốc Lếu."
    [item] = stored(client, as_admin)
    assert item["submission_id"] == payload["submission_id"]
    assert item["answers"] == payload["answers"]
    assert item["sampling"] == payload["sampling"]
    assert item["location"] == {**payload["location"], "village": None, "gps": None}
    assert item["interviewed_at"] == "2025-05-01T03:00:00+00:00"
    assert item["source"] == "openrosa"


def test_business_instance_is_stored_as_the_json_submission(
    post_document: Callable[..., TestResponse],
    instance_for: Callable[..., bytes],
    client: FlaskClient,
    as_admin: dict[str, str],
) -> None:
    payload = factories.business()
    payload["location"]["gps"] = {"lat": 22.48, "lon": 103.97, "accuracy_m": 4.5}
    assert post_document(instance_for(payload, "biz-test")).status_code == 201
    [item] = stored(client, as_admin, "biz-test")
    assert item["answers"] == payload["answers"]
    assert item["location"]["gps"] == {"lat": 22.48, "lon": 103.97, "accuracy_m": 4.5}


def test_resending_an_instance_five_times_stores_it_once(
    post_document: Callable[..., TestResponse],
    instance_for: Callable[..., bytes],
    client: FlaskClient,
    as_admin: dict[str, str],
) -> None:
    document = instance_for(factories.household())
    statuses = [post_document(document).status_code for _ in range(5)]
    assert statuses == [201] * 5
    assert len(stored(client, as_admin)) == 1


def test_another_instance_with_a_used_instance_id_is_rejected(
    post_document: Callable[..., TestResponse],
    instance_for: Callable[..., bytes],
    client: FlaskClient,
    as_admin: dict[str, str],
) -> None:
    first = factories.household()
    post_document(instance_for(first))
    other = factories.household(first["submission_id"], smartphones=5)
    response = post_document(instance_for(other))
    assert response.status_code == 409
    assert f"uuid:{first['submission_id']}" in openrosa_message(response)
    assert [item["answers"]["smartphones"] for item in stored(client, as_admin)] == [2]


def test_fiber_subscription_skipped_without_fiber_is_stored_as_no(
    post_document: Callable[..., TestResponse],
    instance_for: Callable[..., bytes],
    client: FlaskClient,
    as_admin: dict[str, str],
) -> None:
    payload = factories.household(fiber_available=False, fiber_subscribed=False)
    document = instance_for(payload, **{"answers/fiber_subscribed": ""})
    assert post_document(document).status_code == 201
    assert stored(client, as_admin)[0]["answers"]["fiber_subscribed"] is False


def test_adult_counts_skipped_without_adults_are_stored_as_zero(
    post_document: Callable[..., TestResponse],
    instance_for: Callable[..., bytes],
    client: FlaskClient,
    as_admin: dict[str, str],
) -> None:
    payload = factories.household(
        members_15plus=0, members_15plus_with_epay=0, members_15plus_egov_mobile=0
    )
    skipped = {"answers/members_15plus_with_epay": "", "answers/members_15plus_egov_mobile": ""}
    assert post_document(instance_for(payload, **skipped)).status_code == 201
    answers = stored(client, as_admin)[0]["answers"]
    assert answers["members_15plus_with_epay"] == answers["members_15plus_egov_mobile"] == 0


def test_blank_enumerator_becomes_the_signed_in_user(
    post_document: Callable[..., TestResponse],
    instance_for: Callable[..., bytes],
    client: FlaskClient,
    as_admin: dict[str, str],
) -> None:
    document = instance_for(factories.household(), enumerator_id="")
    assert post_document(document).status_code == 201
    assert stored(client, as_admin)[0]["enumerator_id"] == "enum-collect"


def test_attachments_are_accepted_and_not_stored(
    post_document: Callable[..., TestResponse],
    instance_for: Callable[..., bytes],
    client: FlaskClient,
    as_admin: dict[str, str],
) -> None:
    photo = ("image/jpeg", b"\xff\xd8\xff\xe0" + b"\x00" * 1000)
    response = post_document(instance_for(factories.household()), **{"1714550000.jpg": photo})
    assert response.status_code == 201
    assert "1714550000.jpg" not in str(stored(client, as_admin)[0])


# --- rejected, and nothing stored ---------------------------------------------------------


@pytest.fixture
def nothing_stored(client: FlaskClient, as_admin: dict[str, str], rounds: None):
    yield
    assert stored(client, as_admin) == []
    assert stored(client, as_admin, "biz-test") == []


@pytest.mark.usefixtures("nothing_stored")
def test_failing_constraint_is_rejected_with_the_field_path(
    post_document: Callable[..., TestResponse], instance_for: Callable[..., bytes]
) -> None:
    response = post_document(instance_for(factories.household(), **{"answers/members": "0"}))
    assert response.status_code == 422
    assert "answers.members: Must be between 1 and 50." in openrosa_message(response)


@pytest.mark.usefixtures("nothing_stored")
def test_subscription_without_fiber_is_rejected(
    post_document: Callable[..., TestResponse], instance_for: Callable[..., bytes]
) -> None:
    payload = factories.household(fiber_available=False, fiber_subscribed=True)
    response = post_document(instance_for(payload))
    assert response.status_code == 422
    assert "answers.fiber_subscribed" in openrosa_message(response)


@pytest.mark.usefixtures("nothing_stored")
def test_commune_outside_the_round_frame_is_rejected(
    post_document: Callable[..., TestResponse], instance_for: Callable[..., bytes]
) -> None:
    document = instance_for(factories.household(), **{"location/commune": "02800"})
    response = post_document(document)
    assert response.status_code == 422
    assert "location.commune: Lies in another district." in openrosa_message(response)


@pytest.mark.usefixtures("nothing_stored")
def test_element_unknown_to_the_form_is_rejected(
    post_document: Callable[..., TestResponse], instance_for: Callable[..., bytes]
) -> None:
    document = instance_for(factories.household(), **{"answers/income": "1000"})
    response = post_document(document)
    assert response.status_code == 422
    assert "answers.income" in openrosa_message(response)


@pytest.mark.usefixtures("nothing_stored")
def test_malformed_xml_is_rejected(post_document: Callable[..., TestResponse]) -> None:
    response = post_document(b"<data id='hh-test'><answers><members>4</answers>")
    assert response.status_code == 400
    assert "không phải XML hợp lệ" in openrosa_message(response)


@pytest.mark.usefixtures("nothing_stored")
def test_external_entity_is_rejected(
    post_document: Callable[..., TestResponse], instance_for: Callable[..., bytes]
) -> None:
    document = instance_for(factories.household(), enumerator_id="&xxe;").replace(
        b"<?xml version='1.0' ?>",
        b'<?xml version="1.0"?><!DOCTYPE data [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>',
    )
    response = post_document(document.replace(b"&amp;xxe;", b"&xxe;"))
    assert response.status_code == 400
    assert "root:" not in response.data.decode()


@pytest.mark.usefixtures("nothing_stored")
def test_billion_laughs_is_rejected(post_document: Callable[..., TestResponse]) -> None:
    entities = "".join(
        f'<!ENTITY lol{i} "{("&lol" + str(i - 1) + ";") * 10}">' for i in range(1, 10)
    )
    document = (
        f'<?xml version="1.0"?><!DOCTYPE data [<!ENTITY lol0 "lol">{entities}]>'
        '<data id="hh-test"><enumerator_id>&lol9;</enumerator_id></data>'
    )
    response = post_document(document.encode())
    assert response.status_code == 400
    assert "DTD" in openrosa_message(response)


@pytest.mark.usefixtures("nothing_stored")
def test_oversized_instance_is_rejected(
    post_document: Callable[..., TestResponse], instance_for: Callable[..., bytes]
) -> None:
    document = instance_for(factories.household(), **{"location/village": "x" * 300_000})
    assert post_document(document).status_code == 413


@pytest.mark.usefixtures("nothing_stored")
def test_request_over_the_body_limit_is_rejected(
    post_document: Callable[..., TestResponse], instance_for: Callable[..., bytes], app: Flask
) -> None:
    document = instance_for(factories.household())
    app.config["MAX_CONTENT_LENGTH"] = 10_000
    photo = ("image/jpeg", b"\x00" * 20_000)
    response = post_document(document, **{"photo.jpg": photo})
    assert response.status_code == 413
    assert response.headers["X-OpenRosa-Version"] == "1.0"


@pytest.mark.usefixtures("nothing_stored")
def test_deeply_nested_instance_is_rejected(post_document: Callable[..., TestResponse]) -> None:
    document = '<data id="hh-test">' + "<a>" * 50 + "x" + "</a>" * 50 + "</data>"
    assert post_document(document.encode()).status_code == 400


@pytest.mark.usefixtures("nothing_stored")
def test_unknown_form_id_is_rejected(
    post_document: Callable[..., TestResponse], instance_for: Callable[..., bytes]
) -> None:
    document = instance_for(factories.household()).replace(b'id="hh-test"', b'id="hh-other"')
    response = post_document(document)
    assert response.status_code == 404
    assert "hh-other" in openrosa_message(response)


@pytest.mark.usefixtures("nothing_stored")
def test_form_of_another_round_is_refused_at_a_round_server_url(
    post_document: Callable[..., TestResponse], instance_for: Callable[..., bytes]
) -> None:
    document = instance_for(factories.household())
    response = post_document(document, url="/openrosa/rounds/biz-test/submission")
    assert response.status_code == 404


@pytest.mark.usefixtures("nothing_stored")
def test_instance_without_instance_id_is_rejected(
    post_document: Callable[..., TestResponse], instance_for: Callable[..., bytes]
) -> None:
    response = post_document(instance_for(factories.household(), **{"meta/instanceID": ""}))
    assert response.status_code == 400
    assert "meta/instanceID" in openrosa_message(response)


@pytest.mark.usefixtures("nothing_stored")
def test_request_without_the_instance_part_is_rejected(
    client: FlaskClient, collector: dict[str, str]
) -> None:
    response = client.post(SUBMISSION, data={"other": "x"}, headers=collector)
    assert response.status_code == 400
    assert "xml_submission_file" in openrosa_message(response)


@pytest.mark.usefixtures("nothing_stored")
def test_submission_to_a_closed_round_is_rejected(
    post_document: Callable[..., TestResponse],
    instance_for: Callable[..., bytes],
    client: FlaskClient,
    as_admin: dict[str, str],
) -> None:
    document = instance_for(factories.household())
    client.patch("/api/v1/rounds/hh-test", json={"status": "closed"}, headers=as_admin)
    response = post_document(document)
    assert response.status_code == 409
    assert "closed" in openrosa_message(response)


# --- edits sent from a client (meta/deprecatedID, docs/design.md §11) ---------------------


def edited_instance(instance_for, original: dict[str, Any], **answers: Any) -> bytes:
    """What Collect sends after editing a sent form: a new instanceID, the old one deprecated."""
    edit = factories.household(**answers)
    edit = {**original, "submission_id": edit["submission_id"], "answers": edit["answers"]}
    return instance_for(edit, **{"meta/deprecatedID": f"uuid:{original['submission_id']}"})


def test_an_edit_from_the_phone_becomes_a_new_version(
    post_document, instance_for, store: Store
) -> None:
    original = factories.household()
    assert post_document(instance_for(original)).status_code == 201
    edit = edited_instance(instance_for, original, smartphones=4)
    assert post_document(edit).status_code == 201
    doc = store.submissions.get("hh-test", original["submission_id"])
    assert (doc["version"], doc["answers"]["smartphones"]) == (2, 4)
    assert store.submissions.count("hh-test") == 1
    assert post_document(edit).status_code == 201  # the edit resent: a replay, still version 2
    assert store.submissions.get("hh-test", original["submission_id"])["version"] == 2


def test_an_edit_naming_an_unknown_submission_is_a_new_submission(
    post_document, instance_for, store: Store
) -> None:
    original = factories.household()  # never sent
    assert post_document(edited_instance(instance_for, original)).status_code == 201
    assert store.submissions.count("hh-test") == 1
    assert store.submissions.get("hh-test", original["submission_id"]) is None


def test_an_edit_resent_after_a_supervisor_correction_is_a_replay(
    post_document, instance_for, client: FlaskClient, as_supervisor: dict[str, str], store: Store
) -> None:
    original = factories.household()
    assert post_document(instance_for(original)).status_code == 201
    edit = edited_instance(instance_for, original, smartphones=4)
    assert post_document(edit).status_code == 201
    url = f"/api/v1/rounds/hh-test/submissions/{original['submission_id']}"
    correction = {"answers": {**original["answers"], "smartphones": 3}, "reason": "phoned back"}
    corrected = client.patch(url, json=correction, headers={**as_supervisor, "If-Match": '"2"'})
    assert corrected.status_code == 200
    assert post_document(edit).status_code == 201  # the phone resends: already received
    doc = store.submissions.get("hh-test", original["submission_id"])
    assert (doc["version"], doc["answers"]["smartphones"]) == (3, 3)
