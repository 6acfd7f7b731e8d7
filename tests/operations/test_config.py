"""Configuration from the environment, secrets from files (`NAME_FILE`, Docker secrets)."""

from __future__ import annotations

from pathlib import Path

from service.config import settings_from_environment


def test_a_setting_is_read_from_the_file_its_name_file_variable_names(tmp_path: Path) -> None:
    uri = tmp_path / "mongodb_uri"
    uri.write_text("mongodb://survey:s3cret@mongo:27017/?replicaSet=rs0\n")
    token = tmp_path / "admin_token"
    token.write_text("admin-token-from-a-secret")

    settings = settings_from_environment(
        {"MONGODB_URI_FILE": str(uri), "SURVEY_ADMIN_TOKEN_FILE": str(token), "SURVEY_DB": "x"}
    )

    assert settings["MONGODB_URI"] == "mongodb://survey:s3cret@mongo:27017/?replicaSet=rs0"
    assert settings["SURVEY_ADMIN_TOKEN"] == "admin-token-from-a-secret"
    assert settings["SURVEY_DB"] == "x"


def test_a_file_wins_over_the_plain_variable_and_numbers_stay_numbers(tmp_path: Path) -> None:
    limit = tmp_path / "max_body"
    limit.write_text("1024\n")

    settings = settings_from_environment(
        {"SURVEY_MAX_BODY": "5", "SURVEY_MAX_BODY_FILE": str(limit)}
    )

    assert settings["SURVEY_MAX_BODY"] == 1024
