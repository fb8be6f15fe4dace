"""Text from outside (Telegram's JSON) made safe to store and to send back.

JSON may carry a "\\ud800" escape that is not half of a pair; Python decodes it into a string
that no database driver and no HTTP request can encode as UTF-8, so one stray character in a
name would fail every command of its sender. Telegram's clients do not send such text; a
buggy or hostile one could.
"""

from __future__ import annotations


def encodable(text: str) -> str:
    """The text with every lone UTF-16 surrogate replaced by U+FFFD (pairs are joined)."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return text.encode("utf-16", "surrogatepass").decode("utf-16", "replace")
    return text
