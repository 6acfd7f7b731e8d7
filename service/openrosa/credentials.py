"""Authentication as ODK Collect sends it: HTTP Digest (RFC 7616, MD5, qop=auth) or Basic.

Username = the token's `name`, password = the token. Digest is checked against the stored
HA1 = MD5(name:realm:token), so the plaintext token is never needed (but HA1 is enough to sign
in: see SECURITY.md). Nonces are stateless so any gunicorn worker can check them: issue time,
randomness and an HMAC under a key every worker shares (`server_keys` in the store), so only
nonces this server issued are accepted, and a captured response stops working once its nonce
is older than NONCE_TTL_SECONDS. An unknown user name is checked against a dummy HA1, so known
and unknown names take the same time, and every malformed credential is a 401 counted by the
failed-sign-in limit.
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
NONCE = re.compile(r"[0-9a-f]{1,12}-[0-9a-f]{24}-[0-9a-f]{32}")
NONCE_KEY = "digest-nonce"
DUMMY_HA1 = "0" * 32  # what an unknown user name is checked against (same work as a known one)


class AuthenticationError(Exception):
    """401: answer with fresh challenges (`stale` when only the nonce had expired)."""

    def __init__(self, message: str, *, stale: bool = False) -> None:
        super().__init__(message)
        self.message, self.stale = message, stale


def _md5(text: str) -> str:
    return hashlib.md5(text.encode()).hexdigest()  # RFC 7616 "MD5" algorithm


def _nonce_mac(body: str) -> str:
    key = get_store().keys.get(NONCE_KEY)
    return hmac.new(key, body.encode(), hashlib.sha256).hexdigest()[:32]


def new_nonce(now: float | None = None) -> str:
    """Issue time, randomness and this server's signature of both."""
    body = f"{int(now if now is not None else time.time()):x}-{secrets.token_hex(12)}"
    return f"{body}-{_nonce_mac(body)}"


def nonce_is_issued_here(nonce: str) -> bool:
    """Signed by this server (the shape is checked first: only ASCII hex reaches the HMAC)."""
    if not NONCE.fullmatch(nonce):
        return False
    body, _, mac = nonce.rpartition("-")
    return hmac.compare_digest(mac, _nonce_mac(body))


def nonce_is_fresh(nonce: str, now: float | None = None) -> bool:
    """Issued less than NONCE_TTL_SECONDS ago; any other shape is not fresh (checked before
    `int()`: a 300-digit issue time would overflow the float arithmetic)."""
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
    """The digest's `uri` is this request's target (a client may send it absolute: then with
    this request's host)."""
    target = urlsplit(uri)
    if target.netloc and target.netloc != request.host:
        return False
    query = request.query_string.decode("latin-1")
    return unquote(target.path) == request.path and target.query == query


def _digest_token(auth: Authorization) -> dict[str, Any]:
    if not (auth.username and auth.nonce and auth.uri and auth.response):
        raise AuthenticationError(say("digest_incomplete"))
    if auth.realm != DIGEST_REALM or (auth.algorithm or "MD5").upper() != "MD5":
        raise AuthenticationError(say("digest_realm"))
    if not _names_this_request(auth.uri):
        raise AuthenticationError(say("digest_other_url"))
    if not nonce_is_issued_here(auth.nonce):
        raise AuthenticationError(say("nonce_not_issued"))
    username = auth.username or ""
    doc: dict[str, Any] | None = recent(TOKENS_BY_NAME).get_or_load(
        username, lambda: get_store().tokens.by_name(username)
    )
    ha1 = doc.get("digest_ha1") if doc else None
    expected = expected_response(ha1 or DUMMY_HA1, auth, request.method)
    presented = auth.response.encode("utf-8", "surrogateescape")  # any characters: no 500
    matches = expected is not None and hmac.compare_digest(expected.encode(), presented)
    if not (matches and ha1):
        raise AuthenticationError(say("wrong_credentials"))
    if not nonce_is_fresh(auth.nonce):
        raise AuthenticationError(say("nonce_expired"), stale=True)
    assert doc is not None  # `matches and ha1` above needs a stored token
    return doc


def _basic_token(auth: Authorization) -> dict[str, Any]:
    doc = active_token(auth.password or "")
    presented = (auth.username or "").encode("utf-8", "surrogateescape")  # any characters
    if doc is None or not hmac.compare_digest(doc["name"].encode(), presented):
        raise AuthenticationError(say("wrong_credentials"))
    return doc


def openrosa_token() -> dict[str, Any]:
    """The caller's token document (a submitter or admin), or AuthenticationError / 403."""
    auth = request.authorization
    if auth is None or auth.type not in ("digest", "basic"):
        if "Authorization" in request.headers:  # credentials, but malformed: a failure too
            failed_authentication()
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
