"""The catalogue: each domain fact stated once, and what /api/v1/indicators shows of it."""

from __future__ import annotations

from flask.testing import FlaskClient

from catalogue import BY_DIMENSIONS, INDICATORS, INDICATORS_BY_ID, ROLES, IndicatorKind
from schemas.estimates import EstimateResultSchema
from schemas.tokens import TokenCreateSchema
from scoring import RESULT_FIELDS, Kind
from service.estimates.report import BLOCK_FIELDS, EMPTY_RESULT


def test_proportions_and_member_proportions_are_rates_and_the_score_is_not() -> None:
    assert {kind: kind.is_rate for kind in IndicatorKind} == {
        IndicatorKind.PROPORTION: True,
        IndicatorKind.MEMBER_PROPORTION: True,
        IndicatorKind.MEAN: False,
    }


def test_every_indicator_kind_names_an_estimand_of_the_scoring_engine() -> None:
    assert all(Kind.parse(kind) == kind for kind in IndicatorKind)


def test_every_indicator_has_labels_and_a_definition_in_english_and_vietnamese() -> None:
    for indicator in INDICATORS:
        texts = (indicator.label_en, indicator.label_vi, indicator.definition)
        assert all(texts) and indicator.definition_vi not in ("", indicator.definition)


def test_the_indicator_list_says_which_indicators_are_rates_and_defines_them_in_vietnamese(
    client: FlaskClient, as_planner: dict[str, str]
) -> None:
    items = client.get("/api/v1/indicators", headers=as_planner).json["items"]

    shown = {item["id"]: (item["is_rate"], item["definition_vi"]) for item in items}
    assert shown["epay_account"] == (True, INDICATORS_BY_ID["epay_account"].definition_vi)
    assert shown["digital_maturity"][0] is False
    assert {item["id"]: item["by"] for item in items}["it_use"] == list(BY_DIMENSIONS["business"])


def test_a_token_may_be_issued_for_every_role_of_the_catalogue() -> None:
    for role in ROLES:
        assert TokenCreateSchema().load({"role": role, "name": f"n-{role}"})["role"] == role


def test_the_api_result_shows_the_engines_result_fields_plus_a_target_verdict() -> None:
    engine = set(RESULT_FIELDS) - set(BLOCK_FIELDS)
    # `detail` says why a result has no estimate (an fpc that does not fit, a lonely PSU, ...)
    assert set(EstimateResultSchema().fields) == engine | {"target", "detail"}
    assert set(EMPTY_RESULT) == engine - {"domain", "reliability", "reliability_reasons"}
