"""What an output format is: a name and a media type, and how a route answers with it; a file
format adds its extension and how it renders a table."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterator
from typing import Any

from outputs.table import Table

Body = bytes | Iterator[str]  # whole, or streamed line by line


class OutputFormat(ABC):
    name: str
    media_type: str

    @abstractmethod
    def answer(self, table: Table, stem: str, language: str) -> Any:
        """What the route returns for `table`."""


class FileFormat(OutputFormat):
    """A download. `streams`: written row by row, so it suits exports of any size (listings); a
    format built whole in memory is offered on reports only."""

    extension: str
    streams: bool

    @abstractmethod
    def render(self, table: Table, language: str) -> Body:
        """The file's content."""

    def answer(self, table: Table, stem: str, language: str) -> Any:
        """The file, named `stem.extension`."""
        from flask import Response  # the CLIs write files without Flask

        return Response(
            self.render(table, language),
            mimetype=self.media_type,
            headers={"Content-Disposition": f'attachment; filename="{stem}.{self.extension}"'},
        )

    def content(self, table: Table, language: str) -> bytes:
        """The whole file, for the CLI."""
        body = self.render(table, language)
        return body if isinstance(body, bytes) else "".join(body).encode()
