"""Anki export: a .apkg that learners can re-import after edits without duplicates, conflicts or
lost review history (see docs/anki.md for the rules this follows and why).

- Note types are quizgen's own, with hard-coded ids and frozen field lists (quizgen.ids).
- A note's GUID comes from the item's identity (deck/fact/type/variant), never from its text.
- A note's mod time is the build time when its content changed and the previous package's mod
  time when it did not: Anki applies an update only when the incoming note is newer, and an
  unchanged rebuild must change nothing. The previous package itself is the memory of that.
"""

from __future__ import annotations

import hashlib
import itertools
import os
import sqlite3
import time
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import genanki
import jinja2

from quizgen.generation.item import Item
from quizgen.ids import (
    ANKI_BASIC_MODEL_ID,
    ANKI_CHOICE_MODEL_ID,
    ANKI_CLOZE_MODEL_ID,
    anki_deck_id,
    anki_guid,
)
from quizgen.model import Deck, Source
from quizgen.output import atomic_path, private_temp_file
from quizgen.templating import make_env, raw_template
from quizgen.text import Markup, escape

# Frozen field lists (see quizgen.ids): never edit a published one.
BASIC_FIELDS = ("Question", "Answer", "Extra", "Claim", "Sources", "Attribution", "FactId", "Uid")
CHOICE_FIELDS = (
    "Question",
    "Options",
    "OptionsKey",
    "Answer",
    "Extra",
    "Claim",
    "Sources",
    "Attribution",
    "FactId",
    "Uid",
)
CLOZE_FIELDS = ("Text", "Extra", "Claim", "Sources", "Attribution", "FactId", "Uid")
NOTE_TYPE_OF = {
    "qa": "basic",
    "reverse": "basic",
    "short": "basic",
    "mcq": "choice",
    "tf": "choice",
    "first": "choice",
    "order": "choice",
    "match": "choice",
    "cloze": "cloze",
}
LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"


def note_types(env: jinja2.Environment) -> dict[str, genanki.Model]:
    """quizgen's note types, card templates read (not rendered) through the override chain."""
    css = raw_template(env, "anki/style.css")

    def tmpl(name: str) -> dict[str, str]:
        return {
            "name": "Card 1",
            "qfmt": raw_template(env, f"anki/{name}-front.html"),
            "afmt": raw_template(env, f"anki/{name}-back.html"),
        }

    return {
        "basic": genanki.Model(
            ANKI_BASIC_MODEL_ID,
            "quizgen Basic",
            fields=[{"name": f} for f in BASIC_FIELDS],
            templates=[tmpl("basic")],
            css=css,
            sort_field_index=0,
        ),
        "choice": genanki.Model(
            ANKI_CHOICE_MODEL_ID,
            "quizgen Choice",
            fields=[{"name": f} for f in CHOICE_FIELDS],
            templates=[tmpl("choice")],
            css=css,
            sort_field_index=0,
        ),
        "cloze": genanki.Model(
            ANKI_CLOZE_MODEL_ID,
            "quizgen Cloze",
            fields=[{"name": f} for f in CLOZE_FIELDS],
            templates=[{**tmpl("cloze"), "name": "Cloze"}],
            css=css,
            model_type=genanki.Model.CLOZE,
            sort_field_index=0,
        ),
    }


class _Note(genanki.Note):  # type: ignore[misc]
    """A genanki note with its own mod time (genanki stamps every note with one timestamp)."""

    mod: int = 0

    def write_to_db(self, cursor: Any, timestamp: float, deck_id: int, id_gen: Any) -> None:
        super().write_to_db(cursor, self.mod or timestamp, deck_id, id_gen)


@dataclass(frozen=True)
class _Built:
    note_type: str
    fields: list[str]
    tags: list[str]
    deck_name: str
    media: str | None


def write_apkg(
    deck: Deck,
    items: Sequence[Item],
    path: str,
    *,
    env: jinja2.Environment | None = None,
    timestamp: float | None = None,
    previous: str | None = None,
) -> None:
    """Write `items` of `deck` as an Anki package at `path`, atomically, with no temp files left.

    `previous` is the package learners imported last (default: `path` itself): notes whose
    content is unchanged keep its mod times, so re-importing changes nothing."""
    env = env or make_env()
    now = int(timestamp if timestamp is not None else time.time())
    models = note_types(env)
    previous_notes = _previous_notes(previous or path)
    kinds = {f.id: f.kind for f in deck.facts}
    decks: dict[str, genanki.Deck] = {}
    media: dict[str, str] = {}
    title = _deck_name(deck.info.title)
    attribution = _attribution_html(deck)
    for item in items:
        built = _build(item, kinds.get(item.fact_id, ""), title, attribution)
        guid = anki_guid(item.uid)
        note = _Note(model=models[built.note_type], fields=built.fields, tags=built.tags, guid=guid)
        old = previous_notes.get(guid)
        content = "\x1f".join(built.fields)
        note.mod = old[0] if old and old[1] == content else max(now, old[0] + 1 if old else now)
        section = built.deck_name
        if section not in decks:
            decks[section] = genanki.Deck(
                anki_deck_id(deck.info.id, section),
                section,
                description=str(escape(deck.info.attribution)),
            )
        decks[section].add_note(note)
        if built.media:
            media[built.media] = item.image or ""
    if not decks:  # an empty deck is still a valid package
        decks[title] = genanki.Deck(anki_deck_id(deck.info.id), title)
    _write_package(list(decks.values()), media, path, now)


def _write_package(
    decks: list[genanki.Deck], media: dict[str, str], path: str, timestamp: int
) -> None:
    """genanki's Package.write_to_file, minus its leaked temp file and plus atomicity."""
    package = genanki.Package(decks)
    folder = os.path.dirname(os.path.abspath(path))
    os.makedirs(folder, exist_ok=True)
    with private_temp_file(folder, "collection.anki2") as db_path:
        conn = sqlite3.connect(db_path)
        try:
            package.write_to_db(conn.cursor(), timestamp, itertools.count(timestamp * 1000))
            conn.commit()
        finally:
            conn.close()
        with atomic_path(path) as tmp, zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as z:
            z.write(db_path, "collection.anki2")
            names = sorted(media)
            z.writestr("media", _media_json(names))
            for i, name in enumerate(names):
                z.write(media[name], str(i))


def _media_json(names: list[str]) -> str:
    import json

    return json.dumps({str(i): n for i, n in enumerate(names)})


def _previous_notes(path: str) -> dict[str, tuple[int, str]]:
    """guid → (mod, fields) of the package we wrote last time, if it is there and readable."""
    if not os.path.isfile(path):
        return {}
    try:
        with private_temp_file(os.path.dirname(os.path.abspath(path)), "previous.anki2") as db:
            with zipfile.ZipFile(path) as z, open(db, "wb") as out:
                out.write(z.read("collection.anki2"))
            conn = sqlite3.connect(db)
            try:
                rows = conn.execute("SELECT guid, mod, flds FROM notes").fetchall()
            finally:
                conn.close()
        return {guid: (int(mod), flds) for guid, mod, flds in rows}
    except (OSError, KeyError, zipfile.BadZipFile, sqlite3.Error):
        return {}  # not ours or damaged: every note counts as changed, which is safe


def _deck_name(text: str) -> str:
    return " ".join(text.replace("::", ":").split())


def _build(item: Item, kind: str, title: str, attribution: str) -> _Built:
    # Plain f-strings over already-escaped parts: Markup.format costs more than all of genanki.
    note_type = NOTE_TYPE_OF[item.qtype]
    extra = str(item.explanation)
    media = None
    if item.image:
        digest = hashlib.sha256(item.image.encode()).hexdigest()[:10]
        media = f"quizgen-{digest}-{os.path.basename(item.image)}"
        extra += f'<div><img src="{escape(media)}"></div>'
    common = [
        extra,
        str(item.claim),
        _sources_html(item.sources),
        attribution,
        str(escape(item.fact_id)),
        str(escape(item.uid)),
    ]
    if note_type == "basic":
        fields = [str(item.prompt), str(item.answer), *common]
    elif note_type == "choice":
        options, key = _options_html(item)
        fields = [str(item.prompt), options, key, str(item.answer), *common]
    else:
        assert item.cloze is not None
        before, key, after = (_no_cloze_syntax(part) for part in item.cloze)
        fields = [f"{before}{{{{c1::{key}}}}}{after}", *common]
    tags = [_tag(t) for t in (*item.tags, kind, item.status, item.qtype) if t]
    deck_name = f"{title}::{_deck_name(item.section)}" if item.section else title
    return _Built(note_type, fields, list(dict.fromkeys(tags)), deck_name, media)


def _options_html(item: Item) -> tuple[str, str]:
    """(options as shown on the front, the same with the right answer marked for the back).
    Options are Markup (escaped already)."""
    if item.qtype == "match":
        rows = []
        for i in range(max(len(item.left), len(item.options))):
            left = f"{i + 1}. {item.left[i]}" if i < len(item.left) else ""
            option = f"{LETTERS[i]}. {item.options[i]}" if i < len(item.options) else ""
            rows.append(f"<tr><td>{left}</td><td>{option}</td></tr>")
        table = f"<table>{''.join(rows)}</table>"
        return table, table
    right = set(item.correct) if item.qtype != "order" else set()
    plain_list = "".join(f"<li>{o}</li>" for o in item.options)
    marked = "".join(
        f'<li class="qg-right">{o}</li>' if i in right else f"<li>{o}</li>"
        for i, o in enumerate(item.options)
    )
    return f"<ol>{plain_list}</ol>", f"<ol>{marked}</ol>"


@lru_cache(maxsize=4096)
def _sources_html(sources: tuple[Source, ...]) -> str:
    if not sources:
        return ""
    parts = []
    for s in sources:
        cite = str(escape(s.citation()))
        if s.url:
            cite = f'<a href="{escape(s.url)}">{cite}</a>'
        parts.append(f"<li>{cite}</li>")
    return f"Sources: <ul>{''.join(parts)}</ul>"


def _attribution_html(deck: Deck) -> str:
    info = deck.info
    if not info.attribution:
        return ""
    text = str(escape(info.attribution))
    if info.license and info.license not in info.attribution:
        text += f" ({escape(info.license)})"
    return text


def _no_cloze_syntax(part: Markup) -> str:
    """Fact text must not open or close a cloze: braces and colons as entities, which Anki's
    cloze parser does not see."""
    return str(part).replace("{", "&#123;").replace("}", "&#125;").replace("::", "&#58;&#58;")


def _tag(text: str) -> str:
    return "_".join(text.split()).replace('"', "")
