"""Recording audit entries: the only code that appends to the audit log.

Every write of the service calls `record` once it has been stored; an entry names the action,
the actor (token id and role, or the command line), the round, the target and the request id.
"""

from __future__ import annotations

import itertools
import secrets
import time
from collections.abc import Sequence
from typing import Any

from flask import g, has_request_context

from schemas.audit import AuditAction
from service.observability.request_context import current_request_id
from service.store import Store
from service.store.clock import utc_now

COMMAND_LINE = {"token_id": None, "role": "command_line"}
_sequence = itertools.count()


def current_actor() -> dict[str, Any]:
    """The authenticated token of this request, or the command line outside a request."""
    token = g.get("token") if has_request_context() else None
    return {"token_id": token["_id"], "role": token["role"]} if token else dict(COMMAND_LINE)


def _entry_id() -> str:
    """Ids sort in time order (newest first is a descending sort), unique across workers.

    Microseconds since the epoch in hex behind a letter: nx-27017 reads ISO-looking strings as
    dates when it compares them, so the id must not look like one.
    """
    return (
        f"e{time.time_ns() // 1000:014x}-{next(_sequence) % 1_000_000:06d}-{secrets.token_hex(4)}"
    )


def record(
    store: Store,
    action: AuditAction,
    targets: Sequence[str],
    *,
    round_id: str | None = None,
    actor: dict[str, Any] | None = None,
) -> None:
    """Append one entry per target of one action."""
    at = utc_now()
    who = actor or current_actor()
    request_id = current_request_id()
    ids = [_entry_id() for _ in targets]
    store.audit.append(
        [
            {
                "_id": entry_id,
                "position": entry_id,
                "at": at,
                "action": str(action),
                "actor": who,
                "round_id": round_id,
                "target": target,
                "request_id": request_id,
            }
            for entry_id, target in zip(ids, targets, strict=True)
        ]
    )
