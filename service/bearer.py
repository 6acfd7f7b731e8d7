"""The bearer token a request presents (RFC 6750 §2.1), read by authentication and by the
metrics scraper's check."""

from __future__ import annotations

from flask import request


def bearer_token() -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()
