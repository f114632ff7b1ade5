"""The one place for escaping and small text helpers.

Everything that comes from fact text is HTML-escaped once, when a question is rendered (Jinja
autoescape), and travels as `Markup`. Exports that want plain text call `plain()`; exports that
want HTML use the Markup as is. Never build HTML from fact text by string concatenation.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TypeVar

from markupsafe import Markup, escape

__all__ = ["Markup", "capfirst", "escape", "html", "join_list", "plain"]


def plain(value: str | Markup) -> str:
    """Markup → the text a reader sees (tags removed, entities decoded); plain str unchanged."""
    if isinstance(value, Markup):
        if "<" in value or "&" in value:
            return value.striptags()
        # What striptags() leaves of text without tags or entities, minus its regexes.
        return " ".join(str.split(value))
    return value


def html(value: object) -> Markup:
    """escape() without its cost on what is already Markup, the common case on hot paths
    (escape() re-wraps Markup in a new Markup)."""
    return value if type(value) is Markup else escape(value)


def join_list(items: Iterable[str], conj: str = "and") -> str:
    """`Russia, Iran, Iraq and Syria`."""
    items = list(items)
    if len(items) <= 1:
        return "".join(items)
    return f"{', '.join(items[:-1])} {conj} {items[-1]}"


S = TypeVar("S", str, Markup)


def capfirst(s: S) -> S:
    """Capitalise the first letter only (`the agreement` → `The agreement`). Keeps Markup as
    Markup, and leaves a leading HTML entity alone (`&lt;` must not become `&LT;`)."""
    if not s or s.startswith("&"):
        return s
    # str's own methods: Markup's would wrap (and escape) every intermediate piece.
    capped = str.upper(str.__getitem__(s, slice(1))) + str.__getitem__(s, slice(1, None))
    return Markup(capped) if isinstance(s, Markup) else capped
