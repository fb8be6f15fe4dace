"""The coordinators' CSV, read back as Excel and the csv module would, and the shell command."""

from __future__ import annotations

import csv
import io
import os
import subprocess
import sys
from datetime import UTC, date, datetime
from pathlib import Path

from bot.config import PROJECT_DIR
from bot.visits import service
from bot.visits.export import registrations_csv
from tests.visits.factory import Sessions, open_visit, register

HEADER = [
    "id",
    "status",
    "full_name",
    "organisation",
    "city",
    "role",
    "arrival",
    "departure",
    "dietary",
    "accessibility",
    "email",
    "lang",
    "created_at",
]


def _read(data: bytes) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"), newline="")))


async def _two_delegations(sessions: Sessions, now: datetime) -> int:
    visit = await open_visit(sessions, now, capacity=1)
    await register(
        sessions,
        visit.id,
        1,
        now,
        lang="ja",
        full_name="山田太郎",
        organisation="所沢市役所",
        city="所沢",
        role="expert",
        arrival=date(2027, 5, 21),
        dietary='ハラール, no pork; "strict"',
        email="yamada@example.jp",
    )
    await register(
        sessions,
        visit.id,
        2,
        now,
        lang="sk",
        full_name="Ľubomír Šťastný",
        organisation="Magistrát hlavného mesta SR Bratislavy",
        city="Bratislava",
        accessibility="bezbariérový prístup\nvýťah",
    )
    return visit.id


async def test_csv_reads_back_with_names_intact(sessions: Sessions, now: datetime) -> None:
    visit_id = await _two_delegations(sessions, now)
    async with sessions() as session:
        data = registrations_csv(await service.export_rows(session, visit_id))

    assert data.startswith(b"\xef\xbb\xbf")  # the BOM Excel needs to read UTF-8
    header_line = data[3:].split(b"\r\n", 1)[0]
    assert header_line.decode().split(",") == HEADER
    rows = _read(data)
    assert [r["full_name"] for r in rows] == ["山田太郎", "Ľubomír Šťastný"]
    yamada, lubo = rows
    assert (yamada["status"], lubo["status"]) == ("confirmed", "waitlisted")
    assert yamada["organisation"] == "所沢市役所"
    assert yamada["arrival"] == "2027-05-21"
    assert yamada["departure"] == "2027-05-23"
    assert yamada["dietary"] == 'ハラール, no pork; "strict"'
    assert yamada["accessibility"] == ""
    assert yamada["created_at"] == "2026-11-29T09:30:00+00:00"
    assert lubo["accessibility"] == "bezbariérový prístup výťah"  # collapsed when typed
    assert lubo["email"] == ""
    assert (yamada["lang"], lubo["lang"]) == ("ja", "sk")


def test_csv_lines_end_in_crlf_and_formulas_are_defused() -> None:
    rows = [
        {
            "id": 7,
            "status": "confirmed",
            "full_name": '=HYPERLINK("http://evil")',
            "organisation": "+421 city",
            "city": "@here",
            "role": "press",
            "arrival": date(2027, 5, 20),
            "departure": date(2027, 5, 21),
            "dietary": "-",
            "accessibility": None,
            "email": "a@example.org",
            "lang": "en",
            "created_at": datetime(2026, 11, 29, 9, 30, 15, 123456, tzinfo=UTC),
        }
    ]
    data = registrations_csv(rows)
    assert data.count(b"\r\n") == 2
    assert b"\n" not in data.replace(b"\r\n", b"")
    [row] = _read(data)
    assert row["full_name"] == '\'=HYPERLINK("http://evil")'
    assert (row["organisation"], row["city"], row["dietary"]) == ("'+421 city", "'@here", "'-")
    assert row["created_at"] == "2026-11-29T09:30:15+00:00"
    assert row["id"] == "7"


def test_an_empty_visit_gives_the_header_only() -> None:
    assert registrations_csv([]) == ("\ufeff" + ",".join(HEADER) + "\r\n").encode()


def _cli(url: str, *args: str) -> subprocess.CompletedProcess[bytes]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TELEGRAM_")}
    env["DATABASE_URL"] = url
    return subprocess.run(
        [sys.executable, "-m", "bot", "export", "registrations", *args],
        cwd=PROJECT_DIR,
        env=env,
        capture_output=True,
        timeout=60,
        check=False,
    )


async def test_cli_writes_the_file(
    sessions: Sessions, now: datetime, migrated_url: str, tmp_path: Path
) -> None:
    visit_id = await _two_delegations(sessions, now)
    target = tmp_path / "registrations.csv"

    done = _cli(migrated_url, "--visit", str(visit_id), "--output", str(target))

    assert done.returncode == 0, done.stderr.decode()
    assert [r["full_name"] for r in _read(target.read_bytes())] == ["山田太郎", "Ľubomír Šťastný"]
    assert b"2 registrations" in done.stderr


async def test_cli_writes_bytes_to_stdout(
    sessions: Sessions, now: datetime, migrated_url: str
) -> None:
    visit_id = await _two_delegations(sessions, now)
    done = _cli(migrated_url, "--visit", str(visit_id))
    assert done.returncode == 0, done.stderr.decode()
    assert done.stdout.startswith(b"\xef\xbb\xbf")
    assert [r["city"] for r in _read(done.stdout)] == ["所沢", "Bratislava"]


def test_cli_unknown_visit(migrated_url: str) -> None:
    done = _cli(migrated_url, "--visit", "404")
    assert done.returncode == 1
    assert done.stdout == b""
    assert b"no visit with id 404" in done.stderr
    assert b"Traceback" not in done.stderr


def test_cli_unmigrated_database(tmp_path: Path) -> None:
    done = _cli(f"sqlite:///{tmp_path / 'empty.sqlite3'}", "--visit", "1")
    assert done.returncode == 1
    assert b"iuc-bot db upgrade" in done.stderr
    assert b"Traceback" not in done.stderr


def test_cli_visit_must_be_a_number(tmp_path: Path) -> None:
    done = _cli(f"sqlite:///{tmp_path / 'x.sqlite3'}", "--visit", "seven")
    assert done.returncode == 2
    assert b"--visit" in done.stderr
