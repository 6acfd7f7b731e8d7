"""The audit log (docs/design.md §11): one entry per write, newest first, admin only, no way to
change it."""

from __future__ import annotations

import re
from pathlib import Path

from flask.testing import FlaskClient

from service.store import Store
from tests.support import factories

ROOT = Path(__file__).resolve().parents[2]


def audit(client: FlaskClient, headers: dict[str, str], **query: str) -> list[dict]:
    response = client.get("/api/v1/audit", query_string=query, headers=headers)
    assert response.status_code == 200, response.json
    return response.json["items"]


def test_issuing_and_revoking_a_token_are_audited_with_the_actor(
    client: FlaskClient, as_admin: dict[str, str], store: Store
) -> None:
    issued = client.post(
        "/api/v1/tokens", json={"role": "planner", "name": "planner-a"}, headers=as_admin
    ).json
    client.delete(f"/api/v1/tokens/{issued['id']}", headers=as_admin)
    revoke, create = audit(client, as_admin)[:2]
    admin_id = store.tokens.authenticate(as_admin["Authorization"].split()[1])["_id"]
    assert (create["action"], create["target"]) == ("token.create", issued["id"])
    assert (revoke["action"], revoke["target"]) == ("token.revoke", issued["id"])
    assert create["actor"] == {"token_id": admin_id, "role": "admin"}
    assert create["request_id"]


def test_creating_and_changing_a_round_are_audited_under_the_round(
    client: FlaskClient, as_admin: dict[str, str], make_round
) -> None:
    make_round(factories.household_round("audited"))
    client.patch("/api/v1/rounds/audited", json={"title": "Renamed"}, headers=as_admin)
    entries = audit(client, as_admin, round="audited")
    assert [e["action"] for e in entries] == ["round.update", "round.create"]


def test_entries_filter_by_action_and_actor_and_page_newest_first(
    client: FlaskClient, as_admin: dict[str, str], store: Store
) -> None:
    for n in range(5):
        client.post("/api/v1/tokens", json={"role": "planner", "name": f"p{n}"}, headers=as_admin)
    admin_id = store.tokens.authenticate(as_admin["Authorization"].split()[1])["_id"]
    first = client.get(
        "/api/v1/audit",
        query_string={"action": "token.create", "actor": admin_id, "limit": 3},
        headers=as_admin,
    ).json
    second = audit(client, as_admin, action="token.create", limit="3", after=first["next"])
    ids = [e["id"] for e in first["items"] + second]
    assert len(ids) == len(set(ids)) == 5
    assert ids == sorted(ids, reverse=True)


def test_the_audit_log_is_read_only(client: FlaskClient, as_admin: dict[str, str]) -> None:
    for method in ("post", "put", "patch", "delete"):
        response = getattr(client, method)("/api/v1/audit", json={}, headers=as_admin)
        assert response.status_code == 405


def test_an_unknown_action_filter_is_refused(client: FlaskClient, as_admin: dict[str, str]) -> None:
    response = client.get("/api/v1/audit?action=token.delete", headers=as_admin)
    assert response.status_code == 422
    assert "action" in str(response.json["errors"])


def test_no_code_outside_the_audit_module_appends_to_the_log() -> None:
    writers = [
        path.relative_to(ROOT).as_posix()
        for folder in ("service", "schemas", "catalogue", "scoring")
        for path in (ROOT / folder).rglob("*.py")
        if re.search(r"\.audit\.append\(|\[\"audit\"\]", path.read_text(encoding="utf-8"))
    ]
    assert writers == ["service/audit/log.py", "service/store/__init__.py"]


def test_every_stored_submission_is_audited_once_batch_items_included(
    client: FlaskClient, as_admin: dict[str, str], as_enumerator: dict[str, str], make_round
) -> None:
    make_round(factories.household_round("audited-intake"))
    url = "/api/v1/rounds/audited-intake/submissions"
    single = factories.household()
    batch = [factories.household() for _ in range(3)]
    client.post(url, json=single, headers=as_enumerator)
    client.post(url, json=single, headers=as_enumerator)  # a replay stores nothing
    client.post(f"{url}/batch", json={"submissions": [*batch, single]}, headers=as_enumerator)
    entries = audit(client, as_admin, round="audited-intake", action="submission.create")
    targets = sorted(entry["target"] for entry in entries)
    assert targets == sorted(doc["submission_id"] for doc in [single, *batch])


def test_sample_imports_and_field_operations_are_audited(
    client: FlaskClient, as_admin: dict[str, str], make_sample_round
) -> None:
    round_id = make_sample_round("audited-sample")
    client.patch(
        f"/api/v1/rounds/{round_id}/assignments/A-001",
        json={"enumerator": "enum-02"},
        headers=as_admin,
    )
    client.post(
        f"/api/v1/rounds/{round_id}/sample/rows",
        json={"assignments": [factories.sample_row("A-009")]},
        headers=as_admin,
    )
    entries = audit(client, as_admin, round=round_id)
    assert [(e["action"], e["target"]) for e in entries[:3]] == [
        ("sample.import", "A-009"),
        ("assignment.update", "A-001"),
        ("sample.import", round_id),
    ]


def test_a_batch_is_audited_once_per_stored_submission_in_one_stored_document(
    client: FlaskClient, as_admin: dict[str, str], as_enumerator: dict[str, str], store: Store
) -> None:
    make = client.post("/api/v1/rounds", json=factories.household_round("packed"), headers=as_admin)
    assert make.status_code == 201
    batches = [[factories.household() for _ in range(5)], [factories.household() for _ in range(3)]]
    for batch in batches:
        url = "/api/v1/rounds/packed/submissions/batch"
        assert (
            client.post(url, json={"submissions": batch}, headers=as_enumerator).status_code == 200
        )

    entries, after = [], None
    while True:
        query = {"round": "packed", "action": "submission.create", "limit": "3"}
        page = client.get(
            "/api/v1/audit",
            query_string=query | ({"after": after} if after else {}),
            headers=as_admin,
        ).json
        entries += page["items"]
        if not (after := page["next"]):
            break

    stored_ids = {payload["submission_id"] for batch in batches for payload in batch}
    assert sorted(entry["target"] for entry in entries) == sorted(stored_ids)
    assert [e["id"] for e in entries] == sorted({e["id"] for e in entries}, reverse=True)
    stored = store.audit.collection.count_documents({"round_id": "packed"})
    assert stored == 1 + len(batches)  # the round's creation, one document per batch


def test_entries_of_writes_stored_at_the_same_time_page_newest_first(store: Store) -> None:
    """Two workers' batches interleave in time: their entries still come strictly newest first."""

    def entry(number: int, request: str) -> dict:
        entry_id = f"e{number:014x}-000000-{request}"
        shared = {"at": "2026-12-07T00:00:00Z", "action": "submission.create", "actor": {}}
        return {
            "_id": entry_id,
            "position": entry_id,
            **shared,
            "round_id": "interleaved",
            "target": str(number),
            "request_id": request,
        }

    store.audit.append([entry(n, "aaaa") for n in (1, 3, 5)])
    store.audit.append([entry(n, "bbbb") for n in (2, 4, 6)])

    pages, after = [], None
    for _ in range(3):
        page = store.audit.page({"round_id": "interleaved"}, 2, after)
        pages.append([e["target"] for e in page])
        after = page[-1]["_id"]
    assert pages == [["6", "5"], ["4", "3"], ["2", "1"]]
    assert store.audit.count({"round_id": "interleaved"}) == 6
