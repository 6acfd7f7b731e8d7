"""After a store crash a round costs its recount, not a 30 s stall (docs/design.md §7).

A write cut off by the store leaves its in-flight mark open under a live process, which owes it.
That process closes the mark as soon as the store answers again (a background settler), instead
of at its next write to the round, which may never come: until then every recount of the round
waited `WRITER_WAIT_SECONDS` for it, and writes to the round waited behind the recount.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
import requests
from flask.testing import FlaskClient
from pymongo.errors import AutoReconnect

from service.cells.processes import this_process
from service.cells.recount import WRITER_WAIT_SECONDS
from service.store import Store
from service.store.cells import Cells
from tests.support import factories
from tests.support.servers import KillableStack

ROUND = "hh-stall"
SUBMIT = f"/api/v1/rounds/{ROUND}/submissions"


def test_a_mark_the_store_could_not_take_is_closed_once_it_is_back_without_another_write(
    client: FlaskClient,
    make_round,
    as_enumerator: dict[str, str],
    store: Store,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    make_round(factories.household_round(ROUND))
    assert client.post(SUBMIT, json=factories.household(), headers=as_enumerator).status_code == 201
    real_end = Cells.end_write

    def store_gone(*_args: Any, **_kwargs: Any) -> None:
        raise AutoReconnect("the store went away")

    monkeypatch.setattr(Cells, "end_write", store_gone)
    cut_off = client.post(SUBMIT, json=factories.household(), headers=as_enumerator)
    assert cut_off.status_code == 503
    assert store.cells.head(ROUND)[this_process()] == 1  # owed: the store could not take it
    monkeypatch.setattr(Cells, "end_write", real_end)  # the store is back; nobody writes

    deadline = time.monotonic() + 3
    while store.cells.head(ROUND)[this_process()] != 0 and time.monotonic() < deadline:
        time.sleep(0.05)
    head = store.cells.head(ROUND)
    assert head[this_process()] == 0
    assert head["dirty"]  # the next reader recounts what the cut-off write stored


# --- kill -9 of the store under writes, then the first estimate --------------------------------

WRITERS = 4


@pytest.fixture(scope="module")
def stall_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[KillableStack]:
    with KillableStack(tmp_path_factory.mktemp("stall-store"), "stall") as stack:
        yield stack


@pytest.mark.slow  # about 10 s: a store of its own, killed and restarted
@pytest.mark.xfail(
    strict=False,
    reason="known (issue 22): when the store dies after applying a write's begin mark but before "
    "its reply, the worker never learns it holds the mark, nobody owes it, and the first recount "
    "waits WRITER_WAIT_SECONDS for it (about 1 run in 5 here). Closing it needs marks that name "
    "their write, so an uncertain begin can be owed and undone safely.",
)
def test_after_a_store_kill_the_first_estimate_costs_the_recount_not_the_writer_wait(
    stall_server: KillableStack,
) -> None:
    server = stall_server.server
    admin = {"Authorization": f"Bearer {server.admin_token}"}
    created = requests.post(
        f"{server.url}/api/v1/rounds",
        json=factories.household_round(ROUND),
        headers=admin,
        timeout=10,
    )
    assert created.status_code == 201
    stop = threading.Event()

    def write() -> None:
        while not stop.is_set():
            batch = {"submissions": [factories.household() for _ in range(50)]}
            try:
                requests.post(f"{server.url}{SUBMIT}/batch", json=batch, headers=admin, timeout=10)
            except requests.RequestException:
                time.sleep(0.05)

    threads = [threading.Thread(target=write) for _ in range(WRITERS)]
    for thread in threads:
        thread.start()
    try:
        time.sleep(1.5)
        stall_server.kill_store()  # while batches are being written
        time.sleep(1.0)  # the writers' calls fail meanwhile
        stop.set()
        for thread in threads:
            thread.join(30)
        stall_server.restart_store()
    finally:
        stop.set()

    started = time.monotonic()
    answer = None
    while time.monotonic() - started < WRITER_WAIT_SECONDS + 30:
        try:
            answer = requests.get(
                f"{server.url}/api/v1/rounds/{ROUND}/estimates", headers=admin, timeout=60
            )
        except requests.RequestException:
            answer = None
        if answer is not None and answer.status_code == 200:
            break
        time.sleep(0.1)
    waited = time.monotonic() - started
    assert answer is not None and answer.status_code == 200
    assert waited < WRITER_WAIT_SECONDS / 3, f"the first estimate took {waited:.1f} s"
