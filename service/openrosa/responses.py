"""OpenRosa response documents: the form list and the `OpenRosaResponse` message."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Iterable

from flask import Response

from service.openrosa.xforms import XForm

OPENROSA_VERSION = "1.0"
RESPONSE_NS = "http://openrosa.org/http/response"
FORM_LIST_NS = "http://openrosa.org/xforms/xformsList"
XML_MIMETYPE = "text/xml"


class OpenRosaError(Exception):
    """An outcome other than success, answered with an `OpenRosaResponse` message."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status, self.message = status, message


def xml_response(root: ET.Element, status: int = 200) -> Response:
    body = ET.tostring(root, encoding="utf-8", xml_declaration=True)
    return Response(body, status=status, content_type=f"{XML_MIMETYPE}; charset=utf-8")


def message(text: str, status: int, nature: str = "") -> Response:
    """`<OpenRosaResponse><message>` — ODK Collect shows the text to the enumerator."""
    root = ET.Element("OpenRosaResponse", xmlns=RESPONSE_NS)
    ET.SubElement(root, "message", {"nature": nature} if nature else {}).text = text
    return xml_response(root, status)


def form_list(forms: Iterable[tuple[XForm, str, str, str | None]]) -> Response:
    """`<xforms>` with one `<xform>` per (form, name shown, download URL, manifest URL or
    None)."""
    root = ET.Element("xforms", xmlns=FORM_LIST_NS)
    for form, name, download_url, manifest_url in forms:
        entry = ET.SubElement(root, "xform")
        for tag, text in (
            ("formID", form.form_id),
            ("name", name),
            ("version", form.version),
            ("hash", f"md5:{form.md5}"),
            ("downloadUrl", download_url),
        ):
            ET.SubElement(entry, tag).text = text
        if manifest_url:
            ET.SubElement(entry, "manifestUrl").text = manifest_url
    return xml_response(root)
