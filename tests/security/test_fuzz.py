"""Fuzzing every documented operation (schemathesis over /openapi.json) with real tokens.

Each operation gets FUZZ_EXAMPLES generated requests per role and per kind of data (valid by the
schema, and deliberately invalid), against the WSGI app on a real embedded store, both with
generated path ids and with the ids of real rounds. No response may be a 5xx, every error must be
application/problem+json, and documented responses must match their schema.
`make fuzz` runs 500 examples per operation; the default keeps `make test` quick.
"""

from __future__ import annotations

import base64
import json
import os
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from flask import Flask
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from service import create_app
from service.store import Store
from tests.support import factories
from tests.support.apps import bearer
from tests.support.servers import EmbeddedStore

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "8"))
ROLES = ("admin", "planner", "enumerator")
FUZZ_NAMES = {"enumerator": "enum-01"}  # the assignee of A-001 in factories.small_sample()
KNOWN_ROUNDS = {"household": "hh-fuzz", "business": "biz-fuzz", "sample": "hh-fuzz-sample"}
KNOWN_SERIES = "hh-fuzz-series"  # the household round and a later one
PROBLEM_FIELDS = {"type", "title", "status", "detail"}


@pytest.fixture(scope="module")
def fuzz_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    """The app on its own store, with one open round per instrument holding a submission."""
    with EmbeddedStore(tmp_path_factory.mktemp("fuzz-store")) as server:
        app = create_app(
            {
                "MONGODB_URI": server.uri,
                "SURVEY_DB": "fuzz",
                "TESTING": True,
                "SURVEY_RATE_LIMIT": "1000000/minute",
                "SURVEY_AUTH_FAILURE_LIMIT": "1000000/minute",
            }
        )
        store: Store = app.extensions["store"]
        app.config["FUZZ_TOKENS"] = {
            role: store.tokens.create(role, FUZZ_NAMES.get(role, f"fuzz-{role}"))[1]
            for role in ROLES
        }
        admin = app.test_client()
        headers = bearer(app.config["FUZZ_TOKENS"]["admin"])
        enumerator = bearer(app.config["FUZZ_TOKENS"]["enumerator"])
        for round_body, payload in (
            (
                factories.household_round(KNOWN_ROUNDS["household"], series=KNOWN_SERIES),
                factories.household(),
            ),
            (
                factories.household_round("hh-fuzz-next", series=KNOWN_SERIES),
                factories.household(),
            ),
            (factories.business_round(KNOWN_ROUNDS["business"]), factories.business()),
        ):
            assert admin.post("/api/v1/rounds", json=round_body, headers=headers).status_code == 201
            url = f"/api/v1/rounds/{round_body['id']}/submissions"
            assert admin.post(url, json=payload, headers=enumerator).status_code == 201
        sampled = f"/api/v1/rounds/{KNOWN_ROUNDS['sample']}"  # a round with a sample (§8)
        body = factories.household_round(KNOWN_ROUNDS["sample"])
        assert admin.post("/api/v1/rounds", json=body, headers=headers).status_code == 201
        rows = {"assignments": factories.small_sample()}
        assert admin.put(f"{sampled}/sample", json=rows, headers=headers).status_code == 200
        visit = factories.visit("A-001")
        assert (
            admin.post(f"{sampled}/submissions", json=visit, headers=enumerator).status_code == 201
        )
        yield app
        store.close()


@pytest.fixture(scope="module")
def fuzz_schema(fuzz_app: Flask) -> schemathesis.BaseSchema:
    return schemathesis.openapi.from_wsgi("/openapi.json", fuzz_app)


def errors_are_problem_json(ctx: Any, response: schemathesis.Response, case: Any) -> bool | None:
    """Every 4xx/5xx is RFC 9457 application/problem+json carrying its own status."""
    if response.status_code < 400:
        return None
    content_type = response.headers.get("content-type", [""])[0]
    assert content_type.startswith("application/problem+json"), (
        f"{response.status_code} answered as {content_type!r}"
    )
    body = response.json()
    assert set(body) >= PROBLEM_FIELDS, f"problem without {PROBLEM_FIELDS - set(body)}"
    assert body["status"] == response.status_code
    return True


CHECKS = [not_a_server_error, response_schema_conformance, errors_are_problem_json]


def fuzz_operation(
    operation: Any, token: str, mode: GenerationMode, path_parameters: dict[str, str] | None
) -> list[str]:
    """Run the examples of one operation; return a description of every failing request."""
    failures: list[str] = []
    strategy = operation.as_strategy(generation_mode=mode, path_parameters=path_parameters)

    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        derandomize="FUZZ_EXAMPLES" not in os.environ,
        suppress_health_check=list(HealthCheck),
    )
    @given(case=strategy)
    def run(case: Any) -> None:
        response = case.call(headers=bearer(token))
        try:
            case.validate_response(response, checks=CHECKS)
        except AssertionError as exc:  # keep going: report every operation that fails
            failures.append(f"{case.as_curl_command()}\n    -> {str(exc).splitlines()[0]}")

    try:
        run()
    except Unsatisfiable:  # nothing to make invalid: no parameters and no body
        assert mode is GenerationMode.NEGATIVE
    return failures


def path_choices(operation: Any) -> list[dict[str, str] | None]:
    """Generated ids, and for round and series operations the real ones too (so the handlers
    run)."""
    if "{series}" in operation.path:
        return [None, {"series": KNOWN_SERIES}]
    if "{round_id}" not in operation.path:
        return [None]
    return [None, *({"round_id": round_id} for round_id in KNOWN_ROUNDS.values())]


@pytest.mark.parametrize(
    ("role", "mode"),
    [
        ("admin", GenerationMode.POSITIVE),
        ("admin", GenerationMode.NEGATIVE),
        ("planner", GenerationMode.POSITIVE),
        ("enumerator", GenerationMode.POSITIVE),
        ("enumerator", GenerationMode.NEGATIVE),
    ],
    ids=["admin-valid", "admin-invalid", "planner-valid", "enumerator-valid", "enumerator-invalid"],
)
def test_no_operation_answers_5xx_or_a_non_problem_error(
    fuzz_app: Flask, fuzz_schema: schemathesis.BaseSchema, role: str, mode: GenerationMode
) -> None:
    token = fuzz_app.config["FUZZ_TOKENS"][role]
    failures: list[str] = []
    operations = [result.ok() for result in fuzz_schema.get_all_operations()]
    assert len(operations) >= 12
    for operation in operations:
        for path_parameters in path_choices(operation):
            failures += fuzz_operation(operation, token, mode, path_parameters)
    assert not failures, f"{len(failures)} failing requests:\n" + "\n".join(failures[:20])


# --- Issue 17: the texts, dates and digits that used to reach a library unchecked ---------------

HOSTILE_VALUES: list[Any] = [
    "${y}",
    "Lào ${x} Cai",
    "${}",
    "0001-01-01T00:00:00+01:00",
    "9999-12-31T23:59:59-01:00",
    "0001-01-01",
    "9999-12-31",
    "٤",
    "１２",
    "1_0",
    "𝟜",
    "x" * 5000,
    "",
    None,
    -1,
    0,
    10**30,
    1e308,
    True,
    [],
    {},
]


def leaves(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    if isinstance(value, dict) and value:
        return [path for key, item in value.items() for path in leaves(item, (*prefix, key))]
    return [prefix]


def replaced(body: dict[str, Any], path: tuple[Any, ...], value: Any) -> dict[str, Any]:
    copy = json.loads(json.dumps(body))
    node = copy
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value
    return copy


def hostile_bodies() -> list[tuple[str, str, str, dict[str, Any]]]:
    """(role, method, url, valid body) for every operation that takes a JSON body."""
    round_body = factories.household_round(
        "fuzz-hostile",
        design={"lonely_psu": "adjust", "fpc": {"080-U": 40}},
        frame={
            "districts": {"080": "Lào Cai"},
            "communes": {"02641": {"district": "080", "name": "Cốc Lếu"}},
        },
        targets={"fiber_available": 0.8},
    )
    household = KNOWN_ROUNDS["household"]
    return [
        ("admin", "POST", "/api/v1/rounds", round_body),
        ("admin", "PATCH", f"/api/v1/rounds/{household}", {"title": "T", "design": {"fpc": None}}),
        ("admin", "POST", "/api/v1/tokens", {"role": "planner", "name": "fuzz-p"}),
        ("enumerator", "POST", f"/api/v1/rounds/{household}/submissions", factories.household()),
        (
            "enumerator",
            "POST",
            f"/api/v1/rounds/{household}/submissions/batch",
            {"submissions": [factories.household(), factories.household()]},
        ),
    ]


@pytest.mark.parametrize(
    ("role", "method", "url", "body"), hostile_bodies(), ids=lambda v: str(v)[:40]
)
def test_hostile_texts_dates_and_digits_in_any_field_never_answer_5xx(
    fuzz_app: Flask, role: str, method: str, url: str, body: dict[str, Any]
) -> None:
    client = fuzz_app.test_client()
    headers = bearer(fuzz_app.config["FUZZ_TOKENS"][role])
    paths = leaves(body)
    if "submissions" in body:  # inside the first item of a batch
        paths = [("submissions", 0, *path) for path in leaves(factories.household())]

    @settings(max_examples=EXAMPLES * 6, deadline=None, database=None, derandomize=True)
    @given(path=st.sampled_from(paths), value=st.sampled_from(HOSTILE_VALUES))
    def run(path: tuple[Any, ...], value: Any) -> None:
        fresh = {**body, "id": f"h-{uuid.uuid4().hex[:8]}"} if "id" in body else body
        name = {"name": f"h-{uuid.uuid4().hex[:8]}"} if "name" in body else {}
        response = client.open(
            url, method=method, json=replaced({**fresh, **name}, path, value), headers=headers
        )
        assert response.status_code < 500, (path, value, response.get_data(as_text=True)[:300])
        if response.status_code >= 400:
            assert response.mimetype == "application/problem+json"

    run()
    admin = fuzz_app.config["FUZZ_TOKENS"]["admin"]
    collect = {
        "Authorization": "Basic " + base64.b64encode(f"fuzz-admin:{admin}".encode()).decode()
    }
    assert client.get("/openrosa/formList", headers=collect).status_code == 200
    for round_id in KNOWN_ROUNDS.values():
        estimates = client.get(f"/api/v1/rounds/{round_id}/estimates", headers=bearer(admin))
        assert estimates.status_code == 200
