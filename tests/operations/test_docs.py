"""The documented commands run as written: every `bash` block of the README and of docs/*.md.

Each document runs in one shell, in order, against a fresh `make run`-style server (`python -m
service serve --demo`, embedded store, its own data folder) from a folder that looks like the
repository root, so `var/admin-token`, `var/store-uri` and `.venv/bin/python` work as written.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from tests.support.docs_runner import bash_blocks, checked_script, run_document
from tests.support.servers import ROOT, free_port

DOCUMENTS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
DOCUMENTS_WITH_COMMANDS = [doc for doc in DOCUMENTS if bash_blocks(doc.read_text("utf-8"))]


class DocsServer:
    def __init__(self, root: Path) -> None:
        self.root, self.port = root, free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self, timeout: float = 120) -> DocsServer:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("MONGODB_", "SURVEY_"))}
        env["SURVEY_DATA_DIR"] = str(self.root / "var")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "service", "serve", "--demo", "--port", str(self.port)],
            cwd=self.root,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=(self.root / "server.log").open("wb"),
            start_new_session=True,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            assert self.process.poll() is None, (self.root / "server.log").read_text()[-3000:]
            try:
                if requests.get(f"{self.url}/readyz", timeout=1).ok:
                    return self
            except requests.RequestException:
                pass
            time.sleep(0.2)
        raise RuntimeError("the documented server did not start")

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGINT)
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()


def repository_lookalike(path: Path) -> Path:
    """A folder with the repository's entries (not its `var/`), as a new user's clone."""
    path.mkdir()
    for entry in ROOT.iterdir():
        if entry.name not in {"var", ".git"}:
            (path / entry.name).symlink_to(entry)
    return path


@pytest.fixture(scope="module")
def documented_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DocsServer]:
    root = repository_lookalike(tmp_path_factory.mktemp("docs") / "clone")
    server = DocsServer(root).start()
    try:
        yield server
    finally:
        server.stop()


@pytest.mark.parametrize("document", DOCUMENTS_WITH_COMMANDS, ids=lambda p: p.name)
def test_every_documented_command_runs_as_written(
    document: Path, documented_server: DocsServer
) -> None:
    result = run_document(document, documented_server.url, documented_server.root)
    assert result.returncode == 0, f"{document.name}:\n{result.stderr[-3000:]}"


def test_a_command_answering_another_status_than_documented_fails(
    documented_server: DocsServer, tmp_path: Path
) -> None:
    document = tmp_path / "wrong.md"
    document.write_text(
        "```bash\ncurl -s -w ' %{http_code}\\n' http://127.0.0.1:8000/healthz   # 404 gone\n```\n"
    )
    result = run_document(document, documented_server.url, documented_server.root)
    assert result.returncode != 0
    assert "documented status 404" in result.stderr


def test_a_failing_command_fails_the_document(
    documented_server: DocsServer, tmp_path: Path
) -> None:
    document = tmp_path / "broken.md"
    document.write_text("```bash\n.venv/bin/python -m service no-such-command\necho after\n```\n")
    result = run_document(document, documented_server.url, documented_server.root)
    assert result.returncode != 0
    assert "after" not in result.stdout


def test_status_comments_are_checked_on_the_last_line_of_a_continued_command() -> None:
    script = checked_script(
        "curl -s -w ' %{http_code}\\n' -X POST $URL \\\n  -d @body.json   # 201 created\n"
    )
    assert script.splitlines()[-1].strip().startswith("-d @body.json | __expect 201")


def test_heredoc_bodies_are_left_as_they_are() -> None:
    block = "cat > /tmp/x <<'EOF'\nprint(1)   # 404 is not a status here\nEOF\necho done\n"
    assert checked_script(block) == block.rstrip("\n")
