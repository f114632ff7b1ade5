"""Moodle XML export: multichoice, truefalse, shortanswer, matching, ordering and cloze
(embedded answers). Fields carry HTML (format="html"); ElementTree escapes it for XML."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Sequence

from quizgen.export.csvfile import sources_text
from quizgen.generation.item import Item
from quizgen.model import Deck
from quizgen.output import atomic_write
from quizgen.text import Markup, plain


def _text(
    parent: ET.Element, tag: str, html: str | Markup, fmt: str = "html", **attrs: str
) -> ET.Element:
    el = ET.SubElement(parent, tag, {"format": fmt, **attrs} if fmt else attrs)
    ET.SubElement(el, "text").text = str(html)
    return el


def _feedback(item: Item) -> str:
    parts = [str(x) for x in (item.explanation, item.claim) if x]
    if item.sources:
        parts.append(str(Markup("Sources: {}").format(sources_text(item))))
    return "<br>".join(parts)


def _moodle_question(item: Item) -> ET.Element | None:
    kinds = {
        "mcq": "multichoice",
        "first": "multichoice",
        "tf": "truefalse",
        "qa": "shortanswer",
        "short": "shortanswer",
        "reverse": "shortanswer",
        "match": "matching",
        "order": "ordering",
        "cloze": "cloze",
    }
    q = ET.Element("question", {"type": kinds[item.qtype]})
    name = ET.SubElement(q, "name")
    ET.SubElement(name, "text").text = item.uid
    if item.qtype == "cloze" and item.cloze:
        before, key, after = item.cloze
        answer = _cloze_escape(plain(key))
        _text(q, "questiontext", f"{before}{{1:SHORTANSWER:={answer}}}{after}")
    else:
        _text(q, "questiontext", item.prompt)
    _text(q, "generalfeedback", _feedback(item))
    ET.SubElement(q, "defaultgrade").text = str(len(item.left) if item.qtype == "match" else 1)
    if item.qtype in ("mcq", "first"):
        for i, o in enumerate(item.options):
            _text(q, "answer", o, fraction="100" if i in item.correct else "0")
        ET.SubElement(q, "single").text = "true"
        ET.SubElement(q, "shuffleanswers").text = "1"
        ET.SubElement(q, "answernumbering").text = "ABCD"
    elif item.qtype == "tf":
        for value, index in (("true", 0), ("false", 1)):
            _text(
                q,
                "answer",
                value,
                fmt="moodle_auto_format",
                fraction="100" if index in item.correct else "0",
            )
    elif item.qtype in ("qa", "short", "reverse"):
        ET.SubElement(q, "usecase").text = "0"
        for a in dict.fromkeys([plain(item.answer), *item.accepted]):
            _text(q, "answer", a, fmt="moodle_auto_format", fraction="100")
    elif item.qtype == "match":
        ET.SubElement(q, "shuffleanswers").text = "true"
        for left, c in zip(item.left, item.correct, strict=True):
            sub = _text(q, "subquestion", left)
            match = ET.SubElement(sub, "answer")
            ET.SubElement(match, "text").text = plain(item.options[c])
    elif item.qtype == "order":
        ET.SubElement(q, "layouttype").text = "VERTICAL"
        ET.SubElement(q, "selecttype").text = "ALL"
        ET.SubElement(q, "selectcount").text = "0"
        ET.SubElement(q, "gradingtype").text = "ABSOLUTE_POSITION"
        for c in item.correct:  # answers in the right order: Moodle shuffles them for students
            _text(q, "answer", item.options[c], fraction="1.0000000")
    return q


def _cloze_escape(text: str) -> str:
    """Moodle's embedded-answer syntax reserves } # ~ / " and the backslash."""
    return "".join("\\" + c if c in '}#~/"\\' else c for c in text)


def moodle_xml(deck: Deck, items: Sequence[Item]) -> bytes:
    quiz = ET.Element("quiz")
    category = None
    for it in items:
        section = f"$course$/{deck.info.title}" + (f"/{it.section}" if it.section else "")
        if section != category:
            cat = ET.SubElement(quiz, "question", {"type": "category"})
            ET.SubElement(ET.SubElement(cat, "category"), "text").text = section
            category = section
        q = _moodle_question(it)
        if q is not None:
            quiz.append(q)
    ET.indent(quiz)
    data: bytes = ET.tostring(quiz, encoding="utf-8", xml_declaration=True)
    return data + b"\n"


def write_moodle(deck: Deck, items: Sequence[Item], path: str) -> None:
    atomic_write(path, moodle_xml(deck, items))
