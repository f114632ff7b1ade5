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
