"""Staff look-ups: /dates, /contacts and inline mode (delegates get what is public anyway)."""
