"""Batches yield to interactive requests across the workers of one server (issue 22, item 11;
service/interactive.py): the table of requests in flight the workers share, a batch's pace,
and which requests count."""

from __future__ import annotations

import multiprocessing
import os
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from flask.testing import FlaskClient

from catalogue import SubmissionStatus
from service import interactive
from service.interactive import (
    COUNTS,
    PIDS,
    SIZE,
    BulkPace,
    CountInteractive,
    RequestsInFlight,
    requests_in_flight,
)
from service.store.submissions import CONTENDED_INSERT_CHUNK, INSERT_CHUNK, Submissions
from tests.support.factories import household, household_round
from tests.support.servers import EmbeddedStore, GunicornServer, served_with_metrics_dir

FORK = multiprocessing.get_context("fork")


@pytest.fixture
def table(tmp_path: Path) -> str:
    path = tmp_path / "requests-in-flight"
    path.write_bytes(b"")  # as the gunicorn master leaves it
    return str(path)


def _hold_a_request(path: str, holding: Any, release: Any) -> None:
    with RequestsInFlight(path).counted():
        holding.set()
        release.wait(10)


def _die_holding_a_request(path: str) -> None:
    worker = RequestsInFlight(path)
    worker._add(1)
    os._exit(0)  # killed with a request in flight: it never counts it out


def test_a_request_in_flight_in_one_worker_is_seen_by_another(table: str) -> None:
    holding, release = FORK.Event(), FORK.Event()
    other = FORK.Process(target=_hold_a_request, args=(table, holding, release))
    other.start()
    try:
        assert holding.wait(10)
        assert RequestsInFlight(table).any()
    finally:
        release.set()
        other.join(10)

    assert not RequestsInFlight(table).any()


def test_the_requests_of_a_worker_that_died_hold_nothing_back(table: str) -> None:
    dead = FORK.Process(target=_die_holding_a_request, args=(table,))
    dead.start()
    dead.join(10)

    assert not RequestsInFlight(table).any()


def test_a_new_worker_takes_the_slot_of_a_dead_one(table: str) -> None:
    dead = FORK.Process(target=os._exit, args=(0,))
    dead.start()
    dead.join(10)
    Path(table).write_bytes(PIDS.pack(*[dead.pid] * interactive.SLOTS))

    RequestsInFlight(table)

    assert os.getpid() in PIDS.unpack_from(Path(table).read_bytes())


def test_without_the_shared_file_a_process_counts_its_own_requests() -> None:
    alone = RequestsInFlight(None)
    assert not alone.any()

    with alone.counted():
        assert alone.any()

    assert not alone.any()


@pytest.fixture
def in_flight(monkeypatch: pytest.MonkeyPatch) -> RequestsInFlight:
    """This process's table, private to the test."""
    own = RequestsInFlight(None)
    monkeypatch.setattr(interactive, "_in_flight", own)
    return own


def test_a_batch_goes_on_at_once_when_nothing_else_is_in_flight(
    in_flight: RequestsInFlight,
) -> None:
    slept: list[float] = []

    BulkPace().yield_turn(slept.append)

    assert slept == []


def test_a_batch_waits_until_the_request_in_flight_is_answered(
    in_flight: RequestsInFlight,
) -> None:
    answered_after = 3
    slept: list[float] = []
    request = in_flight.counted()
    request.__enter__()

    def sleep(seconds: float) -> None:
        slept.append(seconds)
        if len(slept) == answered_after:
            request.__exit__(None, None, None)

    BulkPace().yield_turn(sleep)

    assert len(slept) == answered_after


def test_a_batch_waits_no_longer_than_its_grace_at_first(
    in_flight: RequestsInFlight, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(interactive, "GRACE_SECONDS", 0.05)
    started = time.monotonic()

    with in_flight.counted():
        BulkPace().yield_turn(time.sleep)

    assert 0.05 <= time.monotonic() - started < 0.5


def test_a_batch_keeps_its_share_under_a_steady_stream_of_requests(
    in_flight: RequestsInFlight,
) -> None:
    pace = BulkPace()
    worked, share = 1.0, interactive.BULK_SHARE
    pace.waited = worked * (1 - share) / share + interactive.GRACE_SECONDS + 0.1
    pace.started = time.monotonic() - worked - pace.waited
    slept: list[float] = []

    with in_flight.counted():
        pace.yield_turn(slept.append)

    assert slept == []


def test_a_batch_is_contended_once_a_turn_saw_a_request_in_flight(
    in_flight: RequestsInFlight,
) -> None:
    pace = BulkPace()
    assert not pace.contended()
    request = in_flight.counted()
    request.__enter__()

    pace.yield_turn(lambda _: request.__exit__(None, None, None))

    assert pace.contended()


@pytest.fixture
def insert_sizes(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The number of documents of each insert command the batches send."""
    sizes: list[int] = []
    insert_many = Submissions.insert_many

    def recorded(self: Submissions, docs: list[dict[str, Any]]) -> list[SubmissionStatus]:
        sizes.append(len(docs))
        return insert_many(self, docs)

    monkeypatch.setattr(Submissions, "insert_many", recorded)
    return sizes


def _send_batch(client: FlaskClient, headers: dict[str, str], size: int) -> None:
    body = {"submissions": [household() for _ in range(size)]}
    sent = client.post("/api/v1/rounds/hh-test/submissions/batch", json=body, headers=headers)
    assert sent.status_code == 200, sent.json


def test_a_batch_alone_is_stored_in_commands_of_twenty(
    client: FlaskClient,
    as_enumerator: dict[str, str],
    make_round: Callable[[dict[str, Any]], Any],
    in_flight: RequestsInFlight,
    insert_sizes: list[int],
) -> None:
    make_round(household_round())

    _send_batch(client, as_enumerator, 40)

    assert insert_sizes == [INSERT_CHUNK, INSERT_CHUNK]


def test_a_batch_beside_other_requests_is_stored_in_commands_of_five(
    client: FlaskClient,
    as_enumerator: dict[str, str],
    make_round: Callable[[dict[str, Any]], Any],
    in_flight: RequestsInFlight,
    insert_sizes: list[int],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    make_round(household_round())
    monkeypatch.setattr(interactive, "GRACE_SECONDS", 0.0)

    with in_flight.counted():  # another request, answered after the batch
        _send_batch(client, as_enumerator, 40)

    assert insert_sizes == [CONTENDED_INSERT_CHUNK] * (40 // CONTENDED_INSERT_CHUNK)


def _seen_in_flight(path: str) -> bool:
    seen: list[bool] = []

    def app(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        seen.append(requests_in_flight().any())
        return []

    CountInteractive(app)({"PATH_INFO": path}, lambda *_: None)
    return seen[0]


def test_a_single_submission_counts_in_flight_while_it_is_answered(
    in_flight: RequestsInFlight,
) -> None:
    assert _seen_in_flight("/api/v1/rounds/r1/submissions")
    assert not in_flight.any()


def test_a_batch_does_not_count_as_interactive(in_flight: RequestsInFlight) -> None:
    assert not _seen_in_flight("/api/v1/rounds/r1/submissions/batch")


@pytest.fixture(scope="module")
def server(
    store_server: EmbeddedStore, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[GunicornServer]:
    with served_with_metrics_dir(
        store_server, "interactive", tmp_path_factory.mktemp("m")
    ) as server:
        yield server


def test_the_workers_of_one_server_share_one_table(server: GunicornServer) -> None:
    path = Path(server.env["PROMETHEUS_MULTIPROC_DIR"]) / "requests-in-flight"
    workers = set(server.worker_pids())
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        for _ in range(16):
            requests.get(f"{server.url}/healthz", timeout=10)
        table = path.read_bytes()
        if workers <= set(PIDS.unpack_from(table)):
            break
    assert len(table) == SIZE
    assert workers <= set(PIDS.unpack_from(table))
    assert not any(COUNTS.unpack_from(table, PIDS.size))
