# The IUC partnership assistant. Build: docker build -t iuc-bot .
# Run (SQLite on a volume): docker run -e TELEGRAM_BOT_TOKEN=… -v iuc-data:/data iuc-bot
# Own knowledge base: add -v /path/to/knowledge:/app/knowledge:ro (KNOWLEDGE_DIR points there).
# With PostgreSQL: docker-compose.yml beside this file.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    DATABASE_URL=sqlite:////data/iuc-bot.sqlite3 \
    KNOWLEDGE_DIR=/app/knowledge \
    LOG_FORMAT=json \
    OPS_LISTEN=0.0.0.0 \
    OPS_PORT=8080

WORKDIR /app
COPY pyproject.toml README.md constraints.txt ./
COPY bot ./bot
COPY knowledge ./knowledge
COPY locales ./locales
# Editable install: the package finds locales/ (and the default knowledge/) beside it.
# constraints.txt: the versions the tests passed with, not whatever is newest on build day.
# A fixed uid, so that a host folder mounted on /data can be given to it.
RUN pip install --no-cache-dir -c constraints.txt -e . \
    && groupadd --system --gid 10001 iuc \
    && useradd --system --uid 10001 --gid 10001 --home-dir /app --shell /usr/sbin/nologin iuc \
    && mkdir /data \
    && chown 10001:10001 /data
USER 10001:10001
VOLUME ["/data"]
# 8443: the webhook (when WEBHOOK_URL is set); 8080: /health and /metrics (OPS_PORT).
EXPOSE 8443 8080
# `iuc-bot health` asks /health on OPS_PORT: the bot runs and its database answers.
HEALTHCHECK --interval=30s --timeout=15s --start-period=60s --retries=3 CMD ["iuc-bot", "health"]
# Migrations are applied at start-up, before the first update is read.
CMD ["iuc-bot", "run"]
