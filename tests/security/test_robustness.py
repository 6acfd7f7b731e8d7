"""Issue 17, attacked as a hostile or careless user would: refuse cleanly, in the caller's format.

One section per numbered finding; the store-supervision and slow-client findings (1, 2) run real
processes in tests/intake/test_supervision.py and tests/operations/test_slow_clients.py,
export → import (10) is in tests/estimates/test_cli.py.
"""

from __future__ import annotations

import base64
import gc
import hmac
import re
import tracemalloc
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.http import parse_dict_header

from service import create_app
from service.estimates.cache import EstimateCache
from service.store import Store
from service.store.embedded import free_port
from service.store_state import StoreState, write_state
from tests.support import factories
from tests.support.apps import bearer
from tests.support.openrosa_client import (
    FRAME,
    SUBMISSION,
    basic,
    collect_instance,
    digest_authorization,
    digest_challenge,
    instance_values,
    openrosa_message,
    post_to,
)
from tests.support.servers import EmbeddedStore

ROUND = "hh-test"
BATCH = f"/api/v1/rounds/{ROUND}/submissions/batch"
SUBMIT = f"/api/v1/rounds/{ROUND}/submissions"
ESTIMATES = f"/api/v1/rounds/{ROUND}/estimates"


@pytest.fixture
def hh_round(make_round: Callable[[dict[str, Any]], dict[str, Any]]) -> dict[str, Any]:
    return make_round(factories.household_round(frame=FRAME))


@pytest.fixture
def collector(store: Store) -> dict[str, str]:
    doc, token = store.tokens.create("enumerator", "enum-collect")
    return basic(doc["name"], token)


@pytest.fixture
def instance_for(
    client: FlaskClient, collector: dict[str, str], hh_round: dict[str, Any]
) -> Callable[..., bytes]:
    """The instance ODK Collect would build from the round's XForm, with `changes` typed in."""

    def build(payload: dict[str, Any], **changes: str) -> bytes:
        form = client.get(f"/openrosa/forms/{ROUND}.xml", headers=collector)
        assert form.status_code == 200
        return collect_instance(form.data, {**instance_values(payload), **changes})

    return build


def assert_problem(response: Any, status: int) -> None:
    assert response.status_code == status, response.get_data(as_text=True)[:300]
    assert response.mimetype == "application/problem+json"
    assert response.json["status"] == status


def assert_openrosa(response: Any, status: int) -> str:
    assert response.status_code == status, response.get_data(as_text=True)[:300]
    return openrosa_message(response)


# --- 1. the supervisor's word on the embedded store reaches the probes --------------------------


@pytest.fixture
def supervised_app(tmp_path: Path) -> Iterator[tuple[Flask, Path]]:
    """An app whose store is down, with the state file `python -m service serve` writes."""
    state = tmp_path / "store-state"
    app = create_app(
        {
            "MONGODB_URI": f"mongodb://127.0.0.1:{free_port()}/",
            "SURVEY_STORE_TIMEOUT_MS": 200,
            "SURVEY_STORE_STATE": str(state),
            "TESTING": True,
        }
    )
    yield app, state
    app.extensions["store"].close()


@pytest.mark.parametrize(
    ("probe", "state"),
    [("/readyz", StoreState.RESTARTING), ("/healthz", StoreState.FAILED)],
    ids=["readyz-while-restarting", "healthz-once-restarts-failed"],
)
def test_the_probes_say_what_the_supervisor_knows_about_the_store(
    supervised_app: tuple[Flask, Path], probe: str, state: StoreState
) -> None:
    app, state_file = supervised_app
    write_state(state_file, state)

    response = app.test_client().get(probe)

    assert_problem(response, 503)
    assert response.json["store"] == state.value


def test_healthz_stays_ok_while_the_store_is_being_restarted(
    supervised_app: tuple[Flask, Path],
) -> None:
    app, state = supervised_app
    write_state(state, StoreState.RESTARTING)

    assert app.test_client().get("/healthz").status_code == 200


# --- 3. dates at the calendar's edges ------------------------------------------------------------


@pytest.mark.parametrize(
    "moment",
    ["0001-01-01T00:00:00+01:00", "9999-12-31T23:59:59-01:00", "1900-01-01T00:00:00Z"],
)
def test_an_interview_time_at_the_calendars_edge_fails_alone_in_a_batch(
    client: FlaskClient, as_enumerator: dict[str, str], hh_round: dict[str, Any], moment: str
) -> None:
    items = [factories.household() for _ in range(3)]
    items.insert(1, {**factories.household(), "interviewed_at": moment})

    response = client.post(BATCH, json={"submissions": items}, headers=as_enumerator)

    assert response.status_code == 200
    assert response.json["summary"] == {"created": 3, "duplicate": 0, "conflict": 0, "invalid": 1}
    assert list(response.json["results"][1]["errors"]) == ["interviewed_at"]


def test_an_interview_time_in_year_1_over_openrosa_is_an_openrosa_message(
    client: FlaskClient, collector: dict[str, str], instance_for: Callable[..., bytes]
) -> None:
    document = instance_for(factories.household(), interviewed_at="0001-01-01T00:00:00.000+01:00")

    message = assert_openrosa(post_to(client, collector, document), 422)

    assert "interviewed_at" in message


# --- 4. `${…}` in every text pyxform sees -------------------------------------------------------


def test_a_reference_like_text_in_title_and_frame_names_keeps_the_form_list_working(
    client: FlaskClient,
    collector: dict[str, str],
    make_round: Callable[[dict[str, Any]], dict[str, Any]],
) -> None:
    frame = {
        "districts": {"080": "Lào Cai ${y}"},
        "communes": {"02641": {"district": "080", "name": "Cốc Lếu ${z}"}},
    }
    make_round(factories.household_round(title="Round ${y}", frame=frame))
    make_round(factories.business_round())

    listed = client.get("/openrosa/formList", headers=collector)
    form = client.get(f"/openrosa/forms/{ROUND}.xml", headers=collector)

    assert listed.status_code == 200
    assert listed.data.count(b"<xform>") == 2
    assert form.status_code == 200


# --- 5. a Digest nonce of 300 digits -----------------------------------------------------------


def test_a_300_digit_digest_nonce_is_challenged_again_not_a_crash(
    client: FlaskClient, store: Store
) -> None:
    _, token = store.tokens.create("enumerator", "enum-digest")
    challenge = f'Digest realm="digital-adoption-survey", nonce="{"f" * 300}-{"0" * 24}"'
    answer = digest_authorization(challenge, "HEAD", SUBMISSION, "enum-digest", token)

    response = client.head(SUBMISSION, headers={"Authorization": answer})

    assert response.status_code == 401
    assert response.headers.getlist("WWW-Authenticate")


# --- 6. failed authentication is limited per address, never per user ----------------------------

FAILURES = 5


@pytest.fixture
def app_with(store_server: EmbeddedStore, database_name: str) -> Iterator[Callable[..., Flask]]:
    """Apps on this test's database with settings of their own; closed at the end."""
    made: list[Flask] = []

    def make(**config: Any) -> Flask:
        app = create_app(
            {"MONGODB_URI": store_server.uri, "SURVEY_DB": database_name, "TESTING": True, **config}
        )
        made.append(app)
        return app

    yield make
    for app in made:
        app.extensions["store"].close()


@pytest.fixture
def guarded_app(app_with: Callable[..., Flask]) -> Flask:
    return app_with(SURVEY_AUTH_FAILURE_LIMIT=f"{FAILURES}/minute")


def from_address(app: Flask, address: str) -> FlaskClient:
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    return client


def guess(client: FlaskClient, times: int) -> list[int]:
    return [
        client.get("/api/v1/rounds", headers=bearer(uuid.uuid4().hex)).status_code
        for _ in range(times)
    ]


def test_random_bearer_tokens_from_one_address_are_answered_429_past_the_limit(
    guarded_app: Flask,
) -> None:
    client = from_address(guarded_app, "10.0.0.66")

    statuses = guess(client, FAILURES + 2)
    refused = client.get("/api/v1/rounds", headers=bearer(uuid.uuid4().hex))

    assert statuses[:FAILURES] == [401] * FAILURES
    assert_problem(refused, 429)
    assert refused.headers["Retry-After"].isdigit()


def test_the_right_token_is_never_refused_by_the_failure_limit(guarded_app: Flask) -> None:
    _, token = guarded_app.extensions["store"].tokens.create("planner", "planner-nat")
    client = from_address(guarded_app, "10.0.0.67")  # a guesser behind the same NAT
    guess(client, FAILURES + 2)

    assert client.get("/api/v1/rounds", headers=bearer(token)).status_code == 200


def test_wrong_passwords_under_a_real_name_do_not_lock_that_enumerator_out(
    app_with: Callable[..., Flask],
) -> None:
    app = app_with(SURVEY_RATE_LIMIT=f"{FAILURES}/minute")
    doc, token = app.extensions["store"].tokens.create("enumerator", "enum-target")
    attacker = from_address(app, "203.0.113.9")
    for _ in range(FAILURES + 3):
        attacker.head(SUBMISSION, headers=basic(doc["name"], "wrong"))

    answer = from_address(app, "10.1.2.3").head(SUBMISSION, headers=basic(doc["name"], token))

    assert answer.status_code == 204


def test_429_on_openrosa_routes_is_an_openrosa_message(guarded_app: Flask) -> None:
    client = from_address(guarded_app, "10.0.0.68")
    for _ in range(FAILURES):
        client.head(SUBMISSION, headers=basic("nobody", "wrong"))

    response = client.head(SUBMISSION, headers=basic("nobody", "wrong"))
    listed = client.get("/openrosa/formList", headers=basic("nobody", "wrong"))

    assert response.status_code == 429
    assert response.headers["Retry-After"].isdigit()
    assert "failed sign-ins" in assert_openrosa(listed, 429)


def test_the_per_caller_request_limit_on_openrosa_routes_is_an_openrosa_message(
    app_with: Callable[..., Flask],
) -> None:
    app = app_with(SURVEY_RATE_LIMIT="2/minute")
    doc, token = app.extensions["store"].tokens.create("enumerator", "enum-busy")
    client = app.test_client()
    for _ in range(2):
        client.get("/openrosa/formList", headers=basic(doc["name"], token))

    response = client.get("/openrosa/formList", headers=basic(doc["name"], token))

    assert "Rate limit" in assert_openrosa(response, 429)
    assert response.headers["Retry-After"].isdigit()


# --- 7. estimate parameters are normalised, the cache is bounded by memory -----------------------


@pytest.mark.parametrize("level", ["0.500000001", "0.9501", "0.95000000001"])
def test_a_level_with_more_than_three_decimals_is_refused(
    client: FlaskClient, as_planner: dict[str, str], hh_round: dict[str, Any], level: str
) -> None:
    response = client.get(f"{ESTIMATES}?level={level}", headers=as_planner)

    assert_problem(response, 422)
    assert list(response.json["errors"]) == ["level"]


@pytest.mark.parametrize("level", ["0.9", "0.95", "0.975", "0.999", "0.950"])
def test_a_level_of_up_to_three_decimals_is_answered(
    client: FlaskClient, as_planner: dict[str, str], hh_round: dict[str, Any], level: str
) -> None:
    assert client.get(f"{ESTIMATES}?level={level}", headers=as_planner).status_code == 200


def test_the_estimate_cache_holds_no_more_bytes_than_its_bound() -> None:
    cache = EstimateCache(max_bytes=1000)
    report = {"rows": [f"{row}" + "x" * 89 for row in range(3)]}  # about 300 bytes as JSON

    for key in range(10):
        cache.get_or_compute(key, lambda: report)

    assert cache.held_bytes <= 1000
    assert len(cache) == 3
    assert cache.get_or_compute(9, lambda: "recomputed") == report  # the newest are kept


def a_report(seed: int) -> dict[str, Any]:
    """An estimates report's shape: rows of typed numbers per indicator and domain."""
    return {
        "round_id": "hh",
        "results": [
            {
                "indicator": f"ind_{i}",
                "domain": {"district": f"{d:03d}"},
                **{name: seed + i * 0.001 + d * 1e-6 + k for k, name in enumerate(NUMBERS)},
                "reliability_reasons": ["cv_high"],
            }
            for i in range(12)
            for d in range(150)
        ],
    }


NUMBERS = ("estimate", "se", "ci_low", "ci_high", "df", "deff", "n", "population", "cv")


def test_the_estimate_cache_grows_the_process_by_no_more_than_its_bound() -> None:
    """Measured, not estimated: what 120 distinct reports leave allocated once the cache is full
    (before, Python objects worth five to ten times the bound's JSON count stayed)."""
    bound = 4 * 1024 * 1024
    cache = EstimateCache(max_bytes=bound)
    tracemalloc.start()
    try:
        before, _ = tracemalloc.get_traced_memory()
        for level in range(120):  # e.g. 120 distinct valid `level`s
            cache.get_or_compute(("hh", level), lambda level=level: a_report(level))
        gc.collect()
        held, _ = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert held - before <= 1.25 * bound
    assert cache.held_bytes <= bound


def test_a_cached_report_comes_back_equal_and_unchangeable_by_its_reader() -> None:
    cache = EstimateCache()
    first = cache.get_or_compute("k", lambda: a_report(1))
    first["results"].clear()
    assert cache.get_or_compute("k", lambda: "recomputed") == a_report(1)


def test_an_estimate_larger_than_the_whole_cache_is_answered_but_not_kept() -> None:
    cache = EstimateCache(max_bytes=100)

    assert cache.get_or_compute("big", lambda: "y" * 500) == "y" * 500
    assert len(cache) == 0


# --- 8. fpc validated when the design is set, and the real reason when it does not fit ----------


def test_an_fpc_mixing_counts_and_fractions_is_refused_at_creation(
    client: FlaskClient, as_admin: dict[str, str]
) -> None:
    body = factories.household_round(design={"fpc": {"080-U": 40, "086-R": 0.2}})

    response = client.post("/api/v1/rounds", json=body, headers=as_admin)

    assert_problem(response, 422)
    assert "design.fpc" in response.json["errors"]


def test_an_empty_fpc_is_refused_at_creation(client: FlaskClient, as_admin: dict[str, str]) -> None:
    body = factories.household_round(design={"fpc": {}})

    assert_problem(client.post("/api/v1/rounds", json=body, headers=as_admin), 422)


def household_with(**changes: Any) -> dict[str, Any]:
    return {**factories.household(), **changes}


@pytest.fixture
def two_strata(
    client: FlaskClient, as_enumerator: dict[str, str], hh_round: dict[str, Any]
) -> None:
    items = [
        household_with(sampling={"stratum": stratum, "psu": f"p{psu}", "weight": 10.0})
        for stratum in ("080-U", "086-R")
        for psu in range(3)
    ]
    response = client.post(BATCH, json={"submissions": items}, headers=as_enumerator)
    assert response.json["summary"]["created"] == 6


def test_an_fpc_covering_only_some_strata_is_refused_once_data_exist(
    client: FlaskClient, as_admin: dict[str, str], two_strata: None
) -> None:
    response = client.patch(
        f"/api/v1/rounds/{ROUND}", json={"design": {"fpc": {"086-R": 40}}}, headers=as_admin
    )

    assert_problem(response, 422)
    assert list(response.json["errors"]) == ["design.fpc.080-U"]


def test_an_fpc_count_below_the_psus_sampled_is_refused(
    client: FlaskClient, as_admin: dict[str, str], two_strata: None
) -> None:
    fpc = {"080-U": 2, "086-R": 40}

    response = client.patch(
        f"/api/v1/rounds/{ROUND}", json={"design": {"fpc": fpc}}, headers=as_admin
    )

    assert_problem(response, 422)
    assert "fewer than the 3 sampled" in response.json["errors"]["design.fpc.080-U"][0]


def test_a_fitting_fpc_can_be_set_later_and_keeps_the_policy(
    client: FlaskClient, as_admin: dict[str, str], two_strata: None
) -> None:
    fpc = {"080-U": 12, "086-R": 40}

    response = client.patch(
        f"/api/v1/rounds/{ROUND}", json={"design": {"fpc": fpc}}, headers=as_admin
    )

    assert response.status_code == 200
    assert response.json["design"] == {"lonely_psu": "adjust", "fpc": fpc}


def test_an_estimate_whose_fpc_misses_a_stratum_says_fpc_and_which_stratum(
    client: FlaskClient,
    as_enumerator: dict[str, str],
    as_planner: dict[str, str],
    make_round: Callable[[dict[str, Any]], dict[str, Any]],
) -> None:
    make_round(factories.household_round(design={"fpc": {"086-R": 40}}))  # the README's pilot
    client.post(SUBMIT, json=factories.household(), headers=as_enumerator)

    result = client.get(ESTIMATES, headers=as_planner).json["estimates"][0]["results"][0]

    assert result["reliability_reasons"] == ["fpc"]
    assert "080-U" in result["detail"]


# --- 9. a replay is acknowledged whatever the round's status -------------------------------------


def close_round(client: FlaskClient, as_admin: dict[str, str]) -> None:
    response = client.patch(f"/api/v1/rounds/{ROUND}", json={"status": "closed"}, headers=as_admin)
    assert response.json["status"] == "closed"


def test_resending_a_stored_interview_after_the_round_closed_is_acknowledged(
    client: FlaskClient,
    as_admin: dict[str, str],
    as_enumerator: dict[str, str],
    hh_round: dict[str, Any],
) -> None:
    payload = factories.household()
    client.post(SUBMIT, json=payload, headers=as_enumerator)
    close_round(client, as_admin)

    again = client.post(SUBMIT, json=payload, headers=as_enumerator)
    changed = client.post(SUBMIT, json={**payload, "enumerator_id": "x"}, headers=as_enumerator)
    batch = client.post(BATCH, json={"submissions": [payload]}, headers=as_enumerator)

    assert (again.status_code, again.json["status"]) == (200, "duplicate")
    assert_problem(changed, 409)
    assert batch.json["summary"]["duplicate"] == 1


def test_resending_a_stored_form_from_odk_collect_after_the_round_closed_is_201(
    client: FlaskClient,
    as_admin: dict[str, str],
    collector: dict[str, str],
    instance_for: Callable[..., bytes],
) -> None:
    document = instance_for(factories.household())
    assert post_to(client, collector, document).status_code == 201
    close_round(client, as_admin)

    message = assert_openrosa(post_to(client, collector, document), 201)

    assert "đã được nhận trước đó" in message


# --- 11. the smaller ones ---------------------------------------------------------------------


def test_a_null_item_is_reported_on_its_own_and_the_others_are_stored(
    client: FlaskClient, as_enumerator: dict[str, str], hh_round: dict[str, Any]
) -> None:
    items = [factories.household(), None, factories.household()]

    response = client.post(BATCH, json={"submissions": items}, headers=as_enumerator)

    assert response.status_code == 200
    assert [r["status"] for r in response.json["results"]] == ["created", "invalid", "created"]


@pytest.mark.parametrize("members", ["1_0", "٤", "４", "4.0", "0x4"])
def test_openrosa_integers_are_ascii_digits_only(
    client: FlaskClient,
    collector: dict[str, str],
    instance_for: Callable[..., bytes],
    members: str,
) -> None:
    document = instance_for(factories.household(), **{"answers/members": members})

    message = assert_openrosa(post_to(client, collector, document), 422)

    assert "answers.members" in message


def test_an_over_long_url_is_414_problem_json(client: FlaskClient) -> None:
    response = client.get("/api/v1/rounds/" + "r" * 5000)

    assert_problem(response, 414)


def test_put_on_the_rounds_collection_is_405_not_415(
    client: FlaskClient, as_admin: dict[str, str]
) -> None:
    response = client.put("/api/v1/rounds", data="x", headers=as_admin)

    assert_problem(response, 405)
    assert "POST" in response.headers["Allow"]


def test_options_answers_the_allowed_methods_without_an_html_body(client: FlaskClient) -> None:
    response = client.options("/api/v1/rounds")

    assert response.status_code == 204
    assert "html" not in (response.content_type or "")
    assert set(response.headers["Allow"].split(", ")) >= {"GET", "POST"}


def test_a_revoked_tokens_name_can_be_issued_again(
    client: FlaskClient, as_admin: dict[str, str]
) -> None:
    first = client.post(
        "/api/v1/tokens", json={"role": "enumerator", "name": "phone-7"}, headers=as_admin
    )
    client.delete(f"/api/v1/tokens/{first.json['id']}", headers=as_admin)

    second = client.post(
        "/api/v1/tokens", json={"role": "enumerator", "name": "phone-7"}, headers=as_admin
    )
    head = client.head(SUBMISSION, headers=basic("phone-7", second.json["token"]))

    assert second.status_code == 201
    assert head.status_code == 204


def test_an_active_tokens_name_is_still_unique(
    client: FlaskClient, as_admin: dict[str, str]
) -> None:
    body = {"role": "enumerator", "name": "phone-8"}
    client.post("/api/v1/tokens", json=body, headers=as_admin)

    assert_problem(client.post("/api/v1/tokens", json=body, headers=as_admin), 409)


# --- 7. Digest and Basic sign-in: malformed credentials, unknown names, forged nonces ----------
# Every malformed credential is a 401 counted by the failed-sign-in limit, never a 500; known and
# unknown user names are checked the same way; only nonces this server issued are accepted.


def fresh_challenge(client: FlaskClient) -> str:
    return digest_challenge(client.head(SUBMISSION).headers.getlist("WWW-Authenticate"))


def with_response(answer: str, response: str) -> str:
    return re.sub(r'response="[0-9a-f]+"', f'response="{response}"', answer)


@pytest.mark.parametrize("name", ["enum-digest", "nobody-here"])
def test_a_non_ascii_digest_response_is_a_401_for_known_and_unknown_names(
    client: FlaskClient, store: Store, name: str
) -> None:
    _, token = store.tokens.create("enumerator", "enum-digest")
    answer = digest_authorization(fresh_challenge(client), "HEAD", SUBMISSION, name, token)
    response = client.head(SUBMISSION, headers={"Authorization": with_response(answer, "é" * 32)})
    assert response.status_code == 401


def test_a_non_ascii_basic_user_name_is_a_401(client: FlaskClient, store: Store) -> None:
    _, token = store.tokens.create("enumerator", "enum-basic")
    pair = base64.b64encode(f"énum-basic:{token}".encode()).decode()
    response = client.head(SUBMISSION, headers={"Authorization": f"Basic {pair}"})
    assert response.status_code == 401


def test_known_and_unknown_names_are_both_checked_against_a_secret(
    client: FlaskClient, store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No early answer for an unknown name: both end in one compare_digest of equal lengths."""
    store.tokens.create("enumerator", "enum-digest")
    compared: list[tuple[int, int]] = []
    real = hmac.compare_digest

    def spy(a: Any, b: Any) -> bool:
        compared.append((len(a), len(b)))
        return real(a, b)

    monkeypatch.setattr(hmac, "compare_digest", spy)
    counts = []
    for name in ("enum-digest", "nobody-here"):
        compared.clear()
        answer = digest_authorization(fresh_challenge(client), "HEAD", SUBMISSION, name, "x")
        assert client.head(SUBMISSION, headers={"Authorization": answer}).status_code == 401
        counts.append(sorted(compared))
    assert counts[0] == counts[1]
    assert (32, 32) in counts[0]


def test_a_nonce_the_server_did_not_issue_is_refused_even_with_the_right_token(
    client: FlaskClient, store: Store
) -> None:
    _, token = store.tokens.create("enumerator", "enum-digest")
    issued = parse_dict_header(fresh_challenge(client).removeprefix("Digest "))["nonce"]
    forged = issued[:-32] + ("0" * 32 if not issued.endswith("0" * 32) else "1" * 32)
    challenge = f'Digest realm="digital-adoption-survey", nonce="{forged}"'
    answer = digest_authorization(challenge, "HEAD", SUBMISSION, "enum-digest", token)
    response = client.head(SUBMISSION, headers={"Authorization": answer})
    assert response.status_code == 401
    assert "stale=true" not in response.headers["WWW-Authenticate"]


def test_a_digest_uri_naming_another_host_is_refused(client: FlaskClient, store: Store) -> None:
    _, token = store.tokens.create("enumerator", "enum-digest")
    uri = f"https://elsewhere.example{SUBMISSION}"
    answer = digest_authorization(fresh_challenge(client), "HEAD", uri, "enum-digest", token)
    assert client.head(SUBMISSION, headers={"Authorization": answer}).status_code == 401


def test_the_right_digest_answer_is_still_accepted(client: FlaskClient, store: Store) -> None:
    _, token = store.tokens.create("enumerator", "enum-digest")
    answer = digest_authorization(fresh_challenge(client), "HEAD", SUBMISSION, "enum-digest", token)
    assert client.head(SUBMISSION, headers={"Authorization": answer}).status_code == 204


@pytest.mark.parametrize(
    "authorization",
    ["Digest", 'Digest username="é", response="ü"', "Basic !!!", "Bearer x", "Negotiate abc"],
)
def test_malformed_openrosa_credentials_count_against_the_failure_limit(
    guarded_app: Flask, authorization: str
) -> None:
    client = from_address(guarded_app, "10.0.0.71")
    headers = {"Authorization": authorization}
    statuses = [client.head(SUBMISSION, headers=headers).status_code for _ in range(FAILURES + 1)]
    assert statuses == [401] * FAILURES + [429]
