"""Question generation: every kind and type, distractor traps, determinism, identity, escaping."""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import replace

import pytest

from quizgen.dates import parse_date
from quizgen.generation import generate, generate_with_refusals
from quizgen.generation.distractors import _blurred
from quizgen.model import Deck
from quizgen.text import plain

CITIES = """\
entities:
  damascus: {name: Damascus, kind: city}
  baghdad: {name: Baghdad, kind: city}
  beirut: {name: Beirut, kind: city}
  tehran: {name: Tehran, kind: city}
  moscow: {name: Moscow, kind: city, aliases: [Moskva]}
  moskva-city: {name: Moskva, kind: city}
  amman: {name: Amman, kind: city}
"""


def by_uid(items):
    return {it.uid: it for it in items}


def test_each_kind_yields_its_question_types(small_deck: Deck) -> None:
    items = generate(small_deck)
    types_by_fact: dict[str, set[str]] = {}
    for it in items:
        for fid in it.fact_ids:
            types_by_fact.setdefault(fid, set()).add(it.qtype)
    assert {"qa", "reverse", "mcq", "tf", "cloze"} <= types_by_fact["agreement"]  # event
    assert {"qa", "short", "mcq", "tf", "cloze", "reverse"} <= types_by_fact["quds"]  # role
    assert {"qa", "mcq", "tf"} <= types_by_fact["rooms"]  # location
    # "_____ was home to the operation rooms" would have two right answers (Damascus, Baghdad).
    assert "cloze" not in types_by_fact["rooms"]
    assert {"qa", "short", "mcq", "cloze"} <= types_by_fact["killed"]  # quantity
    assert {"qa", "mcq", "tf", "cloze"} <= types_by_fact["quote"]  # quote
    assert {it.qtype for it in items} >= {"order", "first", "match"}  # deck-wide


def test_item_shapes_are_well_formed(small_deck: Deck) -> None:
    for it in generate(small_deck):
        assert plain(it.prompt).strip() and plain(it.answer).strip(), it.uid
        if it.qtype in ("mcq", "first"):
            assert 2 <= len(it.options) <= 5 and len(it.correct) == 1
            assert 0 <= it.correct[0] < len(it.options)
        if it.qtype == "mcq":
            assert len(it.options) >= 3
        if it.qtype == "tf":
            assert [plain(o) for o in it.options] == ["True", "False"]
        if it.qtype == "order":
            assert 3 <= len(it.options) <= 5
            assert sorted(it.correct) == list(range(len(it.options)))
        if it.qtype == "match":
            assert len(it.correct) == len(it.left) >= 3
            assert all(0 <= c < len(it.options) for c in it.correct)
        if it.qtype == "cloze":
            assert it.cloze is not None and it.cloze[1] and "_____" in plain(it.prompt)


def test_group_with_members_in_its_name_is_not_asked(small_deck: Deck) -> None:
    _, refusals = generate_with_refusals(small_deck)
    assert any(r.fact.id == "members" and r.code == "answer-leaked" for r in refusals)


def test_event_where_question_skipped_when_what_names_the_place(small_deck: Deck) -> None:
    items, refusals = generate_with_refusals(small_deck)
    assert "small/moscow-visit/mcq/where" not in by_uid(items)
    assert any(r.fact.id == "moscow-visit" and "Moscow" in r.message for r in refusals)


def test_true_distractor_never_offered(make_deck) -> None:
    """Both Damascus and Baghdad had operation rooms: neither is a wrong option for the other."""
    deck = make_deck(
        CITIES
        + """\
facts:
  - id: rooms
    kind: location
    thing: the operation rooms
    places: [damascus, baghdad]
    sources: [s1]
"""
    )
    for seed in range(30):
        items = by_uid(generate(deck, seed=seed))
        for place, other in (("damascus", "Baghdad"), ("baghdad", "Damascus")):
            mcq = items[f"t/rooms/mcq/place-{place}"]
            options = [plain(o) for o in mcq.options]
            assert options.count(other) == 0, (seed, options)
            assert f"Besides {other}" in plain(mcq.prompt)


def test_true_distractor_from_another_fact_is_never_offered(make_deck) -> None:
    """Two facts about the same thing in different cities: each city is true for the question."""
    deck = make_deck(
        CITIES
        + """\
facts:
  - id: room-a
    kind: location
    thing: the operation rooms
    places: [damascus]
    sources: [s1]
  - id: room-b
    kind: location
    thing: the operation rooms
    places: [baghdad]
    sources: [s1]
"""
    )
    for seed in range(20):
        for it in generate(deck, seed=seed):
            if it.qtype == "mcq":
                options = [plain(o) for o in it.options]
                assert sum(o in ("Damascus", "Baghdad") for o in options) == 1, options


def test_alias_of_the_answer_is_never_a_distractor(make_deck) -> None:
    """`moskva-city` is named like Moscow's alias: offering it would offer the answer again."""
    deck = make_deck(
        CITIES
        + """\
facts:
  - id: hq
    kind: location
    thing: the headquarters
    places: [moscow]
    distractors: [Moskva, Beirut]
    sources: [s1]
"""
    )
    items, refusals = generate_with_refusals(deck)
    mcq = by_uid(items)["t/hq/mcq/place"]
    options = [plain(o) for o in mcq.options]
    assert "Moskva" not in options and "Moscow" in options and "Beirut" in options
    assert any(r.code == "true-distractor" and "Moskva" in r.message for r in refusals)


def test_date_distractors_keep_the_answer_precision(make_deck) -> None:
    deck = make_deck("""\
facts:
  - {id: a, kind: event, what: the first thing, when: 2015-07, sources: [s1],
     distractors: ["2015-03-12", "2015-11", "2016"]}
  - {id: b, kind: event, what: the second thing, when: 2015-09-30, sources: [s1]}
  - {id: c, kind: event, what: the third thing, when: "2011", sources: [s1]}
""")
    items, refusals = generate_with_refusals(deck)
    got = by_uid(items)
    assert [plain(o) for o in got["t/a/mcq/when"].options].count("November 2015") == 1
    assert {r.code for r in refusals if r.fact.id == "a"} == {"precision-mismatch"}
    for seed in range(20):
        for it in generate(deck, seed=seed):
            if it.qtype == "mcq":
                words = {len(plain(o).split()) for o in it.options}
                assert len(words) == 1, [plain(o) for o in it.options]  # 1, 2 or 3 words each


def test_approximate_dates_get_clearly_distinct_distractors(make_deck) -> None:
    deck = make_deck("""\
facts:
  - {id: a, kind: event, what: the thing, when: 2015-07~, sources: [s1]}
""")
    from quizgen.dates import MONTHS, parse_date

    for seed in range(10):
        mcq = by_uid(generate(deck, seed=seed))["t/a/mcq/when"]
        for option in (plain(o) for o in mcq.options if plain(o) != "July 2015"):
            month, year = option.split()
            wrong = parse_date(f"{year}-{MONTHS.index(month) + 1:02d}")
            assert wrong.distinct_from(parse_date("2015-07~")), option


def test_disputed_fact_is_asked_with_its_attribution(small_deck: Deck) -> None:
    items = [it for it in generate(small_deck) if it.fact_id == "moscow-visit"]
    assert items
    for it in items:
        assert plain(it.prompt).startswith("According to Reuters"), plain(it.prompt)
        assert "denied by Russian officials" in plain(it.claim)


def test_bounded_figure_gets_no_true_false(small_deck: Deck) -> None:
    """'More than 250,000' has no safely false twin ('more than 100,000' is true as well)."""
    assert not [it for it in generate(small_deck) if it.fact_id == "killed" and it.qtype == "tf"]


def test_too_few_candidates_means_no_multiple_choice(make_deck) -> None:
    deck = make_deck("""\
entities:
  x: {name: Xavier Lone, kind: person}
  y: {name: Yolanda Other, kind: person}
facts:
  - {id: r, kind: role, person: x, role: the only chief, as_of: "2015", sources: [s1]}
""")
    items, refusals = generate_with_refusals(deck)
    assert "t/r/mcq/who" not in by_uid(items)
    assert "t/r/qa/who" in by_uid(items)
    assert any(r.code == "few-distractors" for r in refusals)


def test_shared_role_is_not_asked_as_who(make_deck) -> None:
    """Two people held 'adviser': 'Who was adviser?' would have two answers."""
    deck = make_deck("""\
entities:
  x: {name: Xavier Lone, kind: person}
  y: {name: Yolanda Other, kind: person}
facts:
  - {id: rx, kind: role, person: x, role: adviser, as_of: "2015", sources: [s1]}
  - {id: ry, kind: role, person: y, role: adviser, as_of: "2015", sources: [s1]}
""")
    items = by_uid(generate(deck))
    assert "t/rx/qa/who" not in items and "t/ry/qa/who" not in items
    assert "t/rx/reverse/role" in items


def test_ordering_uses_distinguishable_dates(make_deck) -> None:
    deck = make_deck("""\
facts:
  - {id: a, kind: event, what: event a, when: 2015-09, sources: [s1]}
  - {id: b, kind: event, what: event b, when: 2015-09-30, sources: [s1]}
  - {id: c, kind: event, what: event c, when: "2011", sources: [s1]}
  - {id: d, kind: event, what: event d, when: "1979", sources: [s1]}
  - {id: e, kind: event, what: event e, when: 2016-07, sources: [s1]}
""")
    for it in generate(deck):
        if it.qtype in ("order", "first"):
            assert not {"a", "b"} <= set(it.fact_ids), it.uid


def test_ordering_key_is_chronological(small_deck: Deck) -> None:
    from quizgen.model import EventFact

    facts = {f.id: f for f in small_deck.facts}
    for it in generate(small_deck, seed=3):
        if it.qtype == "order":
            shown = [plain(o) for o in it.options]
            ordered = [shown[i] for i in it.correct]
            whens = []
            for text in ordered:
                fact = next(
                    f
                    for f in facts.values()
                    if isinstance(f.body, EventFact) and f.body.what.lower() == text.lower()
                )
                whens.append(fact.body.when.date.sort_key)
            assert whens == sorted(whens)


def test_same_seed_same_items_and_other_seed_shuffles(small_deck: Deck) -> None:
    a, b = generate(small_deck, seed=7), generate(small_deck, seed=7)
    assert a == b
    c = generate(small_deck, seed=8)
    assert [it.uid for it in a] == [it.uid for it in c]  # same questions…
    assert [it.options for it in a] != [it.options for it in c]  # …options shuffled differently


def test_identity_survives_text_edits(small_deck: Deck) -> None:
    from quizgen.model import EventFact

    edited_facts = tuple(
        replace(f, body=replace(f.body, what=f.body.what + " (revised)"), note="new note")
        if isinstance(f.body, EventFact)
        else f
        for f in small_deck.facts
    )
    edited = replace(small_deck, facts=edited_facts)
    before = [it.uid for it in generate(small_deck)]
    after = [it.uid for it in generate(edited)]
    assert before == after
    assert len(set(before)) == len(before), Counter(before).most_common(3)


def test_fact_text_is_escaped_and_never_run_as_a_template(make_deck) -> None:
    deck = make_deck("""\
facts:
  - {id: x, kind: event, what: "<script>alert(1)</script> & {{ 7*7 }} {% if x %}", when: "2015",
     sources: [s1], note: "A & B <b>"}
  - {id: y, kind: event, what: another event, when: "2011", sources: [s1]}
""")
    items = by_uid(generate(deck))
    qa = items["t/x/qa/when"]
    assert "<script>" not in qa.prompt and "&lt;script&gt;" in qa.prompt
    assert "&amp;" in qa.prompt
    assert "<script>alert(1)</script> & {{ 7*7 }} {% if x %}" in plain(qa.prompt)
    assert plain(qa.explanation) == "A & B <b>" and "<b>" not in qa.explanation


def test_attributed_and_established_phrasing(make_deck) -> None:
    deck = make_deck("""\
entities:
  x: {name: Xavier Lone, kind: person}
facts:
  - {id: q, kind: quote, speaker: x, text: We will win., when: 2014-04, sources: [s1],
     status: attributed, claimed_by: The Daily Star}
""")
    for it in generate(deck):
        if it.fact_id == "q":
            assert plain(it.prompt).startswith("According to The Daily Star, "), plain(it.prompt)
            assert plain(it.claim) == "Reported by The Daily Star."


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_mcq_has_one_right_answer_in_range(small_deck: Deck, seed: int) -> None:
    for it in generate(small_deck, seed=seed):
        if it.qtype == "mcq":
            texts = [plain(o) for o in it.options]
            assert len(set(texts)) == len(texts)
            assert plain(it.options[it.correct[0]]) in plain(it.answer) or it.fact_id in (
                "agreement",
                "protests",
            )  # date answers read as the author's date_text


def test_blurred_dates_are_those_some_other_event_date_overlaps() -> None:
    # The index scans distinct dates only (a large deck repeats months and years); it must find
    # exactly what comparing every pair of events finds.
    rng = random.Random(5)
    forms = ["{y}", "{y}-{m:02d}", "{y}-{m:02d}-{d:02d}", "{y}-{m:02d}~", "{y}?", "{y}/{y2}"]
    cases = [["2015-03-01", "2015-03-01", "1990"]]  # two events, one day: they blur
    for _ in range(60):
        texts = []
        first = rng.choice((1900, 2010))  # sparse and dense
        for _ in range(rng.randrange(2, 60)):
            y = rng.randrange(first, 2016)
            form = rng.choice(forms)
            texts.append(
                form.format(
                    y=y, y2=y + rng.randrange(1, 3), m=rng.randrange(1, 13), d=rng.randrange(1, 29)
                )
            )
        cases.append(texts)
    for texts in cases:
        dates = sorted((parse_date(t) for t in texts), key=lambda d: d.sort_key)
        pairwise = {
            d
            for i, d in enumerate(dates)
            for j, other in enumerate(dates)
            if i != j and not d.distinct_from(other)
        }
        assert _blurred(dates) == pairwise, texts
