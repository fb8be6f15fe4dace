"""The console, driven by scripted input against a real Application."""

from __future__ import annotations

import io
import os
from pathlib import Path

import pytest

from bot.console import run_console
from bot.localapi import LocalBotApi
from tests.test_localapi import CSV, build_demo_app


async def chat(script: str, **kwargs: object) -> tuple[str, LocalBotApi]:
    """Runs the demo bot in the console on `script`; returns the transcript and the server."""
    api = LocalBotApi()
    out = io.StringIO()
    await run_console(build_demo_app(api), api, stdin=io.StringIO(script), stdout=out, **kwargs)
    return out.getvalue(), api


async def test_start_button_press_and_quit() -> None:
    transcript, api = await chat("/start\n/ask\n1\n:quit\nnot read\n")
    assert "🤖 Hello, User 1!" in transcript  # <b> stripped
    assert "   [1] Yes  [2] No\n   [3] Website ↗" in transcript
    assert "💬 You chose yes" in transcript
    assert "🤖 ✏️ You chose: yes" in transcript
    assert "not read" not in transcript
    assert api.callback_answers[0]["text"] == "You chose yes"


async def test_end_of_input_stops_the_application() -> None:
    api = LocalBotApi()
    app = build_demo_app(api)
    await run_console(app, api, stdin=io.StringIO("hello"), stdout=io.StringIO())
    assert not app.running
    assert api.last_message(1).plain == "hello"


async def test_a_number_is_text_unless_the_last_message_has_buttons() -> None:
    transcript, api = await chat("42\n/ask\n7\n2\n:say 5\n")
    assert "🤖 42" in transcript
    assert "(no button 7; this message has 3)" in transcript
    assert "🤖 ✏️ You chose: no" in transcript
    assert [m.plain for m in api.messages(1)][-1] == "5"


async def test_url_button_shows_the_link() -> None:
    transcript, _ = await chat("/ask\n3\n")
    assert "🔗 https://www.bratislava.sk" in transcript


async def test_users_keep_their_own_chats_and_languages() -> None:
    script = "/whoami\n:user 2\n:lang sk\n/whoami\n:user 1\n/whoami\n"
    transcript, api = await chat(script, lang="ja")
    assert [m.plain for m in api.messages(1)] == ["user 1 lang ja", "user 1 lang ja"]
    assert [m.plain for m in api.messages(2)] == ["user 2 lang sk"]
    assert "(now user 2, language ja)" in transcript
    assert "(language_code sk)" in transcript


async def test_document_is_shown_with_its_size_and_content() -> None:
    transcript, _ = await chat("/export\n")
    assert f"📎 [file 1] registrations.csv ({len(CSV)} bytes)\n   2 registrations" in transcript
    assert "   │ id,name\n   │ 1,Ana\n   │ 2,Tarō\n" in transcript


async def test_a_file_is_saved_byte_for_byte(tmp_path: Path) -> None:
    target = tmp_path / "out.csv"
    script = f":save 1 {target}\n/export\n:save 2 {target}\n:save 1\n:save 1 {target}\n"
    transcript, _ = await chat(script)
    assert "(the bot has sent no file yet)" in transcript
    assert "(usage: :save N FILE, with N from 1 to 1)" in transcript
    assert f"(saved registrations.csv to {target})" in transcript
    assert target.read_bytes() == CSV
    missing = tmp_path / "no-such-folder" / "x.csv"
    transcript, _ = await chat(f"/export\n:save 1 {missing}\n")
    assert f"(could not save {missing}: " in transcript


async def test_post_init_ran_and_help_and_unknown_commands() -> None:
    transcript, api = await chat(":help\n:frobnicate\n:user x\n")
    assert api.commands(language_code="sk")
    assert ":lang xx" in transcript
    assert transcript.count("unknown or incomplete console command") == 2


@pytest.mark.parametrize(
    "text",
    ["<script>", "Q&A", "😀" * 3, "1 < 2 & 3 > 2"],
    ids=["tag", "amp", "emoji", "comparison"],
)
async def test_html_looking_text_is_echoed_verbatim(text: str) -> None:
    transcript, _ = await chat(text + "\n")
    assert f"🤖 {text}\n" in transcript


async def test_reads_from_a_pipe() -> None:
    read_fd, write_fd = os.pipe()
    with os.fdopen(write_fd, "w") as writer:
        writer.write("/start\n:quit\n")
    api = LocalBotApi()
    out = io.StringIO()
    with os.fdopen(read_fd) as reader:
        await run_console(build_demo_app(api), api, stdin=reader, stdout=out)
    assert "1> /start" in out.getvalue()  # piped input is echoed into the transcript
    assert "🤖 Hello, User 1!" in out.getvalue()
