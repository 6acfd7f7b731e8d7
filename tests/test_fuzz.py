"""Fuzzing every documented operation (schemathesis over /openapi.json) with real tokens.

Each operation gets FUZZ_EXAMPLES generated requests per role and per kind of data (valid by the
schema, and deliberately invalid), against the WSGI app on a real embedded store, both with
generated path ids and with the ids of real rounds. No response may be a 5xx, every error must be
application/problem+json, and documented responses must match their schema.
`make fuzz` runs 500 examples per operation; the default keeps `make test` quick.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from flask import Flask
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from service import create_app
from service.store import Store
from tests import factories
from tests.conftest import bearer
from tests.servers import EmbeddedStore

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "8"))
ROLES = ("admin", "planner", "enumerator")
KNOWN_ROUNDS = {"household": "hh-fuzz", "business": "biz-fuzz"}
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
            }
        )
        store: Store = app.extensions["store"]
        app.config["FUZZ_TOKENS"] = {
            role: store.tokens.create(role, f"fuzz-{role}")[1] for role in ROLES
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
