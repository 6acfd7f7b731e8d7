"""ODK Collect setup QR codes (docs/design.md §16): scanning one configures a phone's project
with this server, the enumerator's user name and its token.

The code carries Collect's settings JSON (`general.server_url`, `general.username`,
`general.password`, `project.name`), zlib-compressed and base64-encoded, as Collect's "Configure
with QR code" reads it.
"""

from __future__ import annotations

import base64
import json
import zlib
from typing import Any

import segno

from catalogue import Role

# Roles that collect with a phone, and so get a setup code with their token
PHONE_ROLES = (Role.ENUMERATOR, Role.SUPERVISOR)
PROJECT_NAME = "Chuyển đổi số Lào Cai"
QR_SCALE = 4  # pixels per module: ~200 px for a token's code, readable when printed


def collect_settings(server_url: str, name: str, token: str) -> dict[str, Any]:
    """Collect's settings for this user: the server, the Basic/Digest credentials, a project
    name that tells the phone's projects apart."""
    return {
        "general": {"server_url": server_url, "username": name, "password": token},
        "admin": {},
        "project": {"name": f"{PROJECT_NAME} – {name}"},
    }


def encode_settings(settings: dict[str, Any]) -> str:
    """What the QR code holds: base64(zlib(JSON))."""
    text = json.dumps(settings, ensure_ascii=False, separators=(",", ":"))
    return base64.b64encode(zlib.compress(text.encode("utf-8"), 9)).decode("ascii")


def collect_setup(server_url: str, name: str, token: str) -> dict[str, str]:
    """The encoded settings and their QR code as a PNG data URI."""
    encoded = encode_settings(collect_settings(server_url, name, token))
    qr = segno.make(encoded, error="m", micro=False)
    return {
        "server_url": server_url,
        "settings": encoded,
        "qr_png": qr.png_data_uri(scale=QR_SCALE),
    }
