"""The hand-off and review loop: questions the bot could not answer go to the coordinators,
who answer them and turn them into knowledge (no telegram here: see bot/handlers/...)."""
