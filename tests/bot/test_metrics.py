"""/metrics after a real broadcast: the outbox counted from the database, scraped over HTTP
from the operations server, the text checked by a strict parser of Prometheus' text format
(version 0.0.4), on SQLite and PostgreSQL."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

import httpx
import pytest

from bot.broadcast import store
from bot.kb.answer import QuestionAnswerer
from bot.observe import gauges, server
from tests.bot.harness import Harness, unreachable
from tests.bot.test_broadcast_compose import READERS
from tests.bot.test_broadcast_send import compose_and_send, reported, running
from tests.processes import free_port

# --- a strict reader of the text exposition format ---------------------------------------------

NAME = r"[a-zA-Z_:][a-zA-Z0-9_:]*"
LABEL = r'[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\[\\"n])*"'
SAMPLE = re.compile(
    rf"(?P<name>{NAME})(?:\{{(?P<labels>{LABEL}(?:,{LABEL})*)?\}})? "
    r"(?P<value>[^ ]+)(?: (?P<ts>-?\d+))?"
)
KINDS = {"counter", "gauge", "histogram", "summary", "untyped"}
SUFFIXES = {"histogram": ("_bucket", "_sum", "_count"), "summary": ("_sum", "_count", "")}


@dataclass
class Family:
    kind: str
    help: str | None = None
    samples: dict[tuple[str, tuple[tuple[str, str], ...]], float] = field(default_factory=dict)


def _value(text: str) -> float:
    if text in ("+Inf", "-Inf", "NaN"):
        return float(text.replace("Inf", "inf").replace("NaN", "nan"))
    assert re.fullmatch(r"-?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?", text), f"not a number: {text!r}"
    return float(text)


def _family_of(name: str, families: dict[str, Family]) -> str:
    if name in families and families[name].kind not in SUFFIXES:
        return name
    for family, f in families.items():
        for suffix in SUFFIXES.get(f.kind, ()):
            if suffix and name == family + suffix:
                return family
    raise AssertionError(f"sample {name} before (or without) its # TYPE")


def parse(text: str) -> dict[str, Family]:
    """Families by name; fails on anything the format does not allow."""
    assert text.endswith("\n"), "the text must end with a line feed"
    families: dict[str, Family] = {}
    for line in text[:-1].split("\n"):
        assert line, "an empty line"
        if line.startswith("# HELP ") or line.startswith("# TYPE "):
            _, keyword, name, *rest = line.split(" ", 3)
            assert re.fullmatch(NAME, name), line
            if keyword == "TYPE":
                [kind] = rest
                assert kind in KINDS, line
                assert name not in families or families[name].samples == {}, line
                assert name not in families or families[name].kind == "untyped", line
                families[name] = Family(kind, families.get(name, Family("untyped")).help)
            else:
                assert families.get(name, Family("untyped")).help is None, f"two HELPs: {line}"
                families.setdefault(name, Family("untyped")).help = rest[0] if rest else ""
            continue
        assert not line.startswith("#") or line.startswith("# "), line
        if line.startswith("#"):
            continue  # a comment
        match = SAMPLE.fullmatch(line)
        assert match, f"not a sample line: {line!r}"
        labels = tuple(
            (pair.split("=", 1)[0], pair.split("=", 1)[1][1:-1])
            for pair in re.findall(LABEL, match["labels"] or "")
        )
        assert len({k for k, _ in labels}) == len(labels), f"a label twice: {line}"
        family = families[_family_of(match["name"], families)]
        key = (match["name"], labels)
        assert key not in family.samples, f"a series twice: {line}"
        family.samples[key] = _value(match["value"])
    for name, family in families.items():
        if family.kind == "histogram":
            buckets = [
                (dict(labels)["le"], v)
                for (n, labels), v in family.samples.items()
                if n == name + "_bucket"
            ]
            assert buckets, name
            assert buckets[-1][0] == "+Inf", name
            counts = [v for _, v in buckets]
            assert counts == sorted(counts), f"{name}: buckets not cumulative"
            assert family.samples[(name + "_count", ())] == counts[-1], name
    return families


def series(families: dict[str, Family], name: str) -> dict[str, float]:
    """The samples of one family with one label, by that label's value."""
    return {labels[0][1]: v for (_, labels), v in families[name].samples.items()}


def test_the_parser_refuses_what_the_format_does_not_allow() -> None:
    good = '# HELP a_total A.\n# TYPE a_total counter\na_total{x="1"} 2\n'
    assert series(parse(good), "a_total") == {"1": 2.0}
    for bad in (
        good[:-1],  # no final line feed
        good + 'a_total{x="1"} 3\n',  # a series twice
        "b 1\n",  # a sample without its TYPE
        good + "# TYPE a_total gauge\n",  # a second TYPE after samples
        "# TYPE c counter\nc{x=1} 1\n",  # an unquoted label value
        "# TYPE c counter\nc 1,5\n",  # not a number
        '# TYPE h histogram\nh_bucket{le="1"} 2\nh_bucket{le="+Inf"} 1\nh_count 1\n',
    ):
        with pytest.raises(AssertionError):
            parse(bad)


# --- the scrape ----------------------------------------------------------------------------------


@pytest.fixture
async def bot(database_url: str, qa: QuestionAnswerer) -> AsyncIterator[Harness]:
    async with running(database_url, qa) as harness:
        yield harness


async def scrape(bot: Harness) -> tuple[httpx.Response, dict[str, Family]]:
    """GET /metrics from the operations server, wired to the bot's database as `run` does."""
    services = bot.app.bot_data["services"]

    async def probe() -> None:
        pass

    port = free_port()
    ops = server.start(
        port, "127.0.0.1", lambda: True, probe, gauges.collector(lambda: services.sessions)
    )
    try:
        async with httpx.AsyncClient() as client:
            response = await client.get(f"http://127.0.0.1:{port}/metrics")
    finally:
        ops.stop()
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/plain; version=0.0.4; charset=utf-8"
    return response, parse(response.text)


async def test_metrics_count_the_outbox_from_the_database_after_a_broadcast(
    bot: Harness,
) -> None:
    _, before = await scrape(bot)
    asked = series(before, "iuc_bot_questions_total").get("answered", 0)
    assert series(before, "iuc_bot_outbox_messages") == {
        "queued": 0,
        "sending": 0,
        "sent": 0,
        "blocked": 0,
        "failed": 0,
        "cancelled": 0,
        "unknown": 0,
    }
    # The Slovak reader has blocked the bot; Telegram refuses the message to the Japanese one.
    bot.api.block(READERS["sk"])
    bot.api.inject_error(
        "sendMessage",
        "bad_request",
        description="Bad Request: chat not found",
        chat_id=READERS["ja"],
    )
    await compose_and_send(bot, "en")  # to every subscriber: the readers and the coordinator
    await reported(bot)
    await bot.send(READERS["en"], "When was the partnership agreement signed?")

    response, families = await scrape(bot)
    assert families["iuc_bot_outbox_messages"].kind == "gauge"
    outbox = series(families, "iuc_bot_outbox_messages")
    assert outbox == {
        "queued": 0,
        "sending": 0,
        "sent": 2,
        "blocked": 1,
        "failed": 1,
        "cancelled": 0,
        "unknown": 0,
    }
    async with bot.app.bot_data["services"].sessions() as session:
        totals = await store.totals(session)
    assert outbox == {name: float(n) for name, n in vars(totals).items()}
    # The other families are still there, and the question counted (this process's counter).
    assert series(families, "iuc_bot_questions_total")["answered"] == asked + 1
    assert families["iuc_bot_update_latency_seconds"].kind == "histogram"
    assert response.text.index("iuc_bot_questions_total") < response.text.index(
        "iuc_bot_outbox_messages"
    )


async def test_an_unreachable_database_leaves_the_outbox_out_not_stale(bot: Harness) -> None:
    _, families = await scrape(bot)
    assert series(families, "iuc_bot_outbox_messages")["sent"] == 0
    async with unreachable(bot):
        _, families = await scrape(bot)
    assert families["iuc_bot_outbox_messages"].samples == {}  # declared, without samples
    assert families["iuc_bot_update_latency_seconds"].samples  # the rest still served
    _, families = await scrape(bot)
    assert series(families, "iuc_bot_outbox_messages")["sent"] == 0
