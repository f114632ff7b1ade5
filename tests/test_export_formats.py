"""CSV, GIFT, Moodle XML and JSON: parsed back and checked against each format's rules."""

from __future__ import annotations

import csv
import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from quizgen.export.csvfile import CSV_COLUMNS, write_csv
from quizgen.export.gift import GIFT_SPECIAL, gift_escape, write_gift
from quizgen.export.jsonfile import write_json
from quizgen.export.moodle import moodle_xml
from quizgen.generation import generate
from quizgen.model import Deck
from quizgen.text import Markup, plain

HOSTILE = """\
entities:
  a: {name: "Алексей ~ {Бой} = #1: A & B", kind: person}
  b: {name: "عبد الله", kind: person}
  c: {name: "Zoë <b>Ünïcode</b>", kind: person}
facts:
  - {id: r, kind: role, person: a, role: "chief {of} = ~everything~ #1: <i>yes</i>", as_of: "2015",
     sources: [s1]}
  - {id: e, kind: event, what: "the \\\\ backslash & <script>x</script> event", when: 2015-07,
     sources: [s1]}
  - {id: e2, kind: event, what: another event, when: "2011", sources: [s1]}
"""


@pytest.fixture
def hostile(make_deck) -> Deck:
    return make_deck(HOSTILE)


def test_csv_round_trips_with_header_and_unicode(hostile: Deck, tmp_path: Path) -> None:
    items = generate(hostile)
    path = tmp_path / "x.csv"
    write_csv(hostile, items, str(path))
    with open(path, encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert tuple(rows[0].keys()) == CSV_COLUMNS
    assert len(rows) == len(items)
    for row, it in zip(rows, items, strict=True):
        assert row["uid"] == it.uid and row["question"] == str(it.prompt)
        assert plain(Markup(row["question"])) == plain(it.prompt)  # HTML decodes to the text
    assert any("Алексей ~ {Бой} = #1: A & B" in plain(Markup(r["answer"])) for r in rows)
    assert not any("<script>" in r["question"] for r in rows)


def _gift_unescape(text: str) -> str:
    return re.sub(r"\\(.)", r"\1", text)


@given(st.text(alphabet=GIFT_SPECIAL + "ab ~=\\{}", max_size=40))
def test_gift_escaping_round_trips(text: str) -> None:
    escaped = gift_escape(text)
    assert _gift_unescape(escaped) == " ".join(text.split())
    # No special character is left unescaped: each is preceded by an odd run of backslashes.
    for m in re.finditer(r"(\\*)([~=#{}:])", escaped):
        assert len(m.group(1)) % 2 == 1, escaped


def test_gift_file_structure(hostile: Deck, tmp_path: Path) -> None:
    items = generate(hostile)
    path = tmp_path / "x.gift.txt"
    write_gift(hostile, items, str(path))
    text = path.read_text(encoding="utf-8")
    questions = [q for q in text.split("\n\n") if q.startswith("::")]
    assert questions
    for q in questions:
        # One unescaped { and one unescaped } per question, the answer block last or mid-text.
        opens = re.findall(r"(?<!\\){", q)
        closes = re.findall(r"(?<!\\)}", q)
        assert len(opens) == len(closes) == 1, q
        title = re.match(r"^::(.*?)(?<!\\)::", q)
        assert title, q
    mcq = next(q for q in questions if "/mcq/" in q.split("::")[1])
    block = mcq[mcq.index("{") + 1 : mcq.rindex("}")].split("####")[0]
    answers = re.findall(r"(?<!\\)([=~])", block)
    assert answers.count("=") == 1 and answers.count("~") >= 2


def test_moodle_xml_parses_and_follows_element_rules(hostile: Deck, small_deck: Deck) -> None:
    for deck in (hostile, small_deck):
        items = generate(deck)
        root = ET.fromstring(moodle_xml(deck, items))
        assert root.tag == "quiz"
        questions = [q for q in root.findall("question") if q.get("type") != "category"]
        assert len(questions) == len(items)
        for q in questions:
            kind = q.get("type")
            assert q.find("name/text").text
            assert q.find("questiontext").get("format") == "html"
            assert q.find("questiontext/text").text
            answers = q.findall("answer")
            if kind == "multichoice":
                fractions = [a.get("fraction") for a in answers]
                assert fractions.count("100") == 1 and len(answers) >= 2
                assert q.find("single").text == "true"
            elif kind == "truefalse":
                assert sorted(a.find("text").text for a in answers) == ["false", "true"]
                assert sorted(a.get("fraction") for a in answers) == ["0", "100"]
            elif kind == "shortanswer":
                assert answers and all(a.get("fraction") == "100" for a in answers)
            elif kind == "matching":
                subs = q.findall("subquestion")
                assert len(subs) >= 3 and all(s.find("answer/text").text for s in subs)
            elif kind == "ordering":
                assert len(answers) >= 3
            elif kind == "cloze":
                assert re.search(r"\{1:SHORTANSWER:=.+\}", q.find("questiontext/text").text)
            else:
                pytest.fail(f"unexpected question type {kind}")
    text = moodle_xml(hostile, generate(hostile)).decode("utf-8")
    assert "<script>" not in text and "عبد الله" in text


def test_json_has_identities_and_both_text_forms(hostile: Deck, tmp_path: Path) -> None:
    items = generate(hostile)
    path = tmp_path / "x.json"
    write_json(hostile, items, str(path))
    data = json.loads(path.read_text(encoding="utf-8"))
    assert [i["uid"] for i in data["items"]] == [it.uid for it in items]
    first = data["items"][0]
    assert {
        "uid",
        "deck",
        "fact",
        "type",
        "variant",
        "question",
        "answer",
        "options",
        "correct",
        "sources",
    } <= set(first)
    assert set(first["question"]) == {"html", "text"}
    assert "Алексей" in path.read_text(encoding="utf-8")  # not \\u-escaped
