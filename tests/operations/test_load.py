"""A bounded load run (bench/load.py): concurrent enumerators and planners, no errors, no losses."""

from __future__ import annotations

import pytest

from bench.load import ESTIMATES, SUBMIT, run_load
from tests.support.servers import GunicornServer

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def report(live_server: GunicornServer):
    return run_load(live_server.url, live_server.admin_token, enumerators=8, planners=2, seconds=10)


def test_a_bounded_load_run_has_no_errors(report) -> None:
    assert report.errors == []


def test_every_acknowledged_submission_is_stored_exactly_once(report) -> None:
    assert report.stored == len(report.acknowledged)


def test_both_enumerators_and_planners_were_served(report) -> None:
    assert report.percentiles(SUBMIT)["n"] > 50
    assert report.percentiles(ESTIMATES)["n"] > 2
