"""Registering, changing a registration, and conversation drafts, on real databases."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import insert
from sqlalchemy.exc import IntegrityError

from bot.db.models import Registration, Visit
from bot.db.session import make_engine, make_sessionmaker
from bot.visits import registry, service
from bot.visits.rules import (
    AlreadyRegistered,
    DatesOutsideVisit,
    DeadlinePassed,
    DepartureBeforeArrival,
    InvalidEmail,
    InvalidText,
    RegistrationNotActive,
    RegistrationNotFound,
    RoleNotAllowed,
    VisitError,
    VisitNotFound,
    VisitNotOpen,
    VisitStarted,
)
from tests.visits.factory import (
    END,
    START,
    Sessions,
    answers,
    open_visit,
    register,
    statuses,
    visit_fields,
    visit_row,
)

ALICE, BOB, CHIYO = 101, 202, 303


async def test_register_stores_the_cleaned_answers(sessions: Sessions, now: datetime) -> None:
    visit = await open_visit(sessions, now)
    registration = await register(
        sessions,
        visit.id,
        ALICE,
        now,
        lang="sk",
        full_name="  Ľubomír   Šťastný ",
        organisation="Magistrát hl. m. SR Bratislavy",
        city="Bratislava",
        role="expert",
        arrival=date(2027, 5, 21),
        departure=date(2027, 5, 22),
        dietary="vegetariánska",
        accessibility="nie",
        email="Lubo@Bratislava.SK",
    )
    assert registration.status == "confirmed"
    assert registration.full_name == "Ľubomír Šťastný"
    assert registration.accessibility is None
    assert registration.email == "Lubo@bratislava.sk"
    assert (registration.consent_at, registration.created_at) == (now, now)
    assert (await visit_row(sessions, visit.id)).held == 1

    async with sessions() as session:
        [(mine, its_visit)] = await service.my_registrations(session, ALICE)
        assert (mine.id, its_visit.id) == (registration.id, visit.id)
        assert mine.dietary == "vegetariánska"
        assert await service.my_registrations(session, BOB) == []
        assert await service.get_registration(session, registration.id, BOB) is None
        found = await service.get_registration(session, registration.id, ALICE)
        assert found is not None
        assert found[0].lang == "sk"


@pytest.mark.parametrize(
    ("overrides", "error", "reason"),
    [
        ({"full_name": "x" * 500}, InvalidText, "too_long"),
        ({"full_name": "   "}, InvalidText, "empty"),
        ({"organisation": ""}, InvalidText, "empty"),
        ({"city": "Bratislava\x00"}, InvalidText, "control_characters"),
        ({"dietary": "x" * 501}, InvalidText, "too_long"),
        ({"email": "not an address"}, InvalidEmail, "malformed"),
        ({"role": "spy"}, RoleNotAllowed, "unknown_role"),
        ({"departure": date(2027, 5, 19)}, DepartureBeforeArrival, "departure_before_arrival"),
        ({"arrival": date(2027, 5, 18)}, DatesOutsideVisit, "arrival_outside"),
        ({"departure": date(2027, 5, 25)}, DatesOutsideVisit, "departure_outside"),
    ],
    ids=[
        "500-char-name",
        "blank-name",
        "no-organisation",
        "control-char-city",
        "long-diet",
        "bad-email",
        "unknown-role",
        "departure-before-arrival",
        "arrives-before-visit",
        "leaves-after-visit",
    ],
)
async def test_register_refuses_bad_answers_and_stores_nothing(
    sessions: Sessions, now: datetime, overrides: dict, error: type, reason: str
) -> None:
    visit = await open_visit(sessions, now)
    with pytest.raises(error) as caught:
        await register(sessions, visit.id, ALICE, now, **overrides)
    assert caught.value.reason == reason
    assert await statuses(sessions, visit.id) == {}
    assert (await visit_row(sessions, visit.id)).held == 0


async def test_role_must_be_one_of_the_visits(sessions: Sessions, now: datetime) -> None:
    visit = await open_visit(sessions, now, roles=["delegate", "interpreter"])
    with pytest.raises(RoleNotAllowed) as caught:
        await register(sessions, visit.id, ALICE, now, role="press")
    assert caught.value.details["allowed"] == ["delegate", "interpreter"]
    assert (await register(sessions, visit.id, ALICE, now, role="interpreter")).role == (
        "interpreter"
    )


async def test_only_open_visits_take_registrations(sessions: Sessions, now: datetime) -> None:
    async with sessions.begin() as session:
        draft = await service.create_visit(session, **visit_fields(), now=now)
    with pytest.raises(VisitNotOpen, match="draft"):
        await register(sessions, draft.id, ALICE, now)
    async with sessions.begin() as session:
        await service.set_visit_status(session, draft.id, "closed", now)
    with pytest.raises(VisitNotOpen, match="closed"):
        await register(sessions, draft.id, ALICE, now)
    with pytest.raises(VisitNotFound):
        await register(sessions, draft.id + 100, ALICE, now)


async def test_deadline_is_the_host_citys_midnight(sessions: Sessions, now: datetime) -> None:
    visit = await open_visit(sessions, now)  # deadline 1 May 2027, Asia/Tokyo (UTC+9)
    last_minute = datetime(2027, 5, 1, 14, 59, tzinfo=UTC)  # 23:59 in Tokorozawa
    assert (await register(sessions, visit.id, ALICE, last_minute)).status == "confirmed"
    too_late = datetime(2027, 5, 1, 15, 0, tzinfo=UTC)  # already 2 May in Tokorozawa
    with pytest.raises(DeadlinePassed) as caught:
        await register(sessions, visit.id, BOB, too_late)
    assert caught.value.details == {"deadline": date(2027, 5, 1)}


async def test_without_deadline_registration_closes_when_the_visit_starts(
    sessions: Sessions, now: datetime
) -> None:
    visit = await open_visit(sessions, now, registration_deadline=None)
    first_day = datetime(2027, 5, 20, 10, 0, tzinfo=UTC)
    assert (await register(sessions, visit.id, ALICE, first_day)).status == "confirmed"
    with pytest.raises(DeadlinePassed):
        await register(sessions, visit.id, BOB, first_day + timedelta(days=1))


async def test_one_active_registration_per_person_and_visit(
    sessions: Sessions, now: datetime
) -> None:
    visit = await open_visit(sessions, now)
    first = await register(sessions, visit.id, ALICE, now)
    with pytest.raises(AlreadyRegistered):
        await register(sessions, visit.id, ALICE, now)
    assert (await visit_row(sessions, visit.id)).held == 1

    async with sessions.begin() as session:
        await service.withdraw(session, first.id, ALICE, now, offer_hours=48)
    again = await register(sessions, visit.id, ALICE, now + timedelta(hours=1))
    assert again.id != first.id
    assert again.status == "confirmed"
    assert (await visit_row(sessions, visit.id)).held == 1


async def test_a_double_tap_registers_once(sessions: Sessions, now: datetime) -> None:
    visit = await open_visit(sessions, now)
    results = await asyncio.gather(
        *(register(sessions, visit.id, ALICE, now) for _ in range(8)), return_exceptions=True
    )
    kinds = sorted(type(r).__name__ for r in results)
    assert kinds == ["AlreadyRegistered"] * 7 + ["Registration"]
    assert await statuses(sessions, visit.id) == {ALICE: "confirmed"}
    assert (await visit_row(sessions, visit.id)).held == 1


async def test_many_registrations_on_one_connection(sessions: Sessions, now: datetime) -> None:
    """psycopg prepares a statement after 5 runs; the conflict target must still match."""
    visit = await open_visit(sessions, now, capacity=3)
    async with sessions.begin() as session:
        for person in range(1, 9):
            await service.register(session, visit_id=visit.id, now=now, **answers(person))
        with pytest.raises(AlreadyRegistered):
            await service.register(session, visit_id=visit.id, now=now, **answers(4))
        # DO NOTHING left the transaction usable: the same unit of work goes on.
        await service.save_draft(session, 4, "register", "done", {}, now)
    got = await statuses(sessions, visit.id)
    assert list(got.values()) == ["confirmed"] * 3 + ["waitlisted"] * 5


async def test_the_database_itself_refuses_a_second_active_registration(
    sessions: Sessions, now: datetime
) -> None:
    visit = await open_visit(sessions, now)
    await register(sessions, visit.id, ALICE, now)
    row = {
        "visit_id": visit.id,
        "telegram_id": ALICE,
        "lang": "en",
        "role": "delegate",
        "arrival": START,
        "departure": END,
        "consent_at": now,
        "created_at": now,
        "updated_at": now,
    }
    with pytest.raises(IntegrityError):
        async with sessions.begin() as session:
            await session.execute(insert(Registration).values(**row, status="waitlisted"))
    async with sessions.begin() as session:  # inactive ones do not count
        await session.execute(insert(Registration).values(**row, status="withdrawn"))
        await session.execute(insert(Registration).values(**row, status="declined"))
    with pytest.raises(IntegrityError):  # nor does the CHECK let a stay run backwards
        async with sessions.begin() as session:
            await session.execute(
                insert(Registration).values(
                    **(row | {"telegram_id": BOB, "departure": date(2027, 5, 19)}),
                    status="confirmed",
                )
            )


async def test_update_registration_validates_like_register(
    sessions: Sessions, now: datetime
) -> None:
    visit = await open_visit(sessions, now)
    registration = await register(sessions, visit.id, ALICE, now)
    later = now + timedelta(days=1)
    async with sessions.begin() as session:
        changed = await service.update_registration(
            session,
            registration.id,
            ALICE,
            now=later,
            full_name="山田 太郎",
            arrival=date(2027, 5, 22),
            dietary="ハラール",
        )
    assert (changed.full_name, changed.arrival, changed.dietary) == (
        "山田 太郎",
        date(2027, 5, 22),
        "ハラール",
    )
    assert (changed.departure, changed.updated_at, changed.status) == (END, later, "confirmed")

    bad: list[tuple[dict, type[VisitError]]] = [
        ({"departure": date(2027, 5, 21)}, DepartureBeforeArrival),  # arrival is now the 22nd
        ({"full_name": "x" * 500}, InvalidText),
        ({"email": "@"}, InvalidEmail),
        ({"role": "spy"}, RoleNotAllowed),
    ]
    for fields, error in bad:
        with pytest.raises(error):
            async with sessions.begin() as session:
                await service.update_registration(
                    session, registration.id, ALICE, now=later, **fields
                )
    with pytest.raises(RegistrationNotFound):  # someone else's id, from forged callback data
        async with sessions.begin() as session:
            await service.update_registration(session, registration.id, BOB, now=later, city="X")
    with pytest.raises(TypeError, match="status"):
        async with sessions.begin() as session:
            await service.update_registration(
                session, registration.id, ALICE, now=later, status="confirmed"
            )
    async with sessions.begin() as session:
        await service.withdraw(session, registration.id, ALICE, later, offer_hours=48)
    with pytest.raises(RegistrationNotActive, match="withdrawn"):
        async with sessions.begin() as session:
            await service.update_registration(session, registration.id, ALICE, now=later, city="X")
    async with sessions() as session:
        [(stored, _)] = await service.my_registrations(session, ALICE)
        assert (stored.full_name, stored.city) == ("山田 太郎", "Bratislava")
        assert await service.my_registrations(session, ALICE, active_only=True) == []


async def test_no_changes_after_the_visit(sessions: Sessions, now: datetime) -> None:
    visit = await open_visit(sessions, now)
    registration = await register(sessions, visit.id, ALICE, now)
    after = datetime(2027, 5, 24, 12, 0, tzinfo=UTC)
    with pytest.raises(VisitNotOpen, match="past"):
        async with sessions.begin() as session:
            await service.update_registration(session, registration.id, ALICE, now=after, city="X")


# --- drafts -----------------------------------------------------------------------------------


async def test_draft_upsert_load_delete(sessions: Sessions, now: datetime) -> None:
    async with sessions() as session:
        assert await service.load_draft(session, ALICE, "register") is None
    async with sessions.begin() as session:
        await service.save_draft(session, ALICE, "register", "name", {"visit": "3"}, now)
    later = now + timedelta(minutes=2)
    answers_so_far = {"visit": "3", "full_name": "山田太郎", "arrival": "2027-05-20"}
    async with sessions.begin() as session:
        await service.save_draft(session, ALICE, "register", "departure", answers_so_far, later)
        await service.save_draft(session, ALICE, "edit_visit", "title", {"en": "x"}, later)
    async with sessions() as session:
        draft = await service.load_draft(session, ALICE, "register")
        assert draft is not None
        assert (draft.step, draft.data, draft.updated_at) == ("departure", answers_so_far, later)
        assert await service.load_draft(session, BOB, "register") is None
    async with sessions.begin() as session:
        assert await service.delete_draft(session, ALICE, "register") is True
        assert await service.delete_draft(session, ALICE, "register") is False
    async with sessions() as session:
        assert await service.load_draft(session, ALICE, "register") is None
        assert await service.load_draft(session, ALICE, "edit_visit") is not None


async def test_a_draft_survives_a_restart(migrated_url: str, now: datetime) -> None:
    """A second engine (a restarted bot, or a second process) continues at the same step."""
    first = make_engine(migrated_url)
    try:
        async with make_sessionmaker(first).begin() as session:
            await service.save_draft(
                session, CHIYO, "register", "email", {"full_name": "Ľubomír Šťastný"}, now
            )
    finally:
        await first.dispose()
    second = make_engine(migrated_url)
    try:
        async with make_sessionmaker(second)() as session:
            draft = await service.load_draft(session, CHIYO, "register")
    finally:
        await second.dispose()
    assert draft is not None
    assert (draft.step, draft.data) == ("email", {"full_name": "Ľubomír Šťastný"})


async def test_concurrent_saves_of_one_draft_keep_one_row(
    sessions: Sessions, now: datetime
) -> None:
    async def save(i: int) -> None:
        async with sessions.begin() as session:
            await service.save_draft(session, ALICE, "register", f"step{i}", {"i": str(i)}, now)

    await asyncio.gather(*(save(i) for i in range(10)))
    async with sessions() as session:
        draft = await service.load_draft(session, ALICE, "register")
    assert draft is not None
    assert draft.data == {"i": draft.step.removeprefix("step")}


@pytest.mark.parametrize(
    ("kind", "step", "data"),
    [
        ("register", "name", {"arrival": date(2027, 5, 20)}),
        ("register", "", {}),
        ("x" * 33, "name", {}),
        ("register", "name", {"blob": "x" * 20_000}),
    ],
    ids=["date-object", "empty-step", "long-kind", "huge"],
)
async def test_save_draft_refuses_what_cannot_be_stored(
    sessions: Sessions, now: datetime, kind: str, step: str, data: dict
) -> None:
    with pytest.raises(ValueError, match="draft"):
        async with sessions.begin() as session:
            await service.save_draft(session, ALICE, kind, step, data, now)


async def test_no_withdrawal_once_the_visit_has_started(sessions: Sessions, now: datetime) -> None:
    # Review L-3: a stale Withdraw button changed the record of who took part, and gave back a
    # place nobody could use any more. The visit starts on 20 May 2027 in Tokyo (UTC+9).
    visit = await open_visit(sessions, now, capacity=1)
    first = await register(sessions, visit.id, ALICE, now)
    second = await register(sessions, visit.id, BOB, now)
    started = datetime(2027, 5, 19, 15, 0, tzinfo=UTC)  # midnight in Tokyo
    over = datetime(2027, 6, 10, 12, 0, tzinfo=UTC)
    for moment, error, reason in [
        (started, VisitStarted, "started"),
        (started + timedelta(days=3, hours=23), VisitStarted, "started"),
        (over, VisitNotOpen, "past"),
    ]:
        for registration, person in ((first, ALICE), (second, BOB)):
            with pytest.raises(error, match=reason):
                async with sessions.begin() as session:
                    await service.withdraw(session, registration.id, person, moment, 48)
    assert await statuses(sessions, visit.id) == {ALICE: "confirmed", BOB: "waitlisted"}
    assert (await visit_row(sessions, visit.id)).held == 1
    # The minute before it starts, withdrawing still frees the place for the next person.
    async with sessions.begin() as session:
        offer = await service.withdraw(
            session, first.id, ALICE, started - timedelta(minutes=1), 48
        )
    assert offer is not None
    assert await statuses(sessions, visit.id) == {ALICE: "withdrawn", BOB: "offered"}
    # Marked past by the sweep, the visit refuses by its status too.
    async with sessions.begin() as session:
        await service.mark_past(session, over.date())
    with pytest.raises(VisitNotOpen, match="past"):
        async with sessions.begin() as session:
            await service.withdraw(session, second.id, BOB, started - timedelta(days=1), 48)
    assert await statuses(sessions, visit.id) == {ALICE: "withdrawn", BOB: "offered"}
    assert (await visit_row(sessions, visit.id)).held == 1


def registering(visit: Visit, person: int, now: datetime) -> service.Registering:
    """One confirmation of a batch, its answers cleaned against the visit as the flow does."""
    given = {k: v for k, v in answers(person).items() if k != "telegram_id"}
    return service.Registering(visit, person, registry.clean_answers(visit, given), now)


async def test_register_many_takes_places_in_order_as_register_does(
    sessions: Sessions, now: datetime
) -> None:
    # The confirmations of one batch of the group commit: places in the order given while they
    # last, the rest waiting; someone already registered refused alone, nothing written.
    visit = await open_visit(sessions, now, capacity=3)
    await register(sessions, visit.id, ALICE, now)
    people = [BOB, ALICE, CHIYO, 404, 505]
    async with sessions.begin() as session:
        fresh = await service.get_visit(session, visit.id)
        assert fresh is not None
        made = await service.register_many(
            session, [registering(fresh, person, now) for person in people], now
        )
    assert isinstance(made[1], AlreadyRegistered)
    assert [(r.telegram_id, r.status) for r in made if isinstance(r, Registration)] == [
        (BOB, "confirmed"),
        (CHIYO, "confirmed"),
        (404, "waitlisted"),
        (505, "waitlisted"),
    ]
    assert await statuses(sessions, visit.id) == {
        ALICE: "confirmed",
        BOB: "confirmed",
        CHIYO: "confirmed",
        404: "waitlisted",
        505: "waitlisted",
    }
    assert (await visit_row(sessions, visit.id)).held == 3


async def test_register_many_confirms_a_batch_that_fits(sessions: Sessions, now: datetime) -> None:
    visit = await open_visit(sessions, now, capacity=10)
    async with sessions.begin() as session:
        fresh = await service.get_visit(session, visit.id)
        assert fresh is not None
        people = [registering(fresh, person, now) for person in range(1, 9)]
        made = await service.register_many(session, people, now)
    assert {r.status for r in made if isinstance(r, Registration)} == {"confirmed"}
    assert (await visit_row(sessions, visit.id)).held == 8
