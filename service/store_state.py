"""What the supervisor knows about the embedded store, told to the app's probes through a file.

`python -m service serve` watches the embedded store and writes its state to the file named by
SURVEY_STORE_STATE; `/readyz` and `/healthz` read it (docs/operations.md "Store supervision").
Without the setting (a real MongoDB, or tests), there is no state and the probes ping only.
"""

from __future__ import annotations

import os
from enum import StrEnum
from pathlib import Path


class StoreState(StrEnum):
    RUNNING = "running"
    RESTARTING = "restarting"  # it died; the supervisor is starting it again
    FAILED = "failed"  # it died and could not be started again: the process needs a restart


def write_state(path: Path, state: StoreState) -> None:
    """Replace the file atomically, so a reader never sees half a word."""
    partial = path.with_name(path.name + ".tmp")
    partial.write_text(state.value + "\n")
    os.replace(partial, path)


def read_state(path: str | os.PathLike[str] | None) -> StoreState | None:
    if not path:
        return None
    try:
        return StoreState(Path(path).read_text().strip())
    except (OSError, ValueError):
        return None
