"""The visit service the handlers call: every function takes the caller's AsyncSession and `now`.

Nothing here commits: run each call inside the handler's unit of work
(`async with sessionmaker.begin() as session:`). The functions live in small modules by
subject; this module gathers them under one name.
"""

from __future__ import annotations

from bot.visits.cancellation import Cancellation, Released, cancel_visit
from bot.visits.catalogue import (
    change_visit,
    create_visit,
    get_visit,
    list_visits,
    mark_past,
    open_visits,
    set_visit_status,
)
from bot.visits.drafts import delete_draft, load_draft, open_drafts, save_draft
from bot.visits.privacy import forget, personal_data
from bot.visits.registry import (
    Registering,
    check_open,
    check_withdrawable,
    get_registration,
    my_registrations,
    register,
    register_many,
    update_registration,
    withdraw,
)
from bot.visits.reminders import claim_reminder, due_reminders, next_reminder_at, reminder_kind
from bot.visits.reports import EXPORT_COLUMNS, export_rows, registered_people, registration_stats
from bot.visits.results import Erasure, Expiry, Notice, Offer, Reminder, Stats, VisitChange
from bot.visits.retention import expire, purge
from bot.visits.waitlist import accept_offer, decline_offer, expire_offers

__all__ = [
    "EXPORT_COLUMNS",
    "Cancellation",
    "Erasure",
    "Expiry",
    "Notice",
    "Offer",
    "Registering",
    "Released",
    "Reminder",
    "Stats",
    "VisitChange",
    "accept_offer",
    "cancel_visit",
    "change_visit",
    "check_open",
    "check_withdrawable",
    "claim_reminder",
    "create_visit",
    "decline_offer",
    "delete_draft",
    "due_reminders",
    "expire",
    "expire_offers",
    "export_rows",
    "forget",
    "get_registration",
    "get_visit",
    "list_visits",
    "load_draft",
    "mark_past",
    "my_registrations",
    "next_reminder_at",
    "open_drafts",
    "open_visits",
    "personal_data",
    "purge",
    "register",
    "register_many",
    "registered_people",
    "registration_stats",
    "reminder_kind",
    "save_draft",
    "set_visit_status",
    "update_registration",
    "withdraw",
]
