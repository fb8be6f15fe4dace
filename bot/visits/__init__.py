"""Visits and registrations: rules, storage and files, without Telegram.

`bot.visits.service` is the API the handlers call; `rules` holds the named exceptions they
translate. Nothing here imports `telegram` or a terminal library.
"""
