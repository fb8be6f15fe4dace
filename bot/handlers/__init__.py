"""Telegram adapters, grouped by who uses them; `bot/app.py` registers them all in one list.

Shared helpers stay at the top: `context` (services, who asks in which language), `replies`
(HTML, splitting, keyboards), `visit_views` (a visit's words and refusals) and `visit_notices`
(messages sent outside a conversation, also by the job queue). Each feature package holds its
handlers, its conversation steps and its views: `general`, `questions`, `registration`,
`myvisits`, `privacy`, and `coordinators` (with `visits` and `reports`).
"""
