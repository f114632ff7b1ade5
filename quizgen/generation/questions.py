"""Facts → Items. One builder per fact kind, plus the deck-wide items (ordering, which came first,
matching). Question wording comes from templates (quizgen/templates/questions/); this module
decides *what* may be asked: which slots, which distractors, which facts can be compared."""

from __future__ import annotations

import random
from collections import defaultdict
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from decimal import Decimal, InvalidOperation
from typing import Any

import jinja2

from quizgen.dates import FuzzyDate
from quizgen.generation import phrasing
from quizgen.generation.distractors import (
    MIN,
    DeckIndex,
    Refusal,
    date_distractors,
    entity_distractors,
    mentions,
    norm,
    quantity_distractors,
    text_distractors,
)
from quizgen.generation.item import Item, QType
from quizgen.ids import seed_for
from quizgen.model import (
    Dated,
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
from quizgen.templating import render_block
from quizgen.text import Markup, capfirst, escape, html

_OPEN, _CLOSE = "\ue000", "\ue001"  # private-use marks around the cloze key; never in fact text
BLANK = Markup("_____")
TRUE_FALSE = (Markup("True"), Markup("False"))
PLACE_WORDS = {"city": "city", "country": "country", "region": "region"}
PLURALS = {
    "city": "cities",
    "country": "countries",
    "region": "regions",
    "person": "people",
    "organisation": "organisations",
    "place": "places",
}


@dataclass
class Builder:
    deck: Deck
    env: jinja2.Environment
    ix: DeckIndex
    seed: int
    refusals: list[Refusal]
    # Per fact: (explanation, claim line), which every item of the fact repeats.
    _fact_text: dict[str, tuple[Markup, Markup]] = field(default_factory=dict)
    # (fact, slot) → its true statement, which both the cloze and the true/false item state.
    _statements: dict[tuple[str, str], tuple[Markup, Markup, Markup]] = field(default_factory=dict)

    # --- randomness and rendering --------------------------------------------------------------
    def rng(self, *parts: str) -> random.Random:
        """Randomness per item, so one item's choices don't shift when another changes."""
        return random.Random(seed_for(self.seed, self.deck.info.id, *parts))

    def prompt(self, fact: Fact, qtype: str, slot: str, body: Any = None, **extra: Any) -> Markup:
        name = f"questions/{fact.kind}/{qtype}.j2"
        return Markup(render_block(self.env, name, slot, self._context(fact, body, extra)))

    def statement(
        self, fact: Fact, slot: str, body: Any = None, **extra: Any
    ) -> tuple[Markup, Markup, Markup]:
        """(before, key, after) of the kind's statement; `key(...)` in the template marks the part
        that a cloze blanks out and a false statement swaps."""
        true = (body is None or body is fact.body) and not extra
        if true and (fact.id, slot) in self._statements:
            return self._statements[fact.id, slot]
        parts = self._statement(fact, slot, body, extra)
        if true:
            self._statements[fact.id, slot] = parts
        return parts

    def _statement(
        self, fact: Fact, slot: str, body: Any, extra: dict[str, Any]
    ) -> tuple[Markup, Markup, Markup]:
        ctx = self._context(fact, body, extra)
        ctx["key"] = lambda x: Markup(f"{_OPEN}{html(x)}{_CLOSE}")
        text = render_block(self.env, f"questions/{fact.kind}/statement.j2", slot, ctx)
        before, sep, rest = text.partition(_OPEN)
        key, sep2, after = rest.partition(_CLOSE)
        if not sep or not sep2:  # a user template without key(): no cloze, but T/F still works
            plain = Markup(text.replace(_OPEN, "").replace(_CLOSE, ""))
            return plain, Markup(""), Markup("")
        if not before:
            key = capfirst(Markup(key))
        return Markup(before), Markup(key), Markup(after)

    def _context(self, fact: Fact, body: Any, extra: dict[str, Any]) -> dict[str, Any]:
        return {
            "fact": fact,
            "b": body if body is not None else fact.body,
            "deck": self.deck.info,
            "key": lambda x: x,
            **extra,
        }

    # --- item assembly ---------------------------------------------------------------------------
    def item(
        self,
        fact: Fact,
        qtype: QType,
        variant: str,
        prompt: Markup,
        answer: str | Markup,
        **kw: Any,
    ) -> Item:
        text = self._fact_text.get(fact.id)
        if text is None:
            text = self._fact_text[fact.id] = (escape(fact.note), escape(phrasing.claim(fact)))
        return Item(
            deck_id=self.deck.info.id,
            fact_id=fact.id,
            qtype=qtype,
            variant=variant,
            prompt=prompt,
            answer=capfirst(html(answer)),
            explanation=text[0],
            claim=text[1],
            status=fact.status,
            sources=fact.sources,
            fact_ids=kw.pop("fact_ids", (fact.id,)),
            section=fact.section,
            tags=fact.tags,
            location=fact.location,
            image=fact.image,
            **kw,
        )

    def mcq(
        self,
        fact: Fact,
        variant: str,
        prompt: Markup,
        right: str,
        wrong: Sequence[str],
        answer: str | None = None,
    ) -> Item | None:
        """A multiple-choice item, or None (and a refusal for the lint) without enough options."""
        if len(wrong) < MIN:
            self.refusals.append(
                Refusal(
                    fact,
                    "few-distractors",
                    f"too few distractor candidates "
                    f"for a multiple-choice question on {variant!r} (found "
                    f"{len(wrong)}, need {MIN}); asked another way",
                )
            )
            return None
        options = [right, *wrong]
        order = list(range(len(options)))
        self.rng(fact.id, "mcq", variant, "order").shuffle(order)
        shown = tuple(html(capfirst(options[i])) for i in order)
        return self.item(
            fact, "mcq", variant, prompt, answer or right, options=shown, correct=(order.index(0),)
        )

    def true_false(
        self,
        fact: Fact,
        slot: str,
        true_body: Any,
        false_body: Any | None,
        true_extra: dict[str, Any] | None = None,
        false_extra: dict[str, Any] | None = None,
    ) -> Item:
        """A true statement, or (by seed) its false twin made with a plausible wrong value."""
        true_text = Markup("").join(self.statement(fact, slot, true_body, **(true_extra or {})))
        if false_body is not None and self.rng(fact.id, "tf", slot).random() < 0.5:
            false_text = Markup("").join(
                self.statement(fact, slot, false_body, **(false_extra or {}))
            )
            return self.item(
                fact,
                "tf",
                slot,
                false_text,
                Markup("False. ") + true_text,
                options=TRUE_FALSE,
                correct=(1,),
            )
        return self.item(
            fact,
            "tf",
            slot,
            true_text,
            Markup("True. ") + true_text,
            options=TRUE_FALSE,
            correct=(0,),
        )

    def cloze(self, fact: Fact, slot: str, body: Any = None, **extra: Any) -> Item | None:
        before, key, after = self.statement(fact, slot, body, **extra)
        if not key:
            return None
        return self.item(
            fact, "cloze", slot, before + BLANK + after, key, cloze=(before, key, after)
        )


def accepted(*names: str, fact: Fact) -> tuple[str, ...]:
    return tuple(dict.fromkeys(n for n in (*names, *fact.accept) if n))


# --- one builder per kind ------------------------------------------------------------------------


def event_items(bd: Builder, fact: Fact, b: EventFact) -> Iterator[Item]:
    when = phrasing.date_label(b.when)
    yield bd.item(
        fact,
        "qa",
        "when",
        bd.prompt(fact, "qa", "when"),
        when,
        accepted=accepted(when, b.when.date.text(), fact=fact),
    )
    # "What happened in July 2015?" only when no other event blurs into that date.
    if b.when.date not in bd.ix.blurred:
        yield bd.item(fact, "reverse", "what", bd.prompt(fact, "reverse", "what"), b.what)
    # "By October 2015" has no fair wrong twin ("by December 2015" is true too): no options.
    if b.when.date.start is not None and b.when.date.end is not None:
        rng = bd.rng(fact.id, "when")
        wrong = date_distractors(bd.ix, fact, b.when.date, rng, fact.distractors, bd.refusals)
        mcq = bd.mcq(
            fact,
            "when",
            bd.prompt(fact, "mcq", "when"),
            b.when.date.text(),
            [d.text() for d in wrong],
            answer=when,
        )
        if mcq:
            yield mcq
        yield bd.true_false(fact, "when", b, replace(b, when=Dated(wrong[0])) if wrong else None)
    if c := bd.cloze(fact, "when"):
        yield c
    if b.where is not None:
        places = entity_distractors(
            bd.ix,
            fact,
            b.where,
            {b.where.id},
            bd.rng(fact.id, "where"),
            kinds=_place_kinds(b.where),
        )
        if m := bd.mcq(fact, "where", bd.prompt(fact, "mcq", "where"), b.where.name, places):
            yield m


def _place_kinds(e: Entity) -> tuple[str, ...]:
    return (e.kind,) if e.kind in ("city", "country", "region") else ("place", "region", "city")


def role_items(bd: Builder, fact: Fact, b: RoleFact) -> Iterator[Item]:
    person = b.person
    holders = bd.ix.role_holders[norm(b.role)]
    unique_holder = len(holders) == 1
    if unique_holder:  # "who was X?" has one answer only if one person held X in the deck
        yield from entity_items(
            bd, fact, "who", person, holders, None, lambda e: replace(b, person=e)
        )
    if len(bd.ix.person_roles[person.id]) == 1:
        yield bd.item(
            fact,
            "reverse",
            "role",
            bd.prompt(fact, "reverse", "role"),
            b.role,
            accepted=accepted(b.role, fact=fact),
        )
        if not unique_holder:
            roles = text_distractors(
                fact,
                b.role,
                bd.ix.roles,
                bd.rng(fact.id, "role"),
                true_texts=[
                    r.body.role
                    for r in bd.ix.person_roles[person.id]
                    if isinstance(r.body, RoleFact)
                ],
            )
            if m := bd.mcq(fact, "role", bd.prompt(fact, "mcq", "role"), b.role, roles):
                yield m


def location_items(bd: Builder, fact: Fact, b: LocationFact) -> Iterator[Item]:
    kinds = {p.kind for p in b.places}
    word = PLACE_WORDS.get(next(iter(kinds)), "place") if len(kinds) == 1 else "place"
    plural = PLURALS.get(word, "places")
    true_ids = bd.ix.thing_places[norm(b.thing)]
    if len(b.places) > 1:
        yield bd.item(
            fact,
            "qa",
            "places",
            bd.prompt(fact, "qa", "places", place_word_plural=plural),
            phrasing.names(b.places),
            accepted=(phrasing.names(b.places),),
        )
    for p in b.places:
        others = [o for o in b.places if o != p]
        variant = "place" if len(b.places) == 1 else f"place-{p.id}"
        extra = {"others": others, "place_word": word, "place": p}
        prompt = bd.prompt(fact, "qa", "place", **extra)
        names = accepted(*p.names, fact=fact)
        yield bd.item(fact, "qa", variant, prompt, p.name, accepted=names)
        if len(names) > 1:
            yield bd.item(fact, "short", variant, prompt, p.name, accepted=names)
        wrong = entity_distractors(
            bd.ix,
            fact,
            p,
            true_ids,
            bd.rng(fact.id, variant),
            kinds=_place_kinds(p),
            explicit=fact.distractors,
            refusals=bd.refusals,
        )
        if m := bd.mcq(fact, variant, bd.prompt(fact, "mcq", "place", **extra), p.name, wrong):
            yield m
        false_place = bd.ix.by_name.get(wrong[0]) if wrong else None
        tf = bd.true_false(
            fact,
            "place",
            b,
            b if false_place else None,
            true_extra=extra,
            false_extra={**extra, "place": false_place},
        )
        yield replace(tf, variant=variant)
        # "_____ was home to the operation rooms" has two right answers when there are two places.
        if len(b.places) == 1 and (c := bd.cloze(fact, "place", **extra)):
            yield replace(c, variant=variant)
        if len(bd.ix.place_things[p.id]) == 1 and len(b.places) == 1:
            yield bd.item(
                fact, "reverse", "thing", bd.prompt(fact, "reverse", "thing", place=p), b.thing
            )


def parse_number(text: str) -> Decimal | None:
    try:
        v = Decimal(text.replace(",", "").replace("_", "").replace(" ", ""))
    except InvalidOperation:
        return None
    return v if v.is_finite() else None


def quantity_items(bd: Builder, fact: Fact, b: QuantityFact) -> Iterator[Item]:
    right = capfirst(phrasing.figure(b))
    answer = right + phrasing.as_of(b.as_of)
    digits = f"{int(b.value)}" if b.value == b.value.to_integral_value() else f"{b.value}"
    prompt = bd.prompt(fact, "qa", "value")
    yield bd.item(
        fact,
        "qa",
        "value",
        prompt,
        answer,
        accepted=accepted(phrasing.number(b.value), digits, fact=fact),
    )
    yield bd.item(
        fact,
        "short",
        "value",
        prompt,
        answer,
        accepted=accepted(phrasing.number(b.value), digits, fact=fact),
    )
    wrong = quantity_distractors(
        bd.ix, fact, b, bd.rng(fact.id, "value"), fact.distractors, bd.refusals, parse=parse_number
    )
    if m := bd.mcq(
        fact,
        "value",
        bd.prompt(fact, "mcq", "value"),
        right,
        [capfirst(phrasing.figure(replace(b, value=v))) for v in wrong],
        answer=answer,
    ):
        yield m
    if c := bd.cloze(fact, "value"):
        yield c
    # A bound ("more than 250,000") has no safely false twin: "more than 100,000" is true too.
    if b.bound == "exact":
        yield bd.true_false(fact, "value", b, replace(b, value=wrong[0]) if wrong else None)


def group_items(bd: Builder, fact: Fact, b: GroupFact) -> Iterator[Item]:
    kinds = {m.kind for m in b.members}
    word = PLURALS.get(next(iter(kinds)), "members") if len(kinds) == 1 else "members"
    members = phrasing.names(b.members)
    named = [m.name for m in b.members if mentions(b.name, m.name)]
    if named:  # "the Russia–Syria–Iran–Iraq coalition": its name answers every membership question
        bd.refusals.append(
            Refusal(
                fact,
                "answer-leaked",
                f"no membership questions: the group's name gives away {phrasing.names(named)}",
            )
        )
        return
    yield bd.item(
        fact,
        "qa",
        "members",
        bd.prompt(fact, "qa", "members", members_word=word),
        members,
        accepted=(members,),
    )
    last = b.members[-1]
    if c := bd.cloze(fact, "members", member=last, rest=list(b.members[:-1])):
        yield c
    if not b.complete:  # a non-member might be an unlisted member: no wrong options to offer
        return
    true_ids = bd.ix.group_members[norm(b.name)]
    rng = bd.rng(fact.id, "member")
    member = rng.choice(b.members)
    wrong = entity_distractors(
        bd.ix,
        fact,
        member,
        true_ids,
        rng,
        kinds=sorted(kinds),
        explicit=fact.distractors,
        refusals=bd.refusals,
    )
    if m := bd.mcq(fact, "member", bd.prompt(fact, "mcq", "member"), member.name, wrong):
        yield m
    outsider = bd.ix.by_name.get(wrong[0]) if wrong else None
    yield bd.true_false(
        fact,
        "member",
        b,
        b if outsider else None,
        true_extra={"member": member},
        false_extra={"member": outsider},
    )


def quote_items(bd: Builder, fact: Fact, b: QuoteFact) -> Iterator[Item]:
    speaker = b.speaker
    holders = bd.ix.quote_speakers[norm(b.text)]
    kinds = ("person",) if speaker.kind == "person" else ("organisation", "country")
    yield from entity_items(
        bd, fact, "speaker", speaker, holders, kinds, lambda e: replace(b, speaker=e)
    )


def entity_items(
    bd: Builder,
    fact: Fact,
    slot: str,
    answer: Entity,
    true_ids: set[str],
    kinds: Sequence[str] | None,
    swap: Callable[[Entity], Any],
) -> Iterator[Item]:
    """The questions whose answer is an entity (a role's person, a quote's speaker): Q&A, short
    answer when there are other accepted names, multiple choice, true/false with a wrong entity
    swapped in by `swap`, and cloze."""
    names = accepted(*answer.names, fact=fact)
    prompt = bd.prompt(fact, "qa", slot)
    yield bd.item(fact, "qa", slot, prompt, answer.name, accepted=names)
    if len(names) > 1:
        yield bd.item(fact, "short", slot, prompt, answer.name, accepted=names)
    wrong = entity_distractors(
        bd.ix,
        fact,
        answer,
        true_ids,
        bd.rng(fact.id, slot),
        kinds=kinds,
        explicit=fact.distractors,
        refusals=bd.refusals,
    )
    if m := bd.mcq(fact, slot, bd.prompt(fact, "mcq", slot), answer.name, wrong):
        yield m
    other = bd.ix.by_name.get(wrong[0]) if wrong else None
    yield bd.true_false(fact, slot, fact.body, swap(other) if other else None)
    if c := bd.cloze(fact, slot):
        yield c


KIND_BUILDERS: dict[type, Callable[[Builder, Fact, Any], Iterator[Item]]] = {
    EventFact: event_items,
    RoleFact: role_items,
    LocationFact: location_items,
    QuantityFact: quantity_items,
    GroupFact: group_items,
    QuoteFact: quote_items,
}


# --- deck-wide items ----------------------------------------------------------------------------

ORDER_SIZE = 4


def deck_items(bd: Builder) -> Iterator[Item]:
    # Claim status is part of the truth: only established facts are compared with each other.
    events = [
        f for f in bd.deck.facts if isinstance(f.body, EventFact) and f.status == "established"
    ]
    yield from order_items(bd, events)
    yield from first_items(bd, events)
    yield from match_items(bd)


def _when(f: Fact) -> FuzzyDate:
    assert isinstance(f.body, EventFact)
    return f.body.when.date


def order_items(bd: Builder, events: list[Fact]) -> Iterator[Item]:
    """Timelines of 3–5 events whose dates are distinguishable at their precision. Groups are
    formed from the chronology alone (not the seed), so their identities are stable."""
    chrono = sorted(events, key=lambda f: (_when(f).sort_key, f.id))
    n_groups = len(chrono) // ORDER_SIZE
    for g in range(n_groups):
        group: list[Fact] = []
        for f in chrono[g::n_groups]:
            # Distinguishable in time and in words ("the election" twice is no question).
            if all(_when(f).distinct_from(_when(o)) and not _same_words(f, o) for o in group):
                group.append(f)
        group = group[:5]
        if len(group) < 3:
            continue
        shown = list(range(len(group)))
        bd.rng(group[0].id, "order").shuffle(shown)
        options = tuple(escape(capfirst(_event_what(group[i]))) for i in shown)
        key = Markup("; ").join(
            Markup("{}. {} ({})").format(
                n + 1, capfirst(_event_what(f)), phrasing.date_label(_event_dated(f))
            )
            for n, f in enumerate(group)
        )
        yield _multi(
            bd,
            group,
            "order",
            "timeline",
            _deck_prompt(bd, "order"),
            key,
            options=options,
            correct=tuple(shown.index(i) for i in range(len(group))),
        )


def first_items(bd: Builder, events: list[Fact]) -> Iterator[Item]:
    """ "Which came first?" for pairs of events a student can tell apart."""
    by_id = sorted(events, key=lambda f: f.id)
    used: set[str] = set()
    for i, a in enumerate(by_id):
        if a.id in used:
            continue
        for j in range(i + 1, len(by_id)):  # not a slice: a copy of the rest for every event
            b = by_id[j]
            if b.id not in used and _when(a).distinct_from(_when(b)) and not _same_words(a, b):
                used |= {a.id, b.id}
                pair = [a, b]
                bd.rng(a.id, "first", b.id).shuffle(pair)
                earliest = min(pair, key=lambda f: _when(f).sort_key)
                key = Markup("{} ({}), before {} ({})").format(
                    capfirst(_event_what(earliest)),
                    phrasing.date_label(_event_dated(earliest)),
                    *(lambda o: (_event_what(o), phrasing.date_label(_event_dated(o))))(
                        pair[1 - pair.index(earliest)]
                    ),
                )
                yield _multi(
                    bd,
                    [a, b],
                    "first",
                    b.id,
                    _deck_prompt(bd, "first"),
                    key,
                    options=tuple(escape(capfirst(_event_what(f))) for f in pair),
                    correct=(pair.index(earliest),),
                )
                break


def _same_words(a: Fact, b: Fact) -> bool:
    return norm(_event_what(a)) == norm(_event_what(b))


def _event_what(f: Fact) -> str:
    assert isinstance(f.body, EventFact)
    return f.body.what


def _event_dated(f: Fact) -> Dated:
    assert isinstance(f.body, EventFact)
    return f.body.when


def match_items(bd: Builder) -> Iterator[Item]:
    ix = bd.ix
    facts = [f for f in bd.deck.facts if f.status == "established"]
    # Only pairs that are one-to-one in the whole deck, so each left item has one right match.
    roles = [
        (f, b.person.name, b.role)
        for f in facts
        if isinstance(b := f.body, RoleFact)
        and len(ix.person_roles[b.person.id]) == 1
        and len(ix.role_holders[norm(b.role)]) == 1
    ]
    places = [
        (f, b.thing, b.places[0].name)
        for f in facts
        if isinstance(b := f.body, LocationFact)
        and len(b.places) == 1
        and len(ix.place_things[b.places[0].id]) == 1
    ]
    yield from _match_sets(bd, "people-roles", roles)
    yield from _match_sets(bd, "things-places", places)
    groups = [(f, b) for f in facts if isinstance(b := f.body, GroupFact) and b.complete]
    if len(groups) >= 2:
        counts: dict[str, int] = defaultdict(int)
        for _, g in groups:
            for m in g.members:
                counts[m.id] += 1
        members = [(f, m.name, g.name) for f, g in groups for m in g.members if counts[m.id] == 1]
        if len({p[2] for p in members}) >= 2:
            yield from _match_sets(bd, "members-groups", members)


def _match_sets(bd: Builder, kind: str, pairs: list[tuple[Fact, str, str]]) -> Iterator[Item]:
    pairs = sorted(pairs, key=lambda p: (p[0].id, p[1]))
    n_sets = max(1, round(len(pairs) / 4)) if len(pairs) >= 3 else 0
    for s in range(n_sets):
        chunk = pairs[s::n_sets][:6]
        if len(chunk) < 3:
            continue
        rights = list(dict.fromkeys(p[2] for p in chunk))
        bd.rng(chunk[0][0].id, "match", kind).shuffle(rights)
        facts = list(dict.fromkeys(p[0] for p in chunk))
        key = Markup("; ").join(Markup("{} — {}").format(capfirst(p[1]), p[2]) for p in chunk)
        # Sets may share their first fact (two sets of one group's members): number them.
        variant = kind if n_sets == 1 else f"{kind}-{s + 1}"
        yield _multi(
            bd,
            facts,
            "match",
            variant,
            _deck_prompt(bd, "match", kind=kind),
            key,
            left=tuple(escape(capfirst(p[1])) for p in chunk),
            options=tuple(escape(capfirst(r)) for r in rights),
            correct=tuple(rights.index(p[2]) for p in chunk),
        )


def _deck_prompt(bd: Builder, qtype: str, **extra: Any) -> Markup:
    ctx = {"deck": bd.deck.info, **extra}
    return Markup(render_block(bd.env, f"questions/deck/{qtype}.j2", qtype, ctx))


def _multi(
    bd: Builder,
    facts: Sequence[Fact],
    qtype: QType,
    variant: str,
    prompt: Markup,
    answer: Markup,
    **kw: Any,
) -> Item:
    anchor = facts[0]
    notes = [escape(f.note) for f in facts if f.note]
    sources = tuple(dict.fromkeys(s for f in facts for s in f.sources))
    item = bd.item(
        anchor, qtype, variant, prompt, answer, fact_ids=tuple(f.id for f in facts), **kw
    )
    sections = {f.section for f in facts}
    tags = tuple(dict.fromkeys(t for f in facts for t in f.tags))
    return replace(
        item,
        explanation=Markup(" ").join(notes),
        sources=sources,
        tags=tags,
        section=anchor.section if len(sections) == 1 else None,
    )
