"""gunicorn settings shared by `make run`, the Docker image and the tests' servers
(`gunicorn -c python:service.gunicorn_conf`); command-line flags override them.

Why gevent (docs/operations.md "Slow clients"): a gthread worker hands a connection to a thread
as soon as its first bytes arrive, and the thread then blocks until the whole request is in,
so 16 clients that send a header every few seconds occupy every thread of two workers. A gevent
worker reads each connection in its own greenlet: a slow client costs a greenlet, not a thread,
up to `worker_connections` per worker. Production also puts nginx (which buffers whole requests)
in front (docker-compose.yml).

gunicorn's own refusals (request line or header field too long, malformed request) are written
as RFC 9457 problem+json like the app's, not as gunicorn's HTML page.
"""

from __future__ import annotations

import json
from typing import Any

from gunicorn import util

worker_class = "gevent"
worker_connections = 1000
# The app refuses URLs over MAX_URL_BYTES with its own 414; this is the hard stop behind it.
limit_request_line = 8190
limit_request_field_size = 8190
graceful_timeout = 10
control_socket_disable = True  # the app writes its own JSON access lines

PROBLEM_TYPE = "https://digital-adoption.example/problems/"


def write_problem(sock: Any, status_int: int, reason: str, mesg: str) -> None:
    """gunicorn's `util.write_error`, answering application/problem+json instead of HTML."""
    body = json.dumps(
        {
            "type": PROBLEM_TYPE + reason.lower().replace(" ", "-"),
            "title": reason,
            "status": status_int,
            "detail": mesg or reason,
        }
    ).encode()
    head = (
        f"HTTP/1.1 {status_int} {reason}\r\nConnection: close\r\n"
        f"Content-Type: application/problem+json\r\nContent-Length: {len(body)}\r\n\r\n"
    )
    util.write_nonblock(sock, head.encode("latin-1") + body)


util.write_error = write_problem
