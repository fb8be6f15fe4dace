"""Every handler group that needs the sender's state shares one read of it per message."""

from __future__ import annotations

from bot.kb.answer import QuestionAnswerer
from tests.bot.harness import run_bot

COORDINATOR = 4242


async def test_a_question_reads_the_senders_state_once(
    database_url: str, qa: QuestionAnswerer
) -> None:
    # A coordinator's text passes the broadcast composer (group -3), the coordinators'
    # conversations (group -2) and the questions (group 0): all three ask the same thing.
    async with run_bot(database_url, qa, coordinator_ids=frozenset({COORDINATOR})) as bot:
        services = bot.app.bot_data["services"]
        real = services.user_states
        reads: list[int] = []

        class Counting:
            async def __call__(self, telegram_id: int) -> tuple[str | None, frozenset[str]]:
                reads.append(telegram_id)
                return await real(telegram_id)

            def close(self) -> None:
                real.close()

        services.user_states = Counting()
        [reply] = await bot.send(COORDINATOR, "When was the agreement signed?")
        assert "2018" in reply.plain
        assert reads == [COORDINATOR]
        [reply] = await bot.send(7, "When was the agreement signed?")
        assert reads == [COORDINATOR, 7]
