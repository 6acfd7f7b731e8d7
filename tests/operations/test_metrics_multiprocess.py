"""One scrape of /metrics answers for the whole gunicorn server (prometheus-client's
multiprocess mode): every worker's counts, those of dead workers included, and none of a
previous run's."""

from __future__ import annotations

import os
import shutil
import signal
import tempfile
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import requests
from prometheus_client import CollectorRegistry
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.parser import text_string_to_metric_families

from tests.support.servers import EmbeddedStore, GunicornServer, served_with_metrics_dir

ROUNDS_401 = {"method": "GET", "route": "/api/v1/rounds", "status": "401"}


def scraped(server: GunicornServer, labels: dict[str, str]) -> float:
    """survey_http_requests_total for `labels` in one scrape of the server."""
    body = requests.get(f"{server.url}/metrics", timeout=10).text
    return sum(
        sample.value
        for family in text_string_to_metric_families(body)
        for sample in family.samples
        if sample.name == "survey_http_requests_total" and sample.labels == labels
    )


def counted_by_worker(metrics_dir: Path, pid: int, labels: dict[str, str]) -> float:
    """One worker's own count, read from its file alone."""
    source = metrics_dir / f"counter_{pid}.db"
    if not source.exists():
        return 0.0
    with tempfile.TemporaryDirectory() as alone:
        shutil.copy(source, alone)
        registry = CollectorRegistry()
        MultiProcessCollector(registry, path=alone)
        return registry.get_sample_value("survey_http_requests_total", labels) or 0.0


def server_metrics_dir(server: GunicornServer) -> Path:
    """The directory the server's workers write to (the one given, or the config's own)."""
    given = server.env.get("PROMETHEUS_MULTIPROC_DIR")
    if given:
        return Path(given)
    pids = server.worker_pids()
    made = [
        path
        for path in Path(tempfile.gettempdir()).glob("survey-metrics-*")
        if any((path / f"counter_{pid}.db").exists() for pid in pids)
    ]
    assert len(made) == 1, made
    return made[0]


def send_unauthorised(server: GunicornServer, count: int) -> None:
    """`count` requests at once, each on its own connection (so both workers take some)."""
    with ThreadPoolExecutor(8) as pool:
        statuses = list(
            pool.map(
                lambda _: requests.get(f"{server.url}/api/v1/rounds", timeout=10).status_code,
                range(count),
            )
        )
    assert set(statuses) == {401}


@pytest.fixture(scope="module")
def server(
    store_server: EmbeddedStore, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[GunicornServer]:
    with served_with_metrics_dir(store_server, "metrics", tmp_path_factory.mktemp("m")) as server:
        yield server


@pytest.fixture(scope="module")
def served_by_both(server: GunicornServer) -> int:
    """Requests sent until both workers have counted some; how many were sent."""
    metrics_dir, sent = server_metrics_dir(server), 0
    for _ in range(50):
        send_unauthorised(server, 16)
        sent += 16
        workers = server.worker_pids()
        if all(counted_by_worker(metrics_dir, pid, ROUNDS_401) for pid in workers):
            return sent
    pytest.fail("one worker took every connection")


def test_one_scrape_adds_up_the_counts_of_every_worker(
    server: GunicornServer, served_by_both: int
) -> None:
    metrics_dir = server_metrics_dir(server)
    per_worker = [counted_by_worker(metrics_dir, pid, ROUNDS_401) for pid in server.worker_pids()]

    assert len(per_worker) == 2 and all(per_worker)
    assert scraped(server, ROUNDS_401) == sum(per_worker) == served_by_both


def test_the_counts_of_a_dead_worker_stay_in_the_scrape(
    server: GunicornServer, served_by_both: int
) -> None:
    before = scraped(server, ROUNDS_401)
    victim = server.worker_pids()[0]
    os.kill(victim, signal.SIGKILL)
    deadline = time.monotonic() + 20
    while victim in server.worker_pids() or len(server.worker_pids()) < 2:
        assert time.monotonic() < deadline, "the master did not replace the worker"
        time.sleep(0.1)

    assert scraped(server, ROUNDS_401) == before >= served_by_both


def test_a_new_server_counts_from_zero_in_a_directory_left_with_samples(
    server: GunicornServer, served_by_both: int, store_server: EmbeddedStore, tmp_path: Path
) -> None:
    leftovers = tmp_path / "metrics"
    shutil.copytree(server_metrics_dir(server), leftovers)
    env = {"PROMETHEUS_MULTIPROC_DIR": str(leftovers)}
    fresh = GunicornServer(store_server.uri, "metrics", workers=1, env=env).start()
    try:
        assert scraped(fresh, ROUNDS_401) == 0
    finally:
        fresh.stop()
    assert leftovers.is_dir(), "a directory the operator chose is kept"


def test_a_directory_the_server_made_itself_goes_when_it_stops(
    store_server: EmbeddedStore,
) -> None:
    server = GunicornServer(store_server.uri, "metrics", workers=1)
    server.env.pop("PROMETHEUS_MULTIPROC_DIR", None)
    made = server_metrics_dir(server.start())
    assert made.is_dir()
    server.stop()
    assert not made.exists()
