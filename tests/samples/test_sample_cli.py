"""`python -m service sample import ROUND FILE`: the API's checks, a progress bar on big files."""

from __future__ import annotations

import csv
import json
from pathlib import Path

from service.store import Store
from tests.estimates.test_cli import cli as cli_fixture
from tests.support.factories import household_round, sample_row, small_sample

cli = cli_fixture  # the fixture that runs `python -m service` in this process

FIXTURE = Path(__file__).parents[1] / "fixtures" / "sample_round" / "sample.csv"


def make_round(store: Store, round_id: str = "hh-cli-sample") -> str:
    doc = household_round(round_id)
    store.rounds.create({**doc, "design": {"lonely_psu": "adjust"}})
    return round_id


def write_csv(path: Path, rows: list[dict]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows({k: "" if v is None else v for k, v in row.items()} for row in rows)
    return path


def test_a_sample_file_is_imported(cli, store: Store) -> None:
    done = cli("sample", "import", make_round(store), str(FIXTURE))
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == {"assignments": 80, "psus": 14, "strata": 5, "changed": True}
    assert len(store.assignments.of_round("hh-cli-sample")) == 80


def test_importing_the_same_file_again_changes_nothing(cli, store: Store) -> None:
    round_id = make_round(store)
    cli("sample", "import", round_id, str(FIXTURE))
    again = cli("sample", "import", round_id, str(FIXTURE))
    assert json.loads(again.stdout)["changed"] is False


def test_a_bad_file_prints_its_errors_and_stores_nothing(cli, store: Store, tmp_path) -> None:
    rows = [*small_sample(), sample_row("A-001")]
    done = cli("sample", "import", make_round(store), str(write_csv(tmp_path / "s.csv", rows)))
    assert done.returncode == 1
    assert list(json.loads(done.stdout)["errors"]) == ["line.8.assignment_id"]
    assert store.assignments.of_round("hh-cli-sample") == []


def test_a_large_file_shows_a_progress_bar(cli, store: Store, tmp_path) -> None:
    rows = [sample_row(f"U-{i:05d}") for i in range(5000)]
    done = cli("sample", "import", make_round(store), str(write_csv(tmp_path / "big.csv", rows)))
    assert done.returncode == 0, done.stderr
    assert "validating [" in done.stderr and "100% 5000/5000 rows" in done.stderr
