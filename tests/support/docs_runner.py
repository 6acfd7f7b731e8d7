"""Run the `bash` blocks of a Markdown document as one shell script, checking documented statuses.

A command that prints its HTTP status (`curl -w ' %{http_code}\\n'`) and whose last line ends
with a comment starting with a status code (`# 201 created`) is checked against that code; every
other command must merely succeed (`set -eu`). See docs/api.md, "Writing examples in these docs".
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

BASH_BLOCK = re.compile(r"^```bash\n(.*?)^```", re.DOTALL | re.MULTILINE)
EXPECTED_STATUS = re.compile(r"^(?P<command>.*\S)\s+#\s*(?P<status>[1-5]\d\d)\b(?P<rest>.*)$")
HEREDOC = re.compile(r"<<-?\s*'?(?P<tag>[A-Za-z_]+)'?")

PRELUDE = r"""set -eu
__expect() {
  local out last
  out=$(cat)
  printf '%s\n' "$out"
  last=${out##*[[:space:]]}
  if [ "$last" != "$1" ]; then
    printf 'documented status %s, got: %s\n' "$1" "$out" >&2
    return 1
  fi
}
"""


def bash_blocks(markdown: str) -> list[str]:
    return [match.group(1) for match in BASH_BLOCK.finditer(markdown)]


def _unbalanced_double_quotes(text: str) -> bool:
    quotes = len(re.findall(r'(?<!\\)"', re.sub(r"'[^']*'", "", text)))
    return quotes % 2 == 1


def _check_status(command: list[str]) -> list[str]:
    """Pipe a status-printing command into __expect when its comment documents a status."""
    last = EXPECTED_STATUS.match(command[-1])
    if not last or not any("%{http_code}" in line for line in command):
        return command
    status, rest = last.group("status"), last.group("rest")
    return [*command[:-1], f"{last.group('command')} | __expect {status}  # {status}{rest}"]


def checked_script(block: str) -> str:
    """The block with every documented status turned into a check."""
    out: list[str] = []
    command: list[str] = []
    heredoc_end: str | None = None
    for line in block.splitlines():
        if heredoc_end is not None:
            out.append(line)
            heredoc_end = None if line.strip() == heredoc_end else heredoc_end
            continue
        command.append(line)
        joined = "\n".join(command)
        if line.endswith("\\") or _unbalanced_double_quotes(joined):
            continue
        out.extend(_check_status(command))
        heredoc = HEREDOC.search(joined)
        heredoc_end = heredoc.group("tag") if heredoc else None
        command = []
    out.extend(command)
    return "\n".join(out)


def document_script(markdown: str, base_url: str) -> str:
    blocks = [checked_script(block) for block in bash_blocks(markdown)]
    return PRELUDE + "\n".join(blocks).replace("http://127.0.0.1:8000", base_url)


def run_document(
    path: Path, base_url: str, cwd: Path, timeout: float = 300
) -> subprocess.CompletedProcess[str]:
    script = document_script(path.read_text(encoding="utf-8"), base_url)
    return subprocess.run(
        ["bash", "-c", script],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
