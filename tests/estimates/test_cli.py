"""The command line: `python -m service token create | demo | import`."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from flask.testing import FlaskClient

from service.__main__ import main
from service.demo import BUSINESS_ROUND, HOUSEHOLD_ROUND, HOUSEHOLD_ROUND_2024, HOUSEHOLD_ROUND_2026
from service.store import Store
from tests.support.factories import household, household_round
from tests.support.servers import ROOT, EmbeddedStore


@dataclass
class Done:
    returncode: int
    stdout: str
    stderr: str


@pytest.fixture
def cli(
    store_server: EmbeddedStore,
    database_name: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> Callable[..., Done]:
    """Run `python -m service ARGS` in this process against this test's database."""

    def run(*args: str, env: dict[str, str] | None = None) -> Done:
        environment = {"MONGODB_URI": store_server.uri, "SURVEY_DB": database_name, **(env or {})}
        for name, value in environment.items():
            monkeypatch.setenv(name, value)
        capsys.readouterr()
        try:
            code = main(list(args))
        except SystemExit as exit_:
            code = exit_.code if isinstance(exit_.code, int) else 1
            if isinstance(exit_.code, str):
                print(exit_.code, file=sys.stderr)
        out, err = capsys.readouterr()
        return Done(code, out, err)

    return run


def test_python_dash_m_service_runs_as_a_process(
    store_server: EmbeddedStore, database_name: str, store: Store
) -> None:
    env = {
        **os.environ,
        "MONGODB_URI": store_server.uri,
        "SURVEY_DB": database_name,
        "PYTHONPATH": str(ROOT),
    }
    done = subprocess.run(
        [sys.executable, "-m", "service", "token", "create", "--role", "planner", "--name", "p"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert done.returncode == 0, done.stderr
    assert store.tokens.authenticate(json.loads(done.stdout)["token"])["role"] == "planner"


def test_token_create_prints_a_working_token_once(cli: Callable, store: Store) -> None:
    done = cli("token", "create", "--role", "enumerator", "--name", "phone-42")

    issued = json.loads(done.stdout)
    assert done.returncode == 0
    assert (issued["role"], issued["name"]) == ("enumerator", "phone-42")
    assert store.tokens.authenticate(issued["token"])["_id"] == issued["id"]


def test_token_create_refuses_an_unknown_role(cli: Callable) -> None:
    done = cli("token", "create", "--role", "root", "--name", "x")

    assert done.returncode == 2
    assert "invalid choice" in done.stderr


def test_a_store_command_without_mongodb_uri_explains_what_to_set(cli: Callable) -> None:
    done = cli("token", "create", "--role", "planner", "--name", "x", env={"MONGODB_URI": ""})

    assert done.returncode != 0
    assert "MONGODB_URI" in done.stderr


def test_demo_writes_the_rounds_and_their_submissions_as_files(
    cli: Callable, tmp_path: Path
) -> None:
    done = cli("demo", "--out", str(tmp_path))

    assert done.returncode == 0
    rounds = json.loads((tmp_path / "rounds.json").read_text())
    assert {r["id"] for r in rounds} == {
        HOUSEHOLD_ROUND_2024,
        HOUSEHOLD_ROUND,
        BUSINESS_ROUND,
        HOUSEHOLD_ROUND_2026,
    }
    for round_id in (HOUSEHOLD_ROUND_2024, HOUSEHOLD_ROUND, BUSINESS_ROUND, HOUSEHOLD_ROUND_2026):
        lines = (tmp_path / f"{round_id}.jsonl").read_text().splitlines()
        assert lines and all(json.loads(line)["submission_id"] for line in lines)


def test_demo_load_twice_reports_only_duplicates_the_second_time(
    cli: Callable, store: Store
) -> None:
    first = json.loads(cli("demo", "--load").stdout)
    second = json.loads(cli("demo", "--load").stdout)

    for round_id in (HOUSEHOLD_ROUND, BUSINESS_ROUND):
        created = first[round_id]["created"]
        assert created > 0 and first[round_id]["invalid"] == 0
        assert second[round_id] | {"errors": []} == {
            "created": 0,
            "duplicate": created,
            "conflict": 0,
            "invalid": 0,
            "errors": [],
        }
        assert store.submissions.count(round_id) == created


@pytest.fixture
def exported_csv(
    client: FlaskClient,
    as_admin: dict[str, str],
    as_enumerator: dict[str, str],
    make_round: Callable[[dict], dict],
    tmp_path: Path,
) -> Path:
    """Thirty submissions of round `source`, exported through the API's CSV."""
    payloads = [household() for _ in range(30)]
    payloads[0]["location"]["village"] = "Bản Phố"
    payloads[1]["location"]["gps"] = {"lat": 22.48, "lon": 103.97, "accuracy_m": 4.5}
    return export_of(client, as_admin, as_enumerator, make_round, payloads, tmp_path)


def export_of(
    client: FlaskClient,
    as_admin: dict[str, str],
    as_enumerator: dict[str, str],
    make_round: Callable[[dict], dict],
    payloads: list[dict],
    tmp_path: Path,
) -> Path:
    """Round `source` holding `payloads`, exported through the API's CSV."""
    make_round(household_round("source"))
    client.post(
        "/api/v1/rounds/source/submissions/batch",
        json={"submissions": payloads},
        headers=as_enumerator,
    )
    response = client.get("/api/v1/rounds/source/submissions?format=csv", headers=as_admin)
    path = tmp_path / "source.csv"
    path.write_bytes(response.data)
    return path


def comparable(client: FlaskClient, headers: dict[str, str], round_id: str) -> list[dict]:
    """The exported rows without what differs between rounds (reception time)."""
    text = client.get(
        f"/api/v1/rounds/{round_id}/submissions?format=csv", headers=headers
    ).get_data(as_text=True)
    return [
        {k: v for k, v in row.items() if k != "received_at"}
        for row in csv.DictReader(io.StringIO(text))
    ]


def test_importing_an_exported_csv_into_another_round_reproduces_it(
    cli: Callable,
    client: FlaskClient,
    as_admin: dict[str, str],
    make_round: Callable[[dict], dict],
    exported_csv: Path,
) -> None:
    make_round(household_round("copy"))

    done = cli("import", "copy", str(exported_csv))

    assert done.returncode == 0, done.stdout + done.stderr
    assert json.loads(done.stdout)["created"] == 30
    assert comparable(client, as_admin, "copy") == comparable(client, as_admin, "source")


def test_importing_the_same_csv_again_reports_duplicates(
    cli: Callable, make_round: Callable[[dict], dict], exported_csv: Path
) -> None:
    make_round(household_round("copy"))
    cli("import", "copy", str(exported_csv))

    summary = json.loads(cli("import", "copy", str(exported_csv)).stdout)

    assert (summary["created"], summary["duplicate"]) == (0, 30)


FORMULA_LIKE = ["=1+1", "+84 912", "-enum", "@home", "'quoted", "''twice", "'=both", "-5"]


def test_an_export_imported_into_its_own_round_is_all_duplicates(
    cli: Callable,
    client: FlaskClient,
    as_admin: dict[str, str],
    as_enumerator: dict[str, str],
    make_round: Callable[[dict], dict],
    tmp_path: Path,
) -> None:
    """The `'` the export puts before formula-like text comes off again on import, and only
    that one: text that itself starts with `'` survives the round trip too."""
    payloads = [household() for _ in FORMULA_LIKE]
    for payload, text in zip(payloads, FORMULA_LIKE, strict=True):
        payload["enumerator_id"] = text
        payload["location"]["village"] = text
    path = export_of(client, as_admin, as_enumerator, make_round, payloads, tmp_path)

    done = cli("import", "source", str(path))

    assert done.returncode == 0, done.stdout + done.stderr
    summary = json.loads(done.stdout)
    assert (summary["duplicate"], summary["conflict"]) == (len(FORMULA_LIKE), 0)


def test_importing_jsonl_stores_each_line(
    cli: Callable, store: Store, make_round: Callable[[dict], dict], tmp_path: Path
) -> None:
    make_round(household_round())
    path = tmp_path / "interviews.jsonl"
    path.write_text("".join(json.dumps(household()) + "\n" for _ in range(4)) + "\n")

    done = cli("import", "hh-test", str(path))

    assert done.returncode == 0
    assert json.loads(done.stdout)["created"] == 4
    assert store.submissions.count("hh-test") == 4


def test_an_import_with_invalid_rows_stores_the_valid_ones_and_exits_1(
    cli: Callable, store: Store, make_round: Callable[[dict], dict], tmp_path: Path
) -> None:
    make_round(household_round())
    path = tmp_path / "mixed.jsonl"
    path.write_text(json.dumps(household()) + "\n" + json.dumps(household(members=0)) + "\n")

    done = cli("import", "hh-test", str(path))

    summary = json.loads(done.stdout)
    assert done.returncode == 1
    assert (summary["created"], summary["invalid"]) == (1, 1)
    assert summary["errors"] == [{"answers.members": ["Must be between 1 and 50."]}]
    assert store.submissions.count("hh-test") == 1


def test_importing_into_an_unknown_round_fails_with_a_message(
    cli: Callable, tmp_path: Path
) -> None:
    path = tmp_path / "one.jsonl"
    path.write_text(json.dumps(household()) + "\n")

    done = cli("import", "no-such-round", str(path))

    assert done.returncode != 0
    assert "no-such-round" in done.stderr
