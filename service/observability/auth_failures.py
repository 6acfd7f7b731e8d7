"""Failed authentications are limited per client address (docs/design.md §3, SECURITY.md).

Wrong credentials — a bearer token, or a Basic/Digest user name and token, that do not match —
count against the address they come from: past SURVEY_AUTH_FAILURE_LIMIT the answer is 429
instead of 401. Credentials are always checked first, so a caller presenting the right ones is
never refused by this limit, even from an address an attacker shares (a commune office's NAT):
what makes guessing hopeless is the tokens' 256 bits; what the limit does is tell a guesser to
stop, cheaply. Asking without credentials (the first leg of Digest) is not a failure.
"""

from __future__ import annotations

import math
import time

from flask import current_app, request
from limits import parse
from limits.strategies import FixedWindowRateLimiter

from service.errors import Problem


class TooManyFailures(Problem):
    def __init__(self, retry_after: int) -> None:
        super().__init__(
            429,
            "Too Many Requests",
            "Too many failed sign-ins from this address; retry later.",
            headers={"Retry-After": str(retry_after)},
        )


def failed_authentication() -> None:
    """Count a wrong credential from this address; TooManyFailures once over the limit."""
    limiter = current_app.extensions.get("survey_limiter")
    if limiter is None:
        return
    limit = parse(str(current_app.config["SURVEY_AUTH_FAILURE_LIMIT"]))
    key = "authfail:" + (request.remote_addr or "unknown")
    window = FixedWindowRateLimiter(limiter.storage)
    if not window.hit(limit, key):
        reset_at = window.get_window_stats(limit, key).reset_time
        raise TooManyFailures(max(1, math.ceil(reset_at - time.time())))
