"""The waiting list: withdrawals free places, offers are accepted, declined or expire."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import update

from bot.db.models import Registration, Visit
from bot.visits import service
from bot.visits.results import Offer
from bot.visits.rules import (
    InvalidVisit,
    NotOffered,
    OfferExpired,
    RegistrationNotActive,
    RegistrationNotFound,
    VisitStarted,
)
from tests.visits.factory import Sessions, open_visit, register, statuses, visit_row

HOURS = 48
A, B, C, D = 1, 2, 3, 4


async def _full_visit(sessions: Sessions, now: datetime, waiting: int = 2):
    """A visit with one place: A holds it, B, C... wait in that order."""
    visit = await open_visit(sessions, now, capacity=1)
    regs = {}
    for i, person in enumerate([A, B, C, D][: waiting + 1]):
        lang = ("en", "sk", "ja", "en")[i]
        regs[person] = await register(
            sessions, visit.id, person, now + timedelta(minutes=i), lang=lang
        )
    return visit, regs


async def test_withdraw_offers_the_place_to_the_first_waiting(
    sessions: Sessions, now: datetime
) -> None:
    visit, regs = await _full_visit(sessions, now)
    assert await statuses(sessions, visit.id) == {A: "confirmed", B: "waitlisted", C: "waitlisted"}
    later = now + timedelta(hours=1)

    async with sessions.begin() as session:
        offer = await service.withdraw(session, regs[A].id, A, later, offer_hours=HOURS)

    assert offer == Offer(regs[B].id, visit.id, B, "sk", later + timedelta(hours=HOURS))
    assert await statuses(sessions, visit.id) == {A: "withdrawn", B: "offered", C: "waitlisted"}
    assert (await visit_row(sessions, visit.id)).held == 1  # the offer keeps the place

    async with sessions.begin() as session:
        accepted = await service.accept_offer(session, regs[B].id, B, later + timedelta(hours=5))
    assert (accepted.status, accepted.offer_expires_at) == ("confirmed", None)
    assert await statuses(sessions, visit.id) == {A: "withdrawn", B: "confirmed", C: "waitlisted"}
    assert (await visit_row(sessions, visit.id)).held == 1


async def test_withdrawing_without_anyone_waiting_frees_the_place(
    sessions: Sessions, now: datetime
) -> None:
    visit, regs = await _full_visit(sessions, now, waiting=0)
    async with sessions.begin() as session:
        assert await service.withdraw(session, regs[A].id, A, now, offer_hours=HOURS) is None
    assert (await visit_row(sessions, visit.id)).held == 0
    assert (await register(sessions, visit.id, B, now)).status == "confirmed"


async def test_withdrawing_from_the_waiting_list_keeps_the_place(
    sessions: Sessions, now: datetime
) -> None:
    visit, regs = await _full_visit(sessions, now)
    async with sessions.begin() as session:
        assert await service.withdraw(session, regs[B].id, B, now, offer_hours=HOURS) is None
    assert await statuses(sessions, visit.id) == {A: "confirmed", B: "withdrawn", C: "waitlisted"}
    assert (await visit_row(sessions, visit.id)).held == 1
    with pytest.raises(RegistrationNotActive, match="withdrawn"):
        async with sessions.begin() as session:
            await service.withdraw(session, regs[B].id, B, now, offer_hours=HOURS)
    with pytest.raises(RegistrationNotFound):  # not C's registration
        async with sessions.begin() as session:
            await service.withdraw(session, regs[A].id, C, now, offer_hours=HOURS)


async def test_an_expired_offer_passes_to_the_next(sessions: Sessions, now: datetime) -> None:
    visit, regs = await _full_visit(sessions, now)
    async with sessions.begin() as session:
        await service.withdraw(session, regs[A].id, A, now, offer_hours=HOURS)

    async with sessions.begin() as session:  # not yet
        assert await service.expire_offers(session, now + timedelta(hours=47), HOURS) == []
    deadline = now + timedelta(hours=HOURS)
    async with sessions.begin() as session:
        offers = await service.expire_offers(session, deadline, HOURS)
    assert offers == [Offer(regs[C].id, visit.id, C, "ja", deadline + timedelta(hours=HOURS))]
    assert await statuses(sessions, visit.id) == {A: "withdrawn", B: "expired", C: "offered"}
    assert (await visit_row(sessions, visit.id)).held == 1

    with pytest.raises(NotOffered, match="expired"):
        async with sessions.begin() as session:
            await service.accept_offer(session, regs[B].id, B, deadline)

    # C lets it lapse too and nobody else waits: the place is freed.
    async with sessions.begin() as session:
        assert await service.expire_offers(session, deadline + timedelta(hours=49), HOURS) == []
    assert await statuses(sessions, visit.id) == {A: "withdrawn", B: "expired", C: "expired"}
    assert (await visit_row(sessions, visit.id)).held == 0


async def test_accepting_after_the_deadline_is_refused(sessions: Sessions, now: datetime) -> None:
    visit, regs = await _full_visit(sessions, now)
    async with sessions.begin() as session:
        await service.withdraw(session, regs[A].id, A, now, offer_hours=HOURS)
    with pytest.raises(OfferExpired):
        async with sessions.begin() as session:
            await service.accept_offer(session, regs[B].id, B, now + timedelta(hours=HOURS))
    with pytest.raises(NotOffered, match="waitlisted"):
        async with sessions.begin() as session:
            await service.accept_offer(session, regs[C].id, C, now)
    with pytest.raises(RegistrationNotFound):
        async with sessions.begin() as session:
            await service.accept_offer(session, regs[B].id, C, now)
    assert await statuses(sessions, visit.id) == {A: "withdrawn", B: "offered", C: "waitlisted"}


async def test_decline_passes_the_place_on(sessions: Sessions, now: datetime) -> None:
    visit, regs = await _full_visit(sessions, now)
    async with sessions.begin() as session:
        await service.withdraw(session, regs[A].id, A, now, offer_hours=HOURS)
    later = now + timedelta(hours=2)
    async with sessions.begin() as session:
        offer = await service.decline_offer(session, regs[B].id, B, later, offer_hours=HOURS)
    assert offer is not None
    assert offer.telegram_id == C
    assert offer.lang == "ja"
    assert await statuses(sessions, visit.id) == {A: "withdrawn", B: "declined", C: "offered"}
    with pytest.raises(NotOffered, match="declined"):
        async with sessions.begin() as session:
            await service.decline_offer(session, regs[B].id, B, later, offer_hours=HOURS)
    async with sessions.begin() as session:
        assert await service.decline_offer(session, regs[C].id, C, later, HOURS) is None
    assert (await visit_row(sessions, visit.id)).held == 0


async def test_an_offer_never_outlives_the_start_of_the_visit(
    sessions: Sessions, now: datetime
) -> None:
    _visit, regs = await _full_visit(sessions, now)
    # 10:00 UTC on 19 May is 19:00 in Tokorozawa: five hours before the first day begins.
    evening_before = datetime(2027, 5, 19, 10, 0, tzinfo=UTC)
    async with sessions.begin() as session:
        offer = await service.withdraw(session, regs[A].id, A, evening_before, HOURS)
    assert offer is not None
    assert offer.expires_at == datetime(2027, 5, 19, 15, 0, tzinfo=UTC)


async def test_no_withdrawal_after_the_visit_started(sessions: Sessions, now: datetime) -> None:
    # The place could no longer be used by anyone waiting, and the record of who took part
    # would change (review L-3): the registration stays as it is.
    visit, regs = await _full_visit(sessions, now)
    during = datetime(2027, 5, 21, 3, 0, tzinfo=UTC)
    with pytest.raises(VisitStarted):
        async with sessions.begin() as session:
            await service.withdraw(session, regs[A].id, A, during, HOURS)
    assert await statuses(sessions, visit.id) == {A: "confirmed", B: "waitlisted", C: "waitlisted"}
    assert (await visit_row(sessions, visit.id)).held == 1


async def test_more_places_go_to_the_waiting_list_first(sessions: Sessions, now: datetime) -> None:
    visit, _regs = await _full_visit(sessions, now, waiting=3)
    async with sessions.begin() as session:
        change = await service.change_visit(session, visit.id, now=now, capacity=3)
    assert [o.telegram_id for o in change.offers] == [B, C]
    assert change.visit.held == 3
    assert await statuses(sessions, visit.id) == {
        A: "confirmed",
        B: "offered",
        C: "offered",
        D: "waitlisted",
    }
    with pytest.raises(InvalidVisit) as caught:
        async with sessions.begin() as session:
            await service.change_visit(session, visit.id, now=now, capacity=2)
    assert (caught.value.reason, caught.value.limit) == ("capacity_below_held", 3)


async def test_a_stranded_free_place_is_offered_by_the_sweep(
    sessions: Sessions, now: datetime
) -> None:
    """A place freed while a waiting registration was being saved is found by expire_offers."""
    visit, regs = await _full_visit(sessions, now, waiting=1)
    async with sessions.begin() as session:
        # Simulate the race: the place was released without the waiting list seeing B.
        await session.execute(
            update(Registration).where(Registration.id == regs[A].id).values(status="withdrawn")
        )
        await session.execute(update(Visit).where(Visit.id == visit.id).values(held=0))
    async with sessions.begin() as session:
        offers = await service.expire_offers(session, now, HOURS)
    assert [o.telegram_id for o in offers] == [B]
    assert (await visit_row(sessions, visit.id)).held == 1


async def test_concurrent_withdrawals_offer_each_place_once(
    sessions: Sessions, now: datetime
) -> None:
    visit = await open_visit(sessions, now, capacity=5)
    regs = [
        await register(sessions, visit.id, 100 + i, now + timedelta(seconds=i)) for i in range(12)
    ]
    assert sum(r.status == "confirmed" for r in regs) == 5

    async def leave(i: int) -> Offer | None:
        async with sessions.begin() as session:
            return await service.withdraw(session, regs[i].id, 100 + i, now, HOURS)

    offers = await asyncio.gather(*(leave(i) for i in range(5)))
    offered = sorted(o.telegram_id for o in offers if o is not None)
    assert offered == [105, 106, 107, 108, 109]  # the first five waiting, each once
    final = await statuses(sessions, visit.id)
    assert sorted(p for p, s in final.items() if s == "offered") == offered
    assert (await visit_row(sessions, visit.id)).held == 5
