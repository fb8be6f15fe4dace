"""`iuc-bot kb check`: every kind of broken file is reported with its file, line and a sentence."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.cli import main
from bot.kb.loader import load_knowledge

SOURCE = "The partnership agreement was signed on 15.10.2018 in Bratislava with Tokorozawa."

META = """\
meta:
  sources: {seed: seed.txt}
  contact: bratislava
"""

PLACES = """\
places:
  - id: bratislava
    name: {en: Bratislava, sk: Bratislava, ja: ブラチスラバ}
    source: {doc: seed, quote: "in Bratislava"}
    country: SK
    timezone: Europe/Bratislava
"""

EVENTS = """\
events:
  - id: signing
    name: {en: Signing, sk: Podpis, ja: 署名}
    source: {doc: seed, quote: "signed on 15.10.2018"}
    kind: meeting
    start: 2018-10-15
    timezone: Europe/Bratislava
    place: bratislava
    facts:
      - id: when
        text: {en: "Signed on {start}.", sk: "Podpísané {start}.", ja: "{start}に署名。"}
        questions: {en: ["When was it signed?"], sk: ["Kedy to podpísali?"], ja: ["いつ署名？"]}
"""


def write_kb(directory: Path, places: str = PLACES, events: str = EVENTS) -> Path:
    """A tiny valid knowledge base, with the two record files replaceable."""
    directory.mkdir(exist_ok=True)
    (directory / "seed.txt").write_text(SOURCE, encoding="utf-8")
    (directory / "meta.yaml").write_text(META, encoding="utf-8")
    (directory / "places.yaml").write_text(places, encoding="utf-8")
    (directory / "events.yaml").write_text(events, encoding="utf-8")
    return directory


def check(directory: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    """Run `iuc-bot kb check --dir` and return its exit status and standard error."""
    with pytest.raises(SystemExit) as exc:
        main(["kb", "check", "--dir", str(directory)])
    return int(exc.value.code or 0), capsys.readouterr().err


def test_valid_knowledge_base_passes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["kb", "check", "--dir", str(write_kb(tmp_path / "kb"))]) == 0
    assert "OK" in capsys.readouterr().out


def test_shipped_knowledge_base_passes(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["kb", "check"]) == 0
    assert "OK" in capsys.readouterr().out


BROKEN = [
    pytest.param(
        "places",
        PLACES.replace("ja: ブラチスラバ}", "ja: ブラチスラバ"),
        "places.yaml:4: The YAML syntax is invalid",
        id="yaml-syntax",
    ),
    pytest.param(
        "places",
        PLACES + "    colour: blue\n",
        "places.yaml:7: Unknown key 'colour' in a record of 'places'.",
        id="unknown-key",
    ),
    pytest.param(
        "places",
        PLACES.replace(", ja: ブラチスラバ", ""),
        "places.yaml:3: The name is missing the language(s): ja.",
        id="missing-language",
    ),
    pytest.param(
        "events",
        EVENTS.replace("2018-10-15", "15.10.2018"),
        "events.yaml:6: The start '15.10.2018' is not an ISO date (YYYY-MM-DD).",
        id="bad-date",
    ),
    pytest.param(
        "events",
        EVENTS.replace("2018-10-15", "2018-02-30"),
        "events.yaml:6: The start 2018-02-30 does not exist in the calendar.",
        id="impossible-date",
    ),
    pytest.param(
        "places",
        PLACES + PLACES.replace("places:\n", ""),
        "places.yaml:7: The id 'bratislava' is already used in places.yaml:2.",
        id="duplicate-id",
    ),
    pytest.param(
        "events",
        EVENTS.replace("place: bratislava", "place: tokyo"),
        "events.yaml:8: The place refers to 'tokyo', which is not a record id.",
        id="missing-ref",
    ),
    pytest.param(
        "events",
        EVENTS.replace('quote: "signed on 15.10.2018"', 'quote: "signed on 16.10.2018"'),
        "events.yaml:4: The quote is not found word for word in the source 'seed'.",
        id="quote-not-in-source",
    ),
    pytest.param(
        "events",
        EVENTS.replace("    timezone:", "    end: 2018-10-01\n    timezone:"),
        "events.yaml:7: The end date 2018-10-01 is before the start 2018-10-15.",
        id="end-before-start",
    ),
    pytest.param(
        "places",
        PLACES.replace("Europe/Bratislava", "Europe/Bratislawa"),
        "places.yaml:6: The timezone 'Europe/Bratislawa' is not an IANA time zone",
        id="bad-timezone",
    ),
    pytest.param(
        "events",
        EVENTS.replace("Signed on {start}.", "Signed on {signed}."),
        "events.yaml:11: The text of 'signing.when' (en) uses {signed}, which that record cannot",
        id="unknown-placeholder",
    ),
    pytest.param(
        "places",
        PLACES + "    country: CZ\n",
        "places.yaml:7: The key 'country' appears twice in the same mapping.",
        id="duplicate-key",
    ),
    pytest.param(
        "events",
        EVENTS.replace("place: bratislava", "place: signing"),
        "events.yaml:8: The place 'signing' is a record of 'events', not of 'places'.",
        id="wrong-kind-of-ref",
    ),
    pytest.param(
        "events",
        EVENTS.replace(
            "    facts:",
            "    facts:\n      - id: when\n"
            "        text: {en: x, sk: x, ja: x}\n"
            "        questions: {en: [x], sk: [x], ja: [x]}",
        ),
        "events.yaml:13: The fact id 'when' appears twice in 'signing'.",
        id="duplicate-fact",
    ),
    pytest.param(
        "events",
        EVENTS.replace("    timezone:", "    time: 9:30\n    timezone:"),
        "events.yaml:7: The time '570' is not a time of day in quotes such as '09:30'.",
        id="unquoted-time",
    ),
    pytest.param(
        "events",
        EVENTS.replace("    timezone:", "    time: '25:00'\n    timezone:"),
        "events.yaml:7: The time '25:00' is not a time of day in quotes such as '09:30'.",
        id="impossible-time",
    ),
]


def test_an_event_may_have_a_start_time(tmp_path: Path) -> None:
    events = EVENTS.replace("    timezone:", "    time: '09:30'\n    timezone:")
    kb = load_knowledge(write_kb(tmp_path / "kb", events=events))
    assert str(kb.records["signing"].fields["time"]) == "09:30:00"
    plain = load_knowledge(write_kb(tmp_path / "plain"))
    assert "time" not in plain.records["signing"].fields


@pytest.mark.parametrize(("file", "content", "message"), BROKEN)
def test_broken_file_is_reported(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], file: str, content: str, message: str
) -> None:
    directory = write_kb(tmp_path / "kb", **{file: content})
    status, err = check(directory, capsys)
    assert status == 1
    assert message in err, err
    assert "problem" in err.splitlines()[-1]


def test_missing_directory_is_reported(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    status, err = check(tmp_path / "nowhere", capsys)
    assert status == 1
    assert "does not exist" in err


ASSISTANT = """\
assistant:
  - id: visits
    name: {en: open visits, sk: otvorené návštevy, ja: 受付中の訪問}
    facts:
      - id: open
        live: open_visits
        text: {en: "See /register.", sk: "Pozrite /register.", ja: "/register をご覧ください。"}
        questions: {en: ["next visit?"], sk: ["ďalšia návšteva?"], ja: ["次の訪問は？"]}
"""


def test_assistant_records_need_no_source(tmp_path: Path) -> None:
    directory = write_kb(tmp_path / "kb")
    (directory / "assistant.yaml").write_text(ASSISTANT, encoding="utf-8")
    kb = load_knowledge(directory)
    fact = kb.facts["visits.open"]
    assert fact.live == "open_visits"
    assert fact.source is None
    assert kb.records["visits"].source is None
    assert kb.facts["signing.when"].live is None


@pytest.mark.parametrize(
    ("file", "content", "message"),
    [
        pytest.param(
            "assistant.yaml",
            ASSISTANT.replace("live: open_visits", "live: weather"),
            "assistant.yaml:6: The live 'weather' is not one of: open_visits.",
            id="unknown-live",
        ),
        pytest.param(
            "assistant.yaml",
            ASSISTANT.replace("live: open_visits", "unrecorded: perhaps"),
            "assistant.yaml:6: The unrecorded must be true or false.",
            id="unrecorded-not-a-boolean",
        ),
        pytest.param(
            "assistant.yaml",
            ASSISTANT.replace("live: open_visits", "command: /register"),
            "assistant.yaml:6: The command must be a command's name without the slash, such as"
            " myvisits.",
            id="command-with-a-slash",
        ),
        pytest.param(
            "places.yaml",
            PLACES.replace('    source: {doc: seed, quote: "in Bratislava"}\n', ""),
            "places.yaml:2: The record lacks the required key 'source'.",
            id="source-still-required-elsewhere",
        ),
        pytest.param(
            "assistant.yaml",
            ASSISTANT.replace(
                "    facts:", '    source: {doc: seed, quote: "nowhere"}\n    facts:'
            ),
            "assistant.yaml:4: The quote is not found word for word in the source 'seed'.",
            id="assistant-source-is-checked",
        ),
    ],
)
def test_assistant_and_live_are_checked(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], file: str, content: str, message: str
) -> None:
    directory = write_kb(tmp_path / "kb")
    (directory / file).write_text(content, encoding="utf-8")
    status, err = check(directory, capsys)
    assert status == 1
    assert message in err, err


def test_a_fact_may_say_what_the_source_does_not_record(tmp_path: Path) -> None:
    directory = write_kb(tmp_path / "kb")
    content = ASSISTANT.replace("live: open_visits", "unrecorded: true")
    (directory / "assistant.yaml").write_text(content, encoding="utf-8")
    kb = load_knowledge(directory)
    assert kb.facts["visits.open"].unrecorded
    assert not kb.facts["signing.when"].unrecorded


def test_shipped_live_facts_are_assistant_facts(kb) -> None:
    live = [f for f in kb.facts.values() if f.live]
    assert [f.id for f in live] == ["visits.open"]
    assert all(kb.records[f.record].collection == "assistant" for f in live)
    sourced = [r.id for r in kb.records.values() if r.collection != "assistant" and not r.source]
    assert not sourced
