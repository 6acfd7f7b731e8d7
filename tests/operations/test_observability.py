"""Observability: request ids, structured JSON logs without secrets, Prometheus /metrics."""

from __future__ import annotations

import json
import logging
import re
import uuid
from collections.abc import Callable
from typing import Any

import pytest
import requests
from flask.testing import FlaskClient
from prometheus_client import REGISTRY

from service.caching import ByteBoundedCache
from service.observability.log_format import JsonFormatter
from tests.support import factories
from tests.support.apps import bearer
from tests.support.servers import GunicornServer

SAMPLE = re.compile(r"^[a-z_]+(\{[^}]*\})? [0-9.e+-]+$")


def metric_lines(text: str, name: str) -> list[str]:
    return [line for line in text.splitlines() if line.startswith(name + "{")]


def counted(name: str, **labels: str) -> float:
    """This process's count (the Flask test client runs the app in the test process)."""
    return REGISTRY.get_sample_value(name, labels) or 0.0


def test_a_generated_request_id_is_returned(client: FlaskClient) -> None:
    response = client.get("/healthz")
    assert re.fullmatch(r"[0-9a-f]{32}", response.headers["X-Request-ID"])


def test_a_sane_incoming_request_id_is_kept(client: FlaskClient) -> None:
    response = client.get("/healthz", headers={"X-Request-ID": "phone-42:retry.3"})
    assert response.headers["X-Request-ID"] == "phone-42:retry.3"


@pytest.mark.parametrize("hostile", ["short", "x" * 200, "id with spaces", 'a"}{"level":"x"}'])
def test_an_insane_incoming_request_id_is_replaced(client: FlaskClient, hostile: str) -> None:
    response = client.get("/healthz", headers={"X-Request-ID": hostile})
    assert response.headers["X-Request-ID"] != hostile
    assert re.fullmatch(r"[0-9a-f]{32}", response.headers["X-Request-ID"])


def test_errors_carry_a_request_id_too(client: FlaskClient) -> None:
    response = client.get("/api/v1/rounds")
    assert response.status_code == 401
    assert response.headers["X-Request-ID"]


def test_log_records_are_single_line_json_with_the_request_id() -> None:
    record = logging.LogRecord("service", logging.WARNING, __file__, 1, "store %s", ("down",), None)
    record.request_id = "abc12345"
    line = JsonFormatter().format(record)
    assert "\n" not in line
    assert json.loads(line) | {"time": None} == {
        "time": None,
        "level": "WARNING",
        "logger": "service",
        "message": "store down",
        "request_id": "abc12345",
    }


def test_logged_exceptions_name_the_type_and_frames_but_not_the_message() -> None:
    try:
        raise ValueError("members_15plus_with_epay=3 for household 42")
    except ValueError:
        import sys

        record = logging.LogRecord(
            "service", logging.ERROR, __file__, 1, "unhandled error", (), sys.exc_info()
        )
    entry = json.loads(JsonFormatter().format(record))
    assert entry["exception"] == "ValueError"
    assert entry["frames"]
    assert "household 42" not in json.dumps(entry)


def test_metrics_are_prometheus_text_without_a_pid_label(client: FlaskClient) -> None:
    client.get("/healthz")
    response = client.get("/metrics")
    assert response.status_code == 200
    assert response.content_type.startswith("text/plain; version=0.0.4")
    body = response.get_data(as_text=True)
    assert "# TYPE survey_http_requests_total counter" in body
    assert "# TYPE survey_http_request_duration_seconds histogram" in body
    samples = [line for line in body.splitlines() if line and not line.startswith("#")]
    assert samples and all(SAMPLE.match(line) for line in samples), samples[:3]
    assert not any('pid="' in line for line in samples)
    assert any(
        'route="/healthz"' in line and 'status="200"' in line
        for line in metric_lines(body, "survey_http_requests_total")
    )


def test_metrics_count_submissions_by_outcome_and_reason(
    client: FlaskClient, as_enumerator: dict[str, str], make_round
) -> None:
    make_round(factories.household_round())
    name = "survey_submissions_total"
    before = {
        status: counted(name, status=status, reason="none") for status in ("created", "duplicate")
    }
    invalid_before = counted(name, status="invalid", reason="validation")
    payload = factories.household()
    url = "/api/v1/rounds/hh-test/submissions"
    client.post(url, json=payload, headers=as_enumerator)
    client.post(url, json=payload, headers=as_enumerator)
    client.post(url, json=factories.household(members=0), headers=as_enumerator)
    assert counted(name, status="created", reason="none") == before["created"] + 1
    assert counted(name, status="duplicate", reason="none") == before["duplicate"] + 1
    assert counted(name, status="invalid", reason="validation") == invalid_before + 1
    body = client.get("/metrics").get_data(as_text=True)
    assert any(
        'status="invalid"' in line and 'reason="validation"' in line
        for line in metric_lines(body, "survey_submissions_total")
    )


def test_metrics_count_each_caches_hits_misses_and_bytes_held(client: FlaskClient) -> None:
    before = counted("survey_cache_total", cache="test", result="hit")
    cache = ByteBoundedCache("test", max_bytes=1000, size_of=len)

    cache.get_or_load("k", lambda: "x" * 100)
    cache.get_or_load("k", lambda: "recomputed")

    assert counted("survey_cache_total", cache="test", result="hit") == before + 1
    assert counted("survey_cache_bytes", cache="test") >= 100
    body = client.get("/metrics").get_data(as_text=True)
    assert any('cache="test"' in line for line in metric_lines(body, "survey_cache_total"))
    cache.clear()
    assert counted("survey_cache_bytes", cache="test") == 0


def test_estimates_answered_twice_are_computed_once(
    client: FlaskClient, as_planner: dict[str, str], make_round: Callable[..., Any]
) -> None:
    """The first answer computes (its table, and the tables its withholding is audited
    against: misses); the same question again comes from the cache (hits, no miss)."""
    round_id = make_round(factories.household_round(f"hh-{uuid.uuid4().hex[:8]}"))["id"]
    misses = counted("survey_cache_total", cache="estimates", result="miss")
    url = f"/api/v1/rounds/{round_id}/estimates"

    assert client.get(url, headers=as_planner).status_code == 200
    after_first = counted("survey_cache_total", cache="estimates", result="miss")
    hits = counted("survey_cache_total", cache="estimates", result="hit")
    assert client.get(url, headers=as_planner).status_code == 200

    assert after_first > misses
    assert counted("survey_cache_total", cache="estimates", result="miss") == after_first
    assert counted("survey_cache_total", cache="estimates", result="hit") > hits


def test_gunicorn_logs_are_json_with_request_ids_and_no_tokens_or_answers(
    live_server: GunicornServer,
) -> None:
    """Real workers, real log output: every app line is JSON; secrets and answers never appear."""
    admin = bearer(live_server.admin_token)
    issued = requests.post(
        f"{live_server.url}/api/v1/tokens",
        headers=admin,
        timeout=10,
        json={"role": "enumerator", "name": f"log-{uuid.uuid4().hex[:6]}"},
    )
    enumerator_token = issued.json()["token"]
    round_id = f"log-{uuid.uuid4().hex[:8]}"
    requests.post(
        f"{live_server.url}/api/v1/rounds",
        headers=admin,
        timeout=10,
        json=factories.household_round(round_id),
    )
    marker_village = "Bản-Secret-Village-7431"
    payload = factories.household()
    payload["location"]["village"] = marker_village
    sent = requests.post(
        f"{live_server.url}/api/v1/rounds/{round_id}/submissions",
        json=payload,
        headers={**bearer(enumerator_token), "X-Request-ID": "log-check-0001"},
        timeout=10,
    )
    assert sent.status_code == 201
    requests.get(
        f"{live_server.url}/api/v1/rounds", headers=bearer("not-a-real-token-xyz"), timeout=10
    )
    log = live_server.log_path.read_text(errors="replace")
    app_lines = [json.loads(line) for line in log.splitlines() if line.startswith("{")]
    access = [e for e in app_lines if e["logger"] == "service.access"]
    assert any(e["request_id"] == "log-check-0001" and e["status"] == 201 for e in access)
    for secret in (
        live_server.admin_token,
        enumerator_token,
        "not-a-real-token-xyz",
        marker_village,
        payload["submission_id"],
        "Bearer",
    ):
        assert secret not in log


def test_metrics_answer_only_callers_on_this_host_without_a_metrics_token(
    client: FlaskClient,
) -> None:
    assert client.get("/metrics").status_code == 200
    remote = client.get("/metrics", environ_base={"REMOTE_ADDR": "203.0.113.9"})

    assert remote.status_code == 403
    assert remote.mimetype == "application/problem+json"


def test_metrics_need_the_metrics_token_when_one_is_set(app, client: FlaskClient) -> None:
    app.config["SURVEY_METRICS_TOKEN"] = "scrape-secret-0123456789"
    remote = {"REMOTE_ADDR": "203.0.113.9"}

    assert client.get("/metrics").status_code == 401
    assert client.get("/metrics", headers=bearer("wrong"), environ_base=remote).status_code == 401
    scraped = client.get(
        "/metrics", headers=bearer("scrape-secret-0123456789"), environ_base=remote
    )
    assert scraped.status_code == 200
    assert "survey_http_requests_total" in scraped.get_data(as_text=True)
