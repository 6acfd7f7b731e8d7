"""Storage outcomes that callers act on, independent of the driver."""


class AlreadyExists(Exception):
    """A document with the same unique key is already stored."""
