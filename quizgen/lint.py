"""The quality lint: what a careful teacher would reject, found before a student sees it.

Works on generated items (and the generator's refusals), so it judges what is actually asked,
including questions from a user's own templates. Findings are warnings; `quizgen check --strict`
fails on any.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Sequence

from quizgen.findings import Finding
from quizgen.generation import Item, Refusal, generate_with_refusals
from quizgen.generation.distractors import norm
from quizgen.model import Deck, Location, QuantityFact, RoleFact
from quizgen.text import plain

_MONTHS = r"(January|February|March|April|May|June|July|August|September|October|November|December)"


def check_deck(
    deck: Deck, *, seed: int = 0, project_templates: Iterable[str] = ()
) -> tuple[list[Item], list[Finding]]:
    """Generate and lint in one go: what `quizgen check` runs."""
    items, refusals = generate_with_refusals(deck, seed=seed, project_templates=project_templates)
    return items, lint(deck, items, refusals)


def lint(deck: Deck, items: Sequence[Item], refusals: Iterable[Refusal] = ()) -> list[Finding]:
    found: list[Finding] = [
        Finding(r.fact.location, r.code, f"fact {r.fact.id!r}: {r.message}") for r in refusals
    ]
    found += _ambiguous(items)
    claimed_by = {f.id: f.claimed_by for f in deck.facts}
    for it in items:
        found += _item_findings(it, claimed_by.get(it.fact_id, ""))
    found += _length_giveaway(deck, items)
    found += _facts_without_questions(deck, items)
    found += _time_bound(deck)
    return sorted(set(found))


def _where(it: Item) -> str:
    return f"{it.uid}"


def _ambiguous(items: Sequence[Item]) -> list[Finding]:
    """The same question text with different answers: a student can't know which is meant."""
    by_prompt: dict[str, list[Item]] = defaultdict(list)
    for it in items:
        if it.qtype in ("qa", "short", "reverse"):
            by_prompt[norm(plain(it.prompt))].append(it)
    found = []
    for group in by_prompt.values():
        answers = {norm(plain(it.answer)) for it in group}
        if len(answers) > 1:
            others = ", ".join(sorted({f"{it.fact_id} ({it.location})" for it in group}))
            for it in group:
                found.append(
                    Finding(
                        it.location,
                        "ambiguous",
                        f"{_where(it)}: the question "
                        f"{plain(it.prompt)!r} has different answers in facts {others}",
                    )
                )
    return found


def _item_findings(it: Item, claimed_by: str) -> list[Finding]:
    found = []
    prompt = plain(it.prompt)
    options = [plain(o) for o in it.options]
    if it.qtype in ("mcq", "first", "order", "match") and len({norm(o) for o in options}) < len(
        options
    ):
        found.append(
            Finding(
                it.location,
                "duplicate-option",
                f"{_where(it)}: two options read the same: {options}",
            )
        )
    if it.qtype == "mcq":
        right = options[it.correct[0]]
        accepted = {norm(a) for a in it.accepted} | {norm(right)}
        for i, o in enumerate(options):
            if i != it.correct[0] and norm(o) in accepted:
                found.append(
                    Finding(
                        it.location,
                        "true-distractor",
                        f"{_where(it)}: wrong option {o!r} is also a right answer",
                    )
                )
        if len({_shape(o) for o in options}) > 1 and _is_date(right):
            found.append(
                Finding(
                    it.location,
                    "precision-mismatch",
                    f"{_where(it)}: date options are not all at the same precision: {options}",
                )
            )
    if (
        it.qtype == "tf"
        and it.status != "established"
        and (not claimed_by or norm(claimed_by) not in norm(prompt))
    ):
        found.append(
            Finding(
                it.location,
                "bare-claim",
                f"{_where(it)}: a {it.status} claim is "
                f"asked as a bare true/false statement (say who claims it): "
                f"{prompt!r}",
                "error",
            )
        )
    return found


def _is_date(text: str) -> bool:
    return re.fullmatch(rf"[\d– ]*({_MONTHS}[\d– ]*)*\d{{4}}", text) is not None


def _shape(text: str) -> tuple[str, bool]:
    """(finest precision, is an interval) of a date option as quizgen prints it:
    `24 July 2015` → ("day", False); `13–23 October 2015` → ("day", True)."""
    words = re.sub(r"–", " – ", text).split()
    if any(w.isdigit() and len(w) <= 2 for w in words):
        precision = "day"
    elif re.search(_MONTHS, text):
        precision = "month"
    else:
        precision = "year"
    return precision, "–" in text


def _length_giveaway(deck: Deck, items: Sequence[Item]) -> list[Finding]:
    """The right option should not stand out by length, per item nor across the deck."""
    found = []
    longest = total = 0
    for it in items:
        if it.qtype != "mcq" or len(it.options) < 3:
            continue
        lengths = [len(plain(o)) for o in it.options]
        right = lengths[it.correct[0]]
        wrong = [n for i, n in enumerate(lengths) if i != it.correct[0]]
        total += 1
        if right > max(wrong):
            longest += 1
            if right >= 1.6 * max(wrong) and right - max(wrong) >= 10:
                found.append(
                    Finding(
                        it.location,
                        "length-giveaway",
                        f"{_where(it)}: the right option is much longer than the others",
                    )
                )
    if total >= 8 and longest / total > 0.5:
        found.append(
            Finding(
                Location(deck.path),
                "length-giveaway",
                f"the right option is the "
                f"longest in {longest} of {total} multiple-choice questions",
            )
        )
    return found


def _facts_without_questions(deck: Deck, items: Sequence[Item]) -> list[Finding]:
    asked = {fid for it in items for fid in it.fact_ids}
    return [
        Finding(f.location, "no-question", f"fact {f.id!r} yields no question")
        for f in deck.facts
        if f.id not in asked
    ]


def _time_bound(deck: Deck) -> list[Finding]:
    """Roles and figures change: "who is…" without a date is wrong next year."""
    return [
        Finding(
            f.location,
            "no-date",
            f"fact {f.id!r}: a {f.kind} holds at a time; give 'as_of' so questions can say when",
        )
        for f in deck.facts
        if isinstance(f.body, RoleFact | QuantityFact) and f.body.as_of is None
    ]
