"""Storage: the only package that imports pymongo. Same code for nx-27017 and a real mongod."""

from __future__ import annotations

from typing import Any

from flask import Flask, current_app
from pymongo import MongoClient
from pymongo.errors import ConnectionFailure, ExecutionTimeout, ServerSelectionTimeoutError
from pymongo.write_concern import WriteConcern

from service.store.audit import AuditLog
from service.store.cells import Cells
from service.store.errors import StoreBusy
from service.store.groupings import Groupings
from service.store.rounds import Rounds
from service.store.samples import Assignments
from service.store.submissions import Submissions
from service.store.tokens import Tokens
from service.store.versions import Versions

# Raised by pymongo when the store cannot be reached; the error handler turns these into 503.
UNAVAILABLE_ERRORS: tuple[type[Exception], ...] = (
    ConnectionFailure,
    ServerSelectionTimeoutError,
    ExecutionTimeout,
    StoreBusy,
)


def write_concern_of(setting: str) -> WriteConcern:
    """`majority` (or a tag): acknowledged by a majority and journaled. A number `n`: acknowledged
    by n members with the server's default journaling (nx-27017: SQLite WAL with
    synchronous=NORMAL, which survives a crash of the store process, not of the machine)."""
    if setting.isdigit():
        return WriteConcern(w=int(setting))
    return WriteConcern(w=setting, j=True)


class Store:
    """One client per process and the collections the service uses."""

    def __init__(
        self,
        uri: str,
        database: str,
        *,
        write_concern: str = "majority",
        timeout_ms: int = 2000,
        event_listeners: list[Any] | None = None,
    ) -> None:
        self.client: MongoClient[dict[str, Any]] = MongoClient(
            uri,
            serverSelectionTimeoutMS=timeout_ms,
            connectTimeoutMS=timeout_ms,
            socketTimeoutMS=max(timeout_ms * 15, 30000),
            tz_aware=True,
            appname="digital-adoption-survey",
            event_listeners=event_listeners or [],
        )
        self.db = self.client.get_database(database, write_concern=write_concern_of(write_concern))
        self.tokens = Tokens(self.db["tokens"])
        self.rounds = Rounds(self.db["rounds"])
        self.submissions = Submissions(self.db["submissions"])
        self.audit = AuditLog(self.db["audit"])
        self.versions = Versions(self.db["versions"])
        self.assignments = Assignments(self.db["assignments"])
        self.cells = Cells(self.db["cells"])
        self.groupings = Groupings(self.db["groupings"])

    def ensure_indexes(self) -> None:
        self.tokens.ensure_indexes()
        self.submissions.ensure_indexes()
        self.audit.ensure_indexes()
        self.versions.ensure_indexes()
        self.assignments.ensure_indexes()
        self.cells.ensure_indexes()

    def ping(self) -> None:
        self.client.admin.command("ping")

    def close(self) -> None:
        self.client.close()


def init_app(app: Flask) -> None:
    """Create the process's store client from the app's config."""
    uri = app.config.get("MONGODB_URI")
    if not uri:
        raise RuntimeError(
            "MONGODB_URI is not set: start with `make run` / `python -m service serve`, "
            "which starts the embedded store, or point MONGODB_URI at a mongod"
        )
    store = Store(
        uri,
        app.config["SURVEY_DB"],
        write_concern=app.config["SURVEY_WRITE_CONCERN"],
        timeout_ms=app.config["SURVEY_STORE_TIMEOUT_MS"],
        event_listeners=app.config.get("STORE_EVENT_LISTENERS"),  # tests count round trips
    )
    app.extensions["store"] = store
    try:
        store.ensure_indexes()
        if app.config.get("SURVEY_ADMIN_TOKEN"):
            store.tokens.bootstrap_admin(app.config["SURVEY_ADMIN_TOKEN"])
    except UNAVAILABLE_ERRORS:
        app.logger.warning("store unreachable at start; indexes will be created on next start")


def get_store() -> Store:
    return current_app.extensions["store"]
