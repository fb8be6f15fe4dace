# The IUC partnership assistant: `docker run -e TELEGRAM_BOT_TOKEN=… -v iuc-data:/data image`.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    DATABASE_URL=sqlite:////data/iuc-bot.sqlite3

WORKDIR /app
COPY pyproject.toml README.md ./
COPY bot ./bot
COPY knowledge ./knowledge
COPY locales ./locales
# Editable install: the package finds knowledge/ and locales/ beside it, where curators edit them.
RUN pip install -e . \
    && useradd --system --home-dir /app iuc \
    && mkdir /data && chown iuc /data
USER iuc
VOLUME /data
# Webhook mode listens on PORT (default 8443) when WEBHOOK_URL is set.
EXPOSE 8443
HEALTHCHECK NONE
CMD ["iuc-bot", "run"]
