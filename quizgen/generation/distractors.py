"""Wrong options that are plausible and never true.

Drawn from the deck, type-aware: dates at the same precision near the right one, entities of the
same kind (same category first), figures of the same unit and scale. A candidate is refused when it
is true for the question (e.g. another place of the same location fact), equal to the answer under
another spelling or alias, or a duplicate. Explicit per-fact distractors come first, but pass the
same checks.
"""

from __future__ import annotations

import bisect
import datetime as dt
import itertools
import random
import re
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache
from typing import TypeVar

from quizgen.dates import DateSyntaxError, FuzzyDate, parse_date
from quizgen.model import (
    Deck,
    Entity,
    EventFact,
    Fact,
    GroupFact,
    LocationFact,
    QuantityFact,
    QuoteFact,
    RoleFact,
)

T = TypeVar("T")
WANT = 3  # distractors per multiple-choice item (4 options)
MIN = 2  # fewer than this and the item is not made (3 options at least)
_SPAN = {"year": 6, "month": 8, "day": 45}  # how far (in units) a plausible wrong date may lie
# Shifts tried for made-up wrong dates: far enough apart to be a fair question ("24 July" vs
# "25 July" tests nothing), near enough to be plausible. Smaller ones first.
_SHIFTS = {"year": (1, 2, 3, 4, 5, 6), "month": (2, 3, 4, 5, 6, 8), "day": (5, 9, 14, 20, 30, 45)}


@lru_cache(maxsize=1 << 16)
def norm(text: str) -> str:
    """Comparison key: case, accents, punctuation and a leading article don't make a new answer."""
    t = text.casefold()
    if not t.isascii():  # NFKD leaves ASCII as it is
        t = unicodedata.normalize("NFKD", t)
        t = "".join(c for c in t if not unicodedata.combining(c))
    t = _NON_WORD.sub(" ", t).strip()
    return _ARTICLE.sub("", t)


_NON_WORD = re.compile(r"[^\w]+")
_ARTICLE = re.compile(r"^(the|a|an) ")


def mentions(text: str, name: str) -> bool:
    """Does `text` contain `name` as whole words (under `norm`)?"""
    key = norm(name)
    # norm() turns every non-word run into one space, so padding makes this a whole-word test.
    return len(key) >= 3 and f" {key} " in f" {norm(text)} "


_SAMPLE = 40  # candidates looked at per question: enough to find 3 good ones, O(1) per item


def _sample(
    rng: random.Random,
    pool: Sequence[T],
    lo: int = 0,
    hi: int | None = None,
    limit: int = _SAMPLE,
) -> list[T]:
    """Up to `limit` random members of `pool[lo:hi]` in random order, in O(limit) however large
    the pool: the range is not copied (on a large deck, a window of dates or figures holds
    thousands)."""
    hi = len(pool) if hi is None else hi
    if hi - lo <= limit:
        items = list(pool[lo:hi])
        rng.shuffle(items)
        return items
    return [pool[lo + i] for i in rng.sample(range(hi - lo), limit)]


@dataclass
class DeckIndex:
    """Everything distractor search needs, built once per deck: lookups, not scans, per question."""

    deck: Deck
    entities_by_kind: dict[str, list[Entity]] = field(default_factory=lambda: defaultdict(list))
    entities_by_category: dict[tuple[str, str], list[Entity]] = field(
        default_factory=lambda: defaultdict(list)
    )
    by_name: dict[str, Entity] = field(default_factory=dict)
    role_holders: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    person_roles: dict[str, list[Fact]] = field(default_factory=lambda: defaultdict(list))
    thing_places: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    place_things: dict[str, list[Fact]] = field(default_factory=lambda: defaultdict(list))
    group_members: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    quote_speakers: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    # Event dates per precision, sorted by start, with the starts alone for bisecting.
    dates_by_precision: dict[str, list[FuzzyDate]] = field(
        default_factory=lambda: defaultdict(list)
    )
    date_starts: dict[str, list[dt.date]] = field(default_factory=dict)
    blurred: set[FuzzyDate] = field(default_factory=set)  # event dates another event blurs into
    # Figures per unit, sorted, and the values stated for each (unit, what).
    values_by_unit: dict[str, list[Decimal]] = field(default_factory=lambda: defaultdict(list))
    figures: dict[tuple[str, str], list[Decimal]] = field(default_factory=lambda: defaultdict(list))
    roles: list[str] = field(default_factory=list)

    @classmethod
    def build(cls, deck: Deck) -> DeckIndex:
        ix = cls(deck)
        for e in sorted(deck.entities.values(), key=lambda e: e.id):
            ix.entities_by_kind[e.kind].append(e)
            if e.category:
                ix.entities_by_category[(e.kind, e.category)].append(e)
            ix.by_name.setdefault(e.name, e)
        seen_roles: dict[str, str] = {}
        event_dates: list[FuzzyDate] = []
        for f in deck.facts:
            b = f.body
            if isinstance(b, RoleFact):
                ix.role_holders[norm(b.role)].add(b.person.id)
                ix.person_roles[b.person.id].append(f)
                seen_roles.setdefault(norm(b.role), b.role)
            elif isinstance(b, LocationFact):
                ix.thing_places[norm(b.thing)].update(p.id for p in b.places)
                for p in b.places:
                    ix.place_things[p.id].append(f)
            elif isinstance(b, GroupFact):
                ix.group_members[norm(b.name)].update(m.id for m in b.members)
            elif isinstance(b, QuoteFact):
                ix.quote_speakers[norm(b.text)].add(b.speaker.id)
            elif isinstance(b, EventFact):
                event_dates.append(b.when.date)
            elif isinstance(b, QuantityFact):
                ix.values_by_unit[norm(b.unit)].append(b.value)
                ix.figures[(norm(b.unit), norm(b.what))].append(b.value)
        ix.roles = sorted(seen_roles.values())
        for values in ix.values_by_unit.values():
            values.sort()
        event_dates.sort(key=lambda d: d.sort_key)
        for d in event_dates:
            ix.dates_by_precision[d.precision].append(d)
        ix.date_starts = {p: [d.lower for d in ds] for p, ds in ix.dates_by_precision.items()}
        ix.blurred = _blurred(event_dates)
        return ix


def _blurred(dates: list[FuzzyDate]) -> set[FuzzyDate]:
    """Dates (sorted by start) that some other date cannot be told apart from."""
    # A date held by two events blurs into itself; the scan then runs over distinct dates only,
    # which a calendar bounds: a large deck repeats the same months and years over and over.
    counts = Counter(dates)
    unique = list(counts)  # still sorted: Counter keeps first-seen order
    out = {d for d, n in counts.items() if n > 1}
    gap = dt.timedelta(days=63)  # FuzzyDate.distinct_from's margin for fuzzy dates
    for i, d in enumerate(unique):
        limit = d.upper + gap if d.upper < dt.date.max - gap else dt.date.max
        for j in range(i + 1, len(unique)):
            other = unique[j]
            if other.lower > limit:
                break
            if not d.distinct_from(other):
                out.add(d)
                out.add(other)
    return out


@dataclass
class Refusal:
    """A candidate the generator threw out, kept so the lint can tell the author."""

    fact: Fact
    code: str
    message: str


def _accepted_keys(answer_names: Iterable[str]) -> set[str]:
    return {norm(n) for n in answer_names if n}


def entity_distractors(
    ix: DeckIndex,
    fact: Fact,
    answer: Entity,
    true_ids: set[str],
    rng: random.Random,
    kinds: Sequence[str] | None = None,
    explicit: Sequence[str] = (),
    refusals: list[Refusal] | None = None,
) -> list[str]:
    """Names of wrong entities for a question whose right answer is `answer`.

    `true_ids` are every entity for which the question is also true (all role holders, all places
    of the thing…): none of them, nor any of their names or aliases, may be offered."""
    deck_entities = ix.deck.entities
    forbidden = _accepted_keys(answer.names) | _accepted_keys(fact.accept)
    for eid in true_ids:
        if eid in deck_entities:
            forbidden |= _accepted_keys(deck_entities[eid].names)
    chosen: list[str] = []
    taken: set[str] = set(forbidden)

    def take(name: str, origin: str) -> None:
        key = norm(name)
        if key in taken:
            if origin == "explicit" and refusals is not None:
                why = (
                    "is also a right answer (or one of its aliases)"
                    if key in forbidden
                    else "is given twice"
                )
                refusals.append(
                    Refusal(
                        fact,
                        "true-distractor" if key in forbidden else "duplicate-option",
                        f"distractor {name!r} {why}; dropped",
                    )
                )
            return
        taken.add(key)
        chosen.append(name)

    for text in explicit:
        e = deck_entities.get(text)
        take(e.name if e else text, "explicit")
    kinds = tuple(kinds or (answer.kind,))
    same = (
        [
            e
            for k in kinds
            for e in _sample(rng, ix.entities_by_category.get((k, answer.category), ()))
        ]
        if answer.category
        else []
    )
    other = [e for k in kinds for e in _sample(rng, ix.entities_by_kind.get(k, ()))]
    for e in same + other:
        if len(chosen) >= WANT:
            break
        # An alias of a wrong entity may collide with the answer's names: refuse the entity.
        if e.id in true_ids or _accepted_keys(e.names) & forbidden:
            continue
        take(e.name, "deck")
    return chosen[:WANT]


def date_distractors(
    ix: DeckIndex,
    fact: Fact,
    true: FuzzyDate,
    rng: random.Random,
    explicit: Sequence[str] = (),
    refusals: list[Refusal] | None = None,
) -> list[FuzzyDate]:
    """Wrong dates at the true date's precision, near it, clearly apart from it and each other."""
    chosen: list[FuzzyDate] = []
    if true.start is None or true.end is None:
        return chosen  # "by October 2015" has no plausible wrong twin: "by December 2015" is true

    def fits(d: FuzzyDate) -> bool:
        return (
            d.precision == true.precision
            and d.is_interval == true.is_interval
            and d.distinct_from(true)
            and all(d.distinct_from(c) for c in chosen)
        )

    for text in explicit:
        try:
            d = parse_date(text)
        except DateSyntaxError:
            if refusals is not None:
                refusals.append(
                    Refusal(
                        fact,
                        "bad-distractor",
                        f"date distractor {text!r} is not "
                        "an EDTF date (write e.g. 2015-08); dropped",
                    )
                )
            continue
        if d.precision != true.precision:
            if refusals is not None:
                refusals.append(
                    Refusal(
                        fact,
                        "precision-mismatch",
                        f"date distractor {text!r} is at {d.precision} precision "
                        f"but the answer is at {true.precision} precision; dropped",
                    )
                )
            continue
        if not fits(d):
            if refusals is not None:
                refusals.append(
                    Refusal(
                        fact,
                        "true-distractor",
                        f"date distractor {text!r} "
                        "overlaps the right date or another option; dropped",
                    )
                )
            continue
        chosen.append(d)
    span = _SPAN[true.precision]
    window = dt.timedelta(days=span * {"year": 366, "month": 31, "day": 1}[true.precision])
    starts = ix.date_starts.get(true.precision, [])
    lo = bisect.bisect_left(starts, max(dt.date.min + window, true.lower) - window)
    hi = bisect.bisect_right(starts, min(dt.date.max - window, true.lower) + window)
    pool = ix.dates_by_precision[true.precision] if starts else []
    near = [
        d
        for d in _sample(rng, pool, lo, hi)
        if d.is_interval == true.is_interval and abs(_steps(true, d)) <= span
    ]
    shifts = [s for k in _SHIFTS[true.precision] for s in (k, -k)]
    if true.is_interval:  # an interval must move by at least its own length to stay apart
        length = _steps(FuzzyDate(true.start, true.start), FuzzyDate(true.end, true.end)) + 1
        shifts = [s * length for s in (1, -1, 2, -2, 3, -3)] + shifts
    shifted = (moved for s in shifts if (moved := true.shifted(s)) is not None)
    # Small shifts first but not always the same ones, so the answer is not always the middle.
    head = list(itertools.islice(shifted, 6))
    rng.shuffle(head)
    for d in itertools.chain(near, head, shifted):  # the rest only shifted if needed
        if len(chosen) >= WANT:
            break
        if fits(d):
            chosen.append(d)
    return chosen[:WANT]


def _steps(a: FuzzyDate, b: FuzzyDate) -> int:
    """Distance between two dates in units of `a`'s precision."""
    da, db = a.lower, b.lower
    if a.precision == "year":
        return db.year - da.year
    if a.precision == "month":
        return (db.year - da.year) * 12 + db.month - da.month
    return (db - da).days


def quantity_distractors(
    ix: DeckIndex,
    fact: Fact,
    q: QuantityFact,
    rng: random.Random,
    explicit: Sequence[str] = (),
    refusals: list[Refusal] | None = None,
    parse: Callable[[str], Decimal | None] | None = None,
) -> list[Decimal]:
    """Wrong figures of the same unit and a plausible scale (within ×10), well apart (≥ ×1.5) so
    that rounding never makes two options the same answer."""
    chosen: list[Decimal] = []
    true_values = ix.figures.get((norm(q.unit), norm(q.what))) or [q.value]

    def apart(v: Decimal) -> bool:
        return v > 0 and all(_ratio(v, w) >= Decimal("1.5") for w in [*true_values, *chosen])

    for text in explicit:
        v = parse(text) if parse else None
        if v is None or not apart(v):
            if refusals is not None:
                refusals.append(
                    Refusal(
                        fact,
                        "true-distractor" if v is not None else "bad-distractor",
                        f"figure distractor {text!r} is not a "
                        "number clearly apart from the answer; dropped",
                    )
                )
            continue
        chosen.append(v)
    if q.value <= 0:
        return chosen[:WANT]
    values = ix.values_by_unit.get(norm(q.unit), [])
    lo = bisect.bisect_left(values, q.value / 10)
    hi = bisect.bisect_right(values, q.value * 10)
    deck_values = sorted(set(_sample(rng, values, lo, hi)))
    rng.shuffle(deck_values)
    factors = [Decimal(x) for x in ("0.5", "2", "4", "0.25", "3", "0.1", "10")]
    head = factors[:3]
    rng.shuffle(head)
    made = [_round2(q.value * f) for f in head + factors[3:]]
    for v in deck_values + made:
        if len(chosen) >= WANT:
            break
        if apart(v):
            chosen.append(v)
    return chosen[:WANT]


def _ratio(a: Decimal, b: Decimal) -> Decimal:
    if a <= 0 or b <= 0:
        return Decimal(0) if a == b else Decimal(10)
    return max(a, b) / min(a, b)


def _round2(v: Decimal) -> Decimal:
    """At most three significant figures, like a reported figure (250,000 × 0.5 → 125,000)."""
    if v == 0:
        return v
    exp = v.adjusted() - 2
    if exp <= 0:
        return v.quantize(Decimal(1), rounding=ROUND_HALF_UP) if abs(v) >= 1 else v
    return (v.scaleb(-exp).quantize(Decimal(1), rounding=ROUND_HALF_UP)).scaleb(exp)


def text_distractors(
    fact: Fact,
    answer: str,
    pool: Sequence[str],
    rng: random.Random,
    true_texts: Iterable[str] = (),
    explicit: Sequence[str] = (),
    refusals: list[Refusal] | None = None,
) -> list[str]:
    """Wrong free-text answers (e.g. roles) from the deck's own texts of the same field."""
    forbidden = {norm(answer), *(norm(t) for t in true_texts), *(norm(a) for a in fact.accept)}
    chosen: list[str] = []
    taken = set(forbidden)
    for t in explicit:
        if norm(t) in taken:
            if refusals is not None:
                refusals.append(
                    Refusal(
                        fact,
                        "true-distractor",
                        f"distractor {t!r} is also a right answer or given twice; dropped",
                    )
                )
            continue
        taken.add(norm(t))
        chosen.append(t)
    for t in _sample(rng, pool):
        if len(chosen) >= WANT:
            break
        if norm(t) not in taken:
            taken.add(norm(t))
            chosen.append(t)
    return chosen[:WANT]
