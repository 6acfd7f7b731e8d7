"""docker-compose.yml: the production layout of docs/design.md §2 (mongo + gunicorn app)."""

from __future__ import annotations

from typing import Any

import pytest
import yaml

from tests.servers import ROOT


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def test_compose_has_exactly_the_mongo_app_and_proxy_services(compose: dict[str, Any]) -> None:
    assert set(compose["services"]) == {"mongo", "app", "proxy"}


def test_every_service_restarts_by_itself(compose: dict[str, Any]) -> None:
    for name, service in compose["services"].items():
        assert service["restart"] in ("unless-stopped", "always"), name


def test_only_the_buffering_proxy_is_published(compose: dict[str, Any]) -> None:
    assert "ports" not in compose["services"]["app"]
    assert compose["services"]["proxy"]["ports"] == ["127.0.0.1:8000:8080"]
    config = (ROOT / "deploy" / "nginx.conf").read_text()
    for directive in ("proxy_request_buffering on", "client_header_timeout", "X-Forwarded-For"):
        assert directive in config
    assert compose["services"]["app"]["environment"]["SURVEY_TRUSTED_PROXIES"] == "1"


def test_the_image_runs_gunicorn_with_the_shared_settings() -> None:
    command = (ROOT / "Dockerfile").read_text().split("CMD", 1)[1]
    assert "service/gunicorn_conf.py" in command


def test_mongo_uses_the_official_image(compose: dict[str, Any]) -> None:
    image = compose["services"]["mongo"]["image"]

    assert image.split(":")[0] == "mongo"
    assert ":" in image and image.split(":")[1] != "latest"


def test_mongo_keeps_its_data_in_a_named_volume(compose: dict[str, Any]) -> None:
    mounts = compose["services"]["mongo"]["volumes"]

    named = [m.split(":")[0] for m in mounts if m.split(":")[1] == "/data/db"]
    assert named and named[0] in compose["volumes"]


def test_mongo_has_a_healthcheck_that_asks_mongo(compose: dict[str, Any]) -> None:
    check = compose["services"]["mongo"]["healthcheck"]

    assert "mongosh" in " ".join(check["test"])
    assert check["interval"] and check["retries"] >= 1


def test_app_is_built_from_the_dockerfile_that_runs_gunicorn(compose: dict[str, Any]) -> None:
    assert compose["services"]["app"]["build"] == "."
    dockerfile = (ROOT / "Dockerfile").read_text()

    assert "gunicorn" in dockerfile.split("CMD", 1)[1]
    assert "service.wsgi:app" in dockerfile or "service:create_app()" in dockerfile


def test_app_starts_after_mongo_is_healthy(compose: dict[str, Any]) -> None:
    assert compose["services"]["app"]["depends_on"]["mongo"]["condition"] == "service_healthy"


def test_app_mongodb_uri_points_at_the_mongo_service(compose: dict[str, Any]) -> None:
    uri = compose["services"]["app"]["environment"]["MONGODB_URI"]

    assert uri.startswith("mongodb://mongo:27017")


def test_app_probes_readiness(compose: dict[str, Any]) -> None:
    assert "/readyz" in " ".join(compose["services"]["app"]["healthcheck"]["test"])
