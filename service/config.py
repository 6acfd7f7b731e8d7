"""Configuration: defaults in a class, overridden by the environment, then by tests."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

# Every gunicorn that serves the app loads it (`gunicorn -c`): see the file.
GUNICORN_CONFIG = Path(__file__).with_name("gunicorn_conf.py")


class Config:
    """Defaults; every name here may be overridden by an environment variable of the same name."""

    MONGODB_URI: str | None = None
    SURVEY_DB: str = "digital_adoption"
    SURVEY_DATA_DIR: str = "./var"
    SURVEY_ADMIN_TOKEN: str | None = None
    SURVEY_MAX_BODY: int = 5 * 1024 * 1024
    SURVEY_LOG_LEVEL: str = "INFO"
    # Production talks to a replica set: acknowledged by a majority, journaled.
    SURVEY_WRITE_CONCERN: str = "majority"
    SURVEY_STORE_TIMEOUT_MS: int = 2000
    SURVEY_RATE_LIMIT: str = "600/minute"
    # Where rate-limit counters live: `store` (the service's MongoDB, shared by every worker), or a
    # `limits` storage URI (default: memory, per worker). service/store/rate_counters.py
    SURVEY_RATE_LIMIT_STORAGE: str = "memory://"
    # Submissions stored at once per worker; more wait their turn (service/admission.py).
    SURVEY_INGEST_CONCURRENCY: int = 4
    # Of those, at most this many for one token: one client cannot starve the others.
    SURVEY_INGEST_PER_TOKEN: int = 1
    # Memory for computed estimates, per worker (service/estimates/cache.py).
    SURVEY_ESTIMATE_CACHE_MB: int = 32
    # Wrong credentials per client address before 429 (service/observability/auth_failures.py).
    SURVEY_AUTH_FAILURE_LIMIT: str = "30/minute"
    # Reverse proxies in front that set X-Forwarded-For (docker-compose.yml: nginx, so 1).
    SURVEY_TRUSTED_PROXIES: int = 0
    # The bearer token a Prometheus scrape of /metrics presents; unset: loopback callers only.
    SURVEY_METRICS_TOKEN: str | None = None
    # Set by `python -m service serve` when it watches the embedded store (service/store_state.py).
    SURVEY_STORE_STATE: str | None = None
    # Tests only: a worker kills itself before this submission's cells (service/cells/writes.py).
    SURVEY_FAULT_KILL_BEFORE_CELLS: str | None = None

    API_TITLE = "Digital-adoption survey service"
    API_VERSION = "v1"
    OPENAPI_VERSION = "3.0.3"
    OPENAPI_URL_PREFIX = "/"
    OPENAPI_JSON_PATH = "openapi.json"


_INT_SETTINGS = {
    "SURVEY_MAX_BODY",
    "SURVEY_STORE_TIMEOUT_MS",
    "SURVEY_TRUSTED_PROXIES",
    "SURVEY_ESTIMATE_CACHE_MB",
    "SURVEY_INGEST_CONCURRENCY",
    "SURVEY_INGEST_PER_TOKEN",
}


def current_settings() -> dict[str, Any]:
    """The defaults of `Config` overridden by the environment (for the CLI, outside an app)."""
    return {**vars(Config), **settings_from_environment()}


def settings_from_environment(environ: Mapping[str, str] | None = None) -> dict[str, Any]:
    """Read every `Config` name that is set in the environment, typed like its default.

    `NAME_FILE` names a file holding the value (Docker secrets under /run/secrets): passwords and
    tokens then never appear in the environment, where `docker inspect` and /proc would show them.
    """
    environ = os.environ if environ is None else environ
    found: dict[str, Any] = {}
    for name in dir(Config):
        if not name.isupper():
            continue
        value: Any = environ.get(name, "")
        if environ.get(name + "_FILE"):
            value = Path(environ[name + "_FILE"]).read_text(encoding="utf-8").strip()
        if value != "":
            found[name] = int(value) if name in _INT_SETTINGS else value
    return found
