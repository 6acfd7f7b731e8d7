"""A correction's history survives a crash at any point (docs/design.md §11): after the store
fails mid-correction — a write refused, or the store process killed with kill -9 while
supervisors correct at once — `…/versions` lists every version from 1 to the submission's own,
each with the answers it was acknowledged with."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
import requests
from flask.testing import FlaskClient
from pymongo.errors import AutoReconnect

from service.store import Store
from service.store.versions import Versions
from tests.support import factories
from tests.support.servers import KillableStack

ROUND = "hh-history"
SUBMIT = f"/api/v1/rounds/{ROUND}/submissions"


def correction(smartphones: int) -> dict[str, Any]:
    return {
        "answers": factories.household(smartphones=smartphones)["answers"],
        "reason": f"phoned back ({smartphones})",
    }


def assert_complete_history(versions: list[dict[str, Any]], current: dict[str, Any]) -> None:
    assert [v["version"] for v in versions] == list(range(1, current["version"] + 1))
    assert versions[-1]["answers"] == current["answers"]


@pytest.mark.parametrize("failing_write", [1, 2, 3, 4])
def test_a_store_failure_at_any_write_of_a_correction_leaves_a_complete_history(
    client: FlaskClient,
    make_round,
    as_enumerator: dict[str, str],
    as_supervisor: dict[str, str],
    monkeypatch: pytest.MonkeyPatch,
    failing_write: int,
) -> None:
    """The Nth version write of two corrections fails as a dying store would; whatever was
    acknowledged, the history stays whole (before, version 1 could vanish)."""
    make_round(factories.household_round(ROUND))
    original = factories.household()
    assert client.post(SUBMIT, json=original, headers=as_enumerator).status_code == 201
    url = f"{SUBMIT}/{original['submission_id']}"
    real_add, writes = Versions.add, []

    def dying_add(self: Versions, version: dict[str, Any]) -> None:
        writes.append(version["version"])
        if len(writes) == failing_write:
            raise AutoReconnect("the store went away")
        real_add(self, version)

    monkeypatch.setattr(Versions, "add", dying_add)
    for smartphones in (5, 6):
        client.patch(url, json=correction(smartphones), headers=as_supervisor)
    monkeypatch.setattr(Versions, "add", real_add)
    client.patch(url, json=correction(7), headers=as_supervisor)  # the store is back

    current = client.get(url, headers=as_supervisor).json
    versions = client.get(f"{url}/versions", headers=as_supervisor).json["items"]
    assert_complete_history(versions, current)
    assert versions[0]["answers"] == original["answers"]


# --- kill -9 of the store during concurrent corrections ----------------------------------------

SUBMISSIONS = 4
SUPERVISORS = 6
KILLS = 2


@pytest.fixture(scope="module")
def crashing(tmp_path_factory: pytest.TempPathFactory) -> Iterator[KillableStack]:
    """This module's own store and gunicorn, so the kills hurt no other test."""
    with KillableStack(tmp_path_factory.mktemp("history-store"), "history") as stack:
        yield stack


@pytest.mark.slow  # about 10 s: a store of its own, killed and restarted
def test_kill_9_of_the_store_during_concurrent_corrections_loses_no_version(
    crashing: KillableStack,
) -> None:
    server = crashing.server
    admin = {"Authorization": f"Bearer {server.admin_token}"}
    base = f"{server.url}{SUBMIT}"
    created = requests.post(
        f"{server.url}/api/v1/rounds",
        json=factories.household_round(ROUND),
        headers=admin,
        timeout=10,
    )
    assert created.status_code == 201
    ids = []
    for _ in range(SUBMISSIONS):
        payload = factories.household()
        assert requests.post(base, json=payload, headers=admin, timeout=10).status_code == 201
        ids.append(payload["submission_id"])

    stop = threading.Event()
    acknowledged: list[tuple[str, int, dict[str, Any]]] = []  # (submission, version, answers)

    def supervise(seed: int) -> None:
        n = seed
        while not stop.is_set():
            sid, n = ids[n % SUBMISSIONS], n + 1
            body = correction(n % 20)
            try:
                answer = requests.patch(f"{base}/{sid}", json=body, headers=admin, timeout=10)
            except requests.RequestException:
                continue
            if answer.status_code == 200:
                acknowledged.append((sid, answer.json()["version"], body["answers"]))

    threads = [threading.Thread(target=supervise, args=(s,)) for s in range(SUPERVISORS)]
    for thread in threads:
        thread.start()
    try:
        for _ in range(KILLS):
            time.sleep(1.5)
            crashing.kill_store()
            crashing.restart_store()
        time.sleep(1.5)
    finally:
        stop.set()
        for thread in threads:
            thread.join(30)

    assert acknowledged, "no correction was acknowledged"
    direct = Store(crashing.store.uri, "history")
    try:
        for sid in ids:
            current = direct.submissions.get(ROUND, sid)
            listed = requests.get(f"{base}/{sid}/versions", headers=admin, timeout=10)
            assert listed.status_code == 200
            versions = listed.json()["items"]
            assert_complete_history(versions, current)
            by_version = {v["version"]: v["answers"] for v in versions}
            for acked_sid, version, answers in acknowledged:
                if acked_sid == sid:
                    assert by_version[version] == answers, (sid, version)
    finally:
        direct.close()
