"""Bearer-token authentication and role checks."""

from __future__ import annotations

from collections.abc import Callable, Hashable, Set
from functools import wraps
from typing import Any, TypeVar

from flask import g, has_request_context

from catalogue import ROLES, Role
from service.bearer import bearer_token
from service.errors import Problem
from service.observability.auth_failures import failed_authentication
from service.recent import TOKENS_BY_SECRET, recent
from service.store import get_store
from service.store.tokens import token_hash

F = TypeVar("F", bound=Callable[..., Any])
BEARER_CHALLENGE = {"WWW-Authenticate": 'Bearer realm="digital-adoption-survey"'}


def authenticate() -> dict[str, Any]:
    """The caller's active token document, or 401."""
    token = bearer_token()
    if token is None:
        raise Problem(401, "Unauthorized", "A bearer token is required.", headers=BEARER_CHALLENGE)
    doc = active_token(token)
    if doc is None:
        failed_authentication()
        raise Problem(
            401, "Unauthorized", "The token is invalid or revoked.", headers=BEARER_CHALLENGE
        )
    return doc


def active_token(token: str) -> dict[str, Any] | None:
    """The active token document for a secret, remembered for at most `recent.FRESH_SECONDS`
    (read again with the other remembered tokens in use: service/recent.py)."""
    found: dict[str, Any] | None = recent(TOKENS_BY_SECRET).get_or_load_together(
        token_hash(token), _active_by_hash
    )
    return found


def _active_by_hash(hashes: Set[Hashable]) -> dict[Hashable, Any]:
    found = get_store().tokens.active_by_hash(str(hashed) for hashed in hashes)
    return {hashed: doc for hashed, doc in found.items()}


def current_token() -> dict[str, Any] | None:
    """The authenticated token of this request; None outside a request (the command line)."""
    return g.get("token") if has_request_context() else None


def allow(doc: dict[str, Any], roles: tuple[Role, ...]) -> None:
    """403 unless the token's role is one of `roles`; admin may do everything."""
    if doc["role"] != Role.ADMIN and doc["role"] not in roles:
        raise Problem(403, "Forbidden", f"This needs one of the roles: {', '.join(roles)}.")


def require_role(*roles: Role) -> Callable[[F], F]:
    """Decorate a view: authenticate, check the role, keep the token document in `g.token`."""

    def decorate(view: F) -> F:
        @wraps(view)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            doc = authenticate()
            allow(doc, roles or (Role.ADMIN,))
            g.token = doc
            return view(*args, **kwargs)

        return wrapped  # type: ignore[return-value]

    return decorate


# Who may call what (docs/design.md §3); admin may always.
ANY_ROLE = ROLES
ADMIN_ONLY = (Role.ADMIN,)
READERS = (Role.PLANNER, Role.ANALYST)  # estimates, weights, series and their change
SUBMITTERS = (Role.ENUMERATOR, Role.SUPERVISOR)
SUBMISSION_READERS = (Role.SUPERVISOR,)  # reads and reviews submissions
MICRODATA_READERS = (Role.SUPERVISOR, Role.ANALYST)  # reads submissions, writes nothing
