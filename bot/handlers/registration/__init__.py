"""/register and the deep link visit_<id>: a conversation whose step is saved in the database.

One step's path, all in this package:
  handlers.button / handlers.continue_conversation (a pressed or typed answer)
  → flow.take_step: in one transaction shared with the steps of others that arrive together
    (bot/visits/stepcommit.py), the draft and its visit are read, the answer checked by
    steps.take (steps.Retry says why it is refused) and the next step saved
  → replies.ask → steps.prompt (the next question), once that transaction is committed.
Choosing the visit (flow.choose_visit) and confirming (flow.confirm) are one transaction each;
flow.answer takes what "Try again", cancelling and the deep link bring.
"""
