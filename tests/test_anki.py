"""Anki export, checked by importing into the official `anki` package (a fresh collection each):
what a learner gets on first import, escaping, media, note types, temp files."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tempfile
import zipfile
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import genanki
import pytest

from quizgen import ids
from quizgen.errors import OutputError, QuizgenError, TemplateError
from quizgen.export.anki import write_apkg
from quizgen.generation import generate
from quizgen.generation.item import QTYPES
from quizgen.loading.validate import load_decks
from quizgen.model import Source
from quizgen.output import TMP_PREFIX
from quizgen.templating import make_env, search_path
from quizgen.text import Markup, escape, plain
from tests._anki_helpers import (
    PICTURE,
    Collection,
    build,
    copy_fixture,
    html_tags,
    import_apkg,
    notes_by_guid,
    text_of,
)
from tests.conftest import REPO, SHIPPED_DECK

TOP = "Coalition ‹b›test‹/b› & co"
SUBDECK = {
    None: TOP,
    "Formation": f"{TOP}::Formation",
    "Iran's role & <i>others</i>": f"{TOP}::Iran's role & ‹i›others‹/i›",
}
NOTE_TYPE_OF_QTYPE = {
    "qa": "quizgen: question and answer",
    "reverse": "quizgen: question and answer",
    "short": "quizgen: typed answer",
    "mcq": "quizgen: multiple choice",
    "tf": "quizgen: multiple choice",
    "first": "quizgen: multiple choice",
    "cloze": "quizgen: cloze",
    "order": "quizgen: ordering and matching",
    "match": "quizgen: ordering and matching",
}
# Tags and attributes our fields may contain; anything else came from fact text.
FIELD_HTML: dict[str, set[str]] = {
    "ol": {"class"},
    "li": {"class"},
    "ul": set(),
    "div": {"class"},
    "a": {"href"},
    "img": {"src", "alt"},
}


@pytest.fixture
def col(tmp_path: Path) -> Iterator[Collection]:
    collection = Collection(str(tmp_path / "collection.anki2"))
    yield collection
    collection.close()


@pytest.fixture
def deck_yaml(tmp_path: Path) -> Path:
    return copy_fixture(tmp_path / "project")


def test_first_import(tmp_path: Path, deck_yaml: Path, col: Collection) -> None:
    apkg = tmp_path / "dist" / "anki-test.apkg"
    deck, items = build(deck_yaml, apkg)
    assert {it.qtype for it in items} == set(QTYPES)  # the fixture exercises every question type

    log = import_apkg(col, apkg)
    assert len(log.new) == len(items) and not log.updated and not log.conflicting
    assert col.note_count() == len(items)
    assert col.card_count() == len(items)  # one card per question, cloze included

    sections = {it.section for it in items if it.section}
    assert sections == {"Formation", "Iran's role & <i>others</i>"}
    assert {d.name for d in col.decks.all_names_and_ids()} == {"Default", *SUBDECK.values()}

    notes = notes_by_guid(col)
    assert set(notes) == {it.uid for it in items}  # GUID = identity
    for it in items:
        note = notes[it.uid]
        assert note.note_type()["name"] == NOTE_TYPE_OF_QTYPE[it.qtype], it.uid
        assert note["Uid"] == it.uid
        assert text_of(note["Answer"]) == plain(it.answer), it.uid
        if it.qtype != "cloze":
            assert text_of(note["Question"]) == plain(it.prompt), it.uid
        assert col.decks.name(note.cards()[0].did) == SUBDECK[it.section], it.uid
        kind = next(f.kind for f in deck.facts if f.id == it.fact_id)
        assert {f"quizgen::kind::{kind}", f"quizgen::claim::{it.status}"} <= set(note.tags)
        assert f"quizgen::type::{it.qtype}" in note.tags

    ours = [m for m in col.models.all() if m["name"].startswith("quizgen")]
    assert len(ours) == 5
    for m in ours:
        assert [f["name"] for f in m["flds"]] == list(ids.ANKI_FIELDS)


def test_note_types_are_frozen() -> None:
    """Published note types: changing a field list without a new id breaks every learner's
    re-import (all notes conflicting). Update this only together with new ids."""
    assert ids.ANKI_FIELDS == (
        "Question",
        "Options",
        "Answer",
        "Accepted",
        "TypeIn",
        "Explanation",
        "Claim",
        "Status",
        "Image",
        "Sources",
        "Attribution",
        "Facts",
        "Uid",
    )
    assert (
        ids.ANKI_NOTE_TYPE_QA,
        ids.ANKI_NOTE_TYPE_TYPED,
        ids.ANKI_NOTE_TYPE_CHOICE,
        ids.ANKI_NOTE_TYPE_CLOZE,
        ids.ANKI_NOTE_TYPE_ARRANGE,
    ) == (763292917662297, 258468794629479, 1119979542980513, 520530102351708, 848232061951101)


def test_no_fact_html_reaches_a_card(tmp_path: Path, deck_yaml: Path, col: Collection) -> None:
    apkg = tmp_path / "anki-test.apkg"
    deck = load_decks([str(deck_yaml)])[0]
    # The loader refuses non-web URLs; the export must not depend on that to stay safe.
    evil = Source(id="evil", title="Evil", url="javascript:alert(1)")
    items = [
        replace(it, sources=(*it.sources, evil)) if "hostile" in it.fact_ids else it
        for it in generate(deck)
    ]
    write_apkg(deck, items, str(apkg))
    import_apkg(col, apkg)
    notes = notes_by_guid(col)
    hostile = [n for uid, n in notes.items() if "/hostile/" in uid]
    assert len(hostile) >= 4

    for uid, note in notes.items():
        for name, value in note.items():
            for tag, attrs in html_tags(value):
                assert tag in FIELD_HTML and set(attrs) <= FIELD_HTML[tag], (uid, name, value)
                assert (attrs.get("href") or "https://").startswith("https://"), (uid, value)
            assert "javascript:" not in value, (uid, name, value)
            # Anki's own markup from fact text must not be live either
            assert "[sound:" not in value and "[latex]" not in value, (uid, name, value)
            assert "{{c2::" not in value, (uid, name, value)
    for note in hostile:
        assert "A &amp; B" in note["Question"] + note["Answer"] + note["Options"]
        assert "&lt;script&gt;" in note["Question"] + note["Answer"] + note["Options"]
    hostile_source = notes["anki-test/hostile/qa/when"]
    assert "Leaks &lt;script&gt;" in hostile_source["Sources"]
    assert "A &amp; B &lt;i&gt;News&lt;/i&gt;" in hostile_source["Sources"]
    assert "&lt;b&gt;bold&lt;/b&gt; &amp;" in hostile_source["Explanation"]
    assert "Test &lt;coalition&gt;&#34; &amp; friends" in hostile_source["Attribution"]

    for note in notes.values():
        for card in note.cards():
            for html in (card.question(), card.answer()):
                assert "<script" not in html.lower()
            assert not card.question_av_tags() and not card.answer_av_tags()
    cloze = notes["anki-test/hostile/cloze/when"]
    assert len(cloze.cards()) == 1  # `{{c2::x}}` in the fact made no second card
    assert "2003" in cloze.cards()[0].answer()

    for name in (d.name for d in col.decks.all_names_and_ids()):
        assert "<" not in name and ">" not in name
    for note in notes.values():
        for tag in note.tags:
            assert not set(tag) & set("<> \t"), tag
    assert "a_‹b›tag‹/b›" in notes["anki-test/hostile/qa/when"].tags


def test_back_shows_answer_claim_sources_attribution_picture(
    tmp_path: Path, deck_yaml: Path, col: Collection
) -> None:
    apkg = tmp_path / "anki-test.apkg"
    _, items = build(deck_yaml, apkg)
    import_apkg(col, apkg)
    notes = notes_by_guid(col)
    mcq = next(it for it in items if it.uid == "anki-test/moscow-visit/mcq/when")
    card = notes[mcq.uid].cards()[0]
    back = card.answer()
    assert "24 July 2015" in back
    assert "Reported by Reuters; denied by Russian officials." in back
    assert "How Iranian general plotted out Syrian assault in Moscow. Reuters, 6 October 2015." in (
        back
    )
    assert '<a href="https://www.reuters.com/article/x">' in back
    assert "The visit was reported by Reuters citing regional officials." in back
    assert "CC BY-SA 3.0" in back and "Adapted from the Wikipedia article" in back
    assert '<a href="https://en.wikipedia.org/wiki/Test">' in back

    # The right option is marked, once, and it is the right one; the front shows every option.
    marked = re.findall(r'<li class="qg-correct">(.*?)</li>', back)
    assert marked == [str(mcq.options[mcq.correct[0]])]
    front = card.question().partition("</style>")[2]
    assert all(str(o) in front for o in mcq.options)
    assert 'id="answer"' not in front and "qg-back" not in front
    assert "24 July 2015</div>" not in front

    # The picture is packed, named by content, shown on the back and present in the media folder.
    img = re.search(r'<img src="(quizgen-[0-9a-f]{20}\.png)"', back)
    assert img is not None
    media = Path(col.media.dir()) / img.group(1)
    assert media.read_bytes() == PICTURE.read_bytes()
    with zipfile.ZipFile(apkg) as z:
        assert z.read("media") == f'{{"0": "{img.group(1)}"}}'.encode()

    typed = notes["anki-test/quds/short/who"]
    assert typed["TypeIn"] == "Qasem Soleimani" and typed["Accepted"] == "Qassem Soleimani"
    assert "[[type:TypeIn]]" in typed.cards()[0].question()


def test_no_temp_files_left(
    tmp_path: Path, deck_yaml: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    system_tmp = tmp_path / "system-tmp"
    system_tmp.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(system_tmp))
    dist = tmp_path / "dist"
    build(deck_yaml, dist / "anki-test.apkg")
    # A build killed mid-write left its scratch collection (named like the atomic temp file,
    # with a pid that no longer runs): the next build sweeps it.
    stale = dist / f"{TMP_PREFIX}999999999-abc-anki-test.apkg.anki2"
    stale.write_bytes(b"half a collection")
    build(deck_yaml, dist / "anki-test.apkg")  # again, over the previous package
    assert os.listdir(system_tmp) == []
    assert os.listdir(dist) == ["anki-test.apkg"]

    # The detector works: plain genanki leaks a file into the same place.
    card = {"name": "c", "qfmt": "{{F}}", "afmt": "{{F}}"}
    model = genanki.Model(1, "m", fields=[{"name": "F"}], templates=[card])
    gdeck = genanki.Deck(2, "d")
    gdeck.add_note(genanki.Note(model=model, fields=["x"]))
    genanki.Package(gdeck).write_to_file(str(tmp_path / "raw.apkg"))
    assert len(os.listdir(system_tmp)) == 1


def test_failed_write_keeps_the_previous_package(tmp_path: Path, deck_yaml: Path) -> None:
    apkg = tmp_path / "anki-test.apkg"
    deck, items = build(deck_yaml, apkg)
    before = apkg.read_bytes()
    os.remove(deck_yaml.parent / PICTURE.name)  # the picture vanished after loading
    with pytest.raises(OutputError, match=r"anki_pic\.png"):
        write_apkg(deck, items, str(apkg))
    assert apkg.read_bytes() == before
    assert sorted(os.listdir(tmp_path)) == ["anki-test.apkg", "project"]


def test_two_questions_with_one_identity_are_refused(tmp_path: Path, deck_yaml: Path) -> None:
    deck = load_decks([str(deck_yaml)])[0]
    item = generate(deck)[0]
    with pytest.raises(QuizgenError, match=re.escape(item.uid)):
        write_apkg(
            deck, [item, replace(item, prompt=Markup("Reworded?"))], str(tmp_path / "x.apkg")
        )
    assert os.listdir(tmp_path) == ["project"]


def test_template_without_cloze_field_is_reported(tmp_path: Path, deck_yaml: Path) -> None:
    project = tmp_path / "templates"
    (project / "anki").mkdir(parents=True)
    (project / "anki" / "cloze.front.html").write_text("{{Question}}", encoding="utf-8")
    deck = load_decks([str(deck_yaml)])[0]
    env = make_env(search_path(None, [str(project)]))
    with pytest.raises(TemplateError, match=r"cloze\.front\.html"):
        write_apkg(deck, [], str(tmp_path / "x.apkg"), env=env)
    assert not (tmp_path / "x.apkg").exists()


def test_shipped_deck(tmp_path: Path, col: Collection) -> None:
    apkg = tmp_path / "rsii-coalition.apkg"
    deck, items = build(SHIPPED_DECK, apkg)
    log = import_apkg(col, apkg)
    assert len(log.new) == len(items) == col.note_count() == col.card_count()
    assert not log.updated and not log.duplicate and not log.conflicting

    title = deck.info.title
    used = {it.section for it in items}
    expected = {"Default", title, *(f"{title}::{s}" for s in used if s)}
    assert {d.name for d in col.decks.all_names_and_ids()} == expected
    assert set(deck.sections) <= used

    notes = notes_by_guid(col)
    assert set(notes) == {it.uid for it in items}
    for it in items:
        note = notes[it.uid]
        assert note.note_type()["name"] == NOTE_TYPE_OF_QTYPE[it.qtype], it.uid
        assert col.decks.name(note.cards()[0].did) == (
            f"{title}::{it.section}" if it.section else title
        )
        for name, value in note.items():
            for tag, attrs in html_tags(value):
                assert tag in FIELD_HTML and set(attrs) <= FIELD_HTML[tag], (it.uid, name, value)
        # The licence travels with every card: CC BY-SA needs the attribution on the answer side.
        back = note.cards()[0].answer()
        assert str(escape(deck.info.attribution)) in back and "CC BY-SA" in back, it.uid
        assert "Sources" in back, it.uid


def test_multiple_choice_is_marked_by_css_alone(
    tmp_path: Path, deck_yaml: Path, col: Collection
) -> None:
    """A browser engine (what every Anki client renders cards with) shows lettered options on
    the front and a tick on the right one on the back only: no JavaScript involved."""
    from pypdf import PdfReader

    from tests._browser import print_pdf

    apkg = tmp_path / "anki-test.apkg"
    _, items = build(deck_yaml, apkg)
    import_apkg(col, apkg)
    mcq = next(it for it in items if it.uid == "anki-test/moscow-visit/mcq/when")
    card = notes_by_guid(col)[mcq.uid].cards()[0]
    seen = {}
    for side, html in (("front", card.question()), ("back", card.answer())):
        assert "<script" not in html
        page = tmp_path / f"{side}.html"
        page.write_text(
            f'<!doctype html><meta charset="utf-8"><body class="card">{html}</body>',
            encoding="utf-8",
        )
        seen[side] = PdfReader(print_pdf(page, tmp_path / f"{side}.pdf")).pages[0].extract_text()
    options = [plain(o) for o in mcq.options]
    for letter, option in zip("ABCDE", options, strict=False):
        assert f"{letter}. {option}" in seen["front"]
    assert "✓" not in seen["front"]
    right = mcq.correct[0]
    assert f"{'ABCDE'[right]}. {options[right]} ✓" in seen["back"]
    assert seen["back"].count("✓") == 1


def test_missing_anki_fails_in_ci(tmp_path: Path) -> None:
    """Without the `anki` package these tests skip on a laptop but fail in CI."""
    fake = tmp_path / "site" / "anki"
    fake.mkdir(parents=True)
    (fake / "__init__.py").write_text("raise ImportError('no anki here')\n", encoding="utf-8")
    command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--co", __file__]
    env = {**os.environ, "PYTHONPATH": str(fake.parent)}
    env.pop("CI", None)
    local = subprocess.run(command, cwd=REPO, env=env, capture_output=True, text=True)
    ci = subprocess.run(
        command, cwd=REPO, env={**env, "CI": "true"}, capture_output=True, text=True
    )
    assert "SKIPPED" in local.stdout and local.returncode in (0, 5), local.stdout
    assert ci.returncode not in (0, 5), ci.stdout
    assert "the `anki` package is required when CI=true" in ci.stdout
