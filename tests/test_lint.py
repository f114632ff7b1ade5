"""The quality lint: each trap a careful teacher would reject is proven caught."""

from __future__ import annotations

from pathlib import Path

from quizgen.lint import check_deck, lint
from quizgen.model import Deck
from quizgen.text import Markup


def codes(findings) -> set[str]:
    return {f.code for f in findings}


def override(tmp_path: Path, name: str, text: str) -> str:
    root = tmp_path / "templates"
    path = root / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return str(root)


def test_findings_name_file_and_line(small_deck: Deck) -> None:
    _, findings = check_deck(small_deck)
    leaked = [f for f in findings if f.code == "answer-leaked" and "moscow-visit" in f.message]
    assert leaked and leaked[0].location.file.endswith("small.yaml")
    assert str(leaked[0]).startswith(f"{leaked[0].location.file}:28: warning:")


def test_disputed_fact_asked_as_bare_true_false_is_an_error(small_deck: Deck, tmp_path) -> None:
    """A user template that drops the attribution must not slip through."""
    templates = override(
        tmp_path,
        "questions/event/statement.j2",
        "{% block when %}{{ b.what|cap }} took place {{ key(b.when|date_phrase) }}."
        "{% endblock %}{% block where %}x{{ key('y') }}{% endblock %}",
    )
    _, findings = check_deck(small_deck, project_templates=[templates])
    bare = [f for f in findings if f.code == "bare-claim"]
    assert bare and all(f.severity == "error" for f in bare)
    assert "moscow-visit" in bare[0].message
    _, clean = check_deck(small_deck)
    assert "bare-claim" not in codes(clean)


def test_ambiguous_questions_are_reported(small_deck: Deck, tmp_path) -> None:
    templates = override(
        tmp_path, "questions/role/qa.j2", "{% block who %}Who was it?{% endblock %}"
    )
    _, findings = check_deck(small_deck, project_templates=[templates])
    ambiguous = [f for f in findings if f.code == "ambiguous"]
    assert {f.location.line for f in ambiguous} == {61, 67, 73}  # the three role facts


def test_explicit_true_distractor_and_duplicates_reported(make_deck) -> None:
    deck = make_deck("""\
entities:
  a: {name: Alpha Person, kind: person, aliases: [Al Person]}
  b: {name: Beta Person, kind: person}
  c: {name: Gamma Person, kind: person}
  d: {name: Delta Person, kind: person}
facts:
  - {id: r, kind: role, person: a, role: the chief, as_of: "2015", sources: [s1],
     distractors: [Al Person, Beta Person, beta person]}
""")
    _, findings = check_deck(deck)
    assert {"true-distractor", "duplicate-option"} <= codes(findings)


def test_length_giveaway_is_reported(make_deck) -> None:
    deck = make_deck("""\
entities:
  a: {name: Alexander Maximilian Longname-Person, kind: person}
  b: {name: Bo, kind: person}
  c: {name: Cy, kind: person}
facts:
  - {id: r, kind: role, person: a, role: the chief, as_of: "2015", sources: [s1]}
""")
    _, findings = check_deck(deck)
    assert "length-giveaway" in codes(findings)


def test_deck_wide_length_bias_is_reported(small_deck: Deck) -> None:
    from dataclasses import replace

    from quizgen.generation import generate

    items = generate(small_deck)
    biased = []
    for it in items:
        if it.qtype == "mcq":
            options = [
                Markup("x" * (5 if i == it.correct[0] else 4)) for i in range(len(it.options))
            ]
            it = replace(it, options=tuple(options))
        biased.append(it)
    assert any(
        f.code == "length-giveaway" and f.location.line == 0 for f in lint(small_deck, biased)
    )


def test_precision_mismatch_in_options_is_reported(small_deck: Deck) -> None:
    from dataclasses import replace

    from quizgen.generation import generate

    items = generate(small_deck)
    mcq = next(it for it in items if it.uid == "small/agreement/mcq/when")
    bad = replace(
        mcq,
        options=tuple(Markup(o) for o in ("September 2015", "3 May 2015", "2014")),
        correct=(0,),
    )
    assert "precision-mismatch" in codes(lint(small_deck, [bad]))
    assert "precision-mismatch" not in codes(lint(small_deck, [mcq]))


def test_fact_without_question_and_time_bound_without_date(make_deck) -> None:
    deck = make_deck("""\
entities:
  a: {name: Alpha Person, kind: person}
  russia: {name: Russia, kind: country}
  iran: {name: Iran, kind: country}
facts:
  - {id: g, kind: group, name: the Russia and Iran pact, members: [russia, iran], sources: [s1]}
  - {id: r, kind: role, person: a, role: the chief, sources: [s1]}
""")
    _, findings = check_deck(deck)
    assert {"no-question", "no-date", "answer-leaked"} <= codes(findings)
    no_q = next(f for f in findings if f.code == "no-question")
    assert no_q.location.line > 0
