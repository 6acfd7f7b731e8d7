"""Issuing and revoking tokens: the store write and its audit entry, for routes and the CLI."""

from __future__ import annotations

from typing import Any

from schemas.audit import AuditAction
from service.audit.log import record
from service.domain.errors import conflict, not_found
from service.recent import TOKENS_BY_NAME, TOKENS_BY_SECRET, forget
from service.store import Store
from service.store.errors import AlreadyExists


def issue_token(store: Store, role: str, name: str) -> tuple[dict[str, Any], str]:
    """A new token's document and its secret (shown once); 409 when the name is taken."""
    try:
        doc, token = store.tokens.create(role, name)
    except AlreadyExists as exc:
        raise conflict(str(exc)) from exc
    record(store, AuditAction.TOKEN_CREATE, [doc["_id"]])
    return doc, token


def issue_tokens(store: Store, people: list[dict[str, str]]) -> list[tuple[dict[str, Any], str]]:
    """Tokens for a list of people ({name, role}); names taken by an active token → 409 naming
    them, before any token is issued."""
    taken = sorted(p["name"] for p in people if store.tokens.by_name(p["name"]) is not None)
    if taken:
        raise conflict(f"Active tokens already have these names: {', '.join(taken)}.")
    return [issue_token(store, p["role"], p["name"]) for p in people]


def revoke_token(store: Store, token_id: str) -> None:
    """Revoke: every worker refuses it within half a second. 404 for an unknown id; revoking
    twice changes (and audits) nothing."""
    revoked = store.tokens.revoke(token_id)
    forget(TOKENS_BY_SECRET, TOKENS_BY_NAME)
    if revoked:
        record(store, AuditAction.TOKEN_REVOKE, [token_id])
    elif not store.tokens.exists(token_id):
        raise not_found(f"Token {token_id!r}")
