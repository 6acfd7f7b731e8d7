"""CPU time spent by a process tree and by this process, per role, over a measured phase.

`utime + stime` from `/proc/<pid>/stat` (Linux), sampled before and after: on a machine shared
with other work this is steadier than wall-clock latency, and it says which process a request's
cost lands in (docs/benchmarks.md "Where the single-submission target stands").
"""

from __future__ import annotations

import os
from collections import Counter
from pathlib import Path

TICKS = os.sysconf("SC_CLK_TCK")
ROLES = (("nx_27017", "store"), ("gunicorn: worker", "workers"))


def _stat(pid: int) -> list[str]:
    text = Path(f"/proc/{pid}/stat").read_text()
    return text[text.rindex(")") + 2 :].split()


def _tree(root: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                children.setdefault(int(_stat(int(entry.name))[1]), []).append(int(entry.name))
            except OSError:  # the process ended meanwhile
                continue
    found, todo = [], [root]
    while todo:
        pid = todo.pop()
        found.append(pid)
        todo += children.get(pid, [])
    return found


def _role(pid: int) -> str:
    command = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ")
    return next((role for marker, role in ROLES if marker.encode() in command), "other")


def cpu_by_role(root: int) -> Counter[str]:
    """CPU seconds so far of every process under `root`, by role, plus this process's."""
    seconds: Counter[str] = Counter()
    for pid in _tree(root):
        try:
            fields = _stat(pid)
            seconds[_role(pid)] += (int(fields[11]) + int(fields[12])) / TICKS
        except OSError:
            continue
    own = os.times()
    seconds["client"] += own.user + own.system
    return seconds
