"""The XForms in ODK Web Forms' engine (@getodk/xforms-engine, via node): they load, enforce the
server's rules, and the instances the engine writes are accepted by the server.

Skipped when node/npm are missing or the engine cannot be installed (no network).
"""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from schemas.submissions import PRACTICES
from service.domain.round import Round
from service.openrosa.xforms import xform_for
from service.store import Store
from tests.support import factories
from tests.support.openrosa_client import FRAME, basic, post_to, stored

ENGINE_SOURCE = Path(__file__).parents[1] / "xforms_engine"  # package.json, lock, fill.mjs
HOUSEHOLD = {
    "/data/location/district": "080",
    "/data/location/commune": "02641",
    "/data/location/area": "urban",
    "/data/sampling/stratum": "080-U",
    "/data/sampling/psu": "080001",
    "/data/sampling/weight": "100.5",
    "/data/answers/members": 4,
    "/data/answers/members_15plus": 3,
    "/data/answers/fiber_available": "yes",
    "/data/answers/fiber_subscribed": "no",
    "/data/answers/mobile_4g_5g": "yes",
    "/data/answers/smartphones": 2,
    "/data/answers/members_15plus_with_epay": 2,
    "/data/answers/members_15plus_egov_mobile": 1,
}
BUSINESS = {
    **{key: value for key, value in HOUSEHOLD.items() if not key.startswith("/data/answers")},
    "/data/answers/type": "cooperative",
    "/data/answers/sector": "A",
    "/data/answers/employees": 7,
    "/data/answers/uses_it": "no",
    **{f"/data/answers/practices/{name}": "no" for name in PRACTICES},
}


REFUSED = {  # answers the server refuses, and the question the engine must flag
    "members-0": ("/data/answers/members", 0),
    "adults-above-members": ("/data/answers/members_15plus", 5),
    "egov-above-adults": ("/data/answers/members_15plus_egov_mobile", 4),
    "weight-0": ("/data/sampling/weight", "0"),
    "psu-with-space": ("/data/sampling/psu", "08 001"),
}
NO_FIBER = {key: value for key, value in HOUSEHOLD.items() if "fiber_subscribed" not in key}
CASES = {
    "household": ("household", HOUSEHOLD),
    "business": ("business", BUSINESS),
    "no-fiber": ("household", {**NO_FIBER, "/data/answers/fiber_available": "no"}),
    **{name: ("household", {**HOUSEHOLD, ref: value}) for name, (ref, value) in REFUSED.items()},
}
ROUNDS = {
    "household": factories.household_round(frame=FRAME),
    "business": factories.business_round(frame=FRAME),
}


def round_doc(body: dict[str, Any]) -> dict[str, Any]:
    """The round as stored, as far as its XForm depends on it."""
    return {**body, "_id": body["id"], "status": "open"}


@pytest.fixture(scope="module")
def engine(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A directory with the pinned engine installed (`npm ci`), outside the source tree."""
    if shutil.which("node") is None or shutil.which("npm") is None:
        pytest.skip("node and npm are needed for @getodk/xforms-engine")
    directory = tmp_path_factory.mktemp("xforms-engine")
    for name in ("package.json", "package-lock.json", "fill.mjs"):
        shutil.copy(ENGINE_SOURCE / name, directory / name)
    command = ["npm", "ci", "--prefer-offline", "--no-audit", "--no-fund"]
    installed = subprocess.run(command, cwd=directory, capture_output=True, text=True, timeout=300)
    if installed.returncode != 0:
        pytest.skip(f"npm could not install @getodk/xforms-engine: {installed.stderr[-300:]}")
    return directory


@pytest.fixture(scope="module")
def filled(engine: Path) -> dict[str, dict[str, Any]]:
    """Every case answered in the engine, in one node process.

    Each result: {"status", "violations", "relevant": {reference: bool}, "instance": xml}.
    """
    for instrument, body in ROUNDS.items():
        (engine / f"{instrument}.xml").write_bytes(xform_for(Round.from_doc(round_doc(body))).xml)
    cases = {
        name: {"form": f"{instrument}.xml", "answers": answers}
        for name, (instrument, answers) in CASES.items()
    }
    (engine / "cases.json").write_text(json.dumps(cases))
    done = subprocess.run(
        ["node", "fill.mjs", "cases.json"], cwd=engine, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


@pytest.fixture
def collector(store: Store, make_round: Callable[[dict[str, Any]], Any]) -> dict[str, str]:
    """An enumerator's credentials, with the rounds the engine's forms belong to."""
    for body in ROUNDS.values():
        make_round(body)
    doc, token = store.tokens.create("enumerator", "enum-web")
    return basic(doc["name"], token)


def post(client: FlaskClient, collector: dict[str, str], instance: str) -> TestResponse:
    return post_to(client, collector, instance.encode())


def test_household_instance_written_by_the_engine_is_stored(
    filled: dict[str, dict[str, Any]],
    client: FlaskClient,
    collector: dict[str, str],
    as_admin: dict[str, str],
) -> None:
    result = filled["household"]
    assert (result["status"], result["violations"]) == ("ready", [])
    assert post(client, collector, result["instance"]).status_code == 201
    [item] = stored(client, as_admin)
    assert item["answers"] == factories.household(fiber_subscribed=False)["answers"]
    assert item["enumerator_id"] == "enum-web"


def test_business_instance_written_by_the_engine_is_stored(
    filled: dict[str, dict[str, Any]],
    client: FlaskClient,
    collector: dict[str, str],
    as_admin: dict[str, str],
) -> None:
    result = filled["business"]
    assert (result["status"], result["violations"]) == ("ready", [])
    assert result["relevant"]["/data/answers/e_transactions"] is False
    assert post(client, collector, result["instance"]).status_code == 201
    [item] = stored(client, as_admin, "biz-test")
    assert (item["answers"]["uses_it"], item["answers"]["e_transactions"]) == (False, False)


def test_engine_asks_fiber_subscription_only_when_fiber_is_available(
    filled: dict[str, dict[str, Any]],
    client: FlaskClient,
    collector: dict[str, str],
    as_admin: dict[str, str],
) -> None:
    assert filled["household"]["relevant"]["/data/answers/fiber_subscribed"] is True
    result = filled["no-fiber"]
    assert result["relevant"]["/data/answers/fiber_subscribed"] is False
    assert "<fiber_subscribed" not in result["instance"]
    assert post(client, collector, result["instance"]).status_code == 201
    assert stored(client, as_admin)[0]["answers"]["fiber_subscribed"] is False


@pytest.mark.parametrize("case", REFUSED)
def test_engine_refuses_what_the_server_refuses(
    filled: dict[str, dict[str, Any]], case: str
) -> None:
    reference, _ = REFUSED[case]
    assert filled[case]["status"] == "pending"
    assert reference in filled[case]["violations"]
