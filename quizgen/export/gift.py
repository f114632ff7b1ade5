"""GIFT export for Moodle: multiple choice, true/false, short answer with alternatives, matching
and missing-word (cloze) questions. Ordering items are left out: GIFT has no such type."""

from __future__ import annotations

from collections.abc import Sequence

from quizgen.export.csvfile import sources_text
from quizgen.generation.item import Item
from quizgen.model import Deck
from quizgen.output import atomic_write
from quizgen.text import plain

GIFT_SPECIAL = "\\~=#{}:"


def gift_escape(text: str) -> str:
    """GIFT's rule: ~ = # { } : and the backslash itself are escaped with a backslash; newlines
    end a question, so they become spaces."""
    out = "".join("\\" + c if c in GIFT_SPECIAL else c for c in text)
    return " ".join(out.split())


def _gift(item: Item) -> str | None:
    title = f"::{gift_escape(item.uid)}::"
    prompt = gift_escape(plain(item.prompt))
    feedback = gift_escape(
        " ".join(x for x in (plain(item.explanation), plain(item.claim), sources_text(item)) if x)
    )
    general = f"####{feedback}" if feedback else ""
    if item.qtype in ("mcq", "first"):
        answers = " ".join(
            ("=" if i in item.correct else "~") + gift_escape(plain(o))
            for i, o in enumerate(item.options)
        )
        return f"{title}{prompt} {{{answers}{general}}}"
    if item.qtype == "tf":
        return f"{title}{prompt} {{{'T' if item.correct == (0,) else 'F'}{general}}}"
    if item.qtype == "match":
        pairs = " ".join(
            f"={gift_escape(plain(left))} -> {gift_escape(plain(item.options[c]))}"
            for left, c in zip(item.left, item.correct, strict=True)
        )
        return f"{title}{prompt} {{{pairs}{general}}}"
    if item.qtype == "cloze" and item.cloze:
        before, key, after = (gift_escape(plain(p)) for p in item.cloze)
        return f"{title}{before} {{={key}{general}}} {after}".rstrip()
    if item.qtype in ("qa", "short", "reverse"):
        accepted = dict.fromkeys([plain(item.answer), *item.accepted])
        return f"{title}{prompt} {{{' '.join('=' + gift_escape(a) for a in accepted)}{general}}}"
    return None  # ordering: GIFT has no such question type


def write_gift(deck: Deck, items: Sequence[Item], path: str) -> None:
    lines = [f"// {gift_escape(deck.info.title)}"]
    if deck.info.attribution:
        lines.append(f"// {' '.join(deck.info.attribution.split())}")
    lines.append("")
    category = None
    for it in items:
        text = _gift(it)
        if text is None:
            continue
        section = f"{deck.info.title}/{it.section}" if it.section else deck.info.title
        if section != category:
            lines += [f"$CATEGORY: {' '.join(section.split())}", ""]
            category = section
        lines += [text, ""]
    atomic_write(path, "\n".join(lines))
