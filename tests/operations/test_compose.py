"""docker-compose.yml, the Dockerfile and the files under deploy/: the production layout of
docs/operations.md, asserted as configuration (Docker does not run here; nginx does, in
tests/operations/test_proxy.py)."""

from __future__ import annotations

import re
from typing import Any

import pytest
import yaml

from tests.support.servers import ROOT

DEPLOY = ROOT / "deploy"


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


@pytest.fixture(scope="module")
def services(compose: dict[str, Any]) -> dict[str, Any]:
    return compose["services"]


def stages(dockerfile: str) -> list[str]:
    """The Dockerfile's build stages, each from its FROM line to the next."""
    return re.split(r"(?m)^(?=FROM )", dockerfile)[1:]


def test_compose_has_the_store_the_app_the_proxy_and_the_backups(services) -> None:
    assert set(services) == {"mongo", "app", "proxy", "backup"}


def test_every_service_restarts_by_itself_and_rotates_its_logs(services) -> None:
    for name, service in services.items():
        assert service["restart"] in ("unless-stopped", "always"), name
        logging = service["logging"]
        assert logging["driver"] == "json-file", name
        assert logging["options"]["max-size"] and int(logging["options"]["max-file"]) >= 2, name


# The store


def test_mongo_uses_the_official_image(services) -> None:
    image = services["mongo"]["image"]

    assert image.split(":")[0] == "mongo"
    assert ":" in image and image.split(":")[1] != "latest"


def test_mongo_keeps_its_data_in_a_named_volume(compose, services) -> None:
    mounts = services["mongo"]["volumes"]

    named = [m.split(":")[0] for m in mounts if m.split(":")[1] == "/data/db"]
    assert named and named[0] in compose["volumes"]


def test_mongo_is_healthy_only_once_the_replica_set_has_a_primary(services) -> None:
    check = services["mongo"]["healthcheck"]
    script = (DEPLOY / "mongo" / "healthcheck.js").read_text()

    assert (
        check["test"][:2] == ["CMD", "mongosh"] and "/deploy/mongo/healthcheck.js" in check["test"]
    )
    assert "quit(db.hello().isWritablePrimary ? 0 : 1)" in script
    assert "rs.initiate(" in script and 'host: "mongo:27017"' in script
    assert check["interval"] and check["retries"] >= 1 and check["start_period"]


def test_mongo_runs_a_replica_set_with_a_keyfile_and_scram_users(services) -> None:
    start = (DEPLOY / "mongo" / "start.sh").read_text()
    users = (DEPLOY / "mongo" / "create-users.js").read_text()
    mongo = services["mongo"]

    assert "--replSet rs0" in start and "--keyFile" in start
    assert "install -m 400 -o mongodb" in start  # mongod refuses a keyfile others can read
    assert "mongo_keyfile" in mongo["secrets"]
    assert (
        mongo["environment"]["MONGO_INITDB_ROOT_PASSWORD_FILE"]
        == "/run/secrets/mongo_root_password"
    )
    assert (
        "./deploy/mongo/create-users.js:/docker-entrypoint-initdb.d/create-users.js:ro"
        in (mongo["volumes"])
    )
    assert 'user: "survey"' in users and '{ role: "readWrite", db: "digital_adoption" }' in users
    assert 'user: "backup"' in users and '["backup", "restore"]' in users


def test_no_password_or_token_is_in_any_environment(compose, services) -> None:
    for name, service in services.items():
        for variable, value in (service.get("environment") or {}).items():
            assert not re.search(r"PASSWORD$|TOKEN$|_URI$|KEY$", variable), (name, variable)
            assert "@" not in str(value), (name, variable)
            if variable.endswith("_FILE"):
                assert str(value).startswith("/run/secrets/"), (name, variable)
                assert str(value).removeprefix("/run/secrets/") in service["secrets"]
    for secret in compose["secrets"].values():
        assert secret["file"].startswith("./secrets/")
    assert "secrets/" in (ROOT / ".gitignore").read_text().split()
    assert "*" in (ROOT / ".dockerignore").read_text().split()  # nor in the image's build context


def test_make_secrets_creates_every_secret_compose_mounts(compose) -> None:
    script = (DEPLOY / "make-secrets.sh").read_text()

    for name in compose["secrets"]:
        assert re.search(rf"\b{name}\b", script), name
    assert "openssl rand" in script and "umask 077" in script


# The app


def test_app_is_built_from_the_dockerfile_that_runs_gunicorn_with_the_shared_settings(
    services,
) -> None:
    assert services["app"]["build"] == "."
    command = (ROOT / "Dockerfile").read_text().split("CMD", 1)[1]

    assert "gunicorn" in command and "service/gunicorn_conf.py" in command
    assert "service.wsgi:app" in command


def test_the_image_is_multi_stage_without_the_embedded_store_or_dev_tools() -> None:
    dockerfile = (ROOT / "Dockerfile").read_text()
    build, final = stages(dockerfile)
    production = (ROOT / "requirements-production.txt").read_text()

    assert "requirements-production.txt" in build
    assert "COPY --from=build /venv /venv" in final
    assert "pip install" not in final and "requirements" not in final
    assert "USER nobody" in final
    assert "nx-27017" not in production
    assert not re.search(r"(?m)^(-r|pytest|ruff|selenium|hypothesis|mutmut)", production)
    assert "-r requirements-production.txt" in (ROOT / "requirements.txt").read_text()


def test_app_starts_after_mongo_is_healthy(services) -> None:
    assert services["app"]["depends_on"]["mongo"]["condition"] == "service_healthy"


def test_app_reads_its_store_address_and_tokens_from_secret_files(services) -> None:
    environment = services["app"]["environment"]

    assert environment["MONGODB_URI_FILE"] == "/run/secrets/mongodb_uri"
    assert environment["SURVEY_ADMIN_TOKEN_FILE"] == "/run/secrets/survey_admin_token"
    assert environment["SURVEY_METRICS_TOKEN_FILE"] == "/run/secrets/survey_metrics_token"
    uri_line = next(
        line
        for line in (DEPLOY / "make-secrets.sh").read_text().splitlines()
        if "mongodb://" in line
    )
    assert "@mongo:27017/" in uri_line and "replicaSet=rs0" in uri_line


def test_app_counts_rate_limits_in_the_store_for_all_workers(services) -> None:
    assert services["app"]["environment"]["SURVEY_RATE_LIMIT_STORAGE"] == "store"


def test_app_probes_readiness(services) -> None:
    assert "/readyz" in " ".join(services["app"]["healthcheck"]["test"])


# The proxy


def test_only_the_tls_proxy_is_published(services) -> None:
    assert "ports" not in services["app"] and "ports" not in services["mongo"]
    assert services["proxy"]["ports"] == ["443:8443", "80:8080"]
    assert services["app"]["environment"]["SURVEY_TRUSTED_PROXIES"] == "1"
    assert set(services["proxy"]["secrets"]) == {"tls_certificate", "tls_certificate_key"}
    assert "./deploy/nginx.conf:/etc/nginx/nginx.conf:ro" in services["proxy"]["volumes"]


def test_the_proxy_terminates_tls_passes_the_scheme_and_buffers_requests() -> None:
    config = (DEPLOY / "nginx.conf").read_text()

    for directive in (
        "listen 8443 ssl;",
        "ssl_certificate /run/secrets/tls_certificate;",
        "ssl_certificate_key /run/secrets/tls_certificate_key;",
        "proxy_set_header X-Forwarded-Proto $scheme;",
        "proxy_set_header X-Forwarded-For $remote_addr;",
        "proxy_request_buffering on;",
        "client_header_timeout",
        "return 308 https://$host$request_uri;",
    ):
        assert directive in config, directive
    assert re.search(r"location = /metrics \{\s*deny all;\s*\}", config)


# The backups


def test_backups_are_scheduled_with_mongodump_and_retention(services) -> None:
    backup = services["backup"]
    script = (DEPLOY / "mongo" / "backup.sh").read_text()

    assert backup["image"] == services["mongo"]["image"]  # its mongodump matches the server
    assert backup["depends_on"]["mongo"]["condition"] == "service_healthy"
    assert int(backup["environment"]["BACKUP_INTERVAL_SECONDS"]) > 0
    assert int(backup["environment"]["BACKUP_KEEP_DAYS"]) > 0
    assert "mongodump" in script and "--oplog" in script and "--archive" in script
    assert '-mtime "+$keep_days" -delete' in script
    assert "--password" not in script  # in a private config file, not on the command line
    assert backup["secrets"] == ["mongo_backup_password"]
