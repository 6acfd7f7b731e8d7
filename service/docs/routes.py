"""Human API docs at /docs: Swagger UI served from the installed package, no CDN."""

from flask import Flask
from flask_swagger_ui import get_swaggerui_blueprint


def init_app(app: Flask) -> None:
    app.register_blueprint(
        get_swaggerui_blueprint(
            "/docs", "/openapi.json", config={"app_name": app.config["API_TITLE"]}
        ),
        url_prefix="/docs",
    )
