"""Picking a quiz's questions: filters, clear errors, a deterministic balanced subset."""

from __future__ import annotations

from collections import Counter

import pytest

from quizgen.errors import QuizgenError
from quizgen.generation import generate
from quizgen.generation.item import Item
from quizgen.loading.validate import load_decks
from quizgen.selection import narrow, select
from quizgen.text import plain
from tests.conftest import DATA, SHIPPED_DECK


@pytest.fixture(scope="module")
def items() -> list[Item]:
    return generate(load_decks([str(DATA / "print_long.yaml")])[0])


def is_subsequence(part: list[Item], whole: list[Item]) -> bool:
    it = iter(whole)
    return all(any(x is y for y in it) for x in part)


def test_no_filter_keeps_everything(items: list[Item]) -> None:
    assert narrow(items) == items
    assert select(items, count=len(items)) == items


def test_without_count_a_quiz_of_questions_that_do_not_clash(items: list[Item]) -> None:
    quiz = select(items, seed=2)
    assert quiz == select(items, seed=2) and is_subsequence(quiz, items)
    facts = [f for it in quiz for f in (it.fact_ids or (it.fact_id,))]
    assert len(facts) == len(set(facts))  # no fact asked twice
    assert len(quiz) >= 25 and {"order", "match", "first"} & {it.qtype for it in quiz}
    assert select(quiz, seed=2) == quiz  # a quiz selects itself whole


def test_filters_combine(items: list[Item]) -> None:
    got = narrow(items, types=["mcq", "tf"], sections=["The war years"])
    assert got and all(it.qtype in ("mcq", "tf") and it.section == "The war years" for it in got)
    expected = [it for it in items if it.qtype in ("mcq", "tf") and it.section == "The war years"]
    assert got == expected


def test_tags_keep_items_with_any_of_them(make_deck) -> None:
    deck = make_deck(
        """\
        facts:
          - {id: a, kind: event, what: the first thing, when: '2001', tags: [x], sources: [s1]}
          - {id: b, kind: event, what: the second thing, when: '2005', tags: [y], sources: [s1]}
          - {id: c, kind: event, what: the third thing, when: '2010', tags: [z], sources: [s1]}
        """
    )
    items = generate(deck)
    got = narrow(items, tags=["x", "z"])
    assert {it.fact_id for it in got} == {"a", "c"}
    assert narrow(items, tags=["used-in-another-deck"]) == []  # tags are free-form: no error


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"types": ["mcq", "essay"]}, "unknown question type 'essay'; valid: 'qa', 'reverse'"),
        (
            {"sections": ["Beginnings", "The End", "Nope"]},
            "unknown sections 'The End', 'Nope'; valid: 'Beginnings', 'The war years', "
            "'Aftermath & <legacy>'",
        ),
        ({"count": 0}, "the question count must be at least 1 (got 0)"),
    ],
)
def test_bad_names_are_errors_listing_what_is_valid(
    items: list[Item], kwargs: dict, message: str
) -> None:
    with pytest.raises(QuizgenError) as e:
        select(items, **kwargs)
    assert message in str(e.value)


def test_count_is_deterministic_and_keeps_input_order(items: list[Item]) -> None:
    a = select(items, count=20, seed=4)
    assert len(a) == 20
    assert a == select(items, count=20, seed=4)
    assert a != select(items, count=20, seed=5)
    assert is_subsequence(a, items)
    assert select(items, count=len(items) + 5) == items


def test_count_is_balanced_over_sections(items: list[Item]) -> None:
    sectioned = [it for it in items if it.section]  # 11-12 facts in each of 3 sections
    for count in (2, 3, 9, 20):
        got = Counter(it.section for it in select(sectioned, count=count, seed=1))
        assert sum(got.values()) == count
        assert len(got) == min(count, 3)
        assert max(got.values()) - min(got.values()) <= 1, (count, got)


def test_a_section_out_of_new_facts_leaves_its_share_to_the_others(items: list[Item]) -> None:
    few = [it for it in items if it.fact_id in ("old-bridge", "canal-dug")]  # 2 facts, 10 items
    many = [it for it in items if it.section == "The war years"]
    got = select(few + many, count=12, seed=0)
    assert Counter(it.fact_id in ("old-bridge", "canal-dug") for it in got) == {True: 2, False: 10}
    assert len({it.fact_id for it in got}) == 12
    # With more questions than facts, facts repeat, and the sections take turns again.
    got = select(few + many, count=len(few + many) - 2, seed=0)
    assert len(got) == len(few + many) - 2


def test_a_small_section_gives_what_it_has_and_the_rest_share(items: list[Item]) -> None:
    few = [it for it in items if it.section is None][:2]
    many = [it for it in items if it.section == "Beginnings"]
    got = Counter(it.section for it in select(few + many, count=12, seed=0))
    assert got == {None: 2, "Beginnings": 10}


def test_count_prefers_different_facts_and_mixed_types(items: list[Item]) -> None:
    for seed in range(5):
        got = select(items, count=25, seed=seed)
        facts = [f for it in got for f in (it.fact_ids or (it.fact_id,))]
        singles = [it.fact_id for it in got if len(it.fact_ids) <= 1]
        assert len(set(singles)) == len(singles), "a fact asked twice while others were free"
        assert len(set(facts)) >= 25
        assert len({it.qtype for it in got}) >= 5


def test_no_question_names_another_ones_answer(make_deck) -> None:
    deck = make_deck(
        """\
        entities:
          lav: {name: Sergey Lavrov, kind: person}
          pat: {name: Pat Doe, kind: person}
          kim: {name: Kim Roe, kind: person}
          moscow: {name: Moscow, kind: city}
        facts:
          - {id: says, kind: event, what: the refusal of the invitation, when: 2015-10,
             status: attributed, claimed_by: Sergey Lavrov, sources: [s1]}
          - {id: minister, kind: role, person: lav, role: foreign minister, sources: [s1]}
          - {id: other, kind: role, person: pat, role: chief of the things, sources: [s1]}
          - {id: third, kind: role, person: kim, role: keeper of the keys, sources: [s1]}
        """
    )
    items = [it for it in generate(deck) if it.qtype in ("qa", "cloze")]
    lavrov_asked = [it for it in items if plain(it.answer) == "Sergey Lavrov"]
    lavrov_named = [it for it in items if "Sergey Lavrov" in plain(it.prompt)]
    assert lavrov_asked and lavrov_named
    for seed in range(10):
        got = select(items, count=3, seed=seed)
        assert not (set(got) & set(lavrov_asked) and set(got) & set(lavrov_named)), seed


def test_no_name_answers_part_of_another_answer(make_deck) -> None:
    deck = make_deck(
        """\
        entities:
          dam: {name: Damascus, kind: city}
          bag: {name: Baghdad, kind: city}
        facts:
          - {id: rooms, kind: location, thing: the operation rooms, places: [dam, bag],
             sources: [s1]}
          - {id: zone, kind: location, thing: the Green Zone, places: [bag], sources: [s1]}
          - {id: a, kind: event, what: the first thing, when: '2015', sources: [s1]}
          - {id: b, kind: event, what: the second thing, when: '2015-06', sources: [s1]}
        """
    )
    items = [it for it in generate(deck) if it.qtype == "qa"]
    both = next(it for it in items if plain(it.answer) == "Damascus and Baghdad")
    zone = next(it for it in items if it.fact_id == "zone")
    assert plain(zone.answer) == "Baghdad"
    for seed in range(10):
        got = select([both, zone, *[it for it in items if it.fact_id in "ab"]], seed=seed)
        assert not (both in got and zone in got), seed
        assert len(got) == 3  # "2015" may answer two questions: dates give nothing away


def test_shipped_deck_quiz_of_twenty(items: list[Item]) -> None:
    shipped = generate(load_decks([str(SHIPPED_DECK)])[0])
    got = select(shipped, count=20, seed=0)
    assert len({it.fact_id for it in got}) == 20
    assert len({it.section for it in got}) == len({it.section for it in shipped})


def _clashes_by_substring(chosen: list[Item], item: Item) -> bool:
    """The clash rule stated directly (the way select() once tested it, in quadratic time):
    shared fact, an answer inside another question's text either way, a name inside another
    name. select() indexes answers in a word trie instead; both must agree."""
    from quizgen.selection import _answers, _facts, _is_name, norm

    def padded(text: str) -> str:
        return f" {text} "

    if {f for c in chosen for f in _facts(c)} & set(_facts(item)):
        return True
    mine, stem = _answers(item), norm(plain(item.prompt))
    for c in chosen:
        theirs, their_stem = _answers(c), norm(plain(c.prompt))
        if any(padded(a) in padded(their_stem) for a in mine):
            return True
        if any(padded(a) in padded(stem) for a in theirs):
            return True
        my_names = [a for a in mine if _is_name(a)]
        their_names = [a for a in theirs if _is_name(a)]
        if any(padded(a) in padded(b) for a in my_names for b in their_names):
            return True
        if any(padded(b) in padded(a) for a in my_names for b in their_names):
            return True
    return False


@pytest.mark.parametrize("deck", [SHIPPED_DECK, DATA / "print_long.yaml", DATA / "small.yaml"])
def test_indexed_clash_test_agrees_with_the_plain_rule(deck) -> None:
    import random

    from quizgen.selection import _Chosen

    everything = generate(load_decks([str(deck)])[0])
    for seed in range(5):
        order = list(range(len(everything)))
        random.Random(seed).shuffle(order)
        quiz, chosen = _Chosen(everything), []
        for i in order:
            expected = _clashes_by_substring(chosen, everything[i])
            assert quiz.clashes(i) == expected, everything[i].uid
            if not expected or seed % 2:  # odd seeds also take clashing items
                quiz.add(i)
                chosen.append(everything[i])
