"""Template helpers (Jinja filters): dates at their precision, lists, claims, figures.

Registered on every environment made by quizgen.templating. Each returns plain text; Jinja's
autoescape escapes it on output, so these never build HTML.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from quizgen import dates
from quizgen.model import Dated, Entity, Fact, QuantityFact
from quizgen.templating import template_filter
from quizgen.text import Markup, capfirst, escape, join_list

BOUND_WORDS = {
    "exact": "",
    "about": "about",
    "more_than": "more than",
    "at_least": "at least",
    "fewer_than": "fewer than",
    "at_most": "at most",
}


def _name(x: Any) -> str:
    return x.name if isinstance(x, Entity) else str(x)


@template_filter
def name(x: Entity | str) -> str:
    return _name(x)


@template_filter
def names(xs: Iterable[Entity | str], conj: str = "and") -> str:
    """`Russia, Iran, Iraq and Syria`."""
    return join_list([_name(x) for x in xs], conj)


@template_filter
def date_phrase(d: Dated | dates.FuzzyDate | None) -> str:
    """`in July 2015`, `on 24 July 2015`, `at the end of September 2015`."""
    if d is None:
        return ""
    if isinstance(d, Dated):
        return dates.date_phrase(d.date, d.text)
    return dates.date_phrase(d)


@template_filter
def date_label(d: Dated | dates.FuzzyDate | None) -> str:
    """`July 2015`, or the author's `date_text`."""
    if d is None:
        return ""
    if isinstance(d, Dated):
        return dates.date_label(d.date, d.text)
    return dates.date_label(d)


@template_filter
def when_prefix(d: Dated | None) -> str:
    """`In 2015, ` for time-bound questions (empty without a date)."""
    return capfirst(date_phrase(d)) + ", " if d else ""


@template_filter
def as_of(d: Dated | None) -> str:
    """` (as of 2015)` after a figure."""
    return f" (as of {date_label(d)})" if d else ""


@template_filter
def figure(q: QuantityFact, with_unit: bool = True) -> str:
    """`more than 250,000 people`."""
    text = " ".join(x for x in (BOUND_WORDS[q.bound], number(q.value)) if x)
    return f"{text} {q.unit}" if with_unit and q.unit else text


@template_filter
def number(v: Decimal | int | float) -> str:
    """`250,000`; `10 million` for round millions; decimals as written."""
    d = Decimal(v)
    if d == d.to_integral_value():
        n = int(d)
        if abs(n) >= 1_000_000 and n % 100_000 == 0:
            return f"{n / 1_000_000:g} million"  # exact: n is a multiple of 100,000
        return f"{n:,}"
    return f"{d.normalize():f}"


@template_filter
def ask(question: str | Markup, fact: Fact) -> Markup:
    """Prefix the claim's source for attributed/disputed facts, else capitalise:
    `when did … ?` → `According to Reuters, when did … ?`. Templates write questions lower-case
    first so the same text works both ways."""
    question = (
        Markup(question).strip() if isinstance(question, Markup) else escape(question.strip())
    )
    if fact.status != "established":
        return Markup("According to {}, {}").format(fact.claimed_by, question)
    return capfirst(question)


@template_filter
def claim(fact: Fact) -> str:
    """The answer-side claim line: `Reported by Reuters; denied by Russian officials.`"""
    return capfirst(fact.attribution) + "." if fact.attribution else ""


@template_filter
def cap(s: str | Markup) -> str | Markup:
    return capfirst(s)


@template_filter
def article(word: str) -> str:
    """`an Iranian general`, `a city`."""
    w = str(word)
    return ("an " if w[:1].lower() in "aeiou" else "a ") + w
