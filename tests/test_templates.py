"""Question templates: override order, StrictUndefined, located errors, phrasing helpers."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from quizgen.dates import parse_date
from quizgen.errors import TemplateError
from quizgen.generation import generate
from quizgen.generation import phrasing as ph
from quizgen.model import Dated, Deck
from quizgen.text import plain

QA = "questions/event/qa.j2"


def write(root: Path, name: str, text: str) -> str:
    path = root / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return str(root)


def prompt_of(items, uid: str) -> str:
    return plain(next(it for it in items if it.uid == uid).prompt)


def test_project_templates_override_the_package(small_deck: Deck, tmp_path: Path) -> None:
    project = write(tmp_path / "p", QA, "{% block when %}In what year: {{ b.what }}?{% endblock %}")
    items = generate(small_deck, project_templates=[project])
    assert (
        prompt_of(items, "small/revolution/qa/when")
        == "In what year: the Islamic revolution in Iran?"
    )
    # Other templates still come from the package.
    assert prompt_of(items, "small/quds/qa/who") == "In 2015, who was commander of the Quds Force?"


def test_deck_templates_win_over_project_templates(make_deck, tmp_path: Path) -> None:
    write(tmp_path / "deck-templates", QA, "{% block when %}DECK {{ b.what }}{% endblock %}")
    project = write(tmp_path / "p", QA, "{% block when %}PROJECT {{ b.what }}{% endblock %}")
    header = "deck: {id: t, title: T, templates: deck-templates}\nsources: {s1: {title: S}}\n"
    deck = make_deck(
        "facts:\n  - {id: e, kind: event, what: the thing, when: '2015', sources: [s1]}\n",
        header=header,
    )
    assert prompt_of(generate(deck, project_templates=[project]), "t/e/qa/when") == "DECK the thing"


def test_template_syntax_error_names_file_and_line(small_deck: Deck, tmp_path: Path) -> None:
    project = write(tmp_path / "p", QA, "{% block when %}\nok\n{% if %}\n{% endblock %}")
    with pytest.raises(TemplateError) as e:
        generate(small_deck, project_templates=[project])
    assert f"{tmp_path}/p/{QA}:3: template syntax error" in str(e.value)


def test_unknown_variable_names_file_and_line(small_deck: Deck, tmp_path: Path) -> None:
    project = write(tmp_path / "p", QA, "{% block when %}\n\n{{ b.nonsense }}{% endblock %}")
    with pytest.raises(TemplateError) as e:
        generate(small_deck, project_templates=[project])
    assert f"{QA}:3" in str(e.value) and "nonsense" in str(e.value)


def test_missing_block_is_a_clear_error(small_deck: Deck, tmp_path: Path) -> None:
    project = write(tmp_path / "p", QA, "{% block whenn %}x{% endblock %}")
    with pytest.raises(TemplateError, match="has no block 'when'"):
        generate(small_deck, project_templates=[project])


@pytest.mark.parametrize(
    ("edtf", "text", "phrase", "label"),
    [
        ("2015", None, "in 2015", "2015"),
        ("2015-07", None, "in July 2015", "July 2015"),
        ("2015-07-24", None, "on 24 July 2015", "24 July 2015"),
        (
            "2015-09",
            "the end of September 2015",
            "at the end of September 2015",
            "the end of September 2015",
        ),
        ("2011-01/2011-04", "early 2011", "in early 2011", "early 2011"),
        ("2011-01/2011-04", None, "between January 2011 and April 2011", "January–April 2011"),
        ("2015-09~", None, "around September 2015", "around September 2015"),
        ("2015?", None, "possibly in 2015", "2015"),
    ],
)
def test_date_phrasing(edtf: str, text: str | None, phrase: str, label: str) -> None:
    d = Dated(parse_date(edtf), text)
    assert ph.date_phrase(d) == phrase
    assert ph.date_label(d) == label


def test_lists_numbers_and_articles() -> None:
    assert ph.names(["Russia", "Iran", "Iraq", "Syria"]) == "Russia, Iran, Iraq and Syria"
    assert ph.names(["Russia"]) == "Russia"
    assert ph.number(250000) == "250,000"
    assert ph.number(10_000_000) == "10 million"
    assert ph.number(2_500_000) == "2.5 million"
    assert ph.article("Iranian general") == "an Iranian general"


def test_templates_cannot_reach_python_internals(small_deck: Deck, tmp_path: Path) -> None:
    """A deck's own templates travel with the deck: they must not run code when it is built."""
    evil = "{% block when %}{{ b.__class__.__mro__[1].__subclasses__() }}{% endblock %}"
    project = write(tmp_path / "p", QA, evil)
    with pytest.raises(TemplateError, match="unsafe"):
        generate(small_deck, project_templates=[project])


def test_a_template_edited_between_two_builds_is_read_again(
    small_deck: Deck, tmp_path: Path
) -> None:
    # `quizgen watch` builds many times in one process; compiled templates must not outlive an
    # edit (the build's fingerprint sees the edit, so the rebuild must too).
    project = write(tmp_path / "p", QA, "{% block when %}FIRST {{ b.what }}{% endblock %}")
    first = generate(small_deck, project_templates=[project])
    assert prompt_of(first, "small/revolution/qa/when").startswith("FIRST")
    path = tmp_path / "p" / QA
    path.write_text("{% block when %}SECOND {{ b.what }}{% endblock %}", encoding="utf-8")
    stat = path.stat()
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))  # a coarse clock
    again = generate(small_deck, project_templates=[project])
    assert prompt_of(again, "small/revolution/qa/when").startswith("SECOND")
