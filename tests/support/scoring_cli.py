"""The ``python -m scoring`` command run in process through ``scoring.cli.main``, so that
mutation testing maps a command's tests to its module (mutmut cannot follow a subprocess;
the entry point itself is run as a subprocess by ``tests/scoring/test_scoring_cli.py``)."""

from __future__ import annotations

import io
from contextlib import redirect_stderr, redirect_stdout
from dataclasses import dataclass

from scoring.cli import main


@dataclass(frozen=True)
class Ran:
    """What the command wrote and its exit status."""

    returncode: int
    stdout: str
    stderr: str


def run_cli(command: str, *args: object) -> Ran:
    """``python -m scoring COMMAND ARGS...``, argparse's usage errors turned into the status."""
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        try:
            status = main([command, *map(str, args)])
        except SystemExit as usage_error:  # argparse exits on a usage error and after --help
            status = int(usage_error.code or 0)
    return Ran(status, out.getvalue(), err.getvalue())
