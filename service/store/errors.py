"""Storage outcomes that callers act on, independent of the driver."""


class AlreadyExists(Exception):
    """A document with the same unique key is already stored."""


class StoreBusy(Exception):
    """Data stayed locked longer than a request may wait (answered 503, like an unreachable
    store)."""
