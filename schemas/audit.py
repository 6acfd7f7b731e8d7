"""The audit log as admins read it (docs/design.md §11)."""

from enum import StrEnum

from marshmallow import Schema, fields, validate

from schemas.common import PageLimit, StrictSchema, Text


class AuditAction(StrEnum):
    TOKEN_CREATE = "token.create"
    TOKEN_REVOKE = "token.revoke"
    ROUND_CREATE = "round.create"
    ROUND_UPDATE = "round.update"
    SAMPLE_IMPORT = "sample.import"
    ASSIGNMENT_UPDATE = "assignment.update"
    SUBMISSION_CREATE = "submission.create"
    SUBMISSION_REVIEW = "submission.review"
    SUBMISSION_CORRECT = "submission.correct"
    AUXILIARY_IMPORT = "auxiliary.import"


class AuditQuerySchema(StrictSchema):
    round = Text(load_default=None, max_length=64)
    actor = Text(load_default=None, max_length=64, metadata={"description": "a token id"})
    action = fields.String(
        load_default=None, validate=validate.OneOf([action.value for action in AuditAction])
    )
    limit = PageLimit()
    after = Text(load_default=None, max_length=128)


class ActorSchema(Schema):
    token_id = fields.String(allow_none=True)
    role = fields.String()


class AuditEntrySchema(Schema):
    id = fields.String(attribute="_id")
    at = fields.String()
    action = fields.String()
    actor = fields.Nested(ActorSchema)
    round_id = fields.String(allow_none=True)
    target = fields.String(allow_none=True)
    request_id = fields.String(allow_none=True)


class AuditListSchema(Schema):
    items = fields.List(fields.Nested(AuditEntrySchema))
    next = fields.String(allow_none=True)
