"""OpenRosa 1.0 server: ODK Collect, KoboCollect and Enketo list, download and submit forms.

Server URL for Collect: `<base>/openrosa` (every open round) or `<base>/openrosa/rounds/<id>`
(a Collect project for one round). Attachments sent with an instance are ignored: these
forms have no media questions, and nothing but the instance XML is stored.
"""

from __future__ import annotations

from typing import Any, assert_never

from flask import Blueprint, Response, current_app, request, url_for
from flask_limiter.errors import RateLimitExceeded
from werkzeug.exceptions import HTTPException

from catalogue import SubmissionStatus
from service.admission import ingest_slot
from service.domain.errors import DomainError
from service.domain.round import Round
from service.errors import RETRY_AFTER_SECONDS, Problem, problem_from
from service.observability.rate_limit import too_many_requests
from service.openrosa.credentials import AuthenticationError, challenges, openrosa_token
from service.openrosa.instances import (
    MAX_INSTANCE_BYTES,
    Instance,
    read_instance,
    submission_id,
    to_payload,
)
from service.openrosa.media import (
    ASSIGNMENTS_FILE,
    assignments_csv,
    assignments_for,
    manifest,
)
from service.openrosa.responses import (
    OPENROSA_VERSION,
    XML_MIMETYPE,
    OpenRosaError,
    form_list,
    message,
    xml_response,
)
from service.openrosa.words import language, say, with_lead
from service.openrosa.xforms import form_source, questions, xform_for
from service.query_params import accepts_query
from service.rounds.model import recent_round
from service.rounds.teams import collects_for
from service.store import UNAVAILABLE_ERRORS, get_store
from service.submissions.corrections import correct_from_edit
from service.submissions.ingest import SubmissionInvalid, submit_one

blp = Blueprint("openrosa", __name__, url_prefix="/openrosa")
ONE_ROUND = "/rounds/<round_id>"
SUBMISSION_FIELD = "xml_submission_file"
# The OpenRosa form list API's parameters; only formID changes the answer (one version per form).
FORM_LIST_PARAMETERS = ("formID", "verbose", "listAllVersions")


@blp.after_request
def _openrosa_version(response: Response) -> Response:
    response.headers["X-OpenRosa-Version"] = OPENROSA_VERSION
    return response


@blp.errorhandler(AuthenticationError)
def _unauthenticated(exc: AuthenticationError) -> Response:
    response = message(exc.message, 401)
    for challenge in challenges(stale=exc.stale):
        response.headers.add("WWW-Authenticate", challenge)
    return response


@blp.errorhandler(OpenRosaError)
def _openrosa_error(exc: OpenRosaError) -> Response:
    return message(exc.message, exc.status)


@blp.errorhandler(Problem)
@blp.errorhandler(DomainError)
def _problem(exc: Problem | DomainError) -> Response:
    exc = problem_from(exc)
    response = message(with_lead(exc.status, exc.detail or exc.title), exc.status)
    response.headers.update(exc.headers)
    return response


@blp.errorhandler(HTTPException)
def _http_error(exc: HTTPException) -> Response:
    code = exc.code or 400
    return message(with_lead(code, exc.description or exc.name), code)


@blp.errorhandler(RateLimitExceeded)
def _rate_limited(_exc: RateLimitExceeded) -> Response:
    return _problem(too_many_requests(current_app.extensions["survey_limiter"]))


def _store_unavailable(_exc: Exception) -> Response:
    current_app.logger.warning("store unavailable: %s", type(_exc).__name__)
    response = message(say("store_down"), 503)
    response.headers["Retry-After"] = RETRY_AFTER_SECONDS
    return response


for _error in UNAVAILABLE_ERRORS:
    blp.register_error_handler(_error, _store_unavailable)


def _stored_round(form_id: str) -> Round | None:
    doc = get_store().rounds.get(form_id)
    return None if doc is None else Round.from_doc(doc)


def round_for_form(form_id: str, token: dict[str, Any], *, writing: bool = False) -> Round:
    """The round of a form this user collects for; 404 when there is none, 403 when the user
    is outside the round's teams."""
    survey_round = recent_round(form_id) if writing else _stored_round(form_id)
    if survey_round is None:
        raise OpenRosaError(404, say("no_form", form_id=form_id))
    if not collects_for(survey_round, token):
        raise OpenRosaError(403, say("not_in_team", user=token["name"], form_id=form_id))
    return survey_round


def form_name(survey_round: Round) -> str:
    """The round's title as the phone lists it: Vietnamese unless the client asks for
    English."""
    vietnamese = survey_round.title_vi if language() != "en" else None
    return vietnamese or survey_round.title


@blp.get("/formList")
@blp.get(f"{ONE_ROUND}/formList")
@accepts_query(*FORM_LIST_PARAMETERS)
def form_list_view(round_id: str | None = None) -> Response:
    """The open rounds' XForms (OpenRosa form list API); `?formID=` narrows it to one."""
    token = openrosa_token()
    if round_id:
        rounds = [round_for_form(round_id, token)]
    else:
        rounds = [Round.from_doc(doc) for doc in get_store().rounds.list()]
    wanted = request.args.get("formID")
    return form_list(
        (
            xform_for(r),
            form_name(r),
            url_for(".form_definition", form_id=r.id, _external=True),
            url_for(".form_manifest", form_id=r.id, _external=True) if r.has_sample else None,
        )
        for r in rounds
        if r.is_open and wanted in (None, r.id) and collects_for(r, token)
    )


@blp.get("/forms/<form_id>.xml")
def form_definition(form_id: str) -> Response:
    """The round's XForm, built from its instrument's XLSForm and its frame."""
    form = xform_for(round_for_form(form_id, openrosa_token()))
    return Response(form.xml, content_type=f"{XML_MIMETYPE}; charset=utf-8")


def _assignments_bytes(form_id: str, token: dict[str, Any]) -> bytes:
    if not round_for_form(form_id, token).has_sample:
        raise OpenRosaError(404, say("no_media", form_id=form_id))
    return assignments_csv(assignments_for(get_store(), form_id, token))


@blp.get("/forms/<form_id>/manifest")
def form_manifest(form_id: str) -> Response:
    """The form's media: this user's `assignments.csv`, with the md5 of its exact bytes."""
    token = openrosa_token()
    body = _assignments_bytes(form_id, token)
    url = url_for(".assignments_file", form_id=form_id, _external=True)
    return xml_response(manifest(body, url))


@blp.get(f"/forms/<form_id>/{ASSIGNMENTS_FILE}")
def assignments_file(form_id: str) -> Response:
    """The assignments still to visit on this user's phone, as `select_one_from_file` reads."""
    body = _assignments_bytes(form_id, openrosa_token())
    return Response(body, content_type="text/csv; charset=utf-8")


def instance_document() -> bytes:
    upload = request.files.get(SUBMISSION_FIELD)
    if upload is None:
        raise OpenRosaError(400, say("no_part", part=SUBMISSION_FIELD))
    return upload.stream.read(MAX_INSTANCE_BYTES + 1)


def invalid_message(errors: dict[str, list[str]]) -> str:
    details = "; ".join(f"{path}: {' '.join(texts)}" for path, texts in sorted(errors.items()))
    return say("not_accepted_because", details=details)


def received_submission(
    token: dict[str, Any], round_id: str | None
) -> tuple[Round, dict[str, Any], Instance, str]:
    """The posted instance as (round, payload, instance, raw XML), or an OpenRosa error."""
    document = instance_document()
    instance = read_instance(document)
    if round_id is not None and instance.form_id != round_id:
        raise OpenRosaError(404, say("one_form_only", form_id=round_id))
    survey_round = round_for_form(instance.form_id, token, writing=True)
    payload = to_payload(instance.tree, questions(form_source(survey_round)))
    payload["submission_id"] = submission_id(instance.instance_id)
    payload.setdefault("enumerator_id", token["name"])  # when the client sets no `username`
    return survey_round, payload, instance, document.decode("utf-8", "replace")


def edited_submission(survey_round: Round, instance: Instance) -> str | None:
    """The stored submission an edit replaces (meta/deprecatedID), if the server has it."""
    if instance.deprecated_id is None:
        return None
    original = submission_id(instance.deprecated_id)
    return original if get_store().submissions.get(survey_round.id, original) else None


def unit_named(survey_round: Round, payload: dict[str, Any]) -> str:
    """What the form was about, for the confirmation: its assignment, or its commune's name
    from the round's frame (nothing more is read from the store)."""
    if payload.get("assignment_id"):
        return f" – {payload['assignment_id']}"
    commune = str((payload.get("location") or {}).get("commune"))
    name = (survey_round.frame_communes.get(commune) or {}).get("name")
    return f" – {name}" if name else ""


def acknowledgement(
    status: SubmissionStatus, instance_id: str, user: str, unit: str = ""
) -> Response:
    """What ODK Collect shows: stored, already stored (both naming who sent it and what it was
    about), or refused (409, kept on the phone)."""
    match status:
        case SubmissionStatus.CREATED:
            return message(say("received", user=user, unit=unit), 201, nature="submit_success")
        case SubmissionStatus.DUPLICATE:
            text = say("received_again", user=user, unit=unit)
            return message(text, 201, nature="submit_success")
        case SubmissionStatus.CONFLICT:
            raise OpenRosaError(409, say("conflict", instance_id=instance_id))
        case SubmissionStatus.INVALID:  # submit_one raises SubmissionInvalid instead
            raise OpenRosaError(422, say("not_accepted"))
        case _:
            assert_never(status)


@blp.route("/submission", methods=["HEAD", "POST"])
@blp.route(f"{ONE_ROUND}/submission", methods=["HEAD", "POST"])
def submission(round_id: str | None = None) -> Response:
    """HEAD: 204 once signed in. POST: store one instance; a resend is acknowledged again."""
    token = openrosa_token()
    if request.method == "HEAD":
        limit = str(current_app.config["SURVEY_MAX_BODY"])
        return Response(status=204, headers={"X-OpenRosa-Accept-Content-Length": limit})
    survey_round, payload, instance, raw = received_submission(token, round_id)
    original = edited_submission(survey_round, instance)
    try:
        if original is not None:
            status = correct_from_edit(
                get_store(),
                survey_round,
                original,
                payload,
                token_id=token["_id"],
                edit_instance_id=submission_id(instance.instance_id),
            )
        else:
            with ingest_slot(token["_id"]):
                status, _ = submit_one(
                    get_store(),
                    survey_round,
                    payload,
                    token_id=token["_id"],
                    source="openrosa",
                    raw=raw,
                )
    except SubmissionInvalid as exc:
        raise OpenRosaError(422, invalid_message(exc.errors)) from exc
    except (Problem, DomainError) as refused:  # a correction refused: in OpenRosa's format
        problem = problem_from(refused)
        raise OpenRosaError(problem.status, with_lead(problem.status, problem.detail)) from refused
    unit = unit_named(survey_round, payload)
    return acknowledgement(status, instance.instance_id, token["name"], unit)
