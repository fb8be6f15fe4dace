"""For everybody: /start, /help, /language, /cancel (start), flood control (flood), and what
the bot cannot read, stale buttons and errors (other)."""
