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


# --- Anki note types --------------------------------------------------------------------------
# Hard-coded and permanent. Anki matches note types by id; once a package with a note type has
# been published, its FIELD LIST IS FROZEN: adding, removing or renaming a field makes every
# re-import "conflicting" and leaves a stray copy in learners' collections. Card templates and
# CSS may change freely. A new field means a new note type with a new id (and a migration plan).
ANKI_BASIC_MODEL_ID = 1_607_392_319
ANKI_CHOICE_MODEL_ID = 1_607_392_320
ANKI_CLOZE_MODEL_ID = 1_607_392_321


def anki_deck_id(deck_id: str, section: str | None = None) -> int:
    """Anki deck ids (Anki itself matches decks by name; the id only has to be stable)."""
    return stable_int("anki-deck", deck_id, section or "")


def anki_guid(uid: str) -> str:
    """A note's GUID: from the item's identity, never from its text (edits must update, not
    duplicate)."""
    digest = hashlib.sha256(f"quizgen:{uid}".encode()).hexdigest()
    return digest[:20]
