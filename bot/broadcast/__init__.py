"""Broadcasts: who receives one (audience), the coordinator's draft, and delivery.

No telegram here. `audience` builds the SQL selects of recipients; `store` is what the
coordinators' handlers call (create, enqueue, cancel, edit and delete everywhere, counts);
`claims` moves outbox rows through their states; `limiter` paces sends; `writes` commits the
sender's writes in groups; `sender` is the long-running delivery loop, which talks to Telegram
through a `Transport` the handlers' side provides (bot/handlers/coordinators/broadcasts/).
"""
