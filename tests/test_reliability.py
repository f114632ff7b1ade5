"""Hostile and broken input from YAML to every export, generated decks through whole builds,
interrupted builds and output folders that are not ours.

Fact text is never run as a template or as HTML; nothing raises but quizgen's own error; a failed
or killed build leaves the previous outputs as they were and no temp files behind."""

from __future__ import annotations

import csv
import hashlib
import json
import os
import re
import shutil
import signal
import string
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from xml.etree import ElementTree as ET

import pytest
import yaml
from click.testing import CliRunner, Result
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from quizgen.build import FORMATS, MANIFEST, BuildOptions, build
from quizgen.cli import main
from quizgen.dates import Point
from quizgen.errors import QuizgenError
from quizgen.generation import Item, generate
from quizgen.loading.validate import load_decks, read_deck
from quizgen.model import Deck
from quizgen.output import TMP_PREFIX
from quizgen.selection import select
from quizgen.text import Markup, plain
from tests.conftest import DATA, REPO, running_in_ci
from tests.test_bad_input import BAD, CASES, IDS, Case

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


# --- exports, read the way a reader gets them ----------------------------------------------------

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "wbr"}


@dataclass
class Element:
    tag: str
    attrs: dict[str, str | None]
    text: str = ""  # the text inside it, entities decoded


@dataclass
class Doc:
    """One HTML page, or one side of an Anki card, as a browser would read it."""

    name: str
    text: str = ""  # every text node, entities decoded
    elements: list[Element] = field(default_factory=list)

    def find(self, tag: str, cls: str | None = None) -> list[Element]:
        return [
            e
            for e in self.elements
            if e.tag == tag and (cls is None or cls in (e.attrs.get("class") or "").split())
        ]


class _Reader(HTMLParser):
    def __init__(self, doc: Doc) -> None:
        super().__init__(convert_charrefs=True)
        self.doc, self.open = doc, []  # type: list[Element]

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        element = Element(tag, dict(attrs))
        self.doc.elements.append(element)
        if tag not in VOID:
            self.open.append(element)

    def handle_endtag(self, tag: str) -> None:
        for i in range(len(self.open) - 1, -1, -1):
            if self.open[i].tag == tag:
                del self.open[i:]
                break

    def handle_data(self, data: str) -> None:
        if self.open and self.open[-1].tag in ("style", "script"):
            self.open[-1].text += data
            return
        self.doc.text += data
        for e in self.open:
            e.text += data


def read_html(name: str, html: str) -> Doc:
    doc = Doc(name)
    reader = _Reader(doc)
    reader.feed(html)
    reader.close()
    return doc


def html_docs(out: Path, deck_id: str) -> list[Doc]:
    pages = sorted((out / deck_id).glob("*.html"))
    assert pages, f"no HTML pages in {out / deck_id}"
    return [read_html(p.name, p.read_text(encoding="utf-8")) for p in pages]


def require_anki() -> Any:
    try:
        from anki.collection import Collection
    except ImportError:  # pragma: no cover - depends on the environment
        if running_in_ci():
            pytest.fail("the `anki` package is required in CI (pip install '.[test]')")
        pytest.skip("the `anki` package is not installed")
    return Collection


@dataclass
class AnkiImport:
    log: Any
    notes: list[dict[str, str]]  # field name → stored value, per note
    cards: list[Doc]  # the rendered question and answer of every card
    n_cards: int
    decks: set[str]


def import_into_anki(apkg: Path) -> AnkiImport:
    """Import into a fresh collection of the official `anki` package and render every card."""
    Collection = require_anki()
    from anki import import_export_pb2 as ie
    from anki.collection import ImportAnkiPackageOptions, ImportAnkiPackageRequest

    with tempfile.TemporaryDirectory() as tmp:
        col = Collection(os.path.join(tmp, "collection.anki2"))
        try:
            opts = ImportAnkiPackageOptions(
                merge_notetypes=False,
                update_notes=ie.IMPORT_ANKI_PACKAGE_UPDATE_CONDITION_IF_NEWER,
                update_notetypes=ie.IMPORT_ANKI_PACKAGE_UPDATE_CONDITION_IF_NEWER,
                with_scheduling=False,
                with_deck_configs=False,
            )
            request = ImportAnkiPackageRequest(package_path=str(apkg), options=opts)
            log = col.import_anki_package(request).log
            notes, cards = [], []
            for nid in col.find_notes(""):
                note = col.get_note(nid)
                notes.append(dict(note.items()))
                for card in note.cards():
                    for side, html in (("question", card.question()), ("answer", card.answer())):
                        body = re.sub(r"(?s)<style>.*?</style>", "", html)
                        cards.append(read_html(f"{note['Uid']} {side}", body))
            decks = {d.name for d in col.decks.all_names_and_ids()}
            return AnkiImport(log, notes, cards, col.card_count(), decks)
        finally:
            col.close()


def anki_docs(out: Path, deck_id: str) -> list[Doc]:
    return import_into_anki(out / f"{deck_id}.apkg").cards


def plain_doc(name: str, text: str) -> Doc:
    return Doc(name, text)


def csv_docs(out: Path, deck_id: str) -> list[Doc]:
    """Per the export's contract: question, answer, explanation and claim are HTML; the other
    columns plain text."""
    with open(out / f"{deck_id}.csv", encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert rows
    html_columns = ("question", "answer", "explanation", "claim")
    return [
        read_html(f"{row['uid']} {col}", value)
        if col in html_columns
        else plain_doc(row["uid"], value)
        for row in rows
        for col, value in row.items()
    ]


def gift_docs(out: Path, deck_id: str) -> list[Doc]:
    """As Moodle reads GIFT: backslash escapes undone; [html] text (question, options, feedback)
    is HTML, while answers a student types (short answer, cloze, the matching dropdown) are plain
    text, which Moodle escapes when it shows them (qtype_shortanswer: s($answer))."""
    text = (out / f"{deck_id}.gift.txt").read_text(encoding="utf-8")
    docs = []
    for block in text.split("\n\n"):
        block = block.strip()
        if not block or block.startswith(("//", "$CATEGORY:")):
            continue
        title, _, body = block.partition("::")[2].partition("::")
        opening = re.search(r"(?<!\\){", body)
        closing = re.search(r"(?<!\\)}", body)
        assert opening and closing, block
        answers, _, feedback = body[opening.end() : closing.start()].partition("####")
        shown = body[: opening.start()] + " " + body[closing.end() :] + " " + feedback
        typed = title.split("/")[2] in ("qa", "short", "reverse", "cloze", "match")
        if not typed:
            shown += " " + answers

        def unescape(t: str) -> str:
            return re.sub(r"\\(.)", r"\1", t)

        docs.append(read_html(title, unescape(shown).removeprefix("[html]")))
        if typed:
            docs.append(plain_doc(title, unescape(answers)))
    assert docs
    return docs


def moodle_docs(out: Path, deck_id: str) -> list[Doc]:
    """Each <text>: HTML when its element says format="html", plain text otherwise."""
    root = ET.parse(out / f"{deck_id}.moodle.xml").getroot()  # well-formed, or this raises
    docs = []
    for question in root.iter("question"):
        for element in question.iter():
            text = element.find("text")
            if text is None or element.tag == "name":
                continue
            value = text.text or ""
            if element.get("format") == "html":
                docs.append(read_html(f"{question.get('type')} {element.tag}", value))
            else:
                docs.append(plain_doc(element.tag, value))
    assert docs
    return docs


def json_docs(out: Path, deck_id: str) -> list[Doc]:
    data = json.loads((out / f"{deck_id}.json").read_text(encoding="utf-8"))
    docs = []

    def walk(value: Any, name: str) -> None:
        if isinstance(value, dict) and set(value) == {"html", "text"}:
            html = read_html(name, value["html"])
            # the two forms say the same thing
            assert " ".join(html.text.split()) == " ".join(value["text"].split()), name
            docs.extend([html, plain_doc(name, value["text"])])
        elif isinstance(value, dict):
            for k, v in value.items():
                walk(v, f"{name}.{k}")
        elif isinstance(value, list):
            for v in value:
                walk(v, name)
        elif isinstance(value, str) and name.rsplit(".", 1)[-1] not in ("file",):
            docs.append(plain_doc(name, value))

    walk(data, "json")
    return docs


EXPORTS: dict[str, Callable[[Path, str], list[Doc]]] = {
    "apkg": anki_docs,
    "html": html_docs,
    "csv": csv_docs,
    "gift": gift_docs,
    "moodle-xml": moodle_docs,
    "json": json_docs,
}


def test_every_export_format_has_a_reader_here() -> None:
    assert set(FORMATS) == set(EXPORTS), "add a reader for the new format to these tests"


def run_build(*args: str) -> Result:
    result = CliRunner().invoke(main, ["build", *args])
    assert "Traceback" not in result.output, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result


@pytest.mark.parametrize("fmt", FORMATS)
def test_hostile_text_prints_literally_in_every_export(tmp_path: Path, fmt: str) -> None:
    out = tmp_path / "dist"
    result = run_build(str(DATA / "good_hostile_text.yaml"), "--out", str(out), "--format", fmt)
    assert result.exit_code == 0, result.output
    docs = EXPORTS[fmt](out, "hostile")
    text = "\n".join(d.text for d in docs)
    for h in HOSTILE:  # the author's text, as written: escaped for markup, not evaluated
        assert h in text, (fmt, h)
    assert "looploop" not in text and "49" not in text  # no Jinja ran on fact text
    for doc in docs:
        for e in doc.elements:
            assert not any(a.lower().startswith("on") for a in e.attrs), (doc.name, e)
            assert not (e.tag == "script" and "alert" in e.text), doc.name
            assert not (e.tag == "img" and e.attrs.get("src") == "x"), doc.name
            assert e.tag != "textarea", doc.name
            assert not (e.tag in ("b", "i") and e.text in ("bold", "minister", "Reuters", "Press"))


def test_anki_cloze_syntax_in_fact_text_makes_no_extra_cards(tmp_path: Path) -> None:
    out = tmp_path / "dist"
    assert run_build(str(DATA / "good_hostile_text.yaml"), "--out", str(out)).exit_code == 0
    anki = import_into_anki(out / "hostile.apkg")
    assert len(anki.notes) == anki.n_cards  # `{{c1::hidden}}` in a fact added no deletion
    assert not anki.log.duplicate and not anki.log.conflicting


# --- bad input and broken templates at build time: exit 1, nothing written ---------------------


def snapshot(folder: Path) -> dict[str, str]:
    """Every file under `folder` (relative path → content hash), hidden ones included."""
    if not folder.exists():
        return {}
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


@pytest.fixture(scope="module")
def previous_build(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A finished build of the small deck: the outputs a failed build must leave alone."""
    out = tmp_path_factory.mktemp("previous") / "dist"
    assert run_build(str(DATA / "small.yaml"), "--out", str(out)).exit_code == 0
    return out


@pytest.fixture
def dist(previous_build: Path, tmp_path: Path) -> Path:
    out = tmp_path / "dist"
    shutil.copytree(previous_build, out)
    return out


@pytest.mark.parametrize("c", CASES, ids=IDS)
def test_bad_input_fails_the_build_without_touching_outputs(
    c: Case, dist: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(BAD.parent.parent)  # cross-file messages show relative paths
    before = snapshot(dist)
    result = run_build(str(DATA / "small.yaml"), os.path.relpath(c.path), "--out", str(dist))
    assert result.exit_code == 1
    named = os.path.relpath(c.named)
    for line, words in c.problems:
        where = f"{named}:{line}:" if line else f"{named}: "
        assert any(s.startswith(where) and words in s for s in result.stderr.splitlines())
    assert snapshot(dist) == before


BROKEN_TEMPLATES = [
    # (template, its text, line of the problem or None, words in the message)
    ("questions/event/qa.j2", "{% block when %}{% if %}x{% endblock %}\n", 1, "syntax error"),
    ("questions/event/qa.j2", "\n\n{% block when %}{{ nosuch }}{% endblock %}\n", 3, "'nosuch'"),
    (
        "questions/role/mcq.j2",
        "{% block who %}{{ b.role | nofilter }}{% endblock %}",
        1,
        "nofilter",
    ),
    ("questions/event/qa.j2", "{% block when %}\n{{ 1 // 0 }}{% endblock %}\n", 2, "Division"),
    ("questions/event/qa.j2", "{% block other %}x{% endblock %}\n", None, "no block 'when'"),
    ("questions/event/qa.j2", "{% extends 'nowhere.j2' %}\n", None, "no block 'when'"),
    (
        "questions/event/qa.j2",
        "{% block when %}\n{% include 'nowhere.j2' %}{% endblock %}",
        2,
        "'nowhere.j2' not found",
    ),
    ("questions/deck/order.j2", "{% block order %}{{ deck.nosuch }}{% endblock %}", 1, "nosuch"),
    ("quiz/quiz.html.j2", "<html>\n{{ deck.nosuch }}\n", 2, "has no attribute 'nosuch'"),
    ("quiz/study.html.j2", "{% for x in %}\n", 1, "syntax error"),
    (
        "quiz/macros.html.j2",
        "{% macro body(q, letters) %}{{ q.nosuch }}{% endmacro %}",
        1,
        "nosuch",
    ),
]


@pytest.mark.parametrize(("template", "source", "line", "words"), BROKEN_TEMPLATES)
@pytest.mark.parametrize("fresh", [False, True], ids=["over-previous-build", "fresh-out"])
def test_a_broken_user_template_is_located_and_writes_nothing(
    tmp_path: Path,
    dist: Path,
    template: str,
    source: str,
    line: int | None,
    words: str,
    fresh: bool,
) -> None:
    templates = tmp_path / "templates"
    path = templates / template
    path.parent.mkdir(parents=True)
    path.write_text(source, encoding="utf-8")
    out = tmp_path / "new-dist" if fresh else dist
    before = snapshot(out)
    result = run_build(str(DATA / "small.yaml"), "--out", str(out), "--templates", str(templates))
    assert result.exit_code == 1
    message = result.stderr.splitlines()[-1]
    where = f"{path}:{line}:" if line else str(template.rsplit("/", 1)[-1])
    assert where in message and words in message, message
    assert snapshot(out) == before  # nothing created or changed, not even one format of two


# --- output folders that are not ours ----------------------------------------------------------


def test_out_with_files_quizgen_did_not_write_is_refused_and_untouched(tmp_path: Path) -> None:
    out = tmp_path / "public"
    (out / "small").mkdir(parents=True)
    (out / "small.apkg").write_bytes(b"someone's own deck")  # named like our output
    (out / "small" / "quiz.html").write_text("a teacher's own quiz")
    (out / "notes.txt").write_text("notes")
    before = snapshot(out)
    result = run_build(str(DATA / "small.yaml"), "--out", str(out))
    assert result.exit_code == 1
    assert f"{out}: holds files quizgen did not write" in result.stderr
    assert "small.apkg" in result.stderr
    assert snapshot(out) == before


def test_out_that_is_a_file_is_refused_and_untouched(tmp_path: Path) -> None:
    out = tmp_path / "dist"
    out.write_text("not a folder")
    result = run_build(str(DATA / "small.yaml"), "--out", str(out))
    assert result.exit_code == 1 and f"{out}:" in result.stderr
    assert out.read_text() == "not a folder"


def test_a_damaged_manifest_is_refused_not_overwritten(dist: Path) -> None:
    manifest = dist / MANIFEST
    manifest.write_text("{ not json")
    before = snapshot(dist)
    result = run_build(str(DATA / "small.yaml"), "--out", str(dist), "--force")
    assert result.exit_code == 1 and "not a quizgen manifest" in result.stderr
    assert snapshot(dist) == before


def test_the_temp_file_of_a_build_still_running_is_left_alone(dist: Path) -> None:
    # Another build writing into the same folder right now: its temp file is not ours to delete.
    other = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        busy = dist / f"{TMP_PREFIX}{other.pid}-abcd-small.apkg"
        busy.write_bytes(b"being written")
        result = run_build(str(DATA / "small.yaml"), "--out", str(dist), "--force")
        assert result.exit_code == 0, result.output
        assert busy.exists()
    finally:
        other.kill()
        other.wait()


# --- interrupted builds ------------------------------------------------------------------------

BIG_FACTS = 1500


def big_deck(path: Path, edition: int) -> Path:
    """A deck big enough that its build takes a few seconds; `edition` changes every fact."""
    lines = [
        "deck: {id: big, title: A big deck}",
        "sources: {s: {title: A source}}",
        "entities:",
        *(f"  p{i}: {{name: Person {i}, kind: person}}" for i in range(40)),
        *(f"  c{i}: {{name: City {i}, kind: city}}" for i in range(40)),
        "facts:",
    ]
    for i in range(BIG_FACTS):
        if i % 2:
            lines.append(
                f"  - {{id: e{i}, kind: event, what: event {i} edition {edition}, "
                f"when: '{1800 + i % 200}-{i % 12 + 1:02d}', where: c{i % 40}, sources: [s]}}"
            )
        else:
            lines.append(
                f"  - {{id: r{i}, kind: role, person: p{i % 40}, role: office {i} ed {edition}, "
                f"sources: [s]}}"
            )
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def temp_files(folder: Path) -> list[Path]:
    return [p for p in folder.rglob(f"{TMP_PREFIX}*")]


def start_build(deck: Path, out: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "quizgen", "build", str(deck), "--out", str(out)],
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )


def wait_for(condition: Callable[[], bool], proc: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 120
    while not condition():
        assert proc.poll() is None, "the build ended before it could be interrupted"
        assert time.monotonic() < deadline, "the build never got there"
        time.sleep(0.002)


@pytest.fixture(scope="module")
def big_build(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    root = tmp_path_factory.mktemp("big")
    deck, out = big_deck(root / "big.yaml", 1), root / "dist"
    done = subprocess.run(
        [sys.executable, "-m", "quizgen", "build", str(deck), "--out", str(out)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr
    return deck, out


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT, signal.SIGKILL])
def test_a_build_killed_mid_way_keeps_the_previous_outputs(
    big_build: tuple[Path, Path], tmp_path: Path, sig: signal.Signals
) -> None:
    out = tmp_path / "dist"
    shutil.copytree(big_build[1], out)
    before = snapshot(out)
    deck = big_deck(tmp_path / "big.yaml", 2)  # every fact edited: a full rebuild
    proc = start_build(deck, out)
    wait_for(lambda: bool(temp_files(out)), proc)  # it is writing an output now
    proc.send_signal(sig)
    _, stderr = proc.communicate(timeout=120)
    assert proc.returncode != 0
    assert b"Traceback" not in stderr
    if sig != signal.SIGKILL:  # a signal it can handle: it cleans up after itself
        assert temp_files(out) == []
    outputs = {k: v for k, v in snapshot(out).items() if not Path(k).name.startswith(TMP_PREFIX)}
    assert outputs == before  # every previous output intact, the manifest too
    # The next build runs as if nothing happened: no refusal, no leftovers.
    again = run_build(str(deck), "--out", str(out))
    assert again.exit_code == 0, again.output
    assert temp_files(out) == []
    assert snapshot(out)[f"big{os.sep}quiz.html"] != before[f"big{os.sep}quiz.html"]


def test_a_first_build_killed_after_one_output_does_not_lock_the_folder(tmp_path: Path) -> None:
    # Killed between writing big.apkg and recording it in the manifest: the next build must not
    # take its own output for someone else's file and refuse the folder.
    deck, out = big_deck(tmp_path / "big.yaml", 1), tmp_path / "dist"
    proc = start_build(deck, out)
    wait_for(lambda: (out / "big.apkg").exists(), proc)
    proc.kill()
    proc.wait(timeout=60)
    again = run_build(str(deck), "--out", str(out))
    assert again.exit_code == 0, again.output
    assert temp_files(out) == []
    assert {"big.apkg", f"big{os.sep}quiz.html", f"big{os.sep}study.html"} <= set(snapshot(out))


# --- whole builds of generated decks ------------------------------------------------------------


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(decks(), st.integers(0, 2**16), st.integers(1, 3))
def test_whole_builds_of_generated_decks(tree: dict[str, Any], seed: int, versions: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        deck_path, out = Path(tmp) / "gen.yaml", Path(tmp) / "dist"
        deck_path.write_text(yaml.safe_dump(tree, allow_unicode=True), encoding="utf-8")
        options = BuildOptions(out=str(out), seed=seed, versions=versions, formats=FORMATS)
        try:
            build([str(deck_path)], options)
        except QuizgenError as e:
            event(f"refused: {str(e).splitlines()[-1].split(': ', 2)[-1][:40]}")
            assert snapshot(out) == {}  # refused as a whole: nothing written
            return
        event("built")
        deck = load_decks([str(deck_path)])[0]
        items = generate(deck, seed=seed)
        check_anki(out / "gen.apkg", items)
        check_html(out / "gen", deck, items, seed, versions)
        check_text_formats(out, items)
        assert temp_files(out) == []


def check_text_formats(out: Path, items: Sequence[Item]) -> None:
    """Every item once in each file, by its identity; each file reads back (see the readers)."""
    uids = [it.uid for it in items]
    with open(out / "gen.csv", encoding="utf-8", newline="") as fh:
        assert [row["uid"] for row in csv.DictReader(fh)] == uids
    data = json.loads((out / "gen.json").read_text(encoding="utf-8"))
    assert [it["uid"] for it in data["items"]] == uids
    root = ET.parse(out / "gen.moodle.xml").getroot()
    named = [q.findtext("name/text") for q in root if q.get("type") != "category"]
    assert named == uids
    gift = (out / "gen.gift.txt").read_text(encoding="utf-8")
    titles = re.findall(r"^::(.*?)::", gift, re.M)
    assert titles == [u for u, it in zip(uids, items, strict=True) if it.qtype != "order"]
    for fmt in ("csv", "json", "moodle-xml", "gift"):
        assert EXPORTS[fmt](out, "gen"), fmt


def check_anki(apkg: Path, items: Sequence[Item]) -> None:
    anki = import_into_anki(apkg)
    assert len(anki.log.new) == len(items) == len(anki.notes) == anki.n_cards
    assert not anki.log.duplicate and not anki.log.conflicting
    by_uid = {it.uid: it for it in items}
    assert {n["Uid"] for n in anki.notes} == set(by_uid)
    for card in anki.cards:
        assert card.text.strip(), card.name
        assert not any(e.tag == "script" and "alert" in e.text for e in card.elements)


def check_html(folder: Path, deck: Deck, items: Sequence[Item], seed: int, versions: int) -> None:
    chosen = select(items, seed=seed)
    names = ["quiz.html"] if versions == 1 else [f"quiz-{v}.html" for v in "ABC"[:versions]]
    assert sorted(p.name for p in folder.glob("*.html")) == sorted([*names, "study.html"])
    for name in names:
        doc = read_html(name, (folder / name).read_text(encoding="utf-8"))
        questions = doc.find("div", "question")
        assert len(questions) == len(chosen), name
        stems = [" ".join(e.text.split()) for e in doc.find("p", "stem")]
        for n, stem in enumerate(stems, 1):
            assert stem.startswith(f"{n}. "), stem
        for it in chosen:  # every item is there, with its text as written
            prompt = " ".join(plain(it.prompt).split())
            assert any(prompt in stem for stem in stems), prompt
        key = doc.find("section", "key")[0]
        assert len([e for e in doc.elements if e.tag == "li" and "value" in e.attrs]) == len(
            chosen
        ), key.tag
    study = read_html("study.html", (folder / "study.html").read_text(encoding="utf-8"))
    assert deck.info.title in study.text
