"""Logs, request ids, metrics, rate limits and security headers (issue 8: to be built)."""

from flask import Flask


def init_app(app: Flask) -> None:
    """Wire request ids, structured logs, /metrics, rate limits and security headers."""
