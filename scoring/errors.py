"""Errors raised by the estimation library (all are input errors, never bugs)."""

from __future__ import annotations


class ScoringError(ValueError):
    """Bad input to an estimation: the message says what is wrong and where."""


class LonelyPsuError(ScoringError):
    """A stratum has a single PSU and the lonely-PSU policy is ``fail`` (R: ``stop()``)."""

    def __init__(self, stratum: object) -> None:
        self.stratum = stratum
        super().__init__(f"stratum {stratum!s} has only one PSU (lonely_psu='fail')")


class LonelySsuError(LonelyPsuError):
    """A PSU has a single SSU at stage 2 and the lonely-PSU policy is ``fail`` (R: ``stop()``)."""

    def __init__(self, stratum: object) -> None:
        self.stratum = stratum
        ScoringError.__init__(self, f"a PSU of stratum {stratum!s} has only one SSU at stage 2")
