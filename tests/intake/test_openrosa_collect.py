"""ODK Collect against the real server (gunicorn, 2 workers): sign in with Digest, fetch the
form list and forms, send finalized forms (some twice), then find them in the JSON API and in
the estimates."""

from __future__ import annotations

import copy
import xml.etree.ElementTree as ET
from typing import Any
from urllib.parse import urlsplit

import pytest
import requests

from tests.support import factories
from tests.support.openrosa_client import (
    FRAME,
    SUBMISSION,
    collect_headers,
    collect_instance,
    digest_authorization,
    digest_challenge,
    instance_values,
    multipart,
)
from tests.support.servers import GunicornServer

FORM_LIST_NS = {"x": "http://openrosa.org/xforms/xformsList"}
HOUSEHOLD_ROUND = "collect-household"
BUSINESS_ROUND = "collect-business"
# fiber_available for six households in two PSUs of one stratum, equal weights: 4 of 6
FIBER = [True, True, False, True, True, False]


class CollectPhone:
    """What Collect does over HTTP: challenge once, then Digest with a counting nonce."""

    def __init__(self, server: str, username: str, token: str) -> None:
        self.server, self.username, self.token = server, username, token
        self.session = requests.Session()
        self.challenge: str | None = None
        self.count = 0

    def request(self, method: str, url: str, **kwargs: Any) -> requests.Response:
        headers = {**collect_headers(), **kwargs.pop("headers", {})}
        if self.challenge is None:
            first = self.session.request(method, url, headers=headers, **kwargs)
            if first.status_code != 401:
                return first
            self.challenge = digest_challenge(first.raw.headers.getlist("WWW-Authenticate"))
        self.count += 1
        target = urlsplit(url)
        uri = target.path + (f"?{target.query}" if target.query else "")
        headers["Authorization"] = digest_authorization(
            self.challenge, method, uri, self.username, self.token, self.count
        )
        return self.session.request(method, url, headers=headers, **kwargs)

    def send(self, instance: bytes) -> requests.Response:
        body, content_type = multipart(instance)
        return self.request(
            "POST",
            f"{self.server}/openrosa/submission",
            data=body,
            headers={"Content-Type": content_type},
        )


def admin_api(server: GunicornServer, method: str, path: str, **kwargs: Any) -> requests.Response:
    headers = {"Authorization": f"Bearer {server.admin_token}"}
    return requests.request(
        method, f"{server.url}/api/v1{path}", headers=headers, timeout=10, **kwargs
    )


@pytest.fixture(scope="module")
def phone(live_server: GunicornServer) -> CollectPhone:
    """An enumerator's phone, set up with server URL, user name and token, and two open rounds."""
    for body in (
        factories.household_round(HOUSEHOLD_ROUND, frame=FRAME),
        factories.business_round(BUSINESS_ROUND, frame=FRAME),
    ):
        assert admin_api(live_server, "POST", "/rounds", json=body).status_code == 201
    issued = admin_api(
        live_server, "POST", "/tokens", json={"role": "enumerator", "name": "collect-phone-1"}
    )
    assert issued.status_code == 201
    return CollectPhone(live_server.url, "collect-phone-1", issued.json()["token"])


@pytest.fixture(scope="module")
def forms(phone: CollectPhone) -> dict[str, bytes]:
    """Get Blank Form: the form list, then each listed form."""
    listing = phone.request("GET", f"{phone.server}/openrosa/formList")
    assert listing.status_code == 200
    entries = ET.fromstring(listing.content).findall("x:xform", FORM_LIST_NS)
    urls = {
        e.findtext("x:formID", namespaces=FORM_LIST_NS): e.findtext(
            "x:downloadUrl", namespaces=FORM_LIST_NS
        )
        for e in entries
    }
    return {form_id: phone.request("GET", url).content for form_id, url in urls.items()}


def households() -> list[dict[str, Any]]:
    interviews = []
    for index, fiber in enumerate(FIBER):
        payload = factories.household(fiber_available=fiber, fiber_subscribed=False)
        payload["sampling"]["psu"] = f"080-P{index % 2}"
        interviews.append(payload)
    return interviews


@pytest.fixture(scope="module")
def sent(phone: CollectPhone, forms: dict[str, bytes]) -> dict[str, list[dict[str, Any]]]:
    """Send Finalized Form: six households and a business; each household is sent twice."""
    sent_households = households()
    business = factories.business()
    for payload in sent_households:
        instance = collect_instance(forms[HOUSEHOLD_ROUND], instance_values(payload))
        assert [phone.send(instance).status_code for _ in range(2)] == [201, 201]
    instance = collect_instance(forms[BUSINESS_ROUND], instance_values(business))
    assert phone.send(instance).status_code == 201
    return {HOUSEHOLD_ROUND: sent_households, BUSINESS_ROUND: [business]}


def test_collect_is_challenged_then_signs_in_with_digest(live_server: GunicornServer) -> None:
    first = requests.head(f"{live_server.url}{SUBMISSION}", headers=collect_headers(), timeout=10)
    assert first.status_code == 401
    assert first.headers["X-OpenRosa-Version"] == "1.0"
    assert first.headers["WWW-Authenticate"].startswith("Digest ")


def test_collect_head_request_learns_the_size_limit(phone: CollectPhone) -> None:
    response = phone.request("HEAD", f"{phone.server}{SUBMISSION}")
    assert response.status_code == 204
    assert int(response.headers["X-OpenRosa-Accept-Content-Length"]) > 0


def test_collect_gets_both_forms(forms: dict[str, bytes]) -> None:
    assert {HOUSEHOLD_ROUND, BUSINESS_ROUND} <= set(forms)
    assert all(form.startswith(b"<?xml") for form in forms.values())


@pytest.mark.parametrize("round_id", [HOUSEHOLD_ROUND, BUSINESS_ROUND])
def test_sent_forms_are_in_the_json_api_once(
    live_server: GunicornServer, sent: dict[str, list[dict[str, Any]]], round_id: str
) -> None:
    listing = admin_api(live_server, "GET", f"/rounds/{round_id}/submissions").json()["items"]
    expected = {payload["submission_id"]: payload["answers"] for payload in sent[round_id]}
    assert {item["submission_id"]: item["answers"] for item in listing} == expected
    assert {item["source"] for item in listing} == {"openrosa"}


def test_sent_households_are_in_the_estimates(
    live_server: GunicornServer, sent: dict[str, list[dict[str, Any]]]
) -> None:
    response = admin_api(
        live_server,
        "GET",
        f"/rounds/{HOUSEHOLD_ROUND}/estimates",
        params={"indicator": "fiber_available", "suppressed": "show"},  # every number
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["n_submissions"] == len(FIBER)
    [block] = body["estimates"]
    assert block["indicator"] == "fiber_available"
    [result] = block["results"]
    assert result["n"] == len(FIBER)
    assert result["estimate"] == pytest.approx(sum(FIBER) / len(FIBER))


def test_changed_form_under_a_sent_instance_id_is_refused(
    phone: CollectPhone, forms: dict[str, bytes], sent: dict[str, list[dict[str, Any]]]
) -> None:
    edited = copy.deepcopy(sent[HOUSEHOLD_ROUND][0])
    edited["answers"]["smartphones"] = 7
    response = phone.send(collect_instance(forms[HOUSEHOLD_ROUND], instance_values(edited)))
    assert response.status_code == 409
    assert "không được lưu" in response.content.decode()
