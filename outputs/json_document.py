"""JSON, the default: the route's document, serialised by its response schema."""

from __future__ import annotations

from typing import Any

from outputs.output_format import OutputFormat
from outputs.table import Table


class JsonDocument(OutputFormat):
    name = "json"
    media_type = "application/json"

    def answer(self, table: Table, stem: str, language: str) -> Any:
        return table.document()


JSON = JsonDocument()
