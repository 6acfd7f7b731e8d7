"""Timestamps as stored: ISO 8601 UTC strings.

nx-27017 turns a datetime written through `$set` into a naive string, so every timestamp is
written as a string from the start; ISO strings in UTC sort in time order.
"""

from datetime import UTC, datetime


def utc_now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
