"""`in_estimates` is a JSON boolean in every answer, also once a review has set it false (the
embedded store reads a `false` set by an update back as 0)."""

from __future__ import annotations

from flask.testing import FlaskClient

from tests.support import factories

ROUND = "hh-in-estimates"
SUBMISSIONS = f"/api/v1/rounds/{ROUND}/submissions"


def test_a_rejected_submission_is_in_estimates_false_not_0(
    client: FlaskClient, make_round, as_enumerator: dict[str, str], as_supervisor: dict[str, str]
) -> None:
    make_round(factories.household_round(ROUND))
    payload = factories.household()
    assert client.post(SUBMISSIONS, json=payload, headers=as_enumerator).status_code == 201
    one = f"{SUBMISSIONS}/{payload['submission_id']}"

    reviewed = client.post(f"{one}/review", json={"state": "rejected"}, headers=as_supervisor)

    assert reviewed.json["in_estimates"] is False
    assert client.get(one, headers=as_supervisor).json["in_estimates"] is False
    (listed,) = client.get(SUBMISSIONS, headers=as_supervisor).json["items"]
    assert listed["in_estimates"] is False
