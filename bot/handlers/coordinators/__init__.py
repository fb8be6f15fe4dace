"""For coordinators only: every handler re-checks the role (access) and refuses others politely.

visits: /visits, a visit's card and buttons, creating and changing a visit (edit: handlers,
steps: what each step asks and how it reads an answer, changes: saving and notifying).
reports: /registrations and /export.
"""
