"""Re-importing rebuilt packages into a learner's collection (the official `anki` package): edits
update notes, new facts add notes, nothing is duplicated and no review history is lost."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from quizgen import ids
from quizgen.export.anki import write_apkg
from quizgen.generation import generate
from quizgen.generation.item import Item
from quizgen.loading.validate import load_decks
from quizgen.templating import PACKAGE_TEMPLATES, make_env, search_path
from quizgen.text import Markup
from tests._anki_helpers import (
    Collection,
    build,
    copy_fixture,
    guids,
    history,
    import_apkg,
    notes_by_guid,
    review,
    snapshot,
    text_of,
)
from tests.conftest import SHIPPED_DECK

TOP = "Coalition ‹b›test‹/b› & co"

# Per cycle: three facts whose text changes (old line → new line, each appears once in the YAML)
# and two new facts. New facts are of kinds that deck-wide questions don't group, so every
# existing question keeps its identity.
EDITS = [
    (
        {
            "agreement": (
                "what: the agreement to share intelligence on ISIL",
                "what: the agreement to share intelligence on ISIL and al-Nusra",
            ),
            "pm": ("role: Russian Prime Minister", "role: Prime Minister of Russia"),
            "quote": (
                "text: The response was unconstructive.",
                "text: The response was entirely unconstructive.",
            ),
        },
        """\
  - id: refugees
    kind: quantity
    what: Syrian refugees registered abroad
    value: "4000000"
    bound: about
    as_of: "2015"
    sources: [cnn]
  - id: putin-quote
    kind: quote
    speaker: putin
    text: We are helping the legitimate government.
    when: 2015-09
    sources: [reuters]
""",
    ),
    (
        {
            "airstrikes": (
                "what: the first Russian airstrikes in Syria",
                "what: the first Russian air strikes in Syria",
            ),
            "fm": ("role: Russian foreign minister", "role: Foreign Minister of Russia"),
            "info-centre": (
                "thing: the coalition's information centre",
                "thing: the coalition's joint information centre",
            ),
        },
        """\
  - id: observers
    kind: group
    name: the Astana observers
    members: [russia, iran]
    complete: false
    sources: [reuters]
  - id: assad-quote
    kind: quote
    speaker: assad
    text: Terrorism has no borders.
    when: 2015-10
    sources: [cnn]
""",
    ),
    (
        {
            "protests": (
                "what: the start of protests against Assad's rule",
                "what: the first protests against Assad's rule",
            ),
            "rooms": (
                "thing: the coalition's operation rooms",
                "thing: the coalition's joint operation rooms",
            ),
            "moscow-visit": (
                "what: Qasem Soleimani's visit to Moscow",
                "what: Qasem Soleimani's secret visit to Moscow",
            ),
        },
        """\
  - id: hub
    kind: location
    thing: the coalition's logistics hub
    places: [tehran]
    sources: [cnn]
  - id: planes
    kind: quantity
    what: Russian helicopters sent to Syria
    value: "16"
    as_of: "2015"
    sources: [reuters]
""",
    ),
]


@pytest.fixture
def col(tmp_path: Path) -> Iterator[Collection]:
    collection = Collection(str(tmp_path / "collection.anki2"))
    yield collection
    collection.close()


def edit(deck_yaml: Path, changes: dict[str, tuple[str, str]], new_facts: str) -> None:
    text = deck_yaml.read_text(encoding="utf-8")
    for old, new in changes.values():
        assert text.count(old) == 1, old
        text = text.replace(old, new)
    deck_yaml.write_text(text + new_facts, encoding="utf-8")


def field_texts(note: object) -> dict[str, str]:
    return dict(note.items())  # type: ignore[attr-defined]


def shows(note_fields: dict[str, str], item: Item) -> bool:
    """The note carries this version of the item (as a reader sees it)."""
    question = note_fields["Question"].replace("{{c1::", "").replace("}}", "")
    expected = item.prompt if item.cloze is None else Markup("").join(item.cloze)
    return (
        text_of(question) == expected.striptags()
        and text_of(note_fields["Answer"]) == item.answer.striptags()
        and all(o.striptags() in text_of(note_fields["Options"]) for o in item.options)
        and text_of(note_fields["Explanation"]) == item.explanation.striptags()
    )


def test_edit_cycles_update_add_and_keep_history(tmp_path: Path, col: Collection) -> None:
    deck_yaml = copy_fixture(tmp_path / "project")
    apkg = tmp_path / "dist" / "anki-test.apkg"
    _, items = build(deck_yaml, apkg)  # real clock: every build lands within the same second
    log = import_apkg(col, apkg)
    assert len(log.new) == len(items)
    known = {it.uid for it in items}

    for cycle, (changes, new_facts) in enumerate(EDITS, 1):
        reviewed = review(col, TOP, 5)
        assert len(reviewed) == 5
        cards_before, revlog_before = history(col)
        assert len(revlog_before) == 5 * cycle
        before = {g: field_texts(n) for g, n in notes_by_guid(col).items()}
        old_uids = {it.uid for it in items}

        edit(deck_yaml, changes, new_facts)
        _, items = build(deck_yaml, apkg)
        by_uid = {it.uid: it for it in items}
        log = import_apkg(col, apkg)

        # Nothing conflicting, nothing doubled, no question lost its identity.
        assert not log.conflicting, cycle
        assert old_uids <= set(by_uid), sorted(old_uids - set(by_uid))
        added = set(by_uid) - known
        known |= added
        assert col.note_count() == len(known)
        assert len(set(notes_by_guid(col))) == col.note_count()

        # New facts' questions are new notes, and only they are.
        new_fact_ids = {line.split("id: ")[1] for line in new_facts.splitlines() if "- id:" in line}
        assert guids(col, log.new) == added
        assert {by_uid[u].fact_id for u in added} == new_fact_ids

        # Exactly the notes whose content changed are updated; each shows the new version.
        after = {g: field_texts(n) for g, n in notes_by_guid(col).items()}
        changed = {g for g in before if after[g] != before[g]}
        assert guids(col, log.updated) == changed
        assert guids(col, log.duplicate) == old_uids - changed  # Anki: "already up to date"
        for uid, item in by_uid.items():
            assert shows(after[uid], item), uid
        for fact_id, (_, new_line) in changes.items():
            edited = [u for u, it in by_uid.items() if fact_id in it.fact_ids]
            assert edited, fact_id
            new_text = new_line.split(": ", 1)[1].casefold()
            for uid in edited:
                assert uid in changed, (cycle, uid)
                seen = " ".join(text_of(v) for v in after[uid].values()).casefold()
                assert new_text in seen, (uid, new_text)

        # Review history untouched: every card row (reps, ivl, due, …) and every revlog row.
        cards_after, revlog_after = history(col)
        assert revlog_after == revlog_before
        old_cards = {row[0]: row for row in cards_before}
        assert [row for row in cards_after if row[0] in old_cards] == cards_before
        for cid in reviewed:
            card = col.get_card(cid)
            assert card.reps >= 1 and old_cards[cid][11] == card.reps


def test_unchanged_rebuild_changes_nothing(tmp_path: Path, col: Collection) -> None:
    deck_yaml = copy_fixture(tmp_path / "project")
    apkg = tmp_path / "anki-test.apkg"
    _, items = build(deck_yaml, apkg)
    import_apkg(col, apkg)
    review(col, TOP, 4)
    before = snapshot(col)

    build(deck_yaml, apkg)  # same input, a later build
    log = import_apkg(col, apkg)
    assert not log.new and not log.updated and not log.conflicting
    assert len(log.duplicate) == len(items)
    assert snapshot(col) == before


def test_fixed_timestamp_still_advances_edited_notes(tmp_path: Path, col: Collection) -> None:
    """A reproducible build pins the time; an edit must still reach the learner."""
    deck_yaml = copy_fixture(tmp_path / "project")
    apkg = tmp_path / "anki-test.apkg"
    build(deck_yaml, apkg, timestamp=1_700_000_000)
    import_apkg(col, apkg)
    changes, _ = EDITS[0]
    edit(deck_yaml, {"pm": changes["pm"]}, "")
    _, items = build(deck_yaml, apkg, timestamp=1_700_000_000)
    log = import_apkg(col, apkg)
    pm = {it.uid for it in items if "pm" in it.fact_ids}
    assert pm and pm <= guids(col, log.updated)
    notes = notes_by_guid(col)
    for uid in pm:
        assert any("Prime Minister of Russia" in v for v in field_texts(notes[uid]).values()), uid


def test_without_previous_package_everything_updates_and_history_stays(
    tmp_path: Path, col: Collection
) -> None:
    """A fresh checkout has no previous package: every note gets the build time. Anki then
    rewrites each note with the same content; review history must survive that too."""
    deck_yaml = copy_fixture(tmp_path / "project")
    apkg = tmp_path / "anki-test.apkg"
    _, items = build(deck_yaml, apkg, timestamp=1_700_000_000)
    import_apkg(col, apkg)
    review(col, TOP, 4)
    before = snapshot(col)
    apkg.unlink()
    build(deck_yaml, apkg, timestamp=1_700_000_100)
    log = import_apkg(col, apkg)
    assert len(log.updated) == len(items) and not log.new and not log.conflicting
    after = snapshot(col)
    for table in ("cards", "revlog"):
        assert after[table] == before[table]
    assert [r[6] for r in after["notes"]] == [r[6] for r in before["notes"]]  # same fields


def test_changed_card_template_and_css_update_without_conflict(
    tmp_path: Path, col: Collection
) -> None:
    deck_yaml = copy_fixture(tmp_path / "project")
    apkg = tmp_path / "anki-test.apkg"
    _, items = build(deck_yaml, apkg)
    import_apkg(col, apkg)
    review(col, TOP, 4)
    cards_before, revlog_before = history(col)

    overrides = tmp_path / "templates" / "anki"
    overrides.mkdir(parents=True)
    (overrides / "style.css").write_text(".qg-question { color: #c00; }\n", encoding="utf-8")
    back = (Path(PACKAGE_TEMPLATES) / "anki" / "choice.back.html").read_text(encoding="utf-8")
    (overrides / "choice.back.html").write_text(
        back.replace('<hr id="answer">', '<hr id="answer"><div class="qg-v2">v2</div>'),
        encoding="utf-8",
    )
    env = make_env(search_path(None, [str(tmp_path / "templates")]))
    build(deck_yaml, apkg, env=env)
    log = import_apkg(col, apkg)

    assert not log.conflicting and not log.new and not log.updated
    assert len(log.duplicate) == len(items)
    ours = [m for m in col.models.all() if m["name"].startswith("quizgen")]
    assert len(ours) == 5 and not [m for m in col.models.all() if m["name"].endswith("+")]
    assert all(m["css"] == ".qg-question { color: #c00; }\n" for m in ours)
    choice = col.models.get(ids.ANKI_NOTE_TYPE_CHOICE)
    assert choice is not None and "qg-v2" in choice["tmpls"][0]["afmt"]
    mcq = notes_by_guid(col)["anki-test/agreement/mcq/when"]
    assert '<div class="qg-v2">v2</div>' in mcq.cards()[0].answer()
    assert "color: #c00" in mcq.cards()[0].question()
    assert history(col) == (cards_before, revlog_before)


def test_shipped_deck_rebuilds_keep_history(tmp_path: Path, col: Collection) -> None:
    """The shipped deck: an unchanged rebuild changes nothing; rewording three facts' notes
    updates exactly their questions; reviews survive both."""
    deck = load_decks([str(SHIPPED_DECK)])[0]
    apkg = tmp_path / "rsii-coalition.apkg"
    items = generate(deck)
    write_apkg(deck, items, str(apkg))
    import_apkg(col, apkg)
    assert len(review(col, deck.info.title, 8)) == 8

    before = snapshot(col)
    write_apkg(deck, generate(deck), str(apkg))
    log = import_apkg(col, apkg)
    assert not log.new and not log.updated and not log.conflicting
    assert snapshot(col) == before

    chosen = [f.id for f in deck.facts][:: len(deck.facts) // 3][:3]
    edited = replace(
        deck,
        facts=tuple(
            replace(f, note=f"{f.note} Reworded for the test.".strip()) if f.id in chosen else f
            for f in deck.facts
        ),
    )
    items = generate(edited)
    write_apkg(edited, items, str(apkg))
    log = import_apkg(col, apkg)
    expected = {it.uid for it in items if set(it.fact_ids) & set(chosen)}
    assert expected and guids(col, log.updated) == expected
    assert not log.new and not log.conflicting
    notes = notes_by_guid(col)
    for uid in expected:
        assert "Reworded for the test." in notes[uid]["Explanation"], uid
    assert history(col) == (before["cards"], before["revlog"])


def test_cli_rebuilds_keep_notes_unchanged_through_staging(tmp_path: Path) -> None:
    """`quizgen build` stages outputs before moving them into place: the package it compares
    against must still be the published one, or every rebuild would update every note."""
    import time

    from click.testing import CliRunner

    from quizgen.cli import main
    from tests.conftest import SHIPPED_DECK

    out = tmp_path / "dist"
    args = ["build", str(SHIPPED_DECK), "--out", str(out), "--format", "apkg"]
    assert CliRunner().invoke(main, args).exit_code == 0
    col = Collection(str(tmp_path / "c.anki2"))
    try:
        first = import_apkg(col, out / "rsii-coalition.apkg")
        time.sleep(1.05)
        assert CliRunner().invoke(main, [*args, "--force"]).exit_code == 0
        again = import_apkg(col, out / "rsii-coalition.apkg")
        assert first.new and not again.new and not again.updated and not again.conflicting
    finally:
        col.close()
