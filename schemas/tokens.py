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


class IssuedTokenSchema(TokenSchema):
    token = fields.String(metadata={"description": "Shown once; only its hash is stored"})


class TokenListSchema(Schema):
    items = fields.List(fields.Nested(TokenSchema))
    next = fields.String(allow_none=True)
