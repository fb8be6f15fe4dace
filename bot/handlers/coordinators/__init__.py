"""For coordinators only: every handler re-checks the role (access) and refuses others politely.

visits: /visits, a visit's card and buttons, creating and changing a visit (edit: handlers,
steps: what each step asks and how it reads an answer, changes: saving and notifying).
reports: /registrations and /export.
stats: /stats (the counting is bot/stats.py).
review: the hand-off loop's side for coordinators: a new question's notice (notify), /review
and a question's card (views), answering in chat and /reload (commands), turning a question
into an alternate phrasing or a new fact (facts).
broadcasts: delivery of broadcasts through the outbox (and the /broadcast conversation).
"""
