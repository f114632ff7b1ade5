"""JSON export of every generated item with its identity, for other tools. Text fields carry
both the HTML and the plain text."""

from __future__ import annotations

import json
from collections.abc import Sequence

from quizgen.generation.item import QTYPE_NAMES, Item
from quizgen.model import Deck
from quizgen.output import atomic_write
from quizgen.text import Markup, plain


def _both(m: Markup) -> dict[str, str]:
    return {"html": str(m), "text": plain(m)}


def item_json(item: Item) -> dict[str, object]:
    return {
        "uid": item.uid,
        "deck": item.deck_id,
        "fact": item.fact_id,
        "facts": list(item.fact_ids),
        "type": item.qtype,
        "type_name": QTYPE_NAMES[item.qtype],
        "variant": item.variant,
        "section": item.section,
        "tags": list(item.tags),
        "status": item.status,
        "question": _both(item.prompt),
        "answer": _both(item.answer),
        "options": [_both(o) for o in item.options],
        "correct": list(item.correct),
        "left": [_both(x) for x in item.left],
        "cloze": [_both(x) for x in item.cloze] if item.cloze else None,
        "accepted": list(item.accepted),
        "explanation": _both(item.explanation),
        "claim": _both(item.claim),
        "sources": [
            {
                "id": s.id,
                "title": s.title,
                "publisher": s.publisher,
                "author": s.author,
                "date": s.date.edtf() if s.date else None,
                "url": s.url,
            }
            for s in item.sources
        ],
        "location": {"file": item.location.file, "line": item.location.line},
    }


def write_json(deck: Deck, items: Sequence[Item], path: str) -> None:
    info = deck.info
    data = {
        "deck": {
            "id": info.id,
            "title": info.title,
            "license": info.license,
            "attribution": info.attribution,
            "url": info.url,
        },
        "items": [item_json(it) for it in items],
    }
    atomic_write(path, json.dumps(data, ensure_ascii=False, indent=1) + "\n")
