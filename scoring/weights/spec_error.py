"""A weighting spec that breaks a rule, and the field that breaks it (docs/design.md §9).

The engine states each rule of ``calibration`` and ``nonresponse`` once, with its message; the
command line prints the message, the service puts it under the field the path names.
"""

from __future__ import annotations

from scoring.errors import ScoringError

FieldPath = tuple[str | int, ...]
"""A field of a spec from its root: ``("calibration", "margins", 0, "totals", "080")``."""


class SpecError(ScoringError):
    """A ``calibration`` or ``nonresponse`` object breaks a rule; ``path`` is the field.

    The message stands alone (it names the field in the spec's own words), so the command
    line and the service show the same text.
    """

    def __init__(self, message: str, path: FieldPath) -> None:
        self.path = path
        super().__init__(message)


def field_name(path: FieldPath) -> str:
    """A field as messages name it: ``calibration.margins[0].totals.080``."""
    name = str(path[0])
    for part in path[1:]:
        name += f"[{part}]" if isinstance(part, int) else f".{part}"
    return name
