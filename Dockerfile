# The production image (docker-compose.yml). Two stages: the first builds a virtualenv of the
# production requirements only (no embedded store, no test or lint tools); the second copies that
# virtualenv and the application code onto a clean slim image, without pip's caches or any build
# tool, and runs as an unprivileged user.
FROM python:3.11-slim AS build
RUN python -m venv /venv
COPY requirements-production.txt .
RUN /venv/bin/pip install --no-cache-dir --disable-pip-version-check -r requirements-production.txt

FROM python:3.11-slim
COPY --from=build /venv /venv
ENV PATH=/venv/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    SURVEY_LOG_LEVEL=INFO
WORKDIR /app
COPY service service
COPY catalogue catalogue
COPY schemas schemas
COPY outputs outputs
COPY scoring scoring
COPY forms forms
EXPOSE 8000
USER nobody
# Settings shared with `make run` (gevent workers, JSON logs, problem+json refusals): service/gunicorn_conf.py
CMD ["gunicorn", "--config", "service/gunicorn_conf.py", "--bind", "0.0.0.0:8000", \
     "--workers", "4", "service.wsgi:app"]
