# One image for every service and job: the command picks what it runs.
#   docker build -t arxiv-bot:0.1.0 .
#   docker run arxiv-bot:0.1.0 serve publisher      (or: serve fetcher|scorer|summarizer, migrate, fetch)
#   docker run -v "$PWD:/data" arxiv-bot:0.1.0 run --once --out .     (SQLite in /data, no broker)

# --- build: a virtualenv with the locked dependencies (wheels only, so no compiler is needed) and the project
FROM python:3.11.11-slim-bookworm AS build
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_ROOT_USER_ACTION=ignore
RUN python -m venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH
WORKDIR /src
COPY requirements.lock ./
RUN pip install --no-deps --only-binary=:all: -r requirements.lock
COPY pyproject.toml README.md ./
COPY arxiv_bot ./arxiv_bot
COPY shared ./shared
COPY services ./services
RUN pip install --no-deps . && pip check

# --- runtime: the virtualenv, a non-root user, nothing to build with
FROM python:3.11.11-slim-bookworm AS runtime
LABEL org.opencontainers.image.title="arxiv-bot" \
      org.opencontainers.image.description="Follow arXiv: fetch, score, summarize and publish the day's papers"
# Services listen on every interface inside the container (the default, loopback, would be unreachable).
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    HOST=0.0.0.0
RUN groupadd --system --gid 10001 arxiv \
 && useradd --system --uid 10001 --gid arxiv --home-dir /data --no-create-home --shell /usr/sbin/nologin arxiv \
 && mkdir -p /data \
 && chown arxiv:arxiv /data
COPY --from=build /opt/venv /opt/venv
COPY deploy/docker/healthcheck.py /usr/local/lib/arxiv-bot/healthcheck.py
# `run --once` reads ./config.json (else the reference defaults), keeps its SQLite store and writes its digest
# here: mount a volume to keep them. The services read ARXIV_BOT_CONFIG (compose and k8s mount one).
WORKDIR /data
USER 10001:10001
EXPOSE 8001 8002 8003 8004
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD ["python", "/usr/local/lib/arxiv-bot/healthcheck.py"]
ENTRYPOINT ["arxiv-bot"]
CMD ["--help"]
