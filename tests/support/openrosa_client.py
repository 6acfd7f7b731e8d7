"""What ODK Collect sends, rebuilt for tests: instances, multipart bodies, headers, Digest.

Collect fills a copy of the XForm's primary instance (elements without namespace, the root
keeps `id` and `version`), writes `meta/instanceID` as `uuid:<uuid>`, and posts it with OkHttp
as `multipart/form-data` (a UUID boundary; the part `xml_submission_file` with the file name
and `text/xml`), sending `X-OpenRosa-Version: 1.0` and an RFC 1123 `Date` on every request.
"""

from __future__ import annotations

import base64
import copy
import hashlib
import secrets
import uuid
import xml.etree.ElementTree as ET
from email.utils import formatdate
from typing import Any

from defusedxml.ElementTree import fromstring
from flask.testing import FlaskClient
from werkzeug.http import parse_dict_header
from werkzeug.test import TestResponse

XFORMS_NS = "{http://www.w3.org/2002/xforms}"
RESPONSE_NS = {"or": "http://openrosa.org/http/response"}
SUBMISSION = "/openrosa/submission"
FRAME = {
    "districts": {"080": "Thành phố Lào Cai", "086": "Huyện Bảo Thắng"},
    "communes": {
        "02641": {"district": "080", "name": "Phường Cốc Lếu"},
        "02800": {"district": "086", "name": "Thị trấn Phố Lu"},
    },
}
COLLECT_USER_AGENT = (
    "Dalvik/2.1.0 (Linux; U; Android 13; Pixel 6 Build/TQ3A.230901.001) "
    "org.odk.collect.android/v2024.3.1"
)


def collect_headers() -> dict[str, str]:
    return {
        "X-OpenRosa-Version": "1.0",
        "Date": formatdate(usegmt=True),
        "User-Agent": COLLECT_USER_AGENT,
        "Accept-Encoding": "gzip",
    }


def _as_instance_text(value: Any) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, dict):  # a geopoint: lat lon altitude accuracy
        return f"{value['lat']} {value['lon']} 0.0 {value.get('accuracy_m', 0.0)}"
    return str(value)


def instance_values(payload: dict[str, Any]) -> dict[str, str]:
    """A JSON submission (tests/factories) as Collect's answers, by path below the root."""
    values: dict[str, str] = {}

    def walk(node: dict[str, Any], prefix: str) -> None:
        for key, value in node.items():
            path = f"{prefix}{key}"
            if isinstance(value, dict) and key != "gps":
                walk(value, f"{path}/")
            elif value is not None:
                values[path] = _as_instance_text(value)

    walk({k: v for k, v in payload.items() if k != "submission_id"}, "")
    values["interviewed_at"] = payload["interviewed_at"].replace(":00+", ":00.000+")
    values["meta/instanceID"] = f"uuid:{payload['submission_id']}"
    values["meta/instanceName"] = f"{payload['location']['commune']} / {payload['sampling']['psu']}"
    return values


def _strip_namespace(element: ET.Element) -> None:
    for node in element.iter():
        node.tag = node.tag.rsplit("}", 1)[-1]


def collect_instance(xform: bytes, values: dict[str, str]) -> bytes:
    """The XForm's primary instance filled with `values`, serialised like JavaRosa does."""
    model = fromstring(xform).find(f".//{XFORMS_NS}model")
    root = copy.deepcopy(model.find(f"{XFORMS_NS}instance")[0])
    _strip_namespace(root)
    for path, text in values.items():
        element = root.find(path)
        if element is None:  # an element the form does not have: added, as a tamperer would
            parent, _, name = path.rpartition("/")
            element = ET.SubElement(root.find(parent) if parent else root, name)
        element.text = text
    root.set("xmlns:jr", "http://openrosa.org/javarosa")
    root.set("xmlns:orx", "http://openrosa.org/xforms")
    return b"<?xml version='1.0' ?>" + ET.tostring(root, encoding="utf-8", xml_declaration=False)


def multipart(
    instance: bytes,
    file_name: str = "Household_2025-05-01_10-00-00.xml",
    attachments: dict[str, tuple[str, bytes]] | None = None,
) -> tuple[bytes, str]:
    """(body, Content-Type) as OkHttp's MultipartBody writes them for Collect."""
    boundary = str(uuid.uuid4())
    parts = [("xml_submission_file", file_name, "text/xml", instance)]
    parts += [(name, name, mime, data) for name, (mime, data) in (attachments or {}).items()]
    body = b""
    for field, filename, mime, data in parts:
        body += (
            (
                f"--{boundary}\r\n"
                f'Content-Disposition: form-data; name="{field}"; filename="{filename}"\r\n'
                f"Content-Type: {mime}\r\n"
                f"Content-Length: {len(data)}\r\n\r\n"
            ).encode()
            + data
            + b"\r\n"
        )
    body += f"--{boundary}--\r\n".encode()
    return body, f"multipart/form-data; boundary={boundary}"


def _md5(text: str) -> str:
    return hashlib.md5(text.encode()).hexdigest()


def digest_authorization(
    challenge: str, method: str, uri: str, username: str, password: str, nc: int = 1
) -> str:
    """The `Authorization: Digest …` answer to a `WWW-Authenticate: Digest …` challenge."""
    params = parse_dict_header(challenge.removeprefix("Digest "))
    cnonce = secrets.token_hex(8)
    ha1 = _md5(f"{username}:{params['realm']}:{password}")
    ha2 = _md5(f"{method}:{uri}")
    count = f"{nc:08x}"
    response = _md5(f"{ha1}:{params['nonce']}:{count}:{cnonce}:auth:{ha2}")
    return (
        f'Digest username="{username}", realm="{params["realm"]}", nonce="{params["nonce"]}", '
        f'uri="{uri}", qop=auth, nc={count}, cnonce="{cnonce}", response="{response}", '
        f'opaque="{params.get("opaque", "")}", algorithm=MD5'
    )


def digest_challenge(www_authenticate: list[str]) -> str:
    return next(value for value in www_authenticate if value.startswith("Digest "))


def basic(name: str, token: str) -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(f"{name}:{token}".encode()).decode()}


def openrosa_message(response: TestResponse) -> str:
    """The text of an `OpenRosaResponse`, after checking it is one."""
    assert response.mimetype == "text/xml"
    assert response.headers["X-OpenRosa-Version"] == "1.0"
    return ET.fromstring(response.data).find("or:message", RESPONSE_NS).text


def post_to(
    client: FlaskClient,
    credentials: dict[str, str],
    document: bytes,
    url: str = SUBMISSION,
    **attachments: tuple[str, bytes],
) -> TestResponse:
    """POST an instance document as Collect does."""
    body, content_type = multipart(document, attachments=attachments)
    headers = {**collect_headers(), **credentials, "Content-Type": content_type}
    return client.post(url, data=body, headers=headers)


def stored(
    client: FlaskClient, as_admin: dict[str, str], round_id: str = "hh-test"
) -> list[dict[str, Any]]:
    """The round's submissions, read back through the JSON API."""
    response = client.get(f"/api/v1/rounds/{round_id}/submissions", headers=as_admin)
    assert response.status_code == 200
    return response.json["items"]
