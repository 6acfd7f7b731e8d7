"""Shared schema machinery: strict loading, safe strings, strict scalars, error paths."""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Mapping
from typing import Any

from marshmallow import RAISE, Schema, ValidationError, fields, pre_load, validate

from outputs import Offer, offered

MAX_STRING = 200
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def reject_operator_keys(value: Any, path: str = "") -> None:
    """Refuse keys that MongoDB would read as operators or paths (`$…`, `a.b`), at any depth."""
    if isinstance(value, Mapping):
        for key, item in value.items():
            where = f"{path}.{key}" if path else str(key)
            if not isinstance(key, str) or key.startswith("$") or "." in key or "\x00" in key:
                raise ValidationError({where: ["Keys may not start with '$' or contain '.'."]})
            reject_operator_keys(item, where)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            reject_operator_keys(item, f"{path}.{index}" if path else str(index))


def nfc(value: Any) -> Any:
    """NFC-normalise every string, so the same Vietnamese text always compares equal."""
    if isinstance(value, str):
        return unicodedata.normalize("NFC", value)
    if isinstance(value, Mapping):
        return {key: nfc(item) for key, item in value.items()}
    if isinstance(value, list):
        return [nfc(item) for item in value]
    return value


class StrictSchema(Schema):
    """Unknown fields are errors; operator-like keys are refused; strings are NFC."""

    class Meta:
        unknown = RAISE

    @pre_load
    def _sanitise(self, data: Any, **_: Any) -> Any:
        if not isinstance(data, Mapping):
            raise ValidationError("Expected a JSON object.")
        reject_operator_keys(data)
        return nfc(data)


class Text(fields.String):
    """A bounded, single-line string without control characters."""

    def __init__(
        self, *, max_length: int = MAX_STRING, pattern: str | None = None, **kwargs: Any
    ) -> None:
        super().__init__(**kwargs)
        self.max_length = max_length
        self.pattern = re.compile(pattern) if pattern else None

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> str:
        if not isinstance(value, str):
            raise ValidationError("Not a string.")
        text = value.strip()
        if not text:
            raise ValidationError("May not be empty.")
        if len(text) > self.max_length:
            raise ValidationError(f"Longer than {self.max_length} characters.")
        if _CONTROL.search(text):
            raise ValidationError("Control characters are not allowed.")
        if self.pattern and not self.pattern.fullmatch(text):
            raise ValidationError(f"Does not match {self.pattern.pattern}.")
        return text


class StrictBoolean(fields.Boolean):
    """Only JSON true/false: "yes", 1 or "true" are refused rather than guessed."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> bool:
        if not isinstance(value, bool):
            raise ValidationError("Not a boolean (true or false).")
        return value


class StoredBoolean(fields.Boolean):
    """A stored flag written as JSON true/false, whatever the store reads back (nx-27017 reads a
    `false` set by an update as 0; marshmallow 4 writes a Boolean's value as it is)."""

    def _serialize(self, value: Any, attr: str | None, obj: Any, **kwargs: Any) -> bool | None:
        return None if value is None else bool(value)


class Count(fields.Integer):
    """A whole number given as a JSON integer (not a boolean, not 2.0)."""

    def __init__(self, *, low: int = 0, high: int = 10**9, **kwargs: Any) -> None:
        super().__init__(strict=True, **kwargs)
        self.low, self.high = low, high

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise ValidationError("Not a whole number.")
        if not self.low <= value <= self.high:
            raise ValidationError(f"Must be between {self.low} and {self.high}.")
        return value


class PageLimit(fields.Integer):
    """`?limit=`: how many items a page holds, written in plain digits (Python's `int` would
    also read `1_0`, ` 10` or `١٠`)."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(
            load_default=100,
            validate=validate.Range(min=1, max=1000),
            metadata={"description": "items per page, 1–1000"},
            **kwargs,
        )

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> int:
        if isinstance(value, str) and not (value.isascii() and value.isdigit()):
            raise ValidationError("Not a whole number.")
        return super()._deserialize(value, attr, data, **kwargs)


class FiniteNumber(fields.Float):
    """A finite JSON number within bounds (NaN, ±Infinity and booleans are refused)."""

    def __init__(
        self, *, low: float, high: float, low_inclusive: bool = True, **kwargs: Any
    ) -> None:
        super().__init__(allow_nan=False, **kwargs)
        self.low, self.high, self.low_inclusive = low, high, low_inclusive

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> float:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ValidationError("Not a number.")
        try:
            number = float(value)
        except OverflowError:  # an integer literal beyond any float
            number = math.inf
        if not math.isfinite(number):
            raise ValidationError("Must be finite.")
        above_low = number >= self.low if self.low_inclusive else number > self.low
        if not above_low or number > self.high:
            bracket = "[" if self.low_inclusive else "("
            raise ValidationError(f"Must be in {bracket}{self.low:g}, {self.high:g}].")
        return number


class OfferedFormats(validate.OneOf):
    """The formats a route offers, read from the output registry when a query is checked (and
    when the OpenAPI document lists them), so that a registered format is offered at once."""

    def __init__(self, offer: Offer) -> None:  # not OneOf's: the registry owns the choices
        self.offer = offer
        self.labels: list[str] = []
        self.labels_text = ""
        self.error = self.default_message

    @property
    def choices(self) -> list[str]:  # type: ignore[override]
        return offered(self.offer)

    @property
    def choices_text(self) -> str:  # type: ignore[override]
        return ", ".join(self.choices)


class OutputFormat(fields.String):
    """`?format=`: JSON by default, or another format the route offers (outputs/)."""

    def __init__(self, offer: Offer, **kwargs: Any) -> None:
        super().__init__(load_default="json", validate=OfferedFormats(offer), **kwargs)


def error_paths(messages: Any, prefix: str = "") -> dict[str, list[str]]:
    """Flatten marshmallow's nested messages into {"answers.members": ["…"]}."""
    flat: dict[str, list[str]] = {}
    if isinstance(messages, Mapping):
        for key, value in messages.items():
            name = "" if key == "_schema" else str(key)
            path = ".".join(part for part in (prefix, name) if part)
            flat.update(error_paths(value, path))
    elif isinstance(messages, list) and all(isinstance(m, str) for m in messages):
        flat.setdefault(prefix or "body", []).extend(messages)
    elif isinstance(messages, list):
        for item in messages:
            for path, texts in error_paths(item, prefix).items():
                flat.setdefault(path, []).extend(texts)
    else:
        flat.setdefault(prefix or "body", []).append(str(messages))
    return flat


class ProblemSchema(Schema):
    """RFC 9457 problem details."""

    type = fields.String()
    title = fields.String()
    status = fields.Integer()
    detail = fields.String()
    errors = fields.Dict(keys=fields.String(), values=fields.List(fields.String()))
