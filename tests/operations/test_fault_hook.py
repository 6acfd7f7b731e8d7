"""The tests' kill switch is read once, when the app starts: the write path never reads the
environment (a process whose environment changes later is not affected)."""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient

from service.cells.writes import KILL_BEFORE_CELLS, ledger_of
from service.store import Store
from tests.support import factories


def test_an_app_started_without_the_fault_setting_has_no_hook(store: Store) -> None:
    assert ledger_of(store).before_cells is None


def test_setting_the_kill_switch_after_the_start_changes_nothing(
    client: FlaskClient,
    make_round,
    as_enumerator: dict[str, str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    make_round(factories.household_round("hh-no-kill"))
    payload = factories.household()
    monkeypatch.setenv(KILL_BEFORE_CELLS, payload["submission_id"])

    sent = client.post("/api/v1/rounds/hh-no-kill/submissions", json=payload, headers=as_enumerator)

    assert sent.status_code == 201  # and this test process is still alive
