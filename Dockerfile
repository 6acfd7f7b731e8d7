FROM python:3.11-slim
WORKDIR /app
COPY requirements.txt .
RUN pip install --no-cache-dir -r requirements.txt
COPY service service
COPY catalogue catalogue
COPY schemas schemas
COPY scoring scoring
COPY forms forms
ENV SURVEY_LOG_LEVEL=INFO
EXPOSE 8000
USER nobody
# Settings shared with `make run` (gevent workers, problem+json refusals): service/gunicorn_conf.py
CMD ["gunicorn", "--config", "service/gunicorn_conf.py", "--bind", "0.0.0.0:8000", \
     "--workers", "4", "service.wsgi:app"]
