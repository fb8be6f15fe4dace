"""Telegram's HTML parse mode, checked the way the Bot API checks it and turned into entities."""

from __future__ import annotations

import re
from typing import Any

# Tag → entity type, as in https://core.telegram.org/bots/api#html-style.
TAGS: dict[str, str] = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "a": "text_link",
    "code": "code",
    "pre": "pre",
    "tg-spoiler": "spoiler",
    "span": "spoiler",
    "blockquote": "blockquote",
}
_NAMED = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
_ENTITY = re.compile(r"&(?:(lt|gt|amp|quot)|#([0-9]{1,7})|#[xX]([0-9a-fA-F]{1,6}));")
_TAG = re.compile(
    r"<(/?)([a-zA-Z][a-zA-Z0-9-]*)((?:\s+[^\s=>]+(?:\s*=\s*(?:\"[^\"]*\"|'[^']*'|[^\s>]+))?)*)\s*>"
)
_ATTR = re.compile(r"([^\s=>]+)(?:\s*=\s*(\"[^\"]*\"|'[^']*'|[^\s>]+))?")
_TAG_NAME = re.compile(r"</?([^\s>/]*)")
_SPECIAL = re.compile(r"[<&]")  # where plain text stops: a tag or an entity


class EntityParseError(ValueError):
    """The text is not valid Telegram HTML; the message is Telegram's wording."""


def utf16_len(text: str) -> int:
    """Length in UTF-16 code units, the unit of Telegram's entity offsets."""
    return len(text.encode("utf-16-le")) // 2


def _decode_entity(match: re.Match[str]) -> str:
    named, dec, hexa = match.groups()
    if named:
        return _NAMED[named]
    code = int(dec) if dec else int(hexa, 16)
    try:
        return chr(code)
    except (ValueError, OverflowError):
        return "\ufffd"


def unescape(text: str) -> str:
    """Decodes the four named entities and numeric ones, as Telegram does in attributes."""
    return _ENTITY.sub(_decode_entity, text)


def _attributes(raw: str) -> dict[str, str]:
    attrs: dict[str, str] = {}
    for name, value in _ATTR.findall(raw):
        attrs[name.lower()] = unescape(value.strip("\"'")) if value else ""
    return attrs


def _run_len(run: str) -> int:
    """UTF-16 length of a run of plain text; a lone surrogate fails as utf16_len fails on it."""
    if run.isascii():
        return len(run)
    try:
        return len(run.encode("utf-16-le")) // 2
    except UnicodeEncodeError:
        for char in run:  # re-raise exactly what a character-by-character walk raised
            utf16_len(char)
        raise


def parse_html(text: str) -> tuple[str, list[dict[str, Any]]]:
    """Returns the text a user reads and its entities; raises EntityParseError like Telegram."""
    out: list[str] = []
    offset = 0  # in UTF-16 units, running length of `out`
    stack: list[tuple[str, int, dict[str, str]]] = []
    entities: list[dict[str, Any]] = []

    def byte_offset(index: int) -> int:
        return len(text[:index].encode())

    i = 0
    end = len(text)
    search = _SPECIAL.search
    while i < end:
        # Plain text up to the next "<" or "&" is taken, and measured, as one run.
        special = search(text, i)
        j = special.start() if special else end
        if j > i:
            run = text[i:j]
            out.append(run)
            offset += _run_len(run)
            i = j
            if special is None:
                break
        if text[i] == "&":
            match = _ENTITY.match(text, i)
            if match is None:
                # Telegram itself keeps a stray "&" literally; we refuse it on purpose, because
                # in this project it always means user or knowledge text was not escaped.
                raise EntityParseError(f"Unsupported HTML entity at byte offset {byte_offset(i)}")
            piece = _decode_entity(match)
            out.append(piece)
            offset += utf16_len(piece)
            i = match.end()
            continue
        match = _TAG.match(text, i)
        if match is None:
            name_match = _TAG_NAME.match(text, i)
            name = name_match.group(1) if name_match else ""
            kind = "end" if text.startswith("</", i) else "start"
            raise EntityParseError(
                f'Unsupported {kind} tag "{name}" at byte offset {byte_offset(i)}'
            )
        closing, name, raw_attrs = match.groups()
        name = name.lower()
        if not closing:
            attrs = _attributes(raw_attrs) if raw_attrs else {}
            if name not in TAGS:
                raise EntityParseError(
                    f'Unsupported start tag "{name}" at byte offset {byte_offset(i)}'
                )
            if name == "span" and attrs.get("class") != "tg-spoiler":
                raise EntityParseError('Tag "span" must have class "tg-spoiler"')
            stack.append((name, offset, attrs))
        else:
            if not stack:
                raise EntityParseError(f"Unexpected end tag at byte offset {byte_offset(i)}")
            open_name, start, attrs = stack.pop()
            if open_name != name:
                raise EntityParseError(
                    f"Unmatched end tag at byte offset {byte_offset(i)}, "
                    f'expected "</{open_name}>", found "</{name}>"'
                )
            _close(open_name, start, offset, attrs, stack, entities)
        i = match.end()
    if stack:
        raise EntityParseError(f'Can\'t find end tag corresponding to start tag "{stack[-1][0]}"')
    entities.sort(key=lambda e: (e["offset"], -e["length"]))
    return "".join(out), entities


def _close(
    name: str,
    start: int,
    end: int,
    attrs: dict[str, str],
    stack: list[tuple[str, int, dict[str, str]]],
    entities: list[dict[str, Any]],
) -> None:
    """Adds the entity for a closed tag, folding <pre><code class="language-x"> into one."""
    language = attrs.get("class", "").removeprefix("language-")
    if name == "code" and stack and stack[-1][0] == "pre" and attrs.get("class"):
        stack[-1][2]["language"] = language
        return
    if end == start:
        return  # Telegram drops empty entities
    entity: dict[str, Any] = {"type": TAGS[name], "offset": start, "length": end - start}
    if name == "a":
        if not attrs.get("href"):
            return  # a link without a target is plain text for Telegram
        entity["url"] = attrs["href"]
    if name == "pre" and attrs.get("language"):
        entity["language"] = attrs["language"]
    if name == "blockquote" and "expandable" in attrs:
        entity["type"] = "expandable_blockquote"
    entities.append(entity)
