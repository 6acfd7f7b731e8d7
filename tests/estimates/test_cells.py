"""Cells: after any sequence of writes they equal a recount from the submissions."""

from __future__ import annotations

import contextlib
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from flask.testing import FlaskClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from schemas.rounds import RoundCreateSchema
from service.cells import waiting
from service.cells.processes import SILENT_SECONDS, is_running, new_write_id, this_process
from service.cells.reading import read_cells
from service.cells.writes import record, replace, set_in_estimates
from service.domain.round import Round
from service.rounds.model import round_to_store
from service.store import Store
from service.store.cells import head_id, legacy_fields
from service.store.clock import utc_now
from service.submissions.ingest import (
    SubmissionInvalid,
    submit_batch,
    submit_one,
    to_document,
    validate,
)
from tests.support.cells_recount import assert_cells_equal_a_recount
from tests.support.factories import household, household_round

# Three cells: two PSUs of one stratum, one of them split by area.
PLACES = [
    ({"district": "080", "commune": "02641", "area": "urban"}, "080-U", "080001"),
    ({"district": "080", "commune": "02641", "area": "rural"}, "080-U", "080001"),
    ({"district": "082", "commune": "02700", "area": "urban"}, "080-U", "082001"),
]


def new_round(store: Store) -> Round:
    body = RoundCreateSchema().load(household_round(f"hh-{uuid.uuid4().hex[:10]}"))
    return Round.from_doc(store.rounds.create(round_to_store(body)))


def interview(submission_id: str, place: int, weight: float, smartphones: int) -> dict[str, Any]:
    location, stratum, psu = PLACES[place]
    payload = household(submission_id, smartphones=smartphones, members_15plus_with_epay=1)
    payload["location"] = dict(location)
    payload["sampling"] = {"stratum": stratum, "psu": psu, "weight": weight}
    return payload


def content_of(survey_round: Round, payload: dict[str, Any]) -> dict[str, Any]:
    data = validate(survey_round, payload)
    doc = to_document(survey_round, data, token_id="t", source="json", raw="")
    return {key: doc[key] for key in ("location", "sampling", "answers", "content_hash", "agg")}


new_interview = st.tuples(
    st.integers(0, len(PLACES) - 1),
    st.floats(1.0, 500.0, allow_nan=False),
    st.integers(0, 3),
)
operation = st.one_of(
    st.tuples(st.just("submit"), new_interview),
    st.tuples(st.just("replay"), st.integers(0, 50)),
    st.tuples(st.just("conflict"), st.integers(0, 50)),
    st.tuples(
        st.just("batch"),
        st.lists(
            st.one_of(
                st.tuples(st.just("new"), new_interview),
                st.tuples(st.just("replay"), st.integers(0, 50)),
                st.tuples(st.just("conflict"), st.integers(0, 50)),
                st.tuples(st.just("invalid"), st.just(0)),
            ),
            max_size=6,
        ),
    ),
    st.tuples(st.just("flip"), st.tuples(st.integers(0, 50), st.booleans())),
    st.tuples(st.just("replace"), st.tuples(st.integers(0, 50), new_interview)),
)


class Sequence:
    """Applies operations to one round the way the service would, remembering what is stored."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.round = new_round(store)
        self.sent: list[dict[str, Any]] = []

    def pick(self, index: int) -> dict[str, Any] | None:
        return self.sent[index % len(self.sent)] if self.sent else None

    def item(self, kind: str, argument: Any) -> dict[str, Any] | None:
        match kind:
            case "new":
                payload = interview(str(uuid.uuid4()), *argument)
                self.sent.append(payload)
                return payload
            case "replay":
                return self.pick(argument)
            case "conflict":
                stored = self.pick(argument)
                if stored is None:
                    return None
                smartphones = (stored["answers"]["smartphones"] + 1) % 4
                return interview(stored["submission_id"], 0, 7.0, smartphones)
            case _:
                return {"submission_id": str(uuid.uuid4())}

    def apply(self, kind: str, argument: Any) -> None:
        round_id = self.round.id
        match kind:
            case "submit" | "replay" | "conflict":
                payload = self.item("new" if kind == "submit" else kind, argument)
                if payload is not None:
                    submit_one(self.store, self.round, payload, token_id="t")
            case "batch":
                items = [self.item(k, a) for k, a in argument]
                payloads = [p for p in items if p is not None]
                submit_batch(self.store, self.round, payloads, token_id="t")
            case "flip":
                stored = self.pick(argument[0])
                if stored is not None:
                    set_in_estimates(self.store, round_id, stored["submission_id"], argument[1])
            case "replace":
                stored = self.pick(argument[0])
                if stored is not None:
                    changed = interview(stored["submission_id"], *argument[1])
                    content = content_of(self.round, changed)
                    replace(self.store, round_id, stored["submission_id"], content)


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(operations=st.lists(operation, max_size=12))
def test_cells_equal_a_recount_after_any_sequence_of_writes(
    store: Store, operations: list[tuple[str, Any]]
) -> None:
    sequence = Sequence(store)
    for kind, argument in operations:
        with contextlib.suppress(SubmissionInvalid):
            sequence.apply(kind, argument)
    assert_cells_equal_a_recount(store, sequence.round.id)


def test_a_flip_out_of_estimates_and_back_restores_the_cells(store: Store) -> None:
    sequence = Sequence(store)
    sequence.apply("submit", (0, 100.0, 1))
    sequence.apply("submit", (2, 50.0, 0))
    round_id, first = sequence.round.id, sequence.sent[0]["submission_id"]

    assert set_in_estimates(store, round_id, first, False) is True
    assert set_in_estimates(store, round_id, first, False) is False  # already out
    _, cells = read_cells(store, round_id)
    assert sum(cell["n"] for cell in cells) == 1
    assert set_in_estimates(store, round_id, first, True) is True
    assert_cells_equal_a_recount(store, round_id)


def test_a_replacement_moves_the_submission_to_its_new_cell(store: Store) -> None:
    sequence = Sequence(store)
    sequence.apply("submit", (0, 100.0, 1))
    round_id, sid = sequence.round.id, sequence.sent[0]["submission_id"]

    replace(store, round_id, sid, content_of(sequence.round, interview(sid, 2, 100.0, 1)))

    _, cells = read_cells(store, round_id)
    assert [cell["cell"] for cell in cells] == ["080-U|082001|082|02700|urban"]
    assert_cells_equal_a_recount(store, round_id)


def dead_writer() -> str:
    """The id this process would have had with another start time: a process that is gone."""
    return this_process().rsplit("_", 1)[0] + "_0"


def test_a_submission_stored_by_a_writer_that_died_before_the_cells_is_counted_next_read(
    store: Store, client: FlaskClient, as_planner: dict[str, str]
) -> None:
    sequence = Sequence(store)
    sequence.apply("submit", (0, 100.0, 1))
    survey_round = sequence.round
    payload = interview(str(uuid.uuid4()), 1, 80.0, 0)
    store.cells.begin_write(survey_round.id, f"{dead_writer()}_1", dead_writer())
    assert (
        store.submissions.insert(
            content_of(survey_round, payload)
            | {"round_id": survey_round.id, "submission_id": payload["submission_id"]}
        )
        == "created"
    )
    before = store.cells.head(survey_round.id)

    report = client.get(f"/api/v1/rounds/{survey_round.id}/estimates", headers=as_planner).json

    assert report["n_submissions"] == 2
    assert report["data_version"] > before["version"]
    assert_cells_equal_a_recount(store, survey_round.id)


def test_a_head_of_the_previous_version_is_recounted_once_for_a_dead_writers_counter(
    store: Store,
) -> None:
    sequence = Sequence(store)
    sequence.apply("submit", (0, 100.0, 1))
    round_id = sequence.round.id
    gone, idle = dead_writer(), this_process()
    store.cells.collection.update_one(  # as the previous version left it: counters per process
        {"_id": head_id(round_id)},
        {"$set": {gone: 1, f"seen_{gone}": utc_now(), idle: 0, f"seen_{idle}": utc_now()}},
    )
    version = store.cells.head(round_id)["version"]

    read_cells(store, round_id)
    read_cells(store, round_id)

    head = store.cells.head(round_id)
    assert head["version"] == version + 1  # one recount
    assert legacy_fields(head) == []
    assert_cells_equal_a_recount(store, round_id)


def test_a_write_that_failed_part_way_makes_the_next_read_recount(store: Store) -> None:
    sequence = Sequence(store)
    sequence.apply("submit", (0, 100.0, 1))
    round_id = sequence.round.id
    payload = interview(str(uuid.uuid4()), 2, 80.0, 0)

    def fails_after_storing() -> None:
        store.submissions.insert(
            content_of(sequence.round, payload)
            | {"round_id": round_id, "submission_id": payload["submission_id"]}
        )
        raise ConnectionError("the store went away")

    with pytest.raises(ConnectionError):
        record(store, round_id, fails_after_storing)

    assert store.cells.head(round_id)["dirty"]  # the embedded store reads `true` back as 1
    assert_cells_equal_a_recount(store, round_id)
    assert not store.cells.head(round_id)["dirty"]


def test_submissions_stored_before_cells_existed_are_counted(
    store: Store, client: FlaskClient, as_planner: dict[str, str]
) -> None:
    survey_round = new_round(store)
    for place in range(len(PLACES)):
        payload = interview(str(uuid.uuid4()), place, 10.0 + place, place)
        doc = content_of(survey_round, payload) | {
            "round_id": survey_round.id,
            "submission_id": payload["submission_id"],
        }
        doc["agg"] = {"keys": {"all": "old-style"}, "w": 1.0, "v": {}}
        store.submissions.insert(doc)

    report = client.get(f"/api/v1/rounds/{survey_round.id}/estimates", headers=as_planner).json

    assert report["n_submissions"] == 3
    assert_cells_equal_a_recount(store, survey_round.id)


def test_a_writer_on_another_host_counts_as_gone_once_silent_longer_than_any_write() -> None:
    elsewhere = "writer_00000000_4242_1"
    recently = utc_now()
    long_ago = (datetime.now(UTC) - timedelta(seconds=SILENT_SECONDS + 1)).isoformat()

    assert is_running(elsewhere, recently)
    assert not is_running(elsewhere, long_ago)
    assert is_running(this_process()) and not is_running(dead_writer())


def test_a_rebuild_abandoned_by_a_dead_process_is_taken_over_by_the_next_write(
    store: Store,
) -> None:
    sequence = Sequence(store)
    sequence.apply("submit", (0, 100.0, 1))
    round_id = sequence.round.id
    assert store.cells.claim_rebuild(round_id, dead_writer(), [])
    assert not store.cells.begin_write(round_id, new_write_id(), this_process())  # rebuild: wait

    sequence.apply("submit", (2, 50.0, 0))

    assert store.cells.head(round_id)["rebuilding"] == ""
    assert_cells_equal_a_recount(store, round_id)


def test_a_write_that_waits_too_long_for_a_live_rebuild_is_a_503(
    store: Store,
    client: FlaskClient,
    as_admin: dict[str, str],
    as_enumerator: dict[str, str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(waiting, "REBUILD_WAIT_SECONDS", 0.2)
    round_id = client.post("/api/v1/rounds", json=household_round("hh-busy"), headers=as_admin)
    assert round_id.status_code == 201
    assert store.cells.claim_rebuild("hh-busy", this_process(), [])  # alive: not taken over

    response = client.post(
        "/api/v1/rounds/hh-busy/submissions", json=household(), headers=as_enumerator
    )

    assert response.status_code == 503
    assert response.content_type == "application/problem+json"
    assert response.headers["Retry-After"].isdigit()
