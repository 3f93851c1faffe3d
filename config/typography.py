"""Typography of the text the site shows and sends, done once for every page, email
and letter: ``TypographyMiddleware`` for the HTML pages, ``notifications.services``
for the emails, ``notifications.letters`` for the PDF letters.

French: a non-breaking space before « : ; ! ? » and after « (an ordinary space there
becomes one; a missing one is added when a letter touches them and the mark ends a
word), and "1er" for the first day of a month ("1er mars"). English: a date or time
ending in "a.m." or "p.m." at the end of a sentence keeps one period.

Only the text of a page is touched: never its tags or attributes, nor what is inside
``script``, ``style``, ``textarea``, ``pre`` or ``code``.
"""

import re

from django.utils import translation

NBSP = "\u00a0"
MONTHS = "janvier|février|mars|avril|mai|juin|juillet|août|septembre|octobre|novembre|décembre"
_SPACE_BEFORE = re.compile(r"[ \t\r\n]+(?=[:;!?»])")
_SPACE_AFTER = re.compile(r"(?<=«)[ \t\r\n]+")
_MISSING_BEFORE = re.compile(r"(?:(?<=[^\W\d_])|(?<=\)))(?=[:;!?»](?:[\s<.,]|$))")
_MISSING_AFTER = re.compile(r"«(?=\w)")
_FIRST_OF_MONTH = re.compile(rf"(?<![\d.,])\b1([ \u00a0])(?=(?:{MONTHS})\b)", re.IGNORECASE)
_DOUBLE_PERIOD = re.compile(r"\b([ap])\.m\.\.(?!\.)")
# "a.m.</time>." in a page: the sentence's period after the element is one too many.
_DOUBLE_PERIOD_ACROSS_TAGS = re.compile(r"\b([ap])\.m\.((?:</[a-z]+>)+)\.(?!\.)")

# Elements whose text is kept as is: code, and what a person typed into a form.
_RAW = ("script", "style", "textarea", "pre", "code")
_TOKEN = re.compile(r"(<!--.*?-->|<[^>]*>)", re.DOTALL)
_ENTITY = re.compile(r"(&#?\w+;)")
_RAW_INITIALS = frozenset("stpcSTPC")
_RAW_START = re.compile(r"<(" + "|".join(_RAW) + r")\b", re.IGNORECASE)


_FRENCH_TRIGGER = re.compile(r"[:;!?«»]|\b1[ \u00a0]")


def french(text: str) -> str:
    """``text`` (plain text) with French typography."""
    if not _FRENCH_TRIGGER.search(text):  # most texts of a page: nothing to do
        return text
    text = _SPACE_BEFORE.sub(NBSP, text)
    text = _SPACE_AFTER.sub(NBSP, text)
    text = _MISSING_BEFORE.sub(NBSP, text)
    text = _MISSING_AFTER.sub("«" + NBSP, text)
    return _FIRST_OF_MONTH.sub(r"1er\1", text)


def english(text: str) -> str:
    """``text`` (plain text) with "a.m.." and "p.m.." read as English."""
    if ".m.." not in text:
        return text
    return _DOUBLE_PERIOD.sub(r"\1.m.", text)


def for_language(text: str, language: str | None = None) -> str:
    """``text`` (plain text) with the typography of ``language`` (the active one)."""
    language = (language or translation.get_language() or "").split("-")[0]
    if language == "fr":
        return french(text)
    if language == "en":
        return english(text)
    return text


def html(markup: str, language: str | None = None) -> str:
    """``markup`` (an HTML document or fragment) with the typography of ``language``
    applied to its text."""
    language = (language or translation.get_language() or "").split("-")[0]
    if language not in {"fr", "en"}:
        return markup
    typeset = french if language == "fr" else english
    trigger = _FRENCH_TRIGGER.search if language == "fr" else re.compile(r"\.m\.\.").search
    parts = _TOKEN.split(markup)
    raw_until = None  # the closing tag that ends a raw element
    for index in range(len(parts)):
        part = parts[index]
        if index % 2:  # a tag or a comment
            if raw_until is None:
                if part[1:2] in _RAW_INITIALS:
                    start = _RAW_START.match(part)
                    if start and not part.endswith("/>"):
                        raw_until = f"</{start.group(1).lower()}"
            elif part[:2] == "</" and part.lower().startswith(raw_until):
                raw_until = None
        elif raw_until is None and trigger(part):
            if "&" in part:
                # Character references (&gt;, &#x27;) are left whole: their ";" is no mark.
                pieces = _ENTITY.split(part)
                parts[index] = "".join(
                    piece if odd % 2 else typeset(piece) for odd, piece in enumerate(pieces)
                )
            else:
                parts[index] = typeset(part)
    markup = "".join(parts)
    if language == "en":
        markup = _DOUBLE_PERIOD_ACROSS_TAGS.sub(r"\1.m.\2", markup)
    return markup


class TypographyMiddleware:
    """Applies ``html`` to every HTML page, in the language it was written in."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if (
            response.streaming
            or not response.get("Content-Type", "").startswith("text/html")
            or response.get("Content-Encoding")
        ):
            return response
        language = response.get("Content-Language") or translation.get_language()
        charset = response.charset or "utf-8"
        response.content = html(response.content.decode(charset), language).encode(charset)
        return response
