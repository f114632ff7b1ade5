"""The quiz export without a browser: shuffling keeps every answer right, versions are stable and
distinct, bad options are refused, writes are atomic, templates can be overridden."""

from __future__ import annotations

import os
import random
from pathlib import Path

import pytest

from quizgen.errors import QuizgenError, TemplateError
from quizgen.export.html import (
    GENERAL,
    group_by_section,
    shuffle_options,
    versions_of,
    write_quiz,
)
from quizgen.generation import generate
from quizgen.generation.item import QTYPES, Item
from quizgen.loading.validate import load_decks
from quizgen.model import Deck
from quizgen.templating import PACKAGE_TEMPLATES, make_env, search_path
from quizgen.text import Markup, escape, plain
from tests.conftest import DATA

M = Markup


@pytest.fixture(scope="module")
def deck() -> Deck:
    return load_decks([str(DATA / "print_long.yaml")])[0]


def one_of_each(deck: Deck) -> list[Item]:
    """One hand-built item of every question type, on the fixture deck's facts, with a `<tag>`
    and an `&` in the text to show that exports keep the escaping."""
    facts = {f.id: f for f in deck.facts}

    def item(fact_id: str, qtype: str, **kw: object) -> Item:
        f = facts[fact_id]
        base: dict[str, object] = {
            "deck_id": deck.info.id,
            "fact_id": f.id,
            "qtype": qtype,
            "variant": "hand",
            "prompt": M("Prompt &lt;b&gt; &amp; ") + escape(qtype),
            "answer": M("Answer ") + escape(qtype),
            "sources": f.sources,
            "section": f.section,
            "fact_ids": (f.id,),
        }
        return Item(**{**base, **kw})  # type: ignore[arg-type]

    opts = (M("Alpha"), M("Beta &amp; Co"), M("Gamma"), M("Delta"))
    return [
        item("old-bridge", "qa", accepted=("1887", "the year 1887")),
        item("canal-dug", "reverse"),
        item(
            "flood-1901",
            "cloze",
            cloze=(M("The flood came "), M("in April 1901"), M(".")),
            prompt=M("The flood came _____."),
        ),
        item("first-engineer", "mcq", options=opts, correct=(2,)),
        item("mayor-north", "tf", options=(M("True"), M("False")), correct=(1,)),
        item(
            "iron-bridge",
            "order",
            section=None,
            options=(M("Third"), M("First"), M("Fourth"), M("Second")),
            correct=(1, 3, 0, 2),
            fact_ids=("iron-bridge", "rebuild", "new-bridge", "tunnel"),
        ),
        item("rebuild", "first", section=None, options=(M("Later"), M("Earlier")), correct=(1,)),
        item(
            "war-engineer",
            "match",
            section=None,
            left=(M("Cleo"), M("Dan"), M("Hana")),
            options=(M("minister"), M("engineer (bridge)"), M("engineer (pontoons)")),
            correct=(1, 2, 0),
        ),
        item("crossings", "short", accepted=("12,000", "12000")),
    ]


def right_answer(it: Item) -> object:
    """What is right about an item, independent of the order its options are shown in."""
    if it.qtype in ("mcq", "first", "tf"):
        return it.options[it.correct[0]]
    if it.qtype == "order":
        return [it.options[c] for c in it.correct]
    if it.qtype == "match":
        return {left: it.options[c] for left, c in zip(it.left, it.correct, strict=True)}
    return it.answer


def test_hand_built_items_cover_every_type(deck: Deck) -> None:
    assert {it.qtype for it in one_of_each(deck)} == set(QTYPES)


@pytest.mark.parametrize("seed", range(40))
def test_shuffling_keeps_every_answer_right(deck: Deck, seed: int) -> None:
    for it in one_of_each(deck):
        shuffled = shuffle_options(it, random.Random(seed))
        assert right_answer(shuffled) == right_answer(it)
        assert sorted(shuffled.options) == sorted(it.options)
        assert sorted(shuffled.left) == sorted(it.left)
        if it.qtype == "order":  # never printed already in the right order
            assert list(shuffled.correct) != sorted(shuffled.correct)
        if it.qtype == "match":  # never every pair side by side
            assert any(c != i for i, c in enumerate(shuffled.correct))
        if it.qtype == "tf":
            assert shuffled.options == (M("True"), M("False"))


def test_versions_are_stable_distinct_and_consistent(deck: Deck) -> None:
    items = generate(deck)
    a = versions_of(deck, items, seed=5, letters="ABC")
    assert a == versions_of(deck, items, seed=5, letters="ABC")
    assert a != versions_of(deck, items, seed=6, letters="ABC")
    orders = [[q.item.uid for s in v for q in s.questions] for v in a]
    assert len({tuple(o) for o in orders}) == 3
    by_uid = {it.uid: it for it in items}
    for version in a:
        numbers = [q.number for s in version for q in s.questions]
        assert numbers == list(range(1, len(items) + 1))
        for s in version:
            for q in s.questions:
                assert right_answer(q.item) == right_answer(by_uid[q.item.uid])
                assert q.item.section == by_uid[q.item.uid].section
    # Version A is the same whether or not B and C are made.
    assert versions_of(deck, items, seed=5, letters="A")[0] == a[0]


def test_one_items_shuffle_does_not_depend_on_the_others(deck: Deck) -> None:
    items = generate(deck)
    full = versions_of(deck, items, seed=1, letters="AB")
    fewer = versions_of(deck, items[1:], seed=1, letters="AB")

    def options(version: list) -> dict[str, tuple]:
        return {q.item.uid: q.item.options for s in version for q in s.questions}

    for v_full, v_fewer in zip(full, fewer, strict=True):
        a, b = options(v_full), options(v_fewer)
        assert all(a[uid] == opts for uid, opts in b.items())


def test_sections_follow_the_deck_and_general_comes_last(deck: Deck) -> None:
    items = one_of_each(deck)
    titles = [t for t, _ in group_by_section(deck, items)]
    assert titles == ["Beginnings", "The war years", GENERAL]
    unsectioned = [it for it in items if it.section is None]
    assert [t for t, _ in group_by_section(deck, unsectioned)] == [None]


def test_hand_built_quiz_renders_every_layout(deck: Deck, tmp_path: Path) -> None:
    items = one_of_each(deck)
    [path] = write_quiz(deck, items, str(tmp_path), seed=2, count=len(items))
    html = Path(path).read_text(encoding="utf-8")
    for cls in ("q-qa", "q-reverse", "q-cloze", "q-mcq", "q-tf", "q-order", "q-first"):
        assert f'class="question {cls}"' in html
    assert 'class="match-left"' in html and html.count('class="slot"') == 4
    assert "Prompt &lt;b&gt; &amp; mcq" in html and "Beta &amp; Co" in html
    assert "Also accept: 1887; the year 1887" in html
    assert "Also accept: 12,000; 12000" in html
    # 1 (mcq, tf, first, cloze) + 2 (qa, reverse, short, order) + 3 (match pairs) = 4 + 8 + 3
    assert "/ 15</span>" in html


def test_bad_options_are_refused(deck: Deck, tmp_path: Path) -> None:
    items = one_of_each(deck)
    with pytest.raises(QuizgenError, match=r"paper size 'a5'; valid: a4, letter"):
        write_quiz(deck, items, str(tmp_path), paper="a5")
    with pytest.raises(QuizgenError, match="versions must be between 1 and 26"):
        write_quiz(deck, items, str(tmp_path), versions=0)
    with pytest.raises(QuizgenError, match="versions must be between 1 and 26"):
        write_quiz(deck, items, str(tmp_path), versions=27)
    with pytest.raises(QuizgenError, match="no questions"):
        write_quiz(deck, [], str(tmp_path))
    assert not list(tmp_path.iterdir())


def test_letter_paper_and_file_names(deck: Deck, tmp_path: Path) -> None:
    items = one_of_each(deck)
    assert write_quiz(deck, items, str(tmp_path), paper="Letter") == [str(tmp_path / "quiz.html")]
    assert "size: letter;" in (tmp_path / "quiz.html").read_text(encoding="utf-8")
    paths = write_quiz(deck, items, str(tmp_path), versions=3)
    assert paths == [str(tmp_path / f"quiz-{x}.html") for x in "ABC"]
    assert "size: A4;" in (tmp_path / "quiz-B.html").read_text(encoding="utf-8")


def test_same_input_same_bytes(deck: Deck, tmp_path: Path) -> None:
    items = generate(deck)
    write_quiz(deck, items, str(tmp_path / "1"), seed=3, versions=2)
    write_quiz(deck, items, str(tmp_path / "2"), seed=3, versions=2)
    for name in ("quiz-A.html", "quiz-B.html"):
        assert (tmp_path / "1" / name).read_bytes() == (tmp_path / "2" / name).read_bytes()


def test_project_template_overrides_the_quiz_layout(deck: Deck, tmp_path: Path) -> None:
    project = tmp_path / "templates"
    (project / "quiz").mkdir(parents=True)
    (project / "quiz" / "quiz.html.j2").write_text(
        "{% import 'quiz/macros.html.j2' as m %}<h1>{{ deck.title }}</h1>"
        "{% for s in sections %}{% for q in s.questions %}{{ m.answer(q, letters) }}"
        "{% endfor %}{% endfor %}",
        encoding="utf-8",
    )
    env = make_env(search_path(None, [str(project)]))
    [path] = write_quiz(deck, one_of_each(deck), str(tmp_path / "out"), env=env)
    html = Path(path).read_text(encoding="utf-8")
    assert html.startswith("<h1>Rivers &amp; &lt;b&gt;Bridges&lt;/b&gt; of Eastland</h1>")
    assert os.path.exists(os.path.join(PACKAGE_TEMPLATES, "quiz", "quiz.html.j2"))


def test_a_broken_template_writes_nothing(deck: Deck, tmp_path: Path) -> None:
    out = tmp_path / "out"
    write_quiz(deck, one_of_each(deck), str(out), versions=2)
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    project = tmp_path / "templates"
    (project / "quiz").mkdir(parents=True)
    (project / "quiz" / "quiz.html.j2").write_text(
        "{% if version == 'B' %}{{ no_such_thing }}{% endif %}ok", encoding="utf-8"
    )
    env = make_env(search_path(None, [str(project)]))
    with pytest.raises(TemplateError, match=r"quiz\.html\.j2:1: 'no_such_thing' is undefined"):
        write_quiz(deck, one_of_each(deck), str(out), env=env, versions=3)
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before


def test_answer_shown_with_its_option_when_it_says_more(deck: Deck, tmp_path: Path) -> None:
    items = [it for it in generate(deck) if it.qtype == "mcq"]
    [path] = write_quiz(deck, items, str(tmp_path), count=len(items))
    html = Path(path).read_text(encoding="utf-8")
    canal = next(it for it in items if it.fact_id == "canal-dug")
    assert plain(canal.answer) == "The early 1890s"
    assert '<p class="k-answer">The early 1890s</p>' in html
