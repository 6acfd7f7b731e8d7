"""API tokens."""

from marshmallow import Schema, fields, validate

from catalogue import ROLES
from schemas.common import StrictSchema, Text

TOKEN_NAME = r"[A-Za-z0-9][A-Za-z0-9._@-]{0,63}"


class TokenCreateSchema(StrictSchema):
    role = fields.String(required=True, validate=validate.OneOf(ROLES))
    name = Text(
        required=True,
        max_length=64,
        pattern=TOKEN_NAME,
        metadata={"description": "Unique; the username for OpenRosa clients"},
    )


class TokenSchema(Schema):
    id = fields.String(attribute="_id")
    role = fields.String()
    name = fields.String()
    created_at = fields.String()
    revoked_at = fields.String(allow_none=True)


class CollectSetupSchema(Schema):
    """How a phone is set up for this token (docs/design.md §16)."""

    server_url = fields.String(metadata={"description": "The OpenRosa server URL for Collect"})
    settings = fields.String(
        metadata={"description": "ODK Collect's settings JSON, zlib-compressed, base64-encoded"}
    )
    qr_png = fields.String(metadata={"description": "The settings as a QR code, a PNG data URI"})


class IssuedTokenSchema(TokenSchema):
    token = fields.String(metadata={"description": "Shown once; only its hash is stored"})
    team = fields.String(metadata={"description": "The team given in an imported list"})
    collect = fields.Nested(
        CollectSetupSchema,
        metadata={"description": "ODK Collect setup (enumerator and supervisor tokens)"},
    )


class IssuedTokenListSchema(Schema):
    items = fields.List(fields.Nested(IssuedTokenSchema))


PHONE_ROLE_NAMES = ("enumerator", "supervisor")


class ImportedPersonSchema(StrictSchema):
    """One line of an imported list of enumerators."""

    name = Text(required=True, max_length=64, pattern=TOKEN_NAME)
    role = fields.String(load_default="enumerator", validate=validate.OneOf(PHONE_ROLE_NAMES))
    team = Text(load_default=None, max_length=64)


class TokenListSchema(Schema):
    items = fields.List(fields.Nested(TokenSchema))
    next = fields.String(allow_none=True)
