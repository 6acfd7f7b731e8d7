"""Counters the service reports at /metrics (issue 8 fills these in)."""


def count_submission(status: str, reason: str | None = None) -> None:
    """One submission outcome: created, duplicate, conflict or invalid (with a reason)."""


def count_estimate_cache(hit: bool) -> None:
    """One estimates request answered from the cache (hit) or computed (miss)."""
