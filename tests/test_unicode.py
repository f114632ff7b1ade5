"""Arabic, Cyrillic, Hebrew, Greek, Chinese, Latin diacritics (composed and decomposed), a
zero-width non-joiner and characters beyond the BMP: byte for byte from YAML through every export,
and printed as text a reader can see."""

from __future__ import annotations

import re
import shutil
import sqlite3
import subprocess
import tempfile
import unicodedata
import zipfile
from pathlib import Path

import pytest

from quizgen.build import FORMATS
from quizgen.generation import Item, generate
from quizgen.loading.validate import load_decks
from quizgen.model import Deck
from quizgen.selection import select
from quizgen.text import plain
from tests._browser import print_pdf
from tests.conftest import DATA, running_in_ci
from tests.test_reliability import EXPORTS, import_into_anki, read_html, run_build

DECK = DATA / "good_unicode.yaml"
NFD_ZURICH = "Zu\u0308rich"
NAMES = [  # as written in the deck, in the form written (NFD stays NFD)
    "Сергей Лавров",
    "قاسم سليماني",
    "محمد\u200cجواد ظریف",  # Persian, with a zero-width non-joiner
    "בנימין נתניהו",
    "Αλέξης Τσίπρας",
    "习近平",
    "Recep Tayyip Erdoğan",
    "دمشق",
    "Бағдад",
    "Zürich",
    f"{NFD_ZURICH} (NFD)",
    "Tehrān",
    "Москва́",
    "𝔐𝔬𝔰𝔨𝔞𝔲 🇷🇺",
    "Россия",
    "إيران",
    "العراق",
    "Syrië",
]


@pytest.fixture(scope="module")
def deck() -> Deck:
    return load_decks([str(DECK)])[0]


@pytest.fixture(scope="module")
def items(deck: Deck) -> list[Item]:
    return generate(deck)


@pytest.fixture(scope="module")
def dist(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("unicode") / "dist"
    every_format = [arg for fmt in FORMATS for arg in ("--format", fmt)]
    result = run_build(str(DECK), "--out", str(out), *every_format)
    assert result.exit_code == 0, result.output
    return out


def test_the_loader_keeps_every_name_as_written(deck: Deck) -> None:
    names = [e.name for e in deck.entities.values()]
    assert names == NAMES
    assert f"{NFD_ZURICH} (NFD)" in names and unicodedata.is_normalized("NFD", NFD_ZURICH)
    assert deck.info.title == "Коалиция — تحالف — Koalíció"
    assert deck.sources["aljazeera"].publisher == "الجزيرة"
    assert deck.facts[2].body.what == f"Gespräche in {NFD_ZURICH} über die Koalition"  # type: ignore[union-attr]


def test_questions_carry_the_names_unchanged(items: list[Item]) -> None:
    text = "\n".join(plain(t) for it in items for t in (it.prompt, it.answer, *it.options))
    for name in NAMES:
        assert name in text, name


def test_every_format_is_checked_here() -> None:
    assert set(FORMATS) == {"apkg", "html", *TEXT_FILES}, "add the new format's check here"


# --- single-file text formats: CSV, GIFT, Moodle XML, JSON ---------------------------------------

TEXT_FILES = {"csv": ".csv", "gift": ".gift.txt", "moodle-xml": ".moodle.xml", "json": ".json"}


@pytest.mark.parametrize("fmt", sorted(TEXT_FILES))
def test_text_formats_hold_every_name_as_utf8_bytes(dist: Path, fmt: str) -> None:
    raw = (dist / f"unicode{TEXT_FILES[fmt]}").read_bytes()
    raw.decode("utf-8")  # valid UTF-8 throughout (no BOM games, no stray bytes)
    for name in NAMES:  # every item is exported, and every name is in some item
        assert name.encode() in raw, (fmt, name)


@pytest.mark.parametrize("fmt", sorted(TEXT_FILES))
def test_text_formats_read_back_every_name(dist: Path, fmt: str) -> None:
    text = "\n".join(doc.text for doc in EXPORTS[fmt](dist, "unicode"))
    for name in NAMES:
        assert name in text, (fmt, name)


# --- HTML ----------------------------------------------------------------------------------------


def test_html_pages_hold_the_names_as_utf8_bytes(dist: Path, deck: Deck, items: list[Item]) -> None:
    quiz = (dist / "unicode" / "quiz.html").read_bytes()
    study = (dist / "unicode" / "study.html").read_bytes()
    for page in (quiz, study):
        assert re.search(rb'<meta charset="utf-8">', page, re.I)
        page.decode("utf-8")  # valid UTF-8 throughout
        for text in (deck.info.title, deck.info.attribution):
            assert text.encode() in page, text
    # The study page's timeline lists every event; the quiz prints every selected question.
    for f in deck.facts:
        if f.kind == "event":
            assert f.body.what.encode() in study, f.id  # type: ignore[union-attr]
    doc = read_html("quiz.html", quiz.decode())
    stems = " ".join(" ".join(e.text.split()) for e in doc.find("p", "stem"))
    for it in select(items):
        prompt = " ".join(plain(it.prompt).split())
        assert prompt in stems, prompt
        # and as raw bytes: no character turned into an entity or normalised
        for name in NAMES:
            if name in prompt:
                assert name.encode() in quiz, name
    seen = {n for n in NAMES if n.encode() in quiz + study}
    assert {f"{NFD_ZURICH} (NFD)", "محمد\u200cجواد ظریف", "𝔐𝔬𝔰𝔨𝔞𝔲 🇷🇺"} & seen


# --- Anki ----------------------------------------------------------------------------------------


def package_notes(apkg: Path) -> dict[str, list[str]]:
    """uid → fields, as stored in the package we wrote (before Anki touches them)."""
    with tempfile.TemporaryDirectory() as tmp, zipfile.ZipFile(apkg) as z:
        db = Path(tmp) / "collection.anki2"
        db.write_bytes(z.read("collection.anki2"))
        con = sqlite3.connect(db)
        try:
            rows = con.execute("select flds from notes").fetchall()
        finally:
            con.close()
    notes = [flds.split("\x1f") for (flds,) in rows]
    return {fields[-1]: fields for fields in notes}


def test_the_package_holds_every_question_byte_for_byte(dist: Path, items: list[Item]) -> None:
    notes = package_notes(dist / "unicode.apkg")
    assert set(notes) == {it.uid for it in items}
    for it in items:
        fields = notes[it.uid]
        if it.qtype == "cloze":
            assert it.cloze is not None
            assert str(it.cloze[0]).replace("{", "&#123;") in fields[0]
        else:
            assert fields[0] == str(it.prompt), it.uid
    stored = "\x1f".join("\x1f".join(f) for f in notes.values())
    for name in NAMES:
        assert name in stored, name


def test_anki_imports_every_name_readably(dist: Path, items: list[Item]) -> None:
    anki = import_into_anki(dist / "unicode.apkg")
    assert len(anki.notes) == len(items) and not anki.log.duplicate
    stored = "\n".join(v for note in anki.notes for v in note.values())
    shown = "\n".join(card.text for card in anki.cards)
    for name in NAMES:
        # Anki stores note text in NFC (its own normalisation): compare in that form.
        nfc = unicodedata.normalize("NFC", name)
        assert nfc in stored and nfc in shown, name
    title = "Коалиция — تحالف — Koalíció"
    assert {title, f"{title}::Создание"} <= anki.decks


# --- print ---------------------------------------------------------------------------------------

PRINTED = [n for n in NAMES if max(map(ord, n)) < 0x2E80]  # CJK and beyond need more fonts


def print_to_text(html: Path, tmp: Path) -> str:
    pdf = print_pdf(html, tmp / f"{html.stem}.pdf")
    if shutil.which("pdftotext") is None:
        if running_in_ci():
            pytest.fail("pdftotext (poppler-utils) is required in CI")
        pytest.skip("pdftotext is not installed")
    text = subprocess.run(
        ["pdftotext", "-enc", "UTF-8", str(pdf), "-"], capture_output=True, check=True
    ).stdout.decode("utf-8")
    # Right-to-left runs come back wrapped in directional embeddings; the letters are what count.
    return re.sub("[\u202a-\u202e\u2066-\u2069]", "", text)


def test_printed_study_page_shows_every_script(dist: Path, tmp_path: Path) -> None:
    text = unicodedata.normalize("NFC", print_to_text(dist / "unicode" / "study.html", tmp_path))
    for name in PRINTED:
        assert unicodedata.normalize("NFC", name) in text, name


def test_printed_quiz_shows_its_questions(dist: Path, tmp_path: Path, items: list[Item]) -> None:
    text = unicodedata.normalize("NFC", print_to_text(dist / "unicode" / "quiz.html", tmp_path))
    flat = " ".join(text.split())
    # Mixed-direction lines are extracted in visual order (and runs may touch), so look for
    # each word rather than the whole line.
    assert all(w in flat for w in ("Коалиция", "تحالف", "Koalíció"))
    for it in select(items):
        # Every word printed; punctuation next to a right-to-left run may move, so words only.
        prompt = unicodedata.normalize("NFC", plain(it.prompt))
        for w in re.findall(r"\w+", prompt):
            if max(map(ord, w)) < 0x2E80:  # CJK and beyond need fonts CI does not install
                assert w in flat, (w, it.uid)
