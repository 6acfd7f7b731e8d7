"""Slow or idle clients cannot starve the workers (issue 17, finding 2): with 100 connections that
each trickle a header every two seconds, `/readyz` and an authenticated request still answer
within 2 s. gunicorn runs as `make run` runs it (service/gunicorn_conf.py: gevent workers)."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator

import pytest
import requests

from tests.support.servers import GunicornServer

pytestmark = pytest.mark.slow

SLOW_CONNECTIONS = 100
TRICKLE_SECONDS = 2.0
WATCH_SECONDS = 8.0


def trickle(port: int, stop: threading.Event, opened: threading.Semaphore) -> None:
    """A request line, then one more header every TRICKLE_SECONDS, never the blank line."""
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
            sock.sendall(b"GET /api/v1/rounds HTTP/1.1\r\nHost: slow\r\n")
            opened.release()
            number = 0
            while not stop.wait(TRICKLE_SECONDS):
                sock.sendall(f"X-Slow-{number}: a\r\n".encode())
                number += 1
    except OSError:
        opened.release()


@pytest.fixture
def trickling(live_server: GunicornServer) -> Iterator[None]:
    stop, opened = threading.Event(), threading.Semaphore(0)
    threads = [
        threading.Thread(target=trickle, args=(live_server.port, stop, opened), daemon=True)
        for _ in range(SLOW_CONNECTIONS)
    ]
    for thread in threads:
        thread.start()
    for _ in threads:
        assert opened.acquire(timeout=30)
    time.sleep(TRICKLE_SECONDS)  # every connection has a worker's attention by now
    yield
    stop.set()
    for thread in threads:
        thread.join(10)


def test_readyz_and_an_authenticated_request_answer_within_2_s_under_100_slow_clients(
    live_server: GunicornServer, trickling: None
) -> None:
    admin = {"Authorization": f"Bearer {live_server.admin_token}"}
    slowest = 0.0
    deadline = time.monotonic() + WATCH_SECONDS
    while time.monotonic() < deadline:
        for path, headers in (("/readyz", {}), ("/api/v1/rounds", admin)):
            start = time.perf_counter()
            response = requests.get(f"{live_server.url}{path}", headers=headers, timeout=2)
            slowest = max(slowest, time.perf_counter() - start)
            assert response.status_code == 200
        time.sleep(0.5)

    assert slowest < 2.0
