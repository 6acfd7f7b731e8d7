"""Review verdicts and corrections (docs/design.md §11): what the estimates include follows the
supervisors, corrections are versions, nothing is lost when two supervisors work at once."""

from __future__ import annotations

import threading
from typing import Any

import pytest
import requests
from flask.testing import FlaskClient

from service.store import Store
from tests.support import factories
from tests.support.servers import GunicornServer

ROUND = "hh-review"
SUBMIT = f"/api/v1/rounds/{ROUND}/submissions"
NUMBERS = ("estimate", "se", "ci_low", "ci_high", "df", "n", "population")


@pytest.fixture
def supervisor(as_supervisor: dict[str, str]) -> dict[str, str]:
    return as_supervisor


def interviews() -> list[dict[str, Any]]:
    """Six interviews over three PSUs of two strata, with varied answers."""
    cells = [("080-U", "080001"), ("080-U", "080002"), ("082-R", "082001")]
    out = []
    for n in range(6):
        stratum, psu = cells[n % 3]
        doc = factories.household(
            f"00000000-0000-4000-8000-00000000000{n}",
            fiber_available=n % 2 == 0,
            fiber_subscribed=False,
            smartphones=n % 3,
        )
        doc["sampling"] = {"stratum": stratum, "psu": psu, "weight": 100.0 + 10 * n}
        doc["location"]["district"] = stratum[:3]
        out.append(doc)
    return out


@pytest.fixture
def stored(client: FlaskClient, make_round, as_enumerator: dict[str, str]) -> list[dict]:
    make_round(factories.household_round(ROUND))
    docs = interviews()
    for doc in docs:
        assert client.post(SUBMIT, json=doc, headers=as_enumerator).status_code == 201
    return docs


def estimates(client: FlaskClient, round_id: str, headers: dict[str, str]) -> dict[str, Any]:
    response = client.get(f"/api/v1/rounds/{round_id}/estimates?suppressed=show", headers=headers)
    assert response.status_code == 200, response.json
    return response.json


def numbers(report: dict[str, Any]) -> list[tuple]:
    return [
        (block["indicator"], *(result[name] for name in NUMBERS))
        for block in report["estimates"]
        for result in block["results"]
    ]


def recomputed(client, make_round, as_enumerator, as_analyst, docs: list[dict]) -> list[tuple]:
    """The estimates of a fresh round holding exactly these interviews."""
    make_round(factories.household_round("hh-from-scratch"))
    for doc in docs:
        client.post("/api/v1/rounds/hh-from-scratch/submissions", json=doc, headers=as_enumerator)
    return numbers(estimates(client, "hh-from-scratch", as_analyst))


def review(client: FlaskClient, sid: str, state: str, headers: dict[str, str]) -> Any:
    return client.post(f"{SUBMIT}/{sid}/review", json={"state": state}, headers=headers)


def test_a_rejected_submission_leaves_the_estimates(
    client, make_round, stored, supervisor, as_analyst, as_enumerator
) -> None:
    before = estimates(client, ROUND, as_analyst)
    assert review(client, stored[1]["submission_id"], "rejected", supervisor).status_code == 200
    after = estimates(client, ROUND, as_analyst)
    assert after["data_version"] != before["data_version"]
    kept = [doc for doc in stored if doc is not stored[1]]
    assert numbers(after) == recomputed(client, make_round, as_enumerator, as_analyst, kept)


def test_a_rejected_then_approved_submission_returns_to_the_estimates(
    client, stored, supervisor, as_analyst
) -> None:
    before = numbers(estimates(client, ROUND, as_analyst))
    review(client, stored[2]["submission_id"], "rejected", supervisor)
    review(client, stored[2]["submission_id"], "approved", supervisor)
    assert numbers(estimates(client, ROUND, as_analyst)) == before


def test_has_issues_keeps_a_submission_in_the_estimates(
    client, stored, supervisor, as_analyst
) -> None:
    before = estimates(client, ROUND, as_analyst)
    answer = client.post(
        f"{SUBMIT}/{stored[0]['submission_id']}/review",
        json={"state": "has_issues", "comment": "Ask about the fiber contract."},
        headers=supervisor,
    )
    assert answer.json["review"]["state"] == "has_issues"
    assert answer.json["review"]["comment"] == "Ask about the fiber contract."
    assert numbers(estimates(client, ROUND, as_analyst)) == numbers(before)


def test_the_listing_filters_by_review_state(client, stored, supervisor) -> None:
    review(client, stored[3]["submission_id"], "rejected", supervisor)
    rejected = client.get(f"{SUBMIT}?review=rejected", headers=supervisor).json["items"]
    unreviewed = client.get(f"{SUBMIT}?review=unreviewed", headers=supervisor).json["items"]
    assert [doc["submission_id"] for doc in rejected] == [stored[3]["submission_id"]]
    assert len(unreviewed) == 5


def test_the_system_state_duplicate_cannot_be_set_by_a_supervisor(
    client, stored, supervisor
) -> None:
    response = review(client, stored[0]["submission_id"], "duplicate", supervisor)
    assert response.status_code == 422
    assert "state" in response.json["errors"]


def correct(
    client: FlaskClient, sid: str, headers: dict[str, str], if_match: str | None = None, **answers
) -> Any:
    body = {"answers": factories.household(**answers)["answers"], "reason": "phoned back"}
    extra = {"If-Match": if_match} if if_match else {}
    return client.patch(f"{SUBMIT}/{sid}", json=body, headers={**headers, **extra})


def test_a_correction_is_a_new_version_that_the_estimates_use(
    client, make_round, stored, supervisor, as_analyst, as_enumerator
) -> None:
    sid = stored[4]["submission_id"]
    corrected = correct(client, sid, supervisor, fiber_available=True, smartphones=0)
    assert corrected.status_code == 200, corrected.json
    assert (corrected.json["version"], corrected.headers["ETag"]) == (2, '"2"')
    versions = client.get(f"{SUBMIT}/{sid}/versions", headers=supervisor).json["items"]
    assert [(v["version"], v["reason"]) for v in versions] == [(1, None), (2, "phoned back")]
    assert versions[0]["answers"] == stored[4]["answers"]
    now = [dict(doc) for doc in stored]
    now[4] = {**now[4], "answers": corrected.json["answers"]}
    expected = recomputed(client, make_round, as_enumerator, as_analyst, now)
    assert numbers(estimates(client, ROUND, as_analyst)) == expected


def test_a_stale_if_match_is_refused_and_changes_nothing(client, stored, supervisor) -> None:
    sid = stored[0]["submission_id"]
    assert correct(client, sid, supervisor, if_match='"1"', smartphones=1).status_code == 200
    stale = correct(client, sid, supervisor, if_match='"1"', smartphones=3)
    assert stale.status_code == 412
    assert stale.headers["Content-Type"] == "application/problem+json"
    current = client.get(f"{SUBMIT}/{sid}", headers=supervisor).json
    assert (current["version"], current["answers"]["smartphones"]) == (2, 1)


def test_a_correction_is_validated_like_a_new_submission(client, stored, supervisor) -> None:
    sid = stored[0]["submission_id"]
    response = correct(client, sid, supervisor, members=0)
    assert response.status_code == 422
    assert "answers.members" in response.json["errors"]
    assert client.get(f"{SUBMIT}/{sid}", headers=supervisor).json["version"] == 1


def test_resending_the_original_after_a_correction_is_still_a_replay(
    client, stored, supervisor, as_enumerator
) -> None:
    correct(client, stored[5]["submission_id"], supervisor, smartphones=4)
    resent = client.post(SUBMIT, json=stored[5], headers=as_enumerator)
    assert resent.status_code == 200


def test_rounds_without_a_sample_have_no_outcome_to_correct(client, stored, supervisor) -> None:
    response = client.patch(
        f"{SUBMIT}/{stored[0]['submission_id']}",
        json={"outcome": "refused", "reason": "miscoded"},
        headers=supervisor,
    )
    assert response.status_code == 422
    assert "outcome" in response.json["errors"]


def test_every_review_and_correction_is_audited(
    client, stored, supervisor, as_admin, store: Store
) -> None:
    review(client, stored[0]["submission_id"], "approved", supervisor)
    correct(client, stored[1]["submission_id"], supervisor, smartphones=1)
    correct(client, stored[1]["submission_id"], supervisor, if_match='"1"', smartphones=2)  # 412
    entries = client.get(f"/api/v1/audit?round={ROUND}", headers=as_admin).json["items"]
    actions = [entry["action"] for entry in entries]
    assert actions.count("submission.review") == 1
    assert actions.count("submission.correct") == 1


@pytest.fixture(scope="module")
def live_supervisors(live_server: GunicornServer) -> list[dict[str, str]]:
    admin = {"Authorization": f"Bearer {live_server.admin_token}"}
    tokens = []
    for name in ("sup-a", "sup-b"):
        issued = requests.post(
            f"{live_server.url}/api/v1/tokens",
            json={"role": "supervisor", "name": name},
            headers=admin,
            timeout=10,
        )
        tokens.append({"Authorization": f"Bearer {issued.json()['token']}"})
    return tokens


def live_submission(live_server: GunicornServer, round_id: str, headers) -> str:
    admin = {"Authorization": f"Bearer {live_server.admin_token}"}
    requests.post(
        f"{live_server.url}/api/v1/rounds",
        json=factories.household_round(round_id),
        headers=admin,
        timeout=10,
    )
    doc = factories.household()
    url = f"{live_server.url}/api/v1/rounds/{round_id}/submissions"
    assert requests.post(url, json=doc, headers=headers[0], timeout=10).status_code == 201
    return f"{url}/{doc['submission_id']}"


def correct_at_once(url: str, supervisors, if_match: str | None) -> list[requests.Response]:
    """Both supervisors send a correction at the same moment."""
    barrier = threading.Barrier(len(supervisors))
    answers: list[requests.Response] = []

    def send(headers: dict[str, str], phones: int) -> None:
        body = {"answers": factories.household(smartphones=phones)["answers"], "reason": "call"}
        extra = {"If-Match": if_match} if if_match else {}
        barrier.wait()
        answers.append(requests.patch(url, json=body, headers={**headers, **extra}, timeout=30))

    threads = [
        threading.Thread(target=send, args=(headers, phones))
        for phones, headers in enumerate(supervisors, start=1)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return answers


def test_two_supervisors_correcting_at_once_without_if_match_make_two_versions(
    live_server: GunicornServer, live_supervisors
) -> None:
    url = live_submission(live_server, "race-correct", live_supervisors)
    answers = correct_at_once(url, live_supervisors, None)
    assert sorted(a.status_code for a in answers) == [200, 200]
    versions = requests.get(f"{url}/versions", headers=live_supervisors[0], timeout=10).json()
    assert [v["version"] for v in versions["items"]] == [1, 2, 3]
    last = requests.get(url, headers=live_supervisors[0], timeout=10).json()
    assert last["answers"] == versions["items"][-1]["answers"]


def test_two_supervisors_with_the_same_if_match_one_gets_412(
    live_server: GunicornServer, live_supervisors
) -> None:
    url = live_submission(live_server, "race-if-match", live_supervisors)
    answers = correct_at_once(url, live_supervisors, '"1"')
    assert sorted(a.status_code for a in answers) == [200, 412]
    versions = requests.get(f"{url}/versions", headers=live_supervisors[0], timeout=10).json()
    assert [v["version"] for v in versions["items"]] == [1, 2]
