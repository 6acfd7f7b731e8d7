"""What phones are told, in Vietnamese by default and in English on `Accept-Language: en`
(docs/design.md §16). ODK Collect shows these texts to the enumerator as they are."""

from __future__ import annotations

from flask import request

LANGUAGES = ("vi", "en")

# key → (Vietnamese, English); `{name}` fields are filled in by `say`
MESSAGES: dict[str, tuple[str, str]] = {
    "received": (
        "Đã nhận phiếu của {user}{unit}.",
        "Form received from {user}{unit}.",
    ),
    "received_again": (
        "Phiếu của {user}{unit} đã được nhận trước đó; chỉ lưu một lần.",
        "Form from {user}{unit} already received; kept once.",
    ),
    "conflict": (
        "Một phiếu khác có cùng mã {instance_id} đã được nhận; phiếu này không được lưu.",
        "Another form with instanceID {instance_id} was already received; this one was not stored.",
    ),
    "not_accepted": ("Phiếu không được chấp nhận.", "The form was not accepted."),
    "not_accepted_because": (
        "Phiếu không được chấp nhận: {details}",
        "The form was not accepted: {details}",
    ),
    "no_form": (
        "Máy chủ không có biểu mẫu {form_id!r}.",
        "There is no form {form_id!r} on this server.",
    ),
    "no_media": (
        "Biểu mẫu {form_id!r} không có tệp đính kèm.",
        "Form {form_id!r} has no media files.",
    ),
    "no_part": (
        "Yêu cầu thiếu phần {part!r} của biểu mẫu.",
        "The request has no multipart part {part!r}.",
    ),
    "one_form_only": (
        "Địa chỉ máy chủ này chỉ nhận biểu mẫu {form_id!r}.",
        "This server URL accepts form {form_id!r} only.",
    ),
    "store_down": (
        "Máy chủ tạm thời không truy cập được dữ liệu; vui lòng gửi lại sau ít phút.",
        "The server's data store cannot be reached; try again shortly.",
    ),
    "not_in_team": (
        "Tài khoản {user!r} không thuộc các đội thu thập của đợt {form_id!r}.",
        "{user!r} is not in the teams that collect for round {form_id!r}.",
    ),
    "sign_in": (
        "Hãy đăng nhập bằng tên người dùng và mã truy cập của bạn.",
        "Sign in with your user name and token.",
    ),
    "wrong_credentials": (
        "Sai tên người dùng hoặc mã truy cập.",
        "Unknown user name or wrong token.",
    ),
    "digest_incomplete": (
        "Thông tin đăng nhập Digest chưa đầy đủ.",
        "The Digest credentials are incomplete.",
    ),
    "digest_realm": (
        "Realm hoặc thuật toán đăng nhập không được hỗ trợ.",
        "Unknown realm or algorithm.",
    ),
    "nonce_not_issued": (
        "Máy chủ không cấp mã nonce này; hãy đăng nhập lại.",
        "The nonce was not issued by this server; sign in again.",
    ),
    "digest_other_url": (
        "Thông tin đăng nhập Digest dành cho một địa chỉ khác.",
        "The Digest credentials are for another URL.",
    ),
    "nonce_expired": (
        "Phiên đăng nhập đã hết hạn; hãy đăng nhập lại.",
        "The nonce has expired; sign in again.",
    ),
    "too_large": (
        "Phiếu lớn hơn {limit} byte.",
        "The instance is larger than {limit} bytes.",
    ),
    "dtd": (
        "Phiếu không được chứa DTD hay khai báo thực thể.",
        "DTDs and entity declarations are not accepted.",
    ),
    "not_xml": (
        "Phiếu không phải XML hợp lệ ({error}).",
        "The instance is not well-formed XML ({error}).",
    ),
    "too_deep": (
        "Phiếu lồng sâu quá {levels} cấp.",
        "The instance is nested deeper than {levels} levels.",
    ),
    "repeated_element": (
        "Phần tử {name!r} xuất hiện nhiều hơn một lần.",
        "Element {name!r} appears more than once.",
    ),
    "no_form_id": (
        "Phần tử gốc của phiếu không có thuộc tính id của biểu mẫu.",
        "The instance's root element has no form id attribute.",
    ),
    "no_instance_id": (
        "Phiếu không có meta/instanceID.",
        "The instance has no meta/instanceID.",
    ),
}

# The server's other refusals (a correction refused, a rate limit…) keep their detail, in
# English, after a sentence in the phone's language that says what happened.
STATUS_LEADS: dict[int, tuple[str, str]] = {
    400: ("Yêu cầu không hợp lệ.", "Bad request."),
    401: ("Chưa đăng nhập.", "Not signed in."),
    403: ("Tài khoản này không được phép làm việc này.", "This account may not do this."),
    404: ("Không tìm thấy.", "Not found."),
    409: ("Phiếu không được lưu vì xung đột.", "The form was not stored: a conflict."),
    412: ("Phiếu đã được sửa ở nơi khác.", "The form was changed elsewhere."),
    413: ("Phiếu quá lớn.", "The form is too large."),
    422: ("Phiếu không được chấp nhận.", "The form was not accepted."),
    429: ("Gửi quá nhiều; vui lòng thử lại sau.", "Too many requests; try again later."),
}


def language() -> str:
    """`vi` unless the client asks for English before Vietnamese."""
    return request.accept_languages.best_match(LANGUAGES, default="vi") or "vi"


def say(key: str, **fields: object) -> str:
    """The message `key` in the client's language."""
    vi, en = MESSAGES[key]
    return (en if language() == "en" else vi).format(**fields)


def with_lead(status: int, detail: str) -> str:
    """A refusal from elsewhere in the server: in Vietnamese a sentence that says what happened,
    its English detail in brackets; in English the detail as it is."""
    lead = STATUS_LEADS.get(status)
    if lead is None or language() == "en":
        return detail or (lead[1] if lead else "")
    return f"{lead[0]} ({detail})" if detail else lead[0]
