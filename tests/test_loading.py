"""The loader on good files: the model that comes out, field by field."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest

from quizgen.dates import FuzzyDate, Point, parse_date
from quizgen.errors import DeckError
from quizgen.loading.validate import load_decks, read_deck
from quizgen.loading.yamlsource import Map, Null, Seq, Str, parse_file
from quizgen.model import (
    Dated,
    Deck,
    EventFact,
    GroupFact,
    LocationFact,
    QuantityFact,
    QuoteFact,
    RoleFact,
)
from tests.conftest import DATA


@pytest.fixture(scope="module")
def deck() -> Deck:
    return load_decks([str(DATA / "good_all_kinds.yaml")])[0]


@pytest.fixture(scope="module")
def traps() -> Deck:
    return load_decks([str(DATA / "good_yaml_traps.yaml")])[0]


def fact(deck: Deck, fid: str):  # type: ignore[no-untyped-def]
    (found,) = [f for f in deck.facts if f.id == fid]
    return found


def d(text: str) -> FuzzyDate:
    return parse_date(text)


# --- deck, sources, entities -------------------------------------------------------------------


def test_deck_info(deck: Deck) -> None:
    info = deck.info
    assert (info.id, info.title, info.language) == ("all-kinds", "Every kind of fact", "en")
    assert info.description == "A test deck that uses every feature of the format."
    assert info.license == "CC BY-SA 3.0"
    assert info.attribution == "Adapted from a test article, CC BY-SA 3.0"
    assert info.url == "https://example.org/article"
    assert info.templates is None
    assert deck.path == str((DATA / "good_all_kinds.yaml").resolve())
    assert deck.sections == ["Iran's role", "Formation"]


def test_sources(deck: Deck) -> None:
    assert list(deck.sources) == ["reuters", "ria", "undated"]
    r = deck.sources["reuters"]
    assert r.title == "How Iranian general plotted out Syrian assault in Moscow."
    assert (r.publisher, r.author, r.url, r.language) == (
        "Reuters",
        "Laila Bassam and Tom Perry",
        "https://example.org/reuters",
        "en",
    )
    assert r.date == d("2015-10-06")
    assert r.citation() == (
        "How Iranian general plotted out Syrian assault in Moscow. "
        "Laila Bassam and Tom Perry, Reuters, 6 October 2015."
    )
    ria = deck.sources["ria"]
    assert ria.title == "Россия, Иран, Ирак и Сирия создали информационный центр"
    assert (ria.publisher, ria.language, ria.date) == ("РИА Новости", "ru", d("2015-09"))
    assert deck.sources["undated"].date is None
    assert deck.sources["undated"].citation() == "A source without a date."


def test_entities_and_aliases(deck: Deck) -> None:
    s = deck.entities["soleimani"]
    assert (s.name, s.kind, s.category, s.description) == (
        "Qasem Soleimani",
        "person",
        "military commander",
        "Iranian general",
    )
    # the name itself is dropped from the aliases; order is kept
    assert s.aliases == ("Qassem Soleimani", "Qasem Suleimani")
    assert s.names == ("Qasem Soleimani", "Qassem Soleimani", "Qasem Suleimani")
    kinds = {e.id: e.kind for e in deck.entities.values()}
    assert kinds["moscow"] == "city" and kinds["latakia"] == "region"
    assert kinds["hmeimim"] == "place" and kinds["quds-force"] == "organisation"
    assert kinds["hezbollah"] == "other" and kinds["russia"] == "country"


# --- every kind -------------------------------------------------------------------------------


def test_event_with_every_field_and_a_disputed_claim(deck: Deck) -> None:
    f = fact(deck, "moscow-visit")
    assert f.kind == "event" and isinstance(f.body, EventFact)
    assert f.body.what == "Qasem Soleimani's visit to Moscow"
    assert f.body.when == Dated(d("2015-07-24"), None)
    assert f.body.where == deck.entities["moscow"]
    assert f.body.who == (deck.entities["soleimani"],)
    assert f.section == "Iran's role"
    assert f.tags == ("iran", "russia")  # duplicates dropped, order kept
    assert (f.status, f.claimed_by, f.denied_by) == ("disputed", "Reuters", "Russian officials")
    assert f.attribution == "reported by Reuters; denied by Russian officials"
    assert f.note == "Reported by Reuters citing regional officials; Moscow denied it."
    assert f.distractors == ("Tehran", "Beirut")
    assert f.accept == ("Moscow", "Moskva")
    assert [s.id for s in f.sources] == ["reuters", "undated"]
    assert f.location.file.endswith("good_all_kinds.yaml") and f.location.line == 39
    assert f.image is None


def test_attributed_claim_and_date_text(deck: Deck) -> None:
    f = fact(deck, "info-centre")
    assert (f.status, f.claimed_by, f.denied_by) == ("attributed", "RIA Novosti", "")
    assert f.attribution == "reported by RIA Novosti"
    assert f.body.when == Dated(d("2015-09"), "the end of September 2015")
    assert f.body.where == deck.entities["baghdad"]


def test_established_is_the_default_status(deck: Deck) -> None:
    f = fact(deck, "protests")
    assert (f.status, f.claimed_by, f.denied_by, f.attribution) == ("established", "", "", "")
    assert [s.id for s in f.sources] == ["reuters"]  # `sources: reuters` is a list of one
    assert (f.section, f.tags, f.note, f.distractors, f.accept) == (None, (), "", (), ())


def test_role(deck: Deck) -> None:
    f = fact(deck, "quds")
    assert isinstance(f.body, RoleFact)
    assert f.body.person == deck.entities["soleimani"]
    assert f.body.role == "commander of the Quds Force"
    assert f.body.organisation == deck.entities["quds-force"]
    assert f.body.as_of == Dated(d("2015"), None)
    other = fact(deck, "lavrov-fm").body
    assert other.organisation == deck.entities["russia"] and other.as_of is None


def test_location(deck: Deck) -> None:
    f = fact(deck, "rooms")
    assert isinstance(f.body, LocationFact)
    assert f.body.thing == "the coalition's operation rooms"
    assert f.body.places == (deck.entities["damascus"], deck.entities["baghdad"])
    assert f.body.as_of == Dated(d("2015-10"), "October 2015")
    base = fact(deck, "base").body
    assert [p.kind for p in base.places] == ["place", "region"]


def test_quantity(deck: Deck) -> None:
    f = fact(deck, "killed")
    assert isinstance(f.body, QuantityFact)
    assert f.body.what == "people killed in the Syrian Civil War"
    assert f.body.value == Decimal(250000)
    assert (f.body.unit, f.body.bound) == ("people", "more_than")
    assert f.body.as_of == Dated(d("2015"), None)
    ratio = fact(deck, "ratio").body
    assert str(ratio.value) == "1.10"  # as written: not the float 1.1
    assert (ratio.unit, ratio.bound, ratio.as_of) == ("", "exact", None)


def test_group(deck: Deck) -> None:
    f = fact(deck, "coalition")
    assert isinstance(f.body, GroupFact)
    assert f.body.name == "the Russia–Syria–Iran–Iraq coalition"
    assert [m.id for m in f.body.members] == ["russia", "syria", "iran", "iraq"]
    assert f.body.complete is True and f.body.as_of is None
    plus = fact(deck, "plus-one").body
    assert plus.name == 'the "+1"' and plus.complete is False
    assert plus.as_of == Dated(d("2015-09-30"), None)


def test_quote(deck: Deck) -> None:
    f = fact(deck, "lavrov-quote")
    assert isinstance(f.body, QuoteFact)
    assert f.body.speaker == deck.entities["lavrov"]
    assert f.body.text == "The response was unconstructive."
    assert f.body.when == Dated(d("2015-10-01"), None)
    assert f.body.context == "at a press conference"
    bare = fact(deck, "undated-quote").body
    assert bare.speaker.kind == "country" and bare.when is None and bare.context == ""


def test_kinds_match_bodies(deck: Deck) -> None:
    bodies = {
        "event": EventFact,
        "role": RoleFact,
        "location": LocationFact,
        "quantity": QuantityFact,
        "group": GroupFact,
        "quote": QuoteFact,
    }
    assert {f.kind for f in deck.facts} == set(bodies)
    for f in deck.facts:
        assert isinstance(f.body, bodies[f.kind])


# --- every date form ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fid", "precision", "lower", "upper", "approximate", "uncertain", "edtf"),
    [
        ("moscow-visit", "day", (2015, 7, 24), (2015, 7, 24), False, False, "2015-07-24"),
        ("info-centre", "month", (2015, 9, 1), (2015, 9, 30), False, False, "2015-09"),
        ("protests", "month", (2011, 1, 1), (2011, 4, 30), False, False, "2011-01/2011-04"),
        ("approx", "month", (2015, 9, 1), (2015, 9, 30), True, False, "2015-09~"),
        ("uncertain", "year", (2014, 1, 1), (2014, 12, 31), False, True, "2014?"),
        ("both", "day", (2013, 5, 2), (2013, 5, 2), True, True, "2013-05-02%"),
        ("open-start", "year", None, (2016, 12, 31), False, False, "../2016"),
        ("open-end", "month", (2012, 3, 1), None, False, False, "2012-03/.."),
    ],
)
def test_event_dates(
    deck: Deck,
    fid: str,
    precision: str,
    lower: tuple[int, int, int] | None,
    upper: tuple[int, int, int] | None,
    approximate: bool,
    uncertain: bool,
    edtf: str,
) -> None:
    when = fact(deck, fid).body.when.date
    assert when.precision == precision
    assert when.lower == (dt.date(*lower) if lower else dt.date.min)
    assert when.upper == (dt.date(*upper) if upper else dt.date.max)
    assert (when.approximate, when.uncertain) == (approximate, uncertain)
    assert when.edtf() == edtf
    assert when.is_interval == ("/" in edtf)


def test_open_intervals_have_one_open_end(deck: Deck) -> None:
    assert fact(deck, "open-start").body.when.date == FuzzyDate(None, Point(2016))
    assert fact(deck, "open-end").body.when.date == FuzzyDate(Point(2012, 3), None)


# --- YAML traps ---------------------------------------------------------------------------------


def test_yaml_traps_arrive_as_written(traps: Deck) -> None:
    e = traps.entities
    names = {k: v.name for k, v in e.items()}
    assert names == {
        "norway": "NO",
        "on": "on",
        "y": "y",
        "null-ish": "null",  # quoted: text
        "tilde": "~",
        "version": "1.10",
        "octal": "0o17",
        "leading-zero": "010",
        "sexagesimal": "1:20",
        "inf": ".inf",
        "nan": ".NaN",
    }
    assert e["norway"].aliases == ("Norway", "off")
    assert e["null-ish"].description == "~"
    src = traps.sources["s"]
    assert (src.title, src.publisher) == ("NO", "yes")
    assert src.date == parse_date("2015-07-24")  # the schema wants a date here


def test_yaml_traps_in_facts(traps: Deck) -> None:
    yes = fact(traps, "yes")
    assert yes.body.what == "yes"
    assert yes.body.when.date == parse_date("2015-07-24")
    assert yes.note == "2015-07-24"  # not a date object: a note is text
    assert yes.distractors == ("NO", "off", "True", "1e3", "0x1F", "12_345")
    assert yes.accept == ("Yes", "no")
    assert yes.tags == ("1.10", "2015-07-24", "~tilde")
    assert [f.id for f in traps.facts] == ["yes", "2015", "false", "1.10"]
    group = fact(traps, "2015")
    assert group.body.name == "TRUE" and group.body.complete is False
    q = fact(traps, "false")
    assert (q.body.what, q.body.unit, q.body.value) == ("None", "nil", Decimal(10))
    # YAML's null words mean "left out" where a field is optional
    assert (q.section, q.note, q.body.as_of) == (None, "", None)
    quote = fact(traps, "1.10").body
    assert quote.text == "yes: NO\n2015-07-24 # not a comment in a literal block"
    assert quote.context == "folded text"


def test_raw_values_keep_their_text_and_position() -> None:
    data = b"a: NO\nb: [1.10, ~, '~', '', \"x\"]\nc:\nd: {e: 2015-07-24}\n"
    root, problems = parse_file("f.yaml", data)
    assert problems == []
    assert isinstance(root, Map) and root.keys_at == {
        "a": (1, 1),
        "b": (2, 1),
        "c": (3, 1),
        "d": (4, 1),
    }
    assert isinstance(root["a"], Str) and (root["a"], root["a"].line, root["a"].col) == ("NO", 1, 4)
    b = root["b"]
    assert isinstance(b, Seq) and (b.line, b.col) == (2, 4)
    assert b[0] == "1.10" and type(b[0]) is Str
    assert isinstance(b[1], Null) and (b[1].line, b[1].col) == (2, 11)
    assert b[2] == "~" and b[3] == "" and b[4] == "x"  # quoted: text, even when empty
    assert isinstance(root["c"], Null)
    assert root["d"]["e"] == "2015-07-24" and isinstance(root["d"]["e"], Str)


def test_aliases_share_values_and_keep_their_text() -> None:
    data = b"a: &x [NO, yes]\nb: *x\nc: &y 1.10\nd: *y\n"
    root, problems = parse_file("f.yaml", data)
    assert problems == []
    assert root["b"] == ["NO", "yes"] and root["d"] == "1.10"
    assert root["b"] is root["a"]  # shared, not copied: aliases cost no memory


def test_several_files_load_in_order_and_a_repeated_file_loads_once() -> None:
    a, b = str(DATA / "good_all_kinds.yaml"), str(DATA / "good_yaml_traps.yaml")
    decks = load_decks([b, a, b, str(DATA / "." / "good_yaml_traps.yaml")])
    assert [x.info.id for x in decks] == ["traps", "all-kinds"]


def test_a_folder_loads_its_yaml_files_sorted(tmp_path: Path) -> None:
    for name in ("b.yaml", "a.yml", ".hidden.yaml", "notes.txt"):
        text = (DATA / "good_yaml_traps.yaml").read_text()
        (tmp_path / name).write_text(text.replace("id: traps", f"id: {name[:1]}"))
    (tmp_path / "a.yml").write_text(
        (DATA / "good_all_kinds.yaml").read_text().replace("id: all-kinds", "id: a")
    )
    decks = load_decks([str(tmp_path)])
    assert [x.info.id for x in decks] == ["a", "b"]


def test_an_empty_folder_is_a_problem(tmp_path: Path) -> None:
    with pytest.raises(DeckError, match="no deck files"):
        load_decks([str(tmp_path)])


def test_read_deck_from_bytes_names_the_given_path() -> None:
    data = (DATA / "good_all_kinds.yaml").read_bytes().replace(b"2015-07-24", b"2015-07-32")
    deck, problems = read_deck("somewhere/./deck.yaml", data)
    assert deck is None
    assert [(p.file, p.line) for p in problems] == [("somewhere/deck.yaml", 44)]


def test_the_shared_small_deck_still_loads(small_deck: Deck) -> None:
    assert len(small_deck.facts) == 12
