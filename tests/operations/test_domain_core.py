"""The typed round, its cell keys and its intake, without a store: what the service asks of a
round is answered by the round itself (docs/design.md §2a)."""

from __future__ import annotations

import pickle
from datetime import date
from typing import Any

from schemas.rounds import RoundCreateSchema
from scoring import LonelyPsu
from service.domain.cells import CellKey, parse_keys
from service.domain.round import Round
from service.rounds.model import round_to_store
from service.submissions.ingest import PlainIntake, SampleIntake, intake_for
from tests.support.factories import business_round, household_round


def stored(body: dict[str, Any], **fields: Any) -> dict[str, Any]:
    """A round as the store keeps it."""
    doc = round_to_store(RoundCreateSchema().load(body))
    return {**doc, "_id": doc.pop("id"), "data_version": 0, **fields}


def test_a_round_without_a_sample_takes_plain_interviews() -> None:
    assert isinstance(intake_for(Round.from_doc(stored(household_round()))), PlainIntake)


def test_a_round_with_a_sample_takes_visits_to_its_assignments() -> None:
    sample = {"assignments": 6, "psus": 3, "strata": 2, "hash": "h"}
    survey_round = Round.from_doc(stored(household_round(), sample=sample))
    assert survey_round.has_sample
    assert isinstance(intake_for(survey_round), SampleIntake)


def test_a_closed_round_is_not_open() -> None:
    assert not Round.from_doc(stored(household_round(status="closed"))).is_open


def test_the_lonely_psu_policy_defaults_to_adjust_for_a_round_stored_without_one() -> None:
    doc = stored(household_round())
    del doc["design"]
    assert Round.from_doc(doc).design.lonely_psu is LonelyPsu.ADJUST


def test_a_day_is_in_the_period_from_its_first_to_its_last_day() -> None:
    survey_round = Round.from_doc(stored(household_round()))
    assert survey_round.in_period(date(2025, 1, 1))
    assert survey_round.in_period(date(2025, 12, 31))
    assert not survey_round.in_period(date(2026, 1, 1))


def test_a_business_cell_key_reads_back_as_it_was_made() -> None:
    attributes = {"stratum": "S1", "psu": 7, "district": "080", "commune": "02641"}
    attributes |= {"area": "urban", "type": "household_business", "sector": "G"}
    key = CellKey.of(Round.from_doc(stored(business_round())).instrument, attributes)
    assert str(key) == "S1|7|080|02641|urban|household_business|G"
    assert CellKey.parse(str(key)) == key
    assert key.value("business", "sector") == "G"


def test_keys_shared_by_many_units_are_parsed_once_each() -> None:
    texts = ["S1|P1|080|02641|urban"] * 3 + ["S1|P2|080|02641|rural"]
    keys = parse_keys(texts)
    assert len(keys) == 2
    assert keys["S1|P2|080|02641|rural"].design == ("S1", "P2")


def test_a_round_pickles_as_its_stored_document() -> None:
    """The caches size what they keep by its pickle (service/caching.py)."""
    survey_round = Round.from_doc(stored(household_round()))
    again = pickle.loads(pickle.dumps(survey_round))
    assert again == survey_round
    assert again.doc == survey_round.doc
