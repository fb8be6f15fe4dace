"""Coordinators' side of the hand-off loop: notifications, /review, answering, turning a
question into knowledge, /reload."""
