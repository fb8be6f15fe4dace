"""/register and the deep link visit_<id>: a conversation whose step is saved in the database.

One step's path, all in this package:
  handlers.button / handlers.continue_conversation (a pressed or typed answer)
  → flow.answer (loads the draft with replies.load, routes back, cancel, confirm)
  → steps.take (checks the answer; steps.Retry says why it is refused)
  → flow.advance (saves the next step) → replies.ask → steps.prompt (the next question).
"""
