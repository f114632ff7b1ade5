"""The one place for identities. Everything here must stay stable across releases: a changed id
orphans learners' review history in Anki.

- An item's uid is `deck/fact/qtype/variant`, built from ids the author chose, never from text.
- Integer ids (Anki note types, decks) come from SHA-256 of a fixed name, never Python's `hash()`,
  which is salted per process.
"""

from __future__ import annotations

import hashlib


def item_uid(deck_id: str, fact_id: str, qtype: str, variant: str) -> str:
    return f"{deck_id}/{fact_id}/{qtype}/{variant}"


def stable_int(*parts: str, lo: int = 1 << 30, hi: int = 1 << 31) -> int:
    """A deterministic integer in [lo, hi) derived from `parts`."""
    digest = hashlib.sha256("\x1f".join(parts).encode()).digest()
    return lo + int.from_bytes(digest[:8], "big") % (hi - lo)


def seed_for(seed: int, *parts: str) -> int:
    """A per-purpose seed, so that one item's randomness does not shift when another changes."""
    return stable_int(str(seed), *parts, lo=0, hi=1 << 63)


# --- Anki note types ------------------------------------------------------------------------------
# Anki matches a note type by id. Templates and CSS of a published note type may change freely (Anki
# updates them on import), but its field list is frozen: adding, removing, renaming or reordering a
# field makes every note of that type "conflicting" on re-import, so nothing updates and the
# learner gets a stray "Name+" note type. A new field means a new note type id (and a migration
# plan for the notes of the old one). These ids are literals, not derived, so no refactoring of
# stable_int() can ever move them.
ANKI_FIELDS: tuple[str, ...] = (
    "Question",  # the prompt; for cloze notes the text with its {{c1::…}} deletion
    "Options",  # HTML: choices (the right one marked), events to order, or the two match columns
    "Answer",  # a readable statement of the right answer
    "Accepted",  # other accepted answers, for typed and written answers
    "TypeIn",  # the answer a learner types ({{type:TypeIn}}), plain text
    "Explanation",  # the fact's note
    "Claim",  # who claims / who denies, for attributed and disputed facts
    "Status",  # established | attributed | disputed (for template styling)
    "Image",  # <img> of the fact's picture, packed as media
    "Sources",  # HTML list: title, author, publisher, date, link
    "Attribution",  # the deck's licence attribution (CC BY-SA)
    "Facts",  # the fact ids the question draws on, anchor first
    "Uid",  # the item's identity (also its GUID)
)
ANKI_NOTE_TYPE_QA = 763292917662297  # qa, reverse
ANKI_NOTE_TYPE_TYPED = 258468794629479  # short (type the answer)
ANKI_NOTE_TYPE_CHOICE = 1119979542980513  # mcq, tf, first
ANKI_NOTE_TYPE_CLOZE = 520530102351708  # cloze
ANKI_NOTE_TYPE_ARRANGE = 848232061951101  # order, match


def anki_deck_id(deck_id: str, section: str | None = None) -> int:
    """The id of a deck or of one of its section subdecks in the package (Anki itself matches
    decks by name; the id only has to be stable and distinct)."""
    return stable_int("anki-deck", deck_id, section or "", lo=1 << 32, hi=1 << 52)
