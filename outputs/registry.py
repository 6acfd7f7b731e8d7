"""The output formats by name: what a query's `format` may be, and the one place a route's
answer is chosen (`answer`)."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from outputs.json_document import JSON
from outputs.output_format import FileFormat, OutputFormat
from outputs.table import Table

FORMATS: dict[str, OutputFormat] = {JSON.name: JSON}
DEFAULT_LANGUAGE = "vi"


class Offer(StrEnum):
    """Which formats a route offers: a report (estimates, change, small-area) every one; a
    listing (submissions, assignments, weights, units, tables), however long, JSON and the
    formats that stream."""

    REPORT = "report"
    LISTING = "listing"


def register(output: OutputFormat) -> None:
    if output.name in FORMATS:
        raise ValueError(f"output format {output.name!r} is registered twice")
    FORMATS[output.name] = output


def offered(offer: Offer) -> list[str]:
    """The format names a route offers, JSON first (the OpenAPI enum of its `format`)."""
    return [name for name, output in FORMATS.items() if _offers(offer, output)]


def file_formats() -> dict[str, FileFormat]:
    """The formats written as files, by name (the CLI's `--format`)."""
    return {name: output for name, output in FORMATS.items() if isinstance(output, FileFormat)}


def answer(format_name: str, table: Table, stem: str, language: str = DEFAULT_LANGUAGE) -> Any:
    """What a route returns: the format asked for by `?format=`, or, where that is the default
    JSON, a streamed format the Accept header prefers to JSON (`Accept: text/csv`)."""
    output = FORMATS[format_name]
    if output is JSON:
        output = _negotiated() or JSON
    return output.answer(table, stem, language)


def _offers(offer: Offer, output: OutputFormat) -> bool:
    return offer is Offer.REPORT or not isinstance(output, FileFormat) or output.streams


def _negotiated() -> OutputFormat | None:
    from flask import request

    accepted = request.accept_mimetypes
    streamed = [o for o in file_formats().values() if o.streams and accepted[o.media_type]]
    best = max(streamed, key=lambda o: accepted[o.media_type], default=None)
    if best is None or accepted[best.media_type] <= accepted[JSON.media_type]:
        return None
    return best
