"""The Anki export, proven by importing into the official `anki` package (a fresh collection per
test): counts, decks, note types, escaping, and the edit → rebuild → re-import cycle that must
keep every learner's review history."""

from __future__ import annotations

import os
import re
import time
from pathlib import Path

import pytest

from quizgen.export.anki import CHOICE_FIELDS, write_apkg
from quizgen.generation import generate
from quizgen.loading.validate import load_decks
from quizgen.model import Deck
from tests.conftest import DATA, SHIPPED_DECK, running_in_ci

try:
    from anki import import_export_pb2 as ie
    from anki.collection import Collection, ImportAnkiPackageOptions, ImportAnkiPackageRequest
    from anki.scheduler_pb2 import CardAnswer
except ImportError:  # pragma: no cover - depends on the environment
    if running_in_ci():
        pytest.fail("the `anki` package is required in CI (pip install '.[test]')", pytrace=False)
    pytest.skip("the `anki` package is not installed", allow_module_level=True)


def import_apkg(col: Collection, path: Path):  # type: ignore[no-untyped-def]
    opts = ImportAnkiPackageOptions(
        merge_notetypes=False,
        update_notes=ie.IMPORT_ANKI_PACKAGE_UPDATE_CONDITION_IF_NEWER,
        update_notetypes=ie.IMPORT_ANKI_PACKAGE_UPDATE_CONDITION_IF_NEWER,
        with_scheduling=False,
        with_deck_configs=False,
    )
    return col.import_anki_package(
        ImportAnkiPackageRequest(package_path=str(path), options=opts)
    ).log


def build(deck_path: Path, out: Path, **kw) -> list:  # type: ignore[no-untyped-def]
    deck = load_decks([str(deck_path)])[0]
    items = generate(deck)
    write_apkg(deck, items, str(out), **kw)
    return items


@pytest.fixture
def col(tmp_path: Path):  # type: ignore[no-untyped-def]
    c = Collection(str(tmp_path / "collection.anki2"))
    yield c
    c.close()


def test_import_of_a_deck_counts_decks_and_note_types(small_deck: Deck, col, tmp_path) -> None:
    apkg = tmp_path / "small.apkg"
    items = generate(small_deck)
    write_apkg(small_deck, items, str(apkg))
    log = import_apkg(col, apkg)
    assert len(log.new) == len(items) == col.note_count()
    assert not log.conflicting and not log.duplicate
    # One card per note: every note type has one card template; a cloze note has one deletion.
    assert col.card_count() == len(items)
    names = {d.name for d in col.decks.all_names_and_ids()}
    assert {"A small test deck", "A small test deck::Formation", "A small test deck::Iran"} <= names
    models = {m.name for m in col.models.all_names_and_ids()}
    assert {"quizgen Basic", "quizgen Choice", "quizgen Cloze"} <= models
    nid = col.find_notes('"Uid:small/moscow-visit/mcq/when"')[0]
    note = col.get_note(nid)
    assert list(note.keys()) == list(CHOICE_FIELDS)
    assert "denied by Russian officials" in note["Claim"]
    assert "Reuters" in note["Sources"] and "CC BY-SA 3.0" in note["Attribution"]
    assert {"disputed", "event", "mcq"} <= set(note.tags)


def test_shipped_deck_imports_cleanly(col, tmp_path: Path) -> None:
    apkg = tmp_path / "shipped.apkg"
    items = build(SHIPPED_DECK, apkg)
    log = import_apkg(col, apkg)
    assert len(log.new) == len(items) == col.note_count() == col.card_count()
    deck = load_decks([str(SHIPPED_DECK)])[0]
    names = {d.name for d in col.decks.all_names_and_ids()}
    assert {f"{deck.info.title}::{s}" for s in deck.sections} <= names
    for nid in col.find_notes(""):
        note = col.get_note(nid)
        assert "Wikipedia" in note["Attribution"] and "CC BY-SA" in note["Attribution"]
        for value in note.values():
            assert not re.search(r"<(script|iframe|object|style)\b", value, re.I)


def test_fact_html_never_reaches_a_card_unescaped(make_deck, col, tmp_path: Path) -> None:
    deck = make_deck("""\
facts:
  - {id: x, kind: event, what: "<script>alert(1)</script> & {{c2::cloze}} a::b", when: "2015",
     sources: [s1], note: "<img src=x onerror=alert(1)>"}
  - {id: y, kind: event, what: another event, when: "2011", sources: [s1]}
""")
    apkg = tmp_path / "x.apkg"
    write_apkg(deck, generate(deck), str(apkg))
    import_apkg(col, apkg)
    for nid in col.find_notes(""):
        note = col.get_note(nid)
        for value in note.values():
            assert "<script" not in value and "<img src=x" not in value
        if note.note_type()["name"] == "quizgen Cloze" and note["FactId"] == "x":
            card = note.cards()[0]
            assert "c2::" not in card.question() and "&lt;script&gt;" in card.question()
            assert len(note.cards()) == 1  # fact text's {{c2::…}} made no second cloze


def _review(col: Collection, n: int) -> dict[int, tuple[int, int, int]]:
    """Answer `n` cards EASY; return card id → (reps, ivl, revlog rows)."""
    did = col.decks.id_for_name("A small test deck")
    assert did is not None
    col.decks.select(did)
    conf = col.decks.config_dict_for_deck_id(did)
    conf["new"]["perDay"] = 9999  # three cycles review more than the default 20 new cards a day
    col.decks.update_config(conf)
    reviewed = []
    for _ in range(n):
        queued = col.sched.get_queued_cards()
        if not queued.cards:
            break
        card = col.get_card(queued.cards[0].card.id)
        card.start_timer()
        states = queued.cards[0].states
        col.sched.answer_card(
            col.sched.build_answer(card=card, states=states, rating=CardAnswer.EASY)
        )
        reviewed.append(card.id)
    return {cid: _history(col, cid) for cid in reviewed}


def _history(col: Collection, cid: int) -> tuple[int, int, int]:
    card = col.get_card(cid)
    revlog = col.db.scalar("select count() from revlog where cid = ?", cid)
    return (card.reps, card.ivl, revlog)


EDITS = [  # (old text, new text): the text of three facts
    ("The response was unconstructive.", "The response was unconstructive, he said."),
    ("people killed in the Syrian Civil War", "people killed in Syria's civil war"),
    ("role: Russian Prime Minister", "role: Prime Minister of Russia"),
]


def _added(cycle: int) -> str:
    return f"""\
  - id: added-quote-{cycle}
    kind: quote
    speaker: assad
    text: Words number {cycle}.
    sources: [cnn]
  - id: added-figure-{cycle}
    kind: quantity
    what: things counted in cycle {cycle}
    value: "{1000 * (cycle + 1)}"
    as_of: "2015"
    sources: [cnn]
"""


def test_edit_cycles_keep_review_history(col, tmp_path: Path) -> None:
    """Import, review, edit 3 facts and add 2, rebuild, re-import — three times over."""
    source = (DATA / "small.yaml").read_text(encoding="utf-8")
    deck_file, apkg = tmp_path / "deck.yaml", tmp_path / "out" / "deck.apkg"
    deck_file.write_text(source, encoding="utf-8")
    items = build(deck_file, apkg)
    import_apkg(col, apkg)
    all_uids = {it.uid for it in items}
    for cycle in range(3):
        history = _review(col, 8)
        assert len(history) == 8
        # Edit three facts' text (alternating forth and back) and add two facts.
        for old, new in EDITS:
            a, b = (old, new) if cycle % 2 == 0 else (new, old)
            assert a in source
            source = source.replace(a, b)
        source += _added(cycle)
        deck_file.write_text(source, encoding="utf-8")
        time.sleep(1.05)  # note mod times have one-second resolution
        before = {it.uid: it for it in items}
        items = build(deck_file, apkg)
        log = import_apkg(col, apkg)
        edited = {"quote", "killed", "pm"}
        changed = {it.uid for it in items if it.uid in before and before[it.uid] != it}
        new_uids = {it.uid for it in items} - set(before)
        assert not log.conflicting
        assert {n.fields[-1] for n in log.new} == new_uids
        assert {uid.split("/")[1] for uid in new_uids} == {
            f"added-quote-{cycle}",
            f"added-figure-{cycle}",
        }
        updated = {n.fields[-1] for n in log.updated}
        assert updated == changed
        assert {uid.split("/")[1] for uid in updated} >= edited
        # No duplicates: one note per identity ever built.
        all_uids |= {it.uid for it in items}
        assert col.note_count() == len(all_uids)
        # The new text is what learners now see.
        nid = col.find_notes('"Uid:small/killed/qa/value"')[0]
        expected = "Syria's civil war" if cycle % 2 == 0 else "Syrian Civil War"
        assert expected in col.get_note(nid)["Question"].replace("&#x27;", "'").replace(
            "&#39;", "'"
        )
        for cid, hist in history.items():
            assert _history(col, cid) == hist


def test_unchanged_rebuild_changes_nothing(small_deck: Deck, col, tmp_path: Path) -> None:
    apkg = tmp_path / "small.apkg"
    items = generate(small_deck)
    write_apkg(small_deck, items, str(apkg))
    import_apkg(col, apkg)
    time.sleep(1.05)
    write_apkg(small_deck, items, str(apkg))
    log = import_apkg(col, apkg)
    assert not log.new and not log.updated and not log.conflicting
    assert len(log.duplicate) == len(items)


def test_card_template_change_updates_without_conflict(small_deck: Deck, col, tmp_path) -> None:
    from quizgen.templating import PACKAGE_TEMPLATES, make_env

    apkg = tmp_path / "small.apkg"
    items = generate(small_deck)
    write_apkg(small_deck, items, str(apkg))
    import_apkg(col, apkg)
    custom = tmp_path / "templates" / "anki"
    custom.mkdir(parents=True)
    css = Path(PACKAGE_TEMPLATES, "anki", "style.css").read_text() + "\n.qg-question{color:#036}"
    (custom / "style.css").write_text(css)
    (custom / "basic-front.html").write_text('<div class="qg-question new">{{Question}}</div>')
    time.sleep(1.05)
    write_apkg(
        small_deck, items, str(apkg), env=make_env((str(tmp_path / "templates"), PACKAGE_TEMPLATES))
    )
    log = import_apkg(col, apkg)
    assert not log.conflicting and not log.new
    model = col.models.by_name("quizgen Basic")
    assert model is not None and "qg-question new" in model["tmpls"][0]["qfmt"]
    assert "#036" in model["css"]
    assert len([m for m in col.models.all_names_and_ids() if m.name.startswith("quizgen")]) == 3


def test_no_temp_files_are_left_behind(small_deck: Deck, tmp_path: Path, monkeypatch) -> None:
    import tempfile

    private_tmp = tmp_path / "tmp"
    private_tmp.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(private_tmp))  # genanki's leak would land here
    out = tmp_path / "out"
    items = generate(small_deck)
    for _ in range(2):  # the second write also reads the first
        write_apkg(small_deck, items, str(out / "small.apkg"))
    assert os.listdir(out) == ["small.apkg"]
    assert os.listdir(private_tmp) == []


def test_images_are_packed(make_deck, col, tmp_path: Path) -> None:
    png = tmp_path / "map.png"
    png.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\0" * 32)
    deck = make_deck(f"""\
facts:
  - {{id: x, kind: event, what: an event, when: "2015", sources: [s1], image: {png.name}}}
  - {{id: y, kind: event, what: another event, when: "2011", sources: [s1]}}
""")
    apkg = tmp_path / "x.apkg"
    write_apkg(deck, generate(deck), str(apkg))
    import_apkg(col, apkg)
    media = os.listdir(col.media.dir())
    assert any(name.endswith("map.png") for name in media)
