"""The WSGI entry point for gunicorn: `gunicorn service.wsgi:app` (or `service:create_app()`)."""

from service import create_app

app = create_app()
