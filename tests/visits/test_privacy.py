"""Personal data: what /mydata sends, what /forget_me erases, what the purge anonymises."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import select

from bot.db import repo
from bot.db.models import Outcome, QuestionLog, Registration, User
from bot.db.records import Question
from bot.visits import service
from tests.visits.factory import Sessions, open_visit, register, visit_row

ALICE, BOB = 5001, 5002


async def _alice_everywhere(sessions: Sessions, now: datetime) -> tuple[int, int]:
    visit = await open_visit(sessions, now, capacity=1)
    async with sessions.begin() as session:
        for person, name in ((ALICE, "Alžbeta"), (BOB, "Bob")):
            await repo.touch_user(
                session, person, telegram_language="sk", first_name=name, now=now
            )
        question = Question(
            chat_id=ALICE,
            message_id=1,
            telegram_id=ALICE,
            text="Volám sa Alžbeta Kováčová, kedy je návšteva?",
            lang="sk",
            entry_id=None,
            confidence=0.2,
            outcome=Outcome.UNKNOWN,
            asked_at=now,
        )
        await repo.log_questions(session, [question])
        await service.save_draft(session, ALICE, "register", "email", {"city": "Trnava"}, now)
    mine = await register(
        sessions,
        visit.id,
        ALICE,
        now,
        lang="sk",
        full_name="Alžbeta Kováčová",
        city="Trnava",
        dietary="bezlepková",
        email="alzbeta@example.sk",
    )
    await register(sessions, visit.id, BOB, now, full_name="Bob Smith", role="press")
    return visit.id, mine.id


async def test_personal_data_holds_everything_about_the_person(
    sessions: Sessions, now: datetime
) -> None:
    visit_id, registration_id = await _alice_everywhere(sessions, now)
    async with sessions() as session:
        data = await service.personal_data(session, ALICE)
    json.dumps(data, ensure_ascii=False)  # the handler sends it as a file
    assert data["telegram_id"] == ALICE
    assert data["user"]["first_name"] == "Alžbeta"
    [registration] = data["registrations"]
    assert registration["id"] == registration_id
    assert registration["visit_id"] == visit_id
    assert registration["full_name"] == "Alžbeta Kováčová"
    assert registration["email"] == "alzbeta@example.sk"
    assert registration["arrival"] == "2027-05-20"
    assert registration["consent_at"] == now.isoformat()
    assert registration["visit_titles"]["ja"] == "所沢市視察訪問"
    assert data["drafts"] == [
        {
            "kind": "register",
            "step": "email",
            "data": {"city": "Trnava"},
            "updated_at": now.isoformat(),
        }
    ]
    assert [q["text"] for q in data["questions"]] == [
        "Volám sa Alžbeta Kováčová, kedy je návšteva?"
    ]
    assert "Bob Smith" not in json.dumps(data)


async def test_forget_withdraws_then_erases_the_person(sessions: Sessions, now: datetime) -> None:
    visit_id, registration_id = await _alice_everywhere(sessions, now)
    later = now + timedelta(days=1)
    async with sessions.begin() as session:
        erasure = await service.forget(session, ALICE, later, offer_hours=48)
    assert (erasure.withdrawn, erasure.anonymised) == (1, 1)
    # Alice held the only place; Bob, waiting, is offered it.
    [offer] = erasure.offers
    assert (offer.telegram_id, offer.visit_id) == (BOB, visit_id)

    async with sessions() as session:
        after = await service.registration_stats(session, visit_id)
        row = await session.get(Registration, registration_id)
        assert row is not None
        personal = (row.telegram_id, row.full_name, row.organisation, row.city)
        assert personal == (None, None, None, None)
        assert (row.email, row.dietary, row.accessibility) == (None, None, None)
        assert (row.status, row.role, row.lang, row.anonymised_at) == (
            "withdrawn",
            "delegate",
            "sk",
            later,
        )
        assert await session.get(User, ALICE) is None
        assert await service.load_draft(session, ALICE, "register") is None
        [question] = await session.scalars(select(QuestionLog))
        assert (question.text, question.telegram_id, question.outcome) == ("", None, "unknown")
        assert (question.chat_id, question.message_id) == (None, None)
        emptied = await service.personal_data(session, ALICE)
        bob = await service.personal_data(session, BOB)
    assert (after.held, after.by_status["offered"], after.by_status["withdrawn"]) == (1, 1, 1)
    assert after.by_status["confirmed"] == after.by_status["waitlisted"] == 0
    assert emptied == {
        "telegram_id": ALICE,
        "user": None,
        "registrations": [],
        "drafts": [],
        "questions": [],
        "visits_created": [],
        "roles": [],
        "handoffs": [],
        "broadcasts_received": [],
        "broadcasts_written": [],
        "flood_control": None,
    }
    assert bob["registrations"][0]["full_name"] == "Bob Smith"
    assert (await visit_row(sessions, visit_id)).held == 1


async def test_forget_keeps_who_took_part_in_a_visit_that_has_begun(
    sessions: Sessions, now: datetime
) -> None:
    visit_id, _ = await _alice_everywhere(sessions, now)
    during = datetime(2027, 5, 21, 3, 0, tzinfo=UTC)  # noon in Tokorozawa, second day
    async with sessions.begin() as session:
        erasure = await service.forget(session, ALICE, during, offer_hours=48)
        bob_left = await service.forget(session, BOB, during, offer_hours=48)
    assert (erasure.withdrawn, erasure.anonymised, erasure.offers) == (0, 1, [])
    # Bob was still waiting: he leaves the list, and holds nothing.
    assert (bob_left.withdrawn, bob_left.anonymised) == (1, 1)
    async with sessions() as session:
        stats = await service.registration_stats(session, visit_id)
    assert (stats.held, stats.by_status["confirmed"], stats.by_status["waitlisted"]) == (1, 1, 0)


async def test_an_offer_left_when_the_visit_begins_stops_holding_its_place(
    sessions: Sessions, now: datetime
) -> None:
    visit = await open_visit(sessions, now, capacity=1)
    first = await register(sessions, visit.id, 1, now)
    await register(sessions, visit.id, ALICE, now)
    async with sessions.begin() as session:
        offer = await service.withdraw(session, first.id, 1, now, offer_hours=48)
    assert offer is not None
    assert offer.telegram_id == ALICE
    # The visit has begun before the sweep expired the offer; Alice erases her data.
    during = datetime(2027, 5, 20, 3, 0, tzinfo=UTC)
    async with sessions.begin() as session:
        erasure = await service.forget(session, ALICE, during, offer_hours=48)
    assert (erasure.withdrawn, erasure.anonymised, erasure.offers) == (1, 1, [])
    async with sessions() as session:
        stats = await service.registration_stats(session, visit.id)
    assert (stats.held, stats.by_status["offered"], stats.by_status["withdrawn"]) == (0, 0, 2)


async def test_a_forgotten_person_is_passed_over_on_the_waiting_list(
    sessions: Sessions, now: datetime
) -> None:
    visit = await open_visit(sessions, now, capacity=1)
    first = await register(sessions, visit.id, 1, now)
    await register(sessions, visit.id, ALICE, now + timedelta(minutes=1))
    await register(sessions, visit.id, BOB, now + timedelta(minutes=2))
    async with sessions.begin() as session:
        await service.forget(session, ALICE, now, offer_hours=48)
        offer = await service.withdraw(session, first.id, 1, now, offer_hours=48)
    assert offer is not None
    assert offer.telegram_id == BOB


async def test_purge_anonymises_after_the_configured_days(
    sessions: Sessions, now: datetime
) -> None:
    old = await open_visit(sessions, now)  # ends 23 May 2027
    await register(sessions, old.id, ALICE, now, full_name="Ľubomír Šťastný")
    await register(sessions, old.id, BOB, now, full_name="山田太郎")
    upcoming = await open_visit(
        sessions, now, start_date=date(2027, 9, 1), end_date=date(2027, 9, 3)
    )
    await register(
        sessions,
        upcoming.id,
        ALICE,
        now,
        arrival=date(2027, 9, 1),
        departure=date(2027, 9, 3),
    )
    async with sessions.begin() as session:
        await service.save_draft(session, BOB, "register", "name", {}, now)

    day_89 = datetime(2027, 8, 20, 12, 0, tzinfo=UTC)
    async with sessions.begin() as session:
        assert await service.purge(session, day_89, after_days=90) == 0
    day_91 = datetime(2027, 8, 22, 12, 0, tzinfo=UTC)
    async with sessions.begin() as session:
        assert await service.purge(session, day_91, after_days=90) == 2
    async with sessions.begin() as session:
        assert await service.purge(session, day_91, after_days=90) == 0  # already done

    async with sessions() as session:
        rows = list(await session.scalars(select(Registration).order_by(Registration.id)))
        stale_draft = await service.load_draft(session, BOB, "register")
    assert [(r.visit_id, r.full_name, r.telegram_id) for r in rows] == [
        (old.id, None, None),
        (old.id, None, None),
        (upcoming.id, "Person 5001", ALICE),
    ]
    assert {r.anonymised_at for r in rows[:2]} == {day_91}
    assert [r.status for r in rows[:2]] == ["confirmed", "confirmed"]
    assert stale_draft is None  # untouched for more than 90 days
