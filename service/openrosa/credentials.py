"""Authentication as ODK Collect sends it: HTTP Digest (RFC 7616, MD5, qop=auth) or Basic.

Username = the token's `name`, password = the token. Digest is checked against the stored
HA1 = MD5(name:realm:token), so the plaintext token is never needed. Nonces are stateless
(issue time + randomness) so any gunicorn worker can check them: the client's response
hashes the nonce with HA1, so a nonce cannot be altered or refreshed without the token, and
a captured response stops working once its nonce is older than NONCE_TTL_SECONDS.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import time
from typing import Any
from urllib.parse import unquote, urlsplit

from flask import g, request
from werkzeug.datastructures import Authorization

from service.auth import SUBMITTERS, active_token, allow
from service.observability.auth_failures import failed_authentication
from service.openrosa.words import say
from service.recent import TOKENS_BY_NAME, recent
from service.store import get_store
from service.store.tokens import DIGEST_REALM

NONCE_TTL_SECONDS = 600
NONCE = re.compile(r"[0-9a-f]{1,12}-[0-9a-f]{24}")


class AuthenticationError(Exception):
    """401: answer with fresh challenges (`stale` when only the nonce had expired)."""

    def __init__(self, message: str, *, stale: bool = False) -> None:
        super().__init__(message)
        self.message, self.stale = message, stale


def _md5(text: str) -> str:
    return hashlib.md5(text.encode()).hexdigest()  # RFC 7616 "MD5" algorithm


def new_nonce(now: float | None = None) -> str:
    return f"{int(now if now is not None else time.time()):x}-{secrets.token_hex(12)}"


def nonce_is_fresh(nonce: str, now: float | None = None) -> bool:
    """Issued by `new_nonce` less than NONCE_TTL_SECONDS ago; any other shape is not fresh
    (checked before `int()`: a 300-digit issue time would overflow the float arithmetic)."""
    if not NONCE.fullmatch(nonce):
        return False
    issued = int(nonce.partition("-")[0], 16)
    age = (now if now is not None else time.time()) - issued
    return 0 <= age <= NONCE_TTL_SECONDS


def challenges(*, stale: bool = False) -> list[str]:
    """WWW-Authenticate values: Digest first (what ODK Collect uses), then Basic."""
    digest = (
        f'Digest realm="{DIGEST_REALM}", qop="auth", algorithm=MD5, '
        f'nonce="{new_nonce()}", opaque="{secrets.token_hex(8)}"'
    )
    if stale:
        digest += ", stale=true"
    return [digest, f'Basic realm="{DIGEST_REALM}", charset="UTF-8"']


def expected_response(ha1: str, auth: Authorization, method: str) -> str | None:
    ha2 = _md5(f"{method}:{auth.uri}")
    if auth.qop is None:
        return _md5(f"{ha1}:{auth.nonce}:{ha2}")
    if auth.qop == "auth" and auth.nc and auth.cnonce:
        return _md5(f"{ha1}:{auth.nonce}:{auth.nc}:{auth.cnonce}:auth:{ha2}")
    return None


def _names_this_request(uri: str) -> bool:
    """The digest's `uri` is this request's target (a client may send it absolute)."""
    target = urlsplit(uri)
    query = request.query_string.decode("latin-1")
    return unquote(target.path) == request.path and target.query == query


def _digest_token(auth: Authorization) -> dict[str, Any]:
    if not (auth.username and auth.nonce and auth.uri and auth.response):
        raise AuthenticationError(say("digest_incomplete"))
    if auth.realm != DIGEST_REALM or (auth.algorithm or "MD5").upper() != "MD5":
        raise AuthenticationError(say("digest_realm"))
    if not _names_this_request(auth.uri):
        raise AuthenticationError(say("digest_other_url"))
    doc = recent(TOKENS_BY_NAME).get_or_load(
        auth.username, lambda: get_store().tokens.by_name(auth.username)
    )
    ha1 = doc.get("digest_ha1") if doc else None
    expected = expected_response(ha1, auth, request.method) if ha1 else None
    if expected is None or not hmac.compare_digest(expected, auth.response):
        raise AuthenticationError(say("wrong_credentials"))
    if not nonce_is_fresh(auth.nonce):
        raise AuthenticationError(say("nonce_expired"), stale=True)
    return doc


def _basic_token(auth: Authorization) -> dict[str, Any]:
    doc = active_token(auth.password or "")
    if doc is None or not hmac.compare_digest(doc["name"], auth.username or ""):
        raise AuthenticationError(say("wrong_credentials"))
    return doc


def openrosa_token() -> dict[str, Any]:
    """The caller's token document (a submitter or admin), or AuthenticationError / 403."""
    auth = request.authorization
    if auth is None or auth.type not in ("digest", "basic"):
        raise AuthenticationError(say("sign_in"))
    try:
        doc = _digest_token(auth) if auth.type == "digest" else _basic_token(auth)
    except AuthenticationError as exc:
        if not exc.stale:  # an expired nonce with the right token is no guess
            failed_authentication()
        raise
    allow(doc, SUBMITTERS)
    g.token = doc  # the access log names the caller
    return doc
