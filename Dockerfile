# One image for the api and the worker; the command chooses which runs.
FROM python:3.11-slim AS base
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 APP_ENV=production
WORKDIR /app
RUN useradd --create-home --uid 10001 momento
COPY pyproject.toml ./
COPY api ./api
COPY workflows ./workflows
COPY activities ./activities
COPY db ./db
COPY settings.py worker.py logs.py embedded.py dev.py ./
RUN pip install --no-cache-dir .
USER momento
EXPOSE 8000
HEALTHCHECK --interval=10s --timeout=3s --retries=3 \
  CMD python -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/health', timeout=2)"
CMD ["python", "-m", "api"]
