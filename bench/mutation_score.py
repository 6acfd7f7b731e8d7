"""Summarise ``mutmut results --all true`` (read on stdin) as a mutation score per module.

usage: .venv/bin/mutmut results --all true | .venv/bin/python bench/mutation_score.py

score = killed / (killed + survived + no tests + timeout); "not checked" mutants (a run
stopped early) are counted apart, so a partial run says how far it got.
"""

from __future__ import annotations

import sys
from collections import Counter, defaultdict

CAUGHT = ("killed", "timeout", "segfault", "caught by type check")
MISSED = ("survived", "no tests", "suspicious")


def main() -> None:
    per_module: dict[str, Counter[str]] = defaultdict(Counter)
    for line in sys.stdin:
        name, _, status = line.strip().rpartition(": ")
        if "__mutmut_" in name:
            module = name.rsplit(".", 1)[0]
            per_module[module][status] += 1
    total: Counter[str] = Counter()
    print("| module | killed | survived or untested | not checked | score |")
    print("|---|---:|---:|---:|---:|")
    for module in sorted(per_module):
        counts = per_module[module]
        total += counts
        print(_row(module, counts))
    print(_row("**all**", total))


def _row(name: str, counts: Counter[str]) -> str:
    caught = sum(counts[s] for s in CAUGHT)
    missed = sum(counts[s] for s in MISSED)
    checked = caught + missed
    score = f"{100 * caught / checked:.1f} %" if checked else "n/a"
    return f"| {name} | {caught} | {missed} | {counts['not checked']} | {score} |"


if __name__ == "__main__":
    main()
