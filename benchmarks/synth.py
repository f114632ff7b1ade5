"""Synthetic decks of realistic shape for benchmarks: every fact kind in proportions like a real
history deck, ISO and fuzzy EDTF dates, sources, entities with categories and aliases, sections
and some attributed or disputed claims. Deterministic for a seed.

    python benchmarks/synth.py 10000 > /tmp/deck.yaml
"""

from __future__ import annotations

import random
import sys

KINDS = (
    ["event"] * 40
    + ["role"] * 15
    + ["location"] * 12
    + ["quantity"] * 10
    + ["group"] * 8
    + ["quote"] * 15
)
ENTITY_KINDS = {"person": 0.45, "city": 0.2, "country": 0.1, "organisation": 0.15, "place": 0.1}
CATEGORIES = {
    "person": ["politician", "diplomat", "military commander", "writer"],
    "organisation": ["armed force", "militant group", "government body"],
    "city": [""],
    "country": [""],
    "place": ["airport", "district"],
}
WORDS = [
    "agreement",
    "summit",
    "offensive",
    "visit",
    "treaty",
    "report",
    "statement",
    "ceasefire",
    "talks",
    "election",
    "deployment",
    "uprising",
    "blockade",
    "conference",
    "alliance",
    "withdrawal",
]


def q(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def date(rng: random.Random) -> tuple[str, str | None]:
    y = rng.randint(1900, 2020)
    m, d = rng.randint(1, 12), rng.randint(1, 28)
    r = rng.random()
    if r < 0.35:
        return f"{y}-{m:02d}-{d:02d}", None
    if r < 0.65:
        return f"{y}-{m:02d}", None
    if r < 0.8:
        return str(y), None
    if r < 0.88:
        return f"{y}-{m:02d}~", None
    if r < 0.95:
        return f"{y}-01/{y}-04", f"early {y}"
    return (
        f"{y}-{m:02d}",
        f"the end of {['January', 'March', 'May', 'July', 'September', 'November'][m % 6]} {y}",
    )


def deck(n: int, seed: int = 0) -> str:
    rng = random.Random(seed)
    out = [
        "deck:",
        "  id: synthetic",
        "  title: Synthetic benchmark deck",
        "  license: CC BY-SA 4.0",
        "  attribution: Generated for quizgen's benchmarks",
        "sources:",
    ]
    n_sources = max(5, n // 20)
    for i in range(n_sources):
        out.append(
            f"  src-{i}: {{title: {q(f'Report number {i}')}, publisher: Agency {i % 40}, "
            f"date: {rng.randint(1990, 2020)}-{rng.randint(1, 12):02d}}}"
        )
    out.append("entities:")
    n_entities = max(60, n // 4)
    by_kind: dict[str, list[str]] = {k: [] for k in ENTITY_KINDS}
    kinds = list(ENTITY_KINDS)
    weights = list(ENTITY_KINDS.values())
    for i in range(n_entities):
        kind = rng.choices(kinds, weights)[0]
        eid = f"{kind[:3]}-{i}"
        by_kind[kind].append(eid)
        cat = rng.choice(CATEGORIES[kind])
        alias = f", aliases: [{q(f'Alias {i}')}]" if rng.random() < 0.2 else ""
        category = f", category: {cat}" if cat else ""
        out.append(
            f"  {eid}: {{name: {q(f'{kind.title()} Name {i}')}, kind: {kind}{category}{alias}}}"
        )
    places = by_kind["city"] + by_kind["country"] + by_kind["place"]
    out.append("facts:")
    for i in range(n):
        kind = rng.choice(KINDS)
        src = f"src-{rng.randrange(n_sources)}"
        common = f"id: f-{i}, kind: {kind}, section: {q(f'Section {i % 12}')}, sources: [{src}]"
        r = rng.random()
        if r < 0.05:
            common += ", status: disputed, claimed_by: Agency A, denied_by: Ministry B"
        elif r < 0.12:
            common += ", status: attributed, claimed_by: Agency C"
        if rng.random() < 0.3:
            common += f", note: {q(f'Explanation of fact {i}, with some context for learners.')}"
        if kind == "event":
            when, text = date(rng)
            extra = f", date_text: {q(text)}" if text else ""
            where = f", where: {rng.choice(places)}" if rng.random() < 0.3 else ""
            body = (
                f"what: {q(f'the {rng.choice(WORDS)} number {i}')}, when: {q(when)}{extra}{where}"
            )
        elif kind == "role":
            body = (
                f"person: {rng.choice(by_kind['person'])}, role: {q(f'holder of office {i}')}"
                f", as_of: {q(str(rng.randint(1950, 2020)))}"
            )
        elif kind == "location":
            ps = rng.sample(by_kind["city"], 2 if rng.random() < 0.2 else 1)
            body = f"thing: {q(f'the headquarters number {i}')}, places: [{', '.join(ps)}]"
        elif kind == "quantity":
            body = (
                f"what: {q(f'people counted in census {i}')}, value: {rng.randint(10, 10**7)}, "
                f"bound: {rng.choice(['exact', 'about', 'more_than'])}, unit: people, "
                f"as_of: {q(str(rng.randint(1950, 2020)))}"
            )
        elif kind == "group":
            members = rng.sample(by_kind["country"] or by_kind["city"], 3)
            body = f"name: {q(f'the pact number {i}')}, members: [{', '.join(members)}]"
        else:
            when, _ = date(rng)
            body = (
                f"speaker: {rng.choice(by_kind['person'])}, "
                f"text: {q(f'Words spoken on occasion {i}.')}, when: {q(when)}"
            )
        out.append(f"  - {{{common}, {body}}}")
    return "\n".join(out) + "\n"


if __name__ == "__main__":
    sys.stdout.write(deck(int(sys.argv[1]), int(sys.argv[2]) if len(sys.argv) > 2 else 0))
