"""Storage: the only package that imports pymongo. Same code for nx-27017 and a real mongod."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any

from flask import Flask, current_app
from pymongo import MongoClient
from pymongo.errors import (
    ConnectionFailure,
    ExecutionTimeout,
    PyMongoError,
    ServerSelectionTimeoutError,
)
from pymongo.write_concern import WriteConcern

from service.store.audit import AuditLog
from service.store.auxiliary import Auxiliary
from service.store.cells import Cells
from service.store.errors import StoreBusy
from service.store.groupings import Groupings
from service.store.keys import ServerKeys
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
# Seconds between attempts at the indexes while the store is not ready (doubling up to the cap).
INDEX_RETRY_SECONDS = (0.5, 10.0)


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
        self.auxiliary = Auxiliary(self.db["auxiliary"])
        self.keys = ServerKeys(self.db["server_keys"])
        # Set once every index exists: until then /readyz answers 503 (a unique index missing
        # would let a retry store a duplicate).
        self.indexes_ready = threading.Event()
        self._closed = threading.Event()
        self.groupings = Groupings(self.db["groupings"])
        # The layers above keep their per-client state here, in the object callers pass around
        # rather than in module globals: what this process derived from this store's data
        # (service/caching.py), the cells' marks owed while the store was away.
        self.extensions: dict[str, Any] = {}

    def ensure_indexes(self) -> None:
        self.tokens.ensure_indexes()
        self.submissions.ensure_indexes()
        self.audit.ensure_indexes()
        self.versions.ensure_indexes()
        self.assignments.ensure_indexes()
        self.cells.ensure_indexes()
        self.auxiliary.ensure_indexes()
        self.indexes_ready.set()

    def prepare(self, then: Callable[[Store], Any], log: logging.Logger) -> None:
        """Create the indexes and run `then` (the first admin token) now, or, when the store is
        not ready yet (still electing a primary, users not created, unreachable), in a background
        thread that retries until it succeeds or the store is closed."""
        if self._prepare_once(then, log):
            return
        threading.Thread(
            target=self._prepare_until_done, args=(then, log), name="store-indexes", daemon=True
        ).start()

    def _prepare_once(self, then: Callable[[Store], Any], log: logging.Logger) -> bool:
        try:
            self.ensure_indexes()
            then(self)
        except PyMongoError as exc:
            log.warning("store not ready for its indexes yet (%s); retrying", type(exc).__name__)
            return False
        return True

    def _prepare_until_done(self, then: Callable[[Store], Any], log: logging.Logger) -> None:
        wait, cap = INDEX_RETRY_SECONDS
        while not self._closed.wait(wait):
            if self._prepare_once(then, log):
                log.info("store indexes created")
                return
            wait = min(wait * 2, cap)

    def ping(self) -> None:
        self.client.admin.command("ping")

    def close(self) -> None:
        self._closed.set()
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
    admin_token = app.config.get("SURVEY_ADMIN_TOKEN")

    def bootstrap_admin(ready: Store) -> None:
        if admin_token:
            ready.tokens.bootstrap_admin(admin_token)

    store.prepare(bootstrap_admin, logging.getLogger("service.store"))


def get_store() -> Store:
    store: Store = current_app.extensions["store"]
    return store
