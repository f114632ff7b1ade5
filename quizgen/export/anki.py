"""Items → an Anki package (.apkg) that learners can re-import after every edit.

What makes re-imports safe (see docs in quizgen/ids.py and shared notes on Anki's behaviour):
- GUID = Item.uid (deck/fact/qtype/variant), never text: an edited fact updates its notes.
- Five note types with hard-coded ids and one frozen field list (quizgen.ids.ANKI_FIELDS).
- Content-aware mod times. Anki applies an incoming note only if its `mod` is newer than the
  collection's, and a newer `mod` on unchanged content still rewrites the note. So each note keeps
  the `mod` it had in the previous package at `path` when its content (note type, fields, tags)
  is unchanged, and gets a `mod` newer than everything in that package when it changed or is new.
  Re-importing an unchanged rebuild therefore changes nothing, and an edit always wins, even for
  two builds in the same second. Note types follow the same rule for template and CSS changes.
  Without a previous package (a fresh checkout) every note gets the build time: a re-import then
  rewrites unchanged notes with the same content, which keeps review history.

Everything from fact text arrives as escaped Markup; the plain text added here (citations,
attribution) is escaped too. Anki additionally interprets `[sound:…]`, `[latex]` and `{{c1::…}}`
inside field text, so brackets and braces from facts become character references.
"""

from __future__ import annotations

import contextlib
import hashlib
import itertools
import json
import os
import re
import shutil
import sqlite3
import time
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import genanki
import jinja2

from quizgen import ids
from quizgen.errors import OutputError, QuizgenError, TemplateError
from quizgen.generation.item import Item
from quizgen.model import Deck, Source
from quizgen.output import atomic_path
from quizgen.templating import make_env, raw_template, search_path
from quizgen.text import Markup, escape, html, plain

DETAILS_MARK = "<!--quizgen:details-->"


@dataclass(frozen=True)
class NoteType:
    id: int
    name: str
    template: str  # file stem under templates/anki/
    cloze: bool = False


NOTE_TYPES: dict[str, NoteType] = {
    t.template: t
    for t in (
        NoteType(ids.ANKI_NOTE_TYPE_QA, "quizgen: question and answer", "qa"),
        NoteType(ids.ANKI_NOTE_TYPE_TYPED, "quizgen: typed answer", "typed"),
        NoteType(ids.ANKI_NOTE_TYPE_CHOICE, "quizgen: multiple choice", "choice"),
        NoteType(ids.ANKI_NOTE_TYPE_CLOZE, "quizgen: cloze", "cloze", cloze=True),
        NoteType(ids.ANKI_NOTE_TYPE_ARRANGE, "quizgen: ordering and matching", "arrange"),
    )
}
# Part of the identity contract: an item's qtype is in its uid, so its note type never changes.
NOTE_TYPE_OF_QTYPE: dict[str, str] = {
    "qa": "qa",
    "reverse": "qa",
    "short": "typed",
    "mcq": "choice",
    "tf": "choice",
    "first": "choice",
    "cloze": "cloze",
    "order": "arrange",
    "match": "arrange",
}

# Anki reads these inside field text: [sound:x], [latex], [$]…[/$], {{c1::…}}, and the `::`
# that starts a cloze hint. As character references they display the same and mean nothing.
_ANKI_SYNTAX = str.maketrans({"[": "&#91;", "]": "&#93;", "{": "&#123;", "}": "&#125;"})


def write_apkg(
    deck: Deck,
    items: Sequence[Item],
    path: str,
    *,
    env: jinja2.Environment | None = None,
    timestamp: float | None = None,
    previous: str | None = None,
) -> None:
    """Write `items` of `deck` to the Anki package `path`, atomically.

    `previous` is the package learners imported last (default: `path` itself; a staged build
    writes elsewhere first): it is the memory of which notes changed."""
    env = env or make_env(search_path(deck.info.templates))
    now = int(time.time() if timestamp is None else timestamp)
    with atomic_path(path) as tmp:
        # The collection database is built on disk, not in memory (a 100k-note collection is
        # over 100 MB). Named like `tmp`, so a killed build's leftovers are swept the same way.
        scratch = tmp + ".anki2"
        try:
            known = _read_previous(previous or path, scratch)
            decks, media = _decks(deck, items, env, known, now)
            _write_package(decks, media, tmp, scratch, now)
        except sqlite3.Error as e:  # e.g. the disk filled up under the collection database
            raise OutputError(f"cannot write {path}: {e}") from e
        finally:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(scratch)


@dataclass(frozen=True, slots=True)
class _Note:
    """One note as it goes into the collection (genanki's Note, minus per-note checks we don't
    need: our fields are escaped HTML by construction)."""

    model: _Model
    guid: str
    mod: int
    tags: str  # space-padded, as Anki stores them
    fields: list[str]
    due: int  # position among new cards


def _decks(
    deck: Deck, items: Sequence[Item], env: jinja2.Environment, previous: _Previous, now: int
) -> tuple[list[tuple[genanki.Deck, list[_Note]]], dict[str, str]]:
    """The genanki decks (top deck and one per section), each with its notes, and the media files
    to pack (name in the package → path)."""
    models = {key: _model(env, nt, previous, now) for key, nt in NOTE_TYPES.items()}
    kinds = {f.id: f.kind for f in deck.facts}
    attribution = _attribution(deck)
    media: dict[str, str] = {}
    images: dict[str, str] = {}  # path → <img> field
    html_cache: dict[int, str] = {}
    note_floor = max(now, previous.max_note_mod + 1)

    top = genanki.Deck(ids.anki_deck_id(deck.info.id), _deck_name(deck.info.title))
    top.description = _deck_description(deck, attribution)
    for model in models.values():
        top.add_model(model)
    decks: dict[str | None, tuple[genanki.Deck, list[_Note]]] = {None: (top, [])}
    seen: set[str] = set()
    for position, item in enumerate(_study_order(items)):
        uid = item.uid
        if uid in seen:  # Anki would keep one of the two notes and silently drop the other
            raise QuizgenError(f"{item.location}: two questions have the same identity {uid}")
        seen.add(uid)
        model = models[NOTE_TYPE_OF_QTYPE[item.qtype]]
        image = ""
        if item.image:
            if item.image not in images:
                name = _media_name(item.image)
                media[name] = item.image
                images[item.image] = str(Markup('<img src="{}" alt="">').format(name))
            image = images[item.image]
        fields = _fields(item, uid, attribution, image, html_cache)
        tags = _tag_text(_tags(item, kinds.get(item.fact_id)))
        digest = _note_digest(model.model_id, "\x1f".join(fields), tags)
        old = previous.notes.get(uid)
        mod = old[1] if old is not None and old[0] == digest else note_floor
        if item.section not in decks:
            sub = genanki.Deck(
                ids.anki_deck_id(deck.info.id, item.section),
                f"{top.name}::{_deck_name(item.section or '')}",
            )
            decks[item.section] = (sub, [])
        sub, notes = decks[item.section]
        sub.add_model(model)  # as genanki does: a deck lists the note types of its notes
        notes.append(_Note(model, uid, mod, tags, fields, position))
    return list(decks.values()), media


# --- fields ---------------------------------------------------------------------------------------


def _fields(item: Item, uid: str, attribution: str, image: str, cache: dict[int, str]) -> list[str]:
    """The note's fields, in the frozen order of quizgen.ids.ANKI_FIELDS. `cache` keeps the
    HTML of source lists, which all items of a fact share (keyed by the tuple's identity: the
    items keep it alive for the whole build)."""
    if item.qtype == "cloze" and item.cloze is not None:
        before, key, after = (_safe(x) for x in item.cloze)
        question = f"{before}{{{{c1::{key.replace(':', '&#58;')}}}}}{after}"
    else:
        question = _safe(item.prompt)
    accepted = type_in = ""
    if item.accepted:
        answer = plain(item.answer).casefold()
        accepted = "; ".join(escape(a) for a in item.accepted if a.casefold() != answer)
        if item.qtype == "short":
            type_in = escape(item.accepted[0])
    sources = cache.get(id(item.sources))
    if sources is None:
        sources = cache[id(item.sources)] = _safe(_sources(item.sources))
    values = {
        "Question": question,
        "Options": _safe(_options(item)),
        "Answer": _safe(item.answer),
        "Accepted": _safe(accepted),
        "TypeIn": _safe(type_in),
        "Explanation": _safe(item.explanation),
        "Claim": _safe(item.claim),
        "Status": item.status,
        "Image": image,
        "Sources": sources,
        "Attribution": attribution,
        "Facts": str(escape(" ".join(item.fact_ids or (item.fact_id,)))),
        "Uid": str(escape(uid)),
    }
    return [values[name] for name in ids.ANKI_FIELDS]


def _safe(text: str) -> str:
    """Escaped HTML → field text that Anki's own markup ([sound:], cloze braces) ignores."""
    text = str(text)
    if "[" in text or "]" in text or "{" in text or "}" in text:
        return text.translate(_ANKI_SYNTAX)
    return text


# Option lists are the hot path of a 100k-note build, so they are f-strings rather than
# Markup.format; every inserted value still goes through html() (escape(), free on Markup).
def _options(item: Item) -> str:
    if item.qtype in ("mcq", "tf", "first"):
        rows = "".join(
            f'<li class="qg-correct">{html(o)}</li>' if i in item.correct else f"<li>{html(o)}</li>"
            for i, o in enumerate(item.options)
        )
        return f'<ol class="qg-options{" qg-tf" if item.qtype == "tf" else ""}">{rows}</ol>'
    if item.qtype == "order":
        return f'<ol class="qg-options qg-order">{_lis(item.options)}</ol>'
    if item.qtype == "match":
        return (
            f'<div class="qg-match"><ol class="qg-left">{_lis(item.left)}</ol>'
            f'<ol class="qg-right">{_lis(item.options)}</ol></div>'
        )
    return ""


def _lis(entries: Iterable[str]) -> str:
    return "".join(f"<li>{html(e)}</li>" for e in entries)


def _sources(sources: Iterable[Source]) -> str:
    rows = []
    for s in sources:
        link = ""
        if s.url.startswith(("https://", "http://")):  # never javascript: or data: links
            link = f' <a href="{escape(s.url)}">link</a>'
        rows.append(f"<li>{escape(s.citation())}{link}</li>")
    return f"<ul>{''.join(rows)}</ul>" if rows else ""


def _attribution(deck: Deck) -> str:
    info = deck.info
    if not info.attribution:
        return ""
    text = escape(info.attribution)
    if info.license and info.license not in info.attribution:
        text = Markup("{} ({})").format(text, info.license)
    if info.url.startswith(("https://", "http://")):
        text = Markup('{} <a href="{}">source</a>').format(text, info.url)
    return _safe(text)


def _deck_description(deck: Deck, attribution: str) -> str:
    parts = [str(escape(deck.info.description))] if deck.info.description else []
    if attribution:
        parts.append(attribution)
    return "<br>".join(parts)


# --- tags and deck names --------------------------------------------------------------------------
# Anki shows tags and deck names as text (its screens escape them), but {{Tags}}, {{Deck}} and
# {{Subdeck}} insert them into cards raw. Entity-escaping would show `&amp;` everywhere, so the
# only characters that could open markup, `<` and `>`, are swapped for look-alikes instead.
_NAME_SAFE = str.maketrans({"<": "‹", ">": "›"})


def _tags(item: Item, kind: str | None) -> list[str]:
    tags = [re.sub(r"\s+", "_", t.strip()).translate(_NAME_SAFE) for t in item.tags if t.strip()]
    if kind:
        tags.append(f"quizgen::kind::{kind}")
    tags.append(f"quizgen::claim::{item.status}")
    tags.append(f"quizgen::type::{item.qtype}")
    return list(dict.fromkeys(tags))


def _tag_text(tags: Sequence[str]) -> str:
    return " " + " ".join(tags) + " "  # how genanki stores them


def _deck_name(text: str) -> str:
    # `::` would nest decks the author didn't ask for.
    return " ".join(text.replace("::", ":").translate(_NAME_SAFE).split()) or "-"


def _study_order(items: Sequence[Item]) -> list[Item]:
    """New cards in Anki come by position: each fact's first question, then each fact's second
    one, and so on, so one fact isn't asked five ways in a row."""
    nth: dict[str, int] = {}
    keyed = []
    for i, item in enumerate(items):
        k = nth.get(item.fact_id, 0)
        nth[item.fact_id] = k + 1
        keyed.append((k, i))
    keyed.sort()  # (k, i) pairs are unique: plain tuple order, no key function
    return [items[i] for _, i in keyed]


def _media_name(path: str) -> str:
    """Named by content: two pictures never collide, and a changed picture is a changed note."""
    try:
        with open(path, "rb") as fh:
            digest = hashlib.file_digest(fh, "sha256").hexdigest()[:20]
    except OSError as e:
        raise OutputError(f"cannot read image {path}: {e.strerror or e}") from e
    ext = re.sub(r"[^a-z0-9]", "", os.path.splitext(path)[1].lower())
    return f"quizgen-{digest}.{ext}" if ext else f"quizgen-{digest}"


# --- note types -----------------------------------------------------------------------------------


class _Model(genanki.Model):  # type: ignore[misc]
    """A genanki model whose `mod` is ours, not the build time."""

    mod = 0

    def to_json(self, timestamp: float, deck_id: int) -> dict[str, object]:
        data: dict[str, object] = super().to_json(timestamp, deck_id)
        data["mod"] = self.mod
        return data


def _model(env: jinja2.Environment, nt: NoteType, previous: _Previous, now: int) -> _Model:
    details = raw_template(env, "anki/details.html")
    templates = [
        {
            "name": "Card 1",
            "qfmt": raw_template(env, f"anki/{nt.template}.front.html"),
            "afmt": raw_template(env, f"anki/{nt.template}.back.html").replace(
                DETAILS_MARK, details
            ),
        }
    ]
    model = _Model(
        nt.id,
        nt.name,
        fields=[{"name": name} for name in ids.ANKI_FIELDS],
        templates=templates,
        css=raw_template(env, "anki/style.css"),
        model_type=genanki.Model.CLOZE if nt.cloze else genanki.Model.FRONT_BACK,
    )
    if nt.cloze and "{{cloze:Question}}" not in templates[0]["qfmt"]:
        raise TemplateError(
            f"anki/{nt.template}.front.html: a cloze card needs {{{{cloze:Question}}}}"
        )
    if not nt.cloze:
        try:
            model._req  # noqa: B018 - computed here so a bad template is reported by name
        except Exception as e:
            raise TemplateError(
                f"anki/{nt.template}.front.html: the front shows no field ({e})"
            ) from e
    digest = _model_digest(model.to_json(now, 0))
    old = previous.models.get(nt.id)
    if old is None:
        model.mod = now
    else:
        model.mod = old[1] if old[0] == digest else max(now, old[1] + 1)
    return model


def _model_digest(data: dict[str, object]) -> bytes:
    """What Anki takes from a note type on import: name, fields, templates, CSS, kind."""
    flds = data.get("flds") or []
    tmpls = data.get("tmpls") or []
    assert isinstance(flds, list) and isinstance(tmpls, list)
    key = json.dumps(
        [
            data.get("name"),
            [f.get("name") for f in flds],
            [[t.get("name"), t.get("qfmt"), t.get("afmt")] for t in tmpls],
            data.get("css"),
            data.get("type"),
            data.get("sortf"),
        ],
        sort_keys=True,
    )
    return hashlib.blake2b(key.encode(), digest_size=16).digest()


def _note_digest(mid: int, flds: str, tags: str) -> bytes:
    return hashlib.blake2b(f"{mid}\x1e{flds}\x1e{tags}".encode(), digest_size=16).digest()


# --- the previous package -------------------------------------------------------------------------


@dataclass(frozen=True)
class _Previous:
    notes: dict[str, tuple[bytes, int]]  # guid → (content digest, mod)
    models: dict[int, tuple[bytes, int]]  # note type id → (digest, mod)

    @property
    def max_note_mod(self) -> int:
        return max((mod for _, mod in self.notes.values()), default=0)


def _read_previous(path: str, scratch: str) -> _Previous:
    """Digests and mod times of the package we wrote last time at `path` (empty if none);
    `scratch` is a free path to unpack its collection to."""
    empty = _Previous({}, {})
    try:
        with (
            zipfile.ZipFile(path) as z,
            z.open("collection.anki2") as src,
            open(scratch, "wb") as dst,
        ):
            shutil.copyfileobj(src, dst, 1 << 20)
    except (OSError, zipfile.BadZipFile, KeyError):
        return empty
    try:
        con = sqlite3.connect(scratch)
        try:
            notes = {
                guid: (_note_digest(mid, flds, tags), mod)
                for guid, mid, mod, flds, tags in con.execute(
                    "SELECT guid, mid, mod, flds, tags FROM notes"
                )
            }
            (models_json,) = con.execute("SELECT models FROM col").fetchone()
        finally:
            con.close()
        models = {
            int(mid): (_model_digest(m), int(m["mod"]))
            for mid, m in json.loads(models_json).items()
        }
    except (sqlite3.Error, ValueError, KeyError, TypeError, AttributeError):
        return empty  # not a package we can read: treat as a first build
    finally:
        os.unlink(scratch)
    return _Previous(notes, models)


# --- writing --------------------------------------------------------------------------------------


def _write_package(
    decks: list[tuple[genanki.Deck, list[_Note]]],
    media: dict[str, str],
    tmp: str,
    scratch: str,
    timestamp: int,
) -> None:
    """The collection as genanki's Package.write_to_file would write it (same schema, ids and
    rows), but with batched inserts and without its leaked temp file: the collection goes to
    `scratch` (which the caller removes) and is zipped with the media into `tmp`."""
    con = sqlite3.connect(scratch)
    try:
        con.execute("PRAGMA journal_mode = OFF")  # a scratch file: no rollback, no journal file
        con.execute("PRAGMA synchronous = OFF")
        cursor = con.cursor()
        # Schema, the col row, and the decks' and note types' JSON: genanki's own code.
        genanki.Package([d for d, _ in decks]).write_to_db(cursor, timestamp, iter(()))
        next_id = itertools.count(timestamp * 1000)
        notes: list[tuple[object, ...]] = []
        cards: list[tuple[object, ...]] = []
        cloze_fields: dict[int, tuple[int, ...]] = {}
        for gdeck, deck_notes in decks:
            for n in deck_notes:
                note_id = next(next_id)
                notes.append(
                    (
                        note_id,
                        n.guid,
                        n.model.model_id,
                        n.mod,
                        -1,
                        n.tags,
                        "\x1f".join(n.fields),
                        n.fields[0],
                        0,
                        0,
                        "",
                    )
                )
                for ord_ in _card_ords(n, cloze_fields):
                    cards.append(
                        (
                            next(next_id),
                            note_id,
                            gdeck.deck_id,
                            ord_,
                            n.mod,
                            -1,
                            0,
                            0,
                            n.due,
                            0,
                            0,
                            0,
                            0,
                            0,
                            0,
                            0,
                            0,
                            "",
                        )
                    )
        cursor.executemany("INSERT INTO notes VALUES(?,?,?,?,?,?,?,?,?,?,?)", notes)
        cursor.executemany("INSERT INTO cards VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)", cards)
        con.commit()
    finally:
        con.close()
    with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as z:
        z.write(scratch, "collection.anki2")
        names = sorted(media)
        z.writestr("media", json.dumps({str(i): name for i, name in enumerate(names)}))
        for i, name in enumerate(names):
            z.write(media[name], str(i))


_CLOZE_NUMBER = re.compile(r"{{c(\d+)::.+?}}", re.DOTALL)


def _card_ords(note: _Note, cloze_fields: dict[int, tuple[int, ...]]) -> list[int]:
    """Which cards a note gets, by genanki's rules: a cloze note one per cloze number in the
    fields its front shows as cloze, any other note one per template whose required fields are
    filled."""
    model = note.model
    if model.model_type == genanki.Model.CLOZE:
        if model.model_id not in cloze_fields:
            cloze_fields[model.model_id] = _cloze_fields(model)
        numbers = (
            int(m)
            for i in cloze_fields[model.model_id]
            for m in _CLOZE_NUMBER.findall(note.fields[i])
        )
        return sorted({n - 1 for n in numbers if n > 0})
    ords = []
    for card_ord, any_or_all, required in model._req:
        op = any if any_or_all == "any" else all
        if op(note.fields[i] for i in required):
            ords.append(card_ord)
    return ords


def _cloze_fields(model: _Model) -> tuple[int, ...]:
    """Indices of the fields a cloze note type's front shows with `{{cloze:Field}}`."""
    qfmt = model.templates[0]["qfmt"]
    names = set(re.findall(r"{{[^}]*?cloze:(?:[^}]?:)*(.+?)}}", qfmt))
    names |= set(re.findall("<%cloze:(.+?)%>", qfmt))
    return tuple(i for i, f in enumerate(model.fields) if f["name"] in names)
