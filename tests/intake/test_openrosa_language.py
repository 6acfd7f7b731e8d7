"""Phones in Vietnamese (docs/design.md §16): OpenRosa messages in Vietnamese unless the client
asks for English, the form list names rounds by their Vietnamese title, and confirmations name
who sent the form and what it was about."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Callable

import pytest
from flask.testing import FlaskClient

from service.store import Store
from tests.support import factories
from tests.support.openrosa_client import (
    FRAME,
    basic,
    collect_headers,
    collect_instance,
    instance_values,
    openrosa_message,
    post_to,
)

ROUND_ID = "hh-test"

FORMLIST = {"x": "http://openrosa.org/xforms/xformsList"}
ENGLISH = {"Accept-Language": "en-GB,en;q=0.9"}


@pytest.fixture
def phone(store: Store) -> dict[str, str]:
    return basic("enum-vi", store.tokens.create("enumerator", "enum-vi")[1])


@pytest.fixture
def titled_round(make_round) -> str:
    make_round(
        factories.household_round(ROUND_ID, title_vi="Điều tra hộ gia đình thử", frame=FRAME)
    )
    return ROUND_ID


@pytest.fixture
def instance_for(client: FlaskClient, phone: dict[str, str]) -> Callable[..., bytes]:
    def build(payload: dict) -> bytes:
        form = client.get(f"/openrosa/forms/{ROUND_ID}.xml", headers=phone)
        assert form.status_code == 200
        return collect_instance(form.data, instance_values(payload))

    return build


def names(client: FlaskClient, phone: dict[str, str], extra: dict[str, str]) -> list[str]:
    response = client.get("/openrosa/formList", headers={**collect_headers(), **phone, **extra})
    root = ET.fromstring(response.data)
    return [
        form.findtext("x:name", namespaces=FORMLIST) for form in root.findall("x:xform", FORMLIST)
    ]


@pytest.mark.usefixtures("titled_round")
def test_the_form_list_names_rounds_in_vietnamese(client, phone) -> None:
    assert names(client, phone, {}) == ["Điều tra hộ gia đình thử"]
    assert names(client, phone, {"Accept-Language": "vi-VN"}) == ["Điều tra hộ gia đình thử"]
    assert names(client, phone, ENGLISH) == ["Household test round"]


def test_a_wrong_token_is_told_in_vietnamese_or_english(client) -> None:
    wrong = {**collect_headers(), **basic("nobody", "not-a-token")}
    assert openrosa_message(client.get("/openrosa/formList", headers=wrong)) == (
        "Sai tên người dùng hoặc mã truy cập."
    )
    english = client.get("/openrosa/formList", headers={**wrong, **ENGLISH})
    assert openrosa_message(english) == "Unknown user name or wrong token."


@pytest.mark.usefixtures("titled_round")
def test_an_unknown_form_is_told_in_the_phones_language(client, phone) -> None:
    headers = {**collect_headers(), **phone}
    assert openrosa_message(client.get("/openrosa/forms/nope.xml", headers=headers)) == (
        "Máy chủ không có biểu mẫu 'nope'."
    )
    english = client.get("/openrosa/forms/nope.xml", headers={**headers, **ENGLISH})
    assert openrosa_message(english) == "There is no form 'nope' on this server."


@pytest.mark.usefixtures("titled_round")
def test_a_confirmation_names_the_sender_and_the_commune(
    client, phone, instance_for: Callable[..., bytes]
) -> None:
    document = instance_for(factories.household())
    first = post_to(client, phone, document)
    assert first.status_code == 201
    assert openrosa_message(first) == "Đã nhận phiếu của enum-vi – Phường Cốc Lếu."
    resent = post_to(client, {**phone, **ENGLISH}, document)  # the same instance, in English
    assert resent.status_code == 201
    assert (
        openrosa_message(resent)
        == "Form from enum-vi – Phường Cốc Lếu already received; kept once."
    )


@pytest.mark.usefixtures("titled_round")
def test_an_invalid_form_is_refused_in_vietnamese(client, phone, instance_for) -> None:
    response = post_to(client, phone, instance_for(factories.household(members=0)))
    assert response.status_code == 422
    assert openrosa_message(response).startswith("Phiếu không được chấp nhận: ")


@pytest.mark.usefixtures("titled_round")
def test_an_enumerator_outside_the_teams_cannot_submit(
    client, phone, instance_for, as_admin
) -> None:
    document = instance_for(factories.household())
    client.patch(f"/api/v1/rounds/{ROUND_ID}", json={"teams": ["someone-else"]}, headers=as_admin)
    response = post_to(client, phone, document)
    assert response.status_code == 403
    assert (
        openrosa_message(response)
        == f"Tài khoản 'enum-vi' không thuộc các đội thu thập của đợt '{ROUND_ID}'."
    )
