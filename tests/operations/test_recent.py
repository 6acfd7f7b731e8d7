"""Tokens and rounds remembered per worker: never longer than a second, in every worker."""

from __future__ import annotations

import time
import uuid
from collections.abc import Hashable, Set
from typing import Any

import requests
from pymongo import monitoring

from service import create_app
from service.recent import RecentCache
from tests.support import factories
from tests.support.apps import bearer
from tests.support.servers import EmbeddedStore, GunicornServer


def test_a_remembered_value_is_read_again_once_it_is_older_than_its_lifetime() -> None:
    cache, reads = RecentCache(seconds=0.05), []

    def load() -> int:
        reads.append(1)
        return len(reads)

    assert cache.get_or_load("k", load) == cache.get_or_load("k", load) == 1
    time.sleep(0.06)
    assert cache.get_or_load("k", load) == 2


def test_an_absent_value_is_never_remembered() -> None:
    cache, answers = RecentCache(seconds=60), iter([None, {"role": "planner"}])

    assert cache.get_or_load("new token", lambda: next(answers)) is None
    assert cache.get_or_load("new token", lambda: next(answers)) == {"role": "planner"}


def test_a_read_takes_along_the_remembered_values_used_since_their_own_read() -> None:
    cache, reads = RecentCache(seconds=60), []
    stored = {"a": "token a", "b": "token b", "c": "token c"}

    def load_many(keys: Set[Hashable]) -> dict[Hashable, Any]:
        reads.append(set(keys))
        return {key: stored[key] for key in keys if key in stored}

    cache.get_or_load_together("a", load_many)
    cache.get_or_load_together("b", load_many)
    assert cache.get_or_load_together("a", load_many) == "token a"  # answered: now "used"

    assert cache.get_or_load_together("c", load_many) == "token c"
    assert reads == [{"a"}, {"b"}, {"a", "c"}]  # "b" was not used since its read


def test_a_value_is_read_again_with_the_used_ones_and_an_absent_one_is_forgotten() -> None:
    cache, reads = RecentCache(seconds=0.05), []
    stored = {"a": "token a", "b": "token b"}

    def load_many(keys: Set[Hashable]) -> dict[Hashable, Any]:
        reads.append(set(keys))
        return {key: stored[key] for key in keys if key in stored}

    cache.get_or_load_together("a", load_many)
    cache.get_or_load_together("b", load_many)
    assert cache.get_or_load_together("a", load_many) == "token a"  # used: read again with b
    time.sleep(0.06)
    del stored["a"]  # revoked meanwhile

    assert cache.get_or_load_together("b", load_many) == "token b"
    assert reads[-1] == {"a", "b"}  # one read for both
    assert cache.get_or_load_together("a", load_many) is None  # forgotten, read again: gone
    assert reads[-1] == {"a"}


def test_closing_a_round_refuses_submissions_within_a_second_on_every_worker(
    live_server: GunicornServer,
) -> None:
    admin = bearer(live_server.admin_token)
    round_id = f"hh-{uuid.uuid4().hex[:8]}"
    rounds = f"{live_server.url}/api/v1/rounds"
    assert requests.post(rounds, json=factories.household_round(round_id), headers=admin).ok
    issued = requests.post(
        f"{live_server.url}/api/v1/tokens",
        json={"role": "enumerator", "name": f"e-{round_id}"},
        headers=admin,
        timeout=10,
    )
    enumerator = bearer(issued.json()["token"])

    def statuses() -> set[int]:
        url = f"{rounds}/{round_id}/submissions"
        return {  # a new connection per request: they land on both workers
            requests.post(url, json=factories.household(), headers=enumerator).status_code
            for _ in range(20)
        }

    assert statuses() == {201}  # both workers now remember the round as open
    closed = requests.patch(f"{rounds}/{round_id}", json={"status": "closed"}, headers=admin)
    assert closed.status_code == 200
    time.sleep(1.0)
    assert statuses() == {409}


class CommandCounter(monitoring.CommandListener):
    def __init__(self) -> None:
        self.commands: list[str] = []

    def started(self, event: monitoring.CommandStartedEvent) -> None:
        self.commands.append(event.command_name)

    def succeeded(self, event: monitoring.CommandSucceededEvent) -> None: ...

    def failed(self, event: monitoring.CommandFailedEvent) -> None: ...


def test_a_submission_costs_four_store_round_trips_once_token_and_round_are_remembered(
    store_server: EmbeddedStore, database_name: str
) -> None:
    counter = CommandCounter()
    app = create_app(
        {
            "MONGODB_URI": store_server.uri,
            "SURVEY_DB": database_name,
            "STORE_EVENT_LISTENERS": [counter],
        }
    )
    store, client = app.extensions["store"], app.test_client()
    admin = bearer(store.tokens.create("admin", "a")[1])
    enumerator = bearer(store.tokens.create("enumerator", "e")[1])
    created = client.post("/api/v1/rounds", json=factories.household_round(), headers=admin)
    assert created.status_code == 201
    url = "/api/v1/rounds/hh-test/submissions"
    assert client.post(url, json=factories.household(), headers=enumerator).status_code == 201

    counter.commands.clear()
    assert client.post(url, json=factories.household(), headers=enumerator).status_code == 201

    # the write mark, the insert, the cells with the mark closed, the audit entry (§11)
    assert counter.commands == ["update", "insert", "update", "insert"]
    app.extensions["store"].close()
