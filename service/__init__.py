"""The survey service: `create_app()` builds the Flask app; gunicorn runs `service:create_app()`."""

from __future__ import annotations

from typing import Any

from flask import Flask
from flask_smorest import Api

from schemas.common import ProblemSchema
from service import errors, http_edges, observability, store
from service.cells import writes as cells_writes
from service.config import Config, settings_from_environment
from service.jsonbody import SafeJSONProvider

API_SPEC_OPTIONS: dict[str, Any] = {
    "info": {
        "description": "Design-based estimates of digital adoption in Lào Cai province, "
        "from household and business surveys. Errors are application/problem+json (RFC 9457).",
    },
    "components": {"securitySchemes": {"bearerAuth": {"type": "http", "scheme": "bearer"}}},
    "security": [{"bearerAuth": []}],
}


class ProblemApi(Api):  # type: ignore[misc]  # flask-smorest ships no types
    """flask-smorest, documenting every error as the RFC 9457 problem the handlers send."""

    ERROR_SCHEMA = ProblemSchema

    def _register_responses(self) -> None:
        default: str = self.DEFAULT_RESPONSE_CONTENT_TYPE  # type: ignore[has-type]
        self.DEFAULT_RESPONSE_CONTENT_TYPE = "application/problem+json"
        try:
            super()._register_responses()
        finally:
            self.DEFAULT_RESPONSE_CONTENT_TYPE = default


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    app = Flask(__name__)
    app.json = SafeJSONProvider(app)
    app.config.from_object(Config)
    app.config.update(settings_from_environment())
    if test_config:
        app.config.update(test_config)
    app.config["MAX_CONTENT_LENGTH"] = int(app.config["SURVEY_MAX_BODY"])
    app.config["API_SPEC_OPTIONS"] = API_SPEC_OPTIONS

    api = ProblemApi(app)
    errors.init_app(app)
    observability.init_app(app)  # first: the store's own log lines are JSON too
    store.init_app(app)
    cells_writes.init_app(app)
    http_edges.init_app(app)
    register_blueprints(app, api)
    return app


def register_blueprints(app: Flask, api: Api) -> None:
    from service.analysis import routes as analysis
    from service.audit import routes as audit
    from service.dashboard import console, fieldwork
    from service.dashboard import routes as dashboard
    from service.docs import routes as docs
    from service.estimates import routes as estimates
    from service.geography import routes as geography
    from service.health import routes as health
    from service.openrosa import routes as openrosa
    from service.quality import routes as quality
    from service.rounds import routes as rounds
    from service.samples import routes as samples
    from service.series import routes as series
    from service.small_area import routes as small_area
    from service.submissions import routes as submissions
    from service.targets import routes as targets
    from service.tokens import routes as tokens
    from service.weighting import routes as weights

    for module in (
        health,
        tokens,
        rounds,
        samples,
        submissions,
        estimates,
        geography,
        series,
        weights,
        targets,
        analysis,
        quality,
        audit,
        small_area,
    ):
        api.register_blueprint(module.blp)
    submissions.document(api)
    samples.document(api)
    geography.document(api)
    app.register_blueprint(openrosa.blp)
    app.register_blueprint(dashboard.blp)
    app.register_blueprint(fieldwork.blp)
    app.register_blueprint(console.blp)
    docs.init_app(app)
