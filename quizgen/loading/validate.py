"""Turn located YAML values into the fact model, collecting every problem with file and line."""

from __future__ import annotations

import difflib
import os
import re
from collections.abc import Callable, Iterable
from decimal import Decimal, InvalidOperation
from typing import Any, TypeVar

from quizgen.dates import DateSyntaxError, FuzzyDate, parse_date
from quizgen.errors import DeckError, Problem
from quizgen.loading import yamlsource
from quizgen.loading.files import find_deck_files
from quizgen.loading.yamlsource import (
    Map,
    Null,
    Seq,
    Str,
    parse_file,
    paused_gc,
    size_problem,
    where,
)
from quizgen.model import (
    BOUNDS,
    CLAIM_STATUSES,
    ENTITY_KINDS,
    FACT_KINDS,
    Body,
    Dated,
    Deck,
    DeckInfo,
    Entity,
    EventFact,
    Fact,
    GroupFact,
    Location,
    LocationFact,
    QuantityFact,
    QuoteFact,
    RoleFact,
    Source,
)

T = TypeVar("T")
SLUG = re.compile(r"^[a-z0-9][a-z0-9._-]*$")
WEB_URL = re.compile(r"https?://[^\s<>\"]+\Z", re.IGNORECASE)

TOP_KEYS = {"deck", "sources", "entities", "facts"}
DECK_KEYS = {"id", "title", "description", "language", "license", "attribution", "url", "templates"}
SOURCE_KEYS = {"title", "publisher", "author", "date", "url", "language"}
ENTITY_KEYS = {"name", "kind", "aliases", "category", "description"}
COMMON_FACT_KEYS = {
    "id",
    "kind",
    "section",
    "tags",
    "sources",
    "status",
    "claimed_by",
    "denied_by",
    "note",
    "distractors",
    "accept",
    "image",
}
KIND_KEYS: dict[str, tuple[set[str], set[str]]] = {  # kind -> (required, optional)
    "event": ({"what", "when"}, {"date_text", "where", "who"}),
    "role": ({"person", "role"}, {"organisation", "as_of", "date_text"}),
    "location": ({"thing", "places"}, {"as_of", "date_text"}),
    "quantity": ({"what", "value"}, {"unit", "bound", "as_of", "date_text"}),
    "group": ({"name", "members"}, {"complete", "as_of", "date_text"}),
    "quote": ({"speaker", "text"}, {"when", "date_text", "context"}),
}
PLACE_KINDS = ("country", "city", "region", "place")


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    match = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return f" (did you mean {match[0]!r}?)" if match else ""


def _type_name(value: Any) -> str:
    if isinstance(value, Map):
        return "a mapping"
    if isinstance(value, Seq):
        return "a list"
    if isinstance(value, Null):
        return "nothing"
    return "text"


class FileReader:
    """Validation of one deck file; problems accumulate instead of raising."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.problems: list[Problem] = []

    def error(self, at: Any, message: str, fallback: Any = None) -> None:
        line, col = where(at, where(fallback))
        self.problems.append(Problem(self.path, line, col, message))

    # --- shapes -------------------------------------------------------------------------------
    def mapping(
        self, value: Any, what: str, required: set[str], optional: set[str], parent: Any = None
    ) -> Map | None:
        if not isinstance(value, Map):
            self.error(
                value,
                f"{what} must be a mapping of keys to values, not {_type_name(value)}",
                parent,
            )
            return None
        allowed = required | optional
        for key in value:
            if key not in allowed:
                self.error(
                    _KeyAt(value, key), f"unknown key {key!r} in {what}{did_you_mean(key, allowed)}"
                )
        for key in sorted(required - value.keys()):
            self.error(value, f"{what} is missing {key!r}")
        return value

    def text(self, m: Map, key: str, what: str, required: bool = False) -> str | None:
        value = m.get(key)
        if value is None or isinstance(value, Null):
            if required and key in m:
                self.error(value if value is not None else m, f"{what}: {key!r} is empty", m)
            return None
        if not isinstance(value, Str):
            self.error(value, f"{what}: {key!r} must be text, not {_type_name(value)}", m)
            return None
        s = value.strip()
        if not s:
            if required:
                self.error(value, f"{what}: {key!r} is empty")
            return None
        return s

    def slug(self, m: Map, key: str, what: str) -> str | None:
        s = self.text(m, key, what, required=True)
        if s is not None and not SLUG.match(s):
            self.error(
                m[key],
                f"{what}: {key!r} must be a lower-case slug of letters, digits and -._ (got {s!r})",
            )
            return None
        return s

    def text_list(self, m: Map, key: str, what: str) -> list[Str]:
        value = m.get(key)
        if value is None or isinstance(value, Null):
            return []
        if isinstance(value, Str):  # `tags: iran` is a forgivable shorthand for `[iran]`
            value = Seq([value])
        if not isinstance(value, Seq):
            self.error(value, f"{what}: {key!r} must be a list, not {_type_name(value)}", m)
            return []
        out: list[Str] = []
        for item in value:
            if not isinstance(item, Str) or not item.strip():
                self.error(item, f"{what}: every entry of {key!r} must be non-empty text", value)
                continue
            out.append(Str(item.strip(), item.line, item.col))
        return out

    def url(self, m: Map, key: str, what: str) -> str:
        """A web address. Exports turn it into a link, so `javascript:` and friends are refused."""
        s = self.text(m, key, what)
        if s is None:
            return ""
        if not WEB_URL.match(s):
            self.error(
                m[key],
                f"{what}: {key!r} must be a web address starting with https:// "
                f"or http:// (got {s!r})",
            )
            return ""
        return s

    def date(self, m: Map, key: str, what: str) -> FuzzyDate | None:
        s = self.text(m, key, what, required=True)
        if s is None:
            return None
        try:
            return parse_date(s)
        except DateSyntaxError as e:
            self.error(m[key], f"{what}: {key!r}: {e}")
            return None

    def dated(self, m: Map, key: str, what: str, required: bool = False) -> Dated | None:
        if key not in m or (not required and isinstance(m[key], Null)):  # optional, left out
            if "date_text" in m and not required:  # (a missing required date is reported)
                self.error(
                    _KeyAt(m, "date_text"),
                    f"{what}: 'date_text' says how {key!r} reads, but there is no {key!r}",
                )
            return None
        d = self.date(m, key, what)
        return Dated(d, self.text(m, "date_text", what)) if d else None

    def choice(self, m: Map, key: str, what: str, choices: Iterable[str], default: T) -> str | T:
        s = self.text(m, key, what)
        if s is None:
            return default
        choices = list(choices)
        if s not in choices:
            self.error(
                m[key],
                f"{what}: {key!r} must be one of {', '.join(choices)} (got {s!r})"
                f"{did_you_mean(s, choices)}",
            )
            return default
        return s

    def ref(self, item: Str, table: dict[str, T], what: str, table_name: str) -> T | None:
        if item in table:
            return table[item]
        self.error(item, f"{what}: unknown {table_name} {str(item)!r}{did_you_mean(item, table)}")
        return None


class _KeyAt:
    """Points an error at a key's own line rather than its mapping's."""

    def __init__(self, m: Map, key: str) -> None:
        self.line, self.col = m.keys_at.get(key, (m.line, m.col))


# --- the file as a whole -------------------------------------------------------------------------


def read_deck(path: str, data: bytes | None = None) -> tuple[Deck | None, list[Problem]]:
    """Validate one deck file. Returns the deck (None if unusable) and every problem found.

    Messages name the file as the caller gave it; `data` lets tests and tools skip the disk."""
    shown = os.path.normpath(path)
    if data is None:
        try:
            with open(path, "rb") as fh:
                size = os.fstat(fh.fileno()).st_size
                too_big = size_problem(shown, size)
                if too_big:
                    return None, [too_big]
                # A size of 0 may be a pipe or a /proc file: read no more than the cap allows.
                data = fh.read() if size else fh.read(yamlsource.MAX_FILE_BYTES + 1)
        except OSError as e:
            return None, [Problem(shown, 0, 0, f"cannot read the file: {e.strerror}")]
    with paused_gc():
        root, problems = parse_file(shown, data)
        return deck_from_values(path, root, problems)


def deck_from_values(
    path: str, root: Any, problems: list[Problem]
) -> tuple[Deck | None, list[Problem]]:
    """The deck in a parsed file (`parse_file`'s located values and problems), validated."""
    shown = os.path.normpath(path)
    r = FileReader(shown)
    r.problems.extend(problems)
    if root is None:
        return None, r.problems
    top = r.mapping(root, "the file", {"deck", "facts"}, TOP_KEYS - {"deck", "facts"})
    if top is None:
        return None, r.problems
    base = os.path.dirname(os.path.abspath(path))
    # A missing 'deck' or 'facts' is already reported by mapping(); don't report it twice.
    info = _deck_info(r, top["deck"], base, top) if "deck" in top else None
    sources = _table(r, top, "sources", lambda k, v: _source(r, k, v))
    if "sources" not in top:
        r.error(top, "the file has no 'sources': every fact must cite at least one source")
    entities = _table(r, top, "entities", lambda k, v: _entity(r, k, v))
    facts = _facts(r, top["facts"], sources, entities, base, top) if "facts" in top else []
    if info is None or r.problems:
        return None, r.problems
    return Deck(info, os.path.abspath(path), sources, entities, tuple(facts)), []


def _deck_info(r: FileReader, value: Any, base: str, parent: Any) -> DeckInfo | None:
    m = r.mapping(value, "deck", {"id", "title"}, DECK_KEYS - {"id", "title"}, parent)
    if m is None:
        return None
    what = "deck"
    deck_id = r.slug(m, "id", what)
    title = r.text(m, "title", what, required=True)
    license_ = r.text(m, "license", what) or ""
    attribution = r.text(m, "attribution", what) or ""
    if license_ and not attribution:
        r.error(
            m,
            f"deck: the licence is {license_!r} but there is no 'attribution' to credit "
            "the original (required to share the deck)",
        )
    templates = r.text(m, "templates", what)
    if templates is not None:
        templates = os.path.join(base, templates)
        if not os.path.isdir(templates):
            r.error(m["templates"], f"deck: the templates folder {m['templates']!s} does not exist")
    if deck_id is None or title is None:
        return None
    return DeckInfo(
        id=deck_id,
        title=title,
        description=r.text(m, "description", what) or "",
        language=r.text(m, "language", what) or "en",
        license=license_,
        attribution=attribution,
        url=r.url(m, "url", what),
        templates=templates,
    )


def _table(
    r: FileReader, top: Map, key: str, build: Callable[[Str, Any], T | None]
) -> dict[str, T]:
    value = top.get(key)
    if value is None or isinstance(value, Null):
        return {}
    if not isinstance(value, Map):
        r.error(value, f"{key!r} must be a mapping of ids to entries, not {_type_name(value)}", top)
        return {}
    out: dict[str, T] = {}
    for k, v in value.items():
        kat = _KeyAt(value, k)
        if not SLUG.match(k):
            r.error(kat, f"{key}: id {k!r} must be a lower-case slug of letters, digits and -._")
            continue
        built = build(Str(k, kat.line, kat.col), v)
        if built is not None:
            out[k] = built
    return out


def _source(r: FileReader, key: Str, value: Any) -> Source | None:
    what = f"source {str(key)!r}"
    m = r.mapping(value, what, {"title"}, SOURCE_KEYS - {"title"}, key)
    if m is None:
        return None
    title = r.text(m, "title", what, required=True)
    left_out = isinstance(m.get("date"), Null | None)  # no date, or `date: ~`
    date = None if left_out else r.date(m, "date", what)
    if title is None:
        return None
    return Source(
        key,
        title,
        publisher=r.text(m, "publisher", what) or "",
        author=r.text(m, "author", what) or "",
        date=date,
        url=r.url(m, "url", what),
        language=r.text(m, "language", what) or "",
    )


def _entity(r: FileReader, key: Str, value: Any) -> Entity | None:
    what = f"entity {str(key)!r}"
    m = r.mapping(value, what, {"name", "kind"}, ENTITY_KEYS - {"name", "kind"}, key)
    if m is None:
        return None
    name = r.text(m, "name", what, required=True)
    kind = r.choice(m, "kind", what, ENTITY_KINDS, None)
    aliases = tuple(r.text_list(m, "aliases", what))
    if name is None or kind is None:
        return None
    return Entity(
        key,
        name,
        kind,  # type: ignore[arg-type]  # checked against ENTITY_KINDS by choice()
        aliases=tuple(dict.fromkeys(a for a in aliases if a != name)),
        category=r.text(m, "category", what) or "",
        description=r.text(m, "description", what) or "",
    )


def _facts(
    r: FileReader,
    value: Any,
    sources: dict[str, Source],
    entities: dict[str, Entity],
    base: str,
    parent: Any,
) -> list[Fact]:
    if not isinstance(value, Seq):
        r.error(value, f"'facts' must be a list of facts, not {_type_name(value)}", parent)
        return []
    if not value:
        r.error(value, "'facts' is empty: a deck needs at least one fact")
    facts: list[Fact] = []
    seen: dict[str, int] = {}
    for raw in value:
        fact = _fact(r, raw, sources, entities, base, value)
        fid = raw.get("id") if isinstance(raw, Map) else None
        if isinstance(fid, Str):  # checked on the raw id, so a broken twin is still reported
            if fid in seen:
                r.error(
                    fid,
                    f"fact id {str(fid)!r} is used twice (first on line {seen[fid]}); "
                    "ids must be unique",
                )
                continue
            seen[fid] = raw.line
        if fact is not None:
            facts.append(fact)
    return facts


def _fact(
    r: FileReader,
    raw: Any,
    sources: dict[str, Source],
    entities: dict[str, Entity],
    base: str,
    parent: Any,
) -> Fact | None:
    if not isinstance(raw, Map):
        r.error(raw, f"each fact must be a mapping, not {_type_name(raw)}", parent)
        return None
    fid = raw.get("id")
    what = f"fact {str(fid)!r}" if isinstance(fid, Str) else "fact"
    kind = r.text(raw, "kind", what, required=True)
    if kind is None and "kind" not in raw:
        r.error(raw, f"{what} is missing 'kind' (one of {', '.join(FACT_KINDS)})")
    if kind is not None and kind not in KIND_KEYS:
        r.error(
            raw["kind"],
            f"{what}: unknown kind {kind!r}; use one of {', '.join(FACT_KINDS)}"
            f"{did_you_mean(kind, FACT_KINDS)}",
        )
        kind = None
    required, optional = KIND_KEYS.get(kind or "", (set(), set()))
    if kind is None:  # without a kind we can't tell which keys belong; check only common ones
        optional = set().union(*(a | b for a, b in KIND_KEYS.values()))
    before = len(r.problems)
    m = r.mapping(
        raw,
        what,
        {"id", "sources"} | required,  # a missing 'kind' is reported above, with the choices
        (COMMON_FACT_KEYS | optional) - {"id", "sources"},
        parent,
    )
    assert m is not None
    fact_id = r.slug(m, "id", what)
    srcs = [r.ref(s, sources, what, "source") for s in r.text_list(m, "sources", what)]
    if "sources" in m and not m["sources"]:  # an empty list or nothing at all
        r.error(m["sources"], f"{what}: 'sources' is empty; cite at least one source", m)
    status = r.choice(m, "status", what, CLAIM_STATUSES, "established")
    claimed_by = r.text(m, "claimed_by", what) or ""
    denied_by = r.text(m, "denied_by", what) or ""
    if status in ("attributed", "disputed") and not claimed_by:
        r.error(m.get("status"), f"{what}: status {status} needs 'claimed_by' (who says so)")
    if status == "disputed" and not denied_by:
        r.error(m.get("status"), f"{what}: status disputed needs 'denied_by' (who denies it)")
    if status == "established" and (claimed_by or denied_by):
        r.error(
            m.get("claimed_by") or m.get("denied_by"),
            f"{what}: 'claimed_by'/'denied_by' given but the status is established; add "
            "'status: attributed' or 'status: disputed'",
        )
    if status == "attributed" and denied_by:
        r.error(
            m["denied_by"],
            f"{what}: 'denied_by' given but the status is attributed; use 'status: disputed'",
        )
    image = r.text(m, "image", what)
    if image is not None:
        image = os.path.join(base, image)
        if not os.path.isfile(image):
            r.error(m["image"], f"{what}: the image {m['image']!s} does not exist")
    body = _body(r, kind, m, what, entities) if kind else None
    # Every field is checked before giving up, so one run reports all of a fact's problems.
    section = r.text(m, "section", what)
    tags = tuple(dict.fromkeys(r.text_list(m, "tags", what)))
    note = r.text(m, "note", what) or ""
    distractors = tuple(dict.fromkeys(r.text_list(m, "distractors", what)))
    accept = tuple(dict.fromkeys(r.text_list(m, "accept", what)))
    if body is None and kind is not None and len(r.problems) == before:  # never drop silently
        r.error(m, f"{what}: the {kind} is incomplete")
    if fact_id is None or kind is None or body is None or len(r.problems) > before:
        return None
    return Fact(
        id=fact_id,
        kind=kind,
        body=body,
        sources=tuple(dict.fromkeys(s for s in srcs if s is not None)),
        location=Location(r.path, m.line),
        section=section,
        tags=tags,
        status=status,  # type: ignore[arg-type]
        claimed_by=claimed_by,
        denied_by=denied_by,
        note=note,
        distractors=distractors,
        accept=accept,
        image=image,
    )


def _entities(
    r: FileReader,
    m: Map,
    key: str,
    what: str,
    entities: dict[str, Entity],
    kinds: tuple[str, ...] | None,
    required: bool = False,
) -> list[Entity]:
    if required and key in m and not m[key]:  # nothing, or an empty list
        r.error(m[key], f"{what}: {key!r} is empty", m)
    out: list[Entity] = []
    for item in r.text_list(m, key, what):
        e = r.ref(item, entities, what, "entity")
        if e is None:
            continue
        if kinds and e.kind not in kinds:
            r.error(
                item, f"{what}: {key!r} wants {' or '.join(kinds)}, but {str(item)!r} is a {e.kind}"
            )
            continue
        if e in out:
            r.error(item, f"{what}: {key!r} lists {str(item)!r} twice")
            continue
        out.append(e)
    return out


def _entity1(
    r: FileReader,
    m: Map,
    key: str,
    what: str,
    entities: dict[str, Entity],
    kinds: tuple[str, ...] | None,
    required: bool = False,
) -> Entity | None:
    if key not in m:
        return None
    if isinstance(m[key], Seq) and m[key]:
        r.error(m[key], f"{what}: {key!r} takes one entity id, not a list")
        return None
    found = _entities(r, m, key, what, entities, kinds, required)
    return found[0] if found else None


def _body(r: FileReader, kind: str, m: Map, what: str, entities: dict[str, Entity]) -> Body | None:
    # Every field is read (and so checked) before deciding whether the body is usable.
    text = r.text
    if kind == "event":
        what_ = text(m, "what", what, required=True)
        when = r.dated(m, "when", what, required=True)
        where_ = _entity1(r, m, "where", what, entities, PLACE_KINDS)
        who = tuple(_entities(r, m, "who", what, entities, None))
        return EventFact(what_, when, where_, who) if what_ and when else None
    if kind == "role":
        person = _entity1(r, m, "person", what, entities, ("person",), required=True)
        role = text(m, "role", what, required=True)
        org = _entity1(r, m, "organisation", what, entities, ("organisation", "country"))
        as_of = r.dated(m, "as_of", what)
        return RoleFact(person, role, org, as_of) if person and role else None
    if kind == "location":
        thing = text(m, "thing", what, required=True)
        places = _entities(r, m, "places", what, entities, PLACE_KINDS, required=True)
        as_of = r.dated(m, "as_of", what)
        return LocationFact(thing, tuple(places), as_of) if thing and places else None
    if kind == "quantity":
        what_ = text(m, "what", what, required=True)
        value = _number(r, m, "value", what)
        unit = text(m, "unit", what) or ""
        bound = r.choice(m, "bound", what, BOUNDS, "exact")
        as_of = r.dated(m, "as_of", what)
        return (
            QuantityFact(what_, value, unit, bound, as_of)  # type: ignore[arg-type]
            if what_ and value is not None
            else None
        )
    if kind == "group":
        name = text(m, "name", what, required=True)
        members = _entities(r, m, "members", what, entities, None, required=True)
        listed = m.get("members")
        if isinstance(listed, Str) or (isinstance(listed, Seq) and len(listed) == 1):
            r.error(listed, f"{what}: a group needs at least 2 members")
        complete = _bool(r, m, "complete", what, True)
        as_of = r.dated(m, "as_of", what)
        return (
            GroupFact(name, tuple(members), complete, as_of) if name and len(members) >= 2 else None
        )
    assert kind == "quote"
    speaker_kinds = ("person", "organisation", "country")
    speaker = _entity1(r, m, "speaker", what, entities, speaker_kinds, required=True)
    words = text(m, "text", what, required=True)
    when = r.dated(m, "when", what)
    context = text(m, "context", what) or ""
    return QuoteFact(speaker, words, when, context) if speaker and words else None


MAX_DIGITS = 30  # far beyond any real figure; keeps formatting and arithmetic cheap and exact


def _number(r: FileReader, m: Map, key: str, what: str) -> Decimal | None:
    s = r.text(m, key, what, required=True)
    if s is None:
        return None
    try:
        value = Decimal(s.replace(",", "").replace("_", "").replace(" ", ""))
    except InvalidOperation:
        value = None
    if value is None or not value.is_finite():
        r.error(m[key], f"{what}: {key!r} must be a number like 250000 or 1.5 (got {s!r})")
        return None
    digits, exponent = len(value.as_tuple().digits), value.as_tuple().exponent
    assert isinstance(exponent, int)  # finite
    if value and not (exponent > -MAX_DIGITS and digits + exponent <= MAX_DIGITS):
        r.error(
            m[key],
            f"{what}: {key!r} is out of range: write a number of at most {MAX_DIGITS} digits "
            f"before and after the decimal point (got {s!r})",
        )
        return None
    return value


def _bool(r: FileReader, m: Map, key: str, what: str, default: bool) -> bool:
    s = r.text(m, key, what)
    if s is None:
        return default
    if s.lower() in ("true", "yes"):
        return True
    if s.lower() in ("false", "no"):
        return False
    r.error(m[key], f"{what}: {key!r} must be true or false (got {s!r})")
    return default


# --- many files -----------------------------------------------------------------------------------


def load_decks(paths: Iterable[str]) -> list[Deck]:
    """Load and validate every deck; raise DeckError listing all problems in all files."""
    files, problems = find_deck_files(paths)
    decks: list[Deck] = []
    unique: dict[str, str] = {}  # a file named twice loads once, where and as first named
    for f in files:
        unique.setdefault(os.path.abspath(f), f)
    for f in unique.values():
        deck, found = read_deck(f)
        problems.extend(found)
        if deck is not None:
            decks.append(deck)
    problems.extend(_cross_file_problems(decks))
    if problems:
        raise DeckError(problems)
    return decks


def _cross_file_problems(decks: list[Deck]) -> list[Problem]:
    problems: list[Problem] = []
    deck_ids: dict[str, str] = {}
    fact_ids: dict[str, Location] = {}
    for deck in decks:
        shown = os.path.relpath(deck.path) if deck.path.startswith(os.getcwd()) else deck.path
        if deck.info.id in deck_ids:
            problems.append(
                Problem(
                    shown,
                    0,
                    0,
                    f"deck id {deck.info.id!r} is also used by {deck_ids[deck.info.id]}",
                )
            )
        deck_ids.setdefault(deck.info.id, shown)
        for f in deck.facts:
            first = fact_ids.setdefault(f.id, f.location)
            if first is not f.location:
                problems.append(
                    Problem(
                        f.location.file,
                        f.location.line,
                        0,
                        f"fact id {f.id!r} is already used at {first}",
                    )
                )
    return problems
