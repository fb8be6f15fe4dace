"""The container files (#14.1), checked without a Docker engine: the Dockerfile's promises read
from it, its entry and health-check commands run in this virtual environment, and
docker-compose.yml parsed and checked: services, volumes, variables, start-up order."""

from __future__ import annotations

import json
import re
import shlex
from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.config import PROJECT_DIR, Settings
from tests.httpapi import http_bot_api
from tests.processes import until
from tests.test_observe import TOKEN, RunningBot

DOCKERFILE = PROJECT_DIR / "Dockerfile"
COMPOSE = PROJECT_DIR / "docker-compose.yml"


def instructions() -> list[tuple[str, str]]:
    """The Dockerfile as (INSTRUCTION, arguments), continuation lines joined, comments gone."""
    text = re.sub(r"\\\n", " ", DOCKERFILE.read_text())
    lines = [line.strip() for line in text.splitlines()]
    return [
        (line.split(None, 1)[0].upper(), line.split(None, 1)[1])
        for line in lines
        if line and not line.startswith("#")
    ]


def one(name: str) -> str:
    [value] = [args for instruction, args in instructions() if instruction == name]
    return value


def exec_form(args: str) -> tuple[str, ...]:
    """A JSON-array command (exec form); shell form is refused: signals must reach the bot."""
    return tuple(json.loads(args))


def image_env() -> dict[str, str]:
    """The image's ENV, parsed as Docker does (key=value pairs)."""
    env: dict[str, str] = {}
    for instruction, args in instructions():
        if instruction == "ENV":
            for pair in shlex.split(args):
                key, _, value = pair.partition("=")
                env[key] = value
    return env


def test_dockerfile_base_user_volume_and_knowledge() -> None:
    assert re.fullmatch(r"python:3\.1[1-9]-slim", one("FROM"))
    user = one("USER")
    assert user.split(":")[0] not in ("root", "0")
    assert json.loads(one("VOLUME")) == ["/data"]
    env = image_env()
    assert env["DATABASE_URL"] == "sqlite:////data/iuc-bot.sqlite3"  # the file on the volume
    assert env["KNOWLEDGE_DIR"] == "/app/knowledge"  # a volume mounted there overrides it
    copies = [args for instruction, args in instructions() if instruction == "COPY"]
    assert "knowledge ./knowledge" in copies
    assert "locales ./locales" in copies
    assert one("WORKDIR") == "/app"
    settings = Settings.from_env(
        {**env, "KNOWLEDGE_DIR": str(PROJECT_DIR / "knowledge")}, need_token=False
    )
    assert settings.ops_listen == "0.0.0.0"  # the health check and Prometheus reach it


def test_dockerfile_commands_are_exec_form() -> None:
    assert exec_form(one("CMD")) == ("iuc-bot", "run")
    healthcheck = one("HEALTHCHECK")
    assert "--start-period=" in healthcheck
    assert exec_form(healthcheck.split(" CMD ", 1)[1]) == ("iuc-bot", "health")


def test_the_images_entry_and_health_commands_in_this_venv(tmp_path: Path) -> None:
    """CMD and HEALTHCHECK as the Dockerfile writes them, with its ENV (paths made local)."""
    env = image_env()
    env["DATABASE_URL"] = f"sqlite:///{tmp_path / 'data' / 'iuc-bot.sqlite3'}"
    env["KNOWLEDGE_DIR"] = str(PROJECT_DIR / "knowledge")
    del env["OPS_PORT"]  # a free port here, not 8080
    (tmp_path / "data").mkdir()
    health = exec_form(one("HEALTHCHECK").split(" CMD ", 1)[1])
    with http_bot_api() as telegram:
        bot = RunningBot(telegram, tmp_path, exec_form(one("CMD")), **env)
        try:
            until(lambda: bot.health(health).returncode == 0, "the health check")
            code, err = bot.stop()
        finally:
            if bot.process.poll() is None:
                bot.process.kill()
                bot.process.communicate()
    assert code == 0
    assert all(line.startswith("{") for line in err.splitlines())  # LOG_FORMAT=json
    assert (tmp_path / "data" / "iuc-bot.sqlite3").exists()


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    return yaml.safe_load(COMPOSE.read_text())


def test_compose_services_and_named_volume(compose: dict[str, Any]) -> None:
    services = compose["services"]
    assert set(services) == {"db", "migrate", "bot"}
    assert compose["volumes"] == {"pgdata": None}
    assert "pgdata:/var/lib/postgresql/data" in services["db"]["volumes"]
    assert services["db"]["image"].startswith("postgres:")
    assert "pg_isready" in " ".join(services["db"]["healthcheck"]["test"])


def test_compose_start_up_order(compose: dict[str, Any]) -> None:
    services = compose["services"]
    assert services["migrate"]["command"] == ["iuc-bot", "db", "upgrade"]
    assert services["migrate"]["depends_on"] == {"db": {"condition": "service_healthy"}}
    assert services["bot"]["depends_on"] == {
        "db": {"condition": "service_healthy"},
        "migrate": {"condition": "service_completed_successfully"},
    }
    assert services["bot"]["restart"] == "unless-stopped"
    for name in ("migrate", "bot"):  # built here, so never looked for in a registry
        assert (services[name]["build"], services[name]["image"]) == (".", "iuc-bot")


def substituted(value: str, given: dict[str, str]) -> str:
    """Compose's ${VAR}, ${VAR:-default}, ${VAR:?error} with the given .env."""

    def one_variable(match: re.Match[str]) -> str:
        name, op, rest = match.group(1), match.group(2), match.group(3)
        if given.get(name):
            return given[name]
        assert op != ":?", f"{name} is required"
        return rest if op == ":-" else ""

    return re.sub(r"\$\{(\w+)(:-|:\?)?([^}]*)\}", one_variable, value)


def test_compose_variables_are_the_bots_settings(compose: dict[str, Any]) -> None:
    dot_env = {"TELEGRAM_BOT_TOKEN": TOKEN, "POSTGRES_PASSWORD": "pw42"}
    services = compose["services"]
    readme = (PROJECT_DIR / "README.md").read_text()
    for name in ("bot", "migrate"):
        env = {k: substituted(str(v), dot_env) for k, v in services[name]["environment"].items()}
        for variable in env:
            assert f"`{variable}`" in readme  # in the settings table
        settings = Settings.from_env(
            {**env, "KNOWLEDGE_DIR": str(PROJECT_DIR / "knowledge")}, need_token=name == "bot"
        )
        assert settings.database_url == "postgresql://iuc:pw42@db:5432/iuc"
    db_env = services["db"]["environment"]
    assert db_env["POSTGRES_USER"] == "iuc"
    assert db_env["POSTGRES_DB"] == "iuc"
    with pytest.raises(AssertionError, match="TELEGRAM_BOT_TOKEN is required"):
        substituted(services["bot"]["environment"]["TELEGRAM_BOT_TOKEN"], {})


def test_every_setting_is_in_the_readme_table() -> None:
    source = (PROJECT_DIR / "bot" / "config.py").read_text()
    names = set(re.findall(r'get\("([A-Z_]+)"\)', source))
    names |= set(re.findall(r'_ids\(env, "([A-Z_]+)"\)', source))
    assert {"TELEGRAM_BOT_TOKEN", "DATABASE_URL", "FLOOD_MESSAGES", "OPS_PORT"} <= names
    table = [
        line
        for line in (PROJECT_DIR / "README.md").read_text().splitlines()
        if line.startswith("| `")
    ]
    for name in names:
        assert any(f"`{name}`" in line.split("|")[1] for line in table), name


def test_the_image_installs_pinned_versions_of_every_dependency() -> None:
    import tomllib

    from packaging.requirements import Requirement

    assert "pip install --no-cache-dir -c constraints.txt -e ." in DOCKERFILE.read_text()
    copies = [args for instruction, args in instructions() if instruction == "COPY"]
    assert any("constraints.txt" in args.split()[:-1] for args in copies)
    pinned = {}
    for line in (PROJECT_DIR / "constraints.txt").read_text().splitlines():
        if line and not line.startswith("#"):
            name, _, version = line.partition("==")
            pinned[name.lower().replace("_", "-")] = version
    project = tomllib.loads((PROJECT_DIR / "pyproject.toml").read_text())["project"]
    for text in [*project["dependencies"], *project["optional-dependencies"]["dev"]]:
        requirement = Requirement(text)
        name = requirement.name.lower().replace("_", "-")
        assert name in pinned, name
        assert pinned[name] in requirement.specifier, (name, pinned[name])  # bounds hold
        assert requirement.specifier
        assert any(s.operator == "<" for s in requirement.specifier)
