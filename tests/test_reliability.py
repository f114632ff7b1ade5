"""Hostile fact text and generated decks, from YAML to questions: text is never run as a
template or as HTML, and nothing raises but quizgen's own error."""

from __future__ import annotations

import string
from typing import Any

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from quizgen.dates import Point
from quizgen.errors import QuizgenError
from quizgen.generation import Item, generate
from quizgen.loading.validate import read_deck
from quizgen.model import Deck
from quizgen.text import Markup, plain
from tests.conftest import DATA

HOSTILE = [
    "<script>alert('x')</script>",
    "{{ 7*7 }}",
    "{% for i in range(3) %}loop{% endfor %}",
    "{# a comment #}",
    "{{ self.__init__.__globals__ }}",
    "{{c1::hidden}}",  # Anki cloze syntax
    "<img src=x onerror=alert(1)>",
    "</textarea><b>bold</b>",
    "a & b < c > d \"q\" 'a'",
    "&amp; &lt;not a tag&gt;",
]


def hostile_deck() -> Deck:
    deck, problems = read_deck(str(DATA / "good_hostile_text.yaml"))
    assert deck is not None, problems
    return deck


def all_text(item: Item) -> list[Markup]:
    return [
        item.prompt,
        item.answer,
        *item.options,
        *item.left,
        *(item.cloze or ()),
        item.explanation,
        item.claim,
    ]


def test_hostile_text_loads_verbatim() -> None:
    deck = hostile_deck()
    names = {e.name for e in deck.entities.values()}
    assert set(HOSTILE) <= names | {f.note for f in deck.facts} | {
        getattr(f.body, "what", "") for f in deck.facts
    }


def test_hostile_text_is_escaped_and_never_rendered_in_questions() -> None:
    items = generate(hostile_deck())
    assert len(items) > 20
    seen: set[str] = set()
    for item in items:
        for text in all_text(item):
            assert isinstance(text, Markup)
            html = str(text)
            # No live markup from fact text: every < and > from the deck arrives escaped.
            assert "<script" not in html and "<img" not in html and "<b>" not in html
            assert "</textarea" not in html
            readable = plain(text)
            # Never evaluated: no 49 from {{ 7*7 }}, no loop output, comments kept.
            assert "49" not in readable and "looploop" not in readable
            seen.update(h for h in HOSTILE if h in readable)
    # Each hostile string reaches some question as the literal text the author wrote.
    assert seen >= {h for h in HOSTILE if h != "&amp; &lt;not a tag&gt;"}


def test_two_events_that_read_the_same_are_never_options_of_one_question() -> None:
    # "Which came first? The election / The election": two events with the same description
    # (an election in 2012 and another in 2016) must not be offered side by side.
    text = """\
deck: {id: same, title: Same words}
sources: {s: {title: S}}
facts:
  - {id: a, kind: event, what: the election, when: "2012", sources: [s]}
  - {id: b, kind: event, what: the election, when: "2016", sources: [s]}
  - {id: c, kind: event, what: The Election, when: "2020", sources: [s]}
  - {id: d, kind: event, what: the treaty, when: "2014", sources: [s]}
"""
    deck, problems = read_deck("same.yaml", text.encode())
    assert deck is not None, problems
    for item in generate(deck):
        if item.qtype in ("first", "order", "mcq"):
            readable = [plain(o).casefold() for o in item.options]
            assert len(set(readable)) == len(readable), (item.qtype, readable)


def test_every_match_set_has_its_own_identity() -> None:
    # Two coalitions of three members each give two "match each member to its group" sets; they
    # must not share a uid (Anki GUIDs derive from it: one note would replace the other).
    text = b"""\
deck: {id: groups, title: Groups}
sources: {s: {title: S}}
entities:
  russia: {name: Russia, kind: country}
  syria: {name: Syria, kind: country}
  iran: {name: Iran, kind: country}
  usa: {name: United States, kind: country}
  uk: {name: United Kingdom, kind: country}
  france: {name: France, kind: country}
facts:
  - {id: a, kind: group, name: the 4+1 coalition, members: [russia, syria, iran], sources: [s]}
  - {id: b, kind: group, name: the western coalition, members: [usa, uk, france], sources: [s]}
"""
    deck, problems = read_deck("groups.yaml", text)
    assert deck is not None, problems
    items = generate(deck)
    assert len([it for it in items if it.qtype == "match"]) == 2
    uids = [it.uid for it in items]
    assert len(set(uids)) == len(uids), sorted(uids)


# --- generated decks ----------------------------------------------------------------------------

TEXT = st.text(
    alphabet=st.characters(codec="utf-8", exclude_categories=("Cs", "Cc", "Co", "Cn", "Zl", "Zp")),
    min_size=1,
    max_size=24,
).filter(lambda s: s.strip())
WORDS = st.sampled_from(
    [*HOSTILE, "Damascus", "Дамаск", "دمشق", "Bağdat", "Tehrān", "Москва", "Zürich", "x", "1.10"]
)
NAME = TEXT | WORDS
SLUGS = st.text(alphabet=string.ascii_lowercase + string.digits, min_size=1, max_size=6)
ENTITY_KINDS = ["person", "country", "city", "region", "place", "organisation", "other"]


@st.composite
def dates(draw: st.DrawFn) -> str:
    year = draw(st.integers(1800, 2030))
    point = Point(
        year,
        draw(st.none() | st.integers(1, 12)),
        None,
        draw(st.booleans()),
        draw(st.booleans()),
    )
    text = point.edtf()
    if draw(st.integers(0, 4)) == 0:  # sometimes an interval
        text = f"{text}/{year + draw(st.integers(0, 5))}"
    return text


@st.composite
def decks(draw: st.DrawFn) -> dict[str, Any]:
    ids = draw(st.lists(SLUGS, min_size=3, max_size=10, unique=True))
    kinds = {i: draw(st.sampled_from(ENTITY_KINDS)) for i in ids}
    entities = {i: {"name": draw(NAME), "kind": k} for i, k in kinds.items()}
    people = [i for i, k in kinds.items() if k == "person"]
    places = [i for i, k in kinds.items() if k in ("country", "city", "region", "place")]
    speakers = [i for i, k in kinds.items() if k in ("person", "organisation", "country")]
    facts: list[dict[str, Any]] = []
    whats: set[str] = set()
    for n in range(draw(st.integers(1, 12))):
        fact: dict[str, Any] = {"id": f"f{n}", "sources": ["s"]}
        kind = draw(st.sampled_from(["event", "role", "location", "quantity", "group", "quote"]))
        if (kind == "role" and not people) or (kind == "location" and not places):
            kind = "event"
        if kind == "quote" and not speakers:
            kind = "quantity"
        fact["kind"] = kind
        if kind == "event":
            # Distinct texts: events that read the same are a known generator bug, pinned down
            # by test_two_events_that_read_the_same_are_never_options_of_one_question.
            what = draw(NAME.filter(lambda w: w.strip().lower() not in whats))
            whats.add(what.strip().lower())
            fact.update(what=what, when=draw(dates()))
            if places and draw(st.booleans()):
                fact["where"] = draw(st.sampled_from(places))
        elif kind == "role":
            fact.update(person=draw(st.sampled_from(people)), role=draw(NAME))
        elif kind == "location":
            fact.update(
                thing=draw(NAME),
                places=draw(st.lists(st.sampled_from(places), min_size=1, max_size=2, unique=True)),
            )
        elif kind == "quantity":
            fact.update(
                what=draw(NAME),
                value=str(draw(st.integers(-(10**12), 10**12) | st.decimals(-1e6, 1e6, places=2))),
                bound=draw(st.sampled_from(["exact", "about", "more_than", "at_most"])),
            )
        elif kind == "group":
            fact.update(
                name=draw(NAME),
                members=draw(st.lists(st.sampled_from(ids), min_size=2, max_size=4, unique=True)),
            )
        else:
            fact.update(speaker=draw(st.sampled_from(speakers)), text=draw(NAME))
        if draw(st.booleans()):
            fact["note"] = draw(NAME)
        if draw(st.integers(0, 3)) == 0:
            fact.update(status="disputed", claimed_by=draw(NAME), denied_by=draw(NAME))
        if draw(st.booleans()):
            fact["section"] = draw(st.sampled_from(["One", "Два", "<b>3</b>"]))
        facts.append(fact)
    return {
        "deck": {"id": "gen", "title": draw(NAME)},
        "sources": {"s": {"title": draw(NAME)}},
        "entities": entities,
        "facts": facts,
    }


def well_formed(item: Item) -> None:
    assert isinstance(item.prompt, Markup) and plain(item.prompt).strip(), item
    assert isinstance(item.answer, Markup) and plain(item.answer).strip(), item
    assert all(isinstance(t, Markup) for t in all_text(item))
    n = len(item.options)
    if item.qtype in ("mcq", "first", "tf"):
        assert n >= 2 and len(item.correct) == 1 and 0 <= item.correct[0] < n, item
        assert len({plain(o) for o in item.options}) == n, item  # no option twice
    if item.qtype == "order":
        assert sorted(item.correct) == list(range(n)), item
    if item.qtype == "match":
        assert len(item.correct) == len(item.left) and all(0 <= c < n for c in item.correct)
    if item.qtype == "cloze":
        assert item.cloze is not None and plain(item.cloze[1]).strip(), item
    assert item.sources and item.fact_ids and item.fact_ids[0] == item.fact_id


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(decks(), st.integers(0, 2**32))
def test_generated_decks_give_well_formed_questions_or_our_error(
    tree: dict[str, Any], seed: int
) -> None:
    text = yaml.safe_dump(tree, allow_unicode=True, sort_keys=False)
    deck, problems = read_deck("gen.yaml", text.encode("utf-8"))
    if deck is None:  # a generated deck may break a rule (e.g. a group naming its members)
        assert problems
        return
    try:
        items = generate(deck, seed=seed)
    except QuizgenError:
        return
    for item in items:
        well_formed(item)
    assert len({it.uid for it in items}) == len(items)
    assert generate(deck, seed=seed) == items  # deterministic
