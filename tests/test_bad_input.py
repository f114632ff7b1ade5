"""The bad-input corpus: every file under tests/bad/ is a deck with a known problem.

Each case lists every problem the file must produce as (line, words); line None means the file as
a whole. The same table is checked twice: through the loader (exact problems, nothing extra) and
through `quizgen check` (exit code 1, file:line: message on stderr, no traceback)."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import tracemalloc
from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import CliRunner

from quizgen.cli import main
from quizgen.errors import DeckError, Problem
from quizgen.loading import validate, yamlsource
from quizgen.loading.validate import load_decks, read_deck

BAD = Path(__file__).parent / "bad"


@dataclass(frozen=True)
class Case:
    name: str  # a file under tests/bad/, or a folder of files loaded together
    problems: tuple[tuple[int | None, str], ...]  # every problem: (line, words in the message)
    file: str = ""  # the file the problems are in, when `name` is a folder

    @property
    def path(self) -> Path:
        return BAD / self.name

    @property
    def named(self) -> str:
        """The file name messages must give (as the user typed it, normalised)."""
        return os.path.normpath(str(self.path / self.file if self.file else self.path))


def case(name: str, *problems: tuple[int | None, str], file: str = "") -> Case:
    return Case(name, problems, file)


CASES = [
    # --- YAML syntax
    case(
        "syntax-unclosed-bracket.yaml",
        (18, "expected ',' or ']' (while parsing a flow sequence started on line 17)"),
    ),
    case(
        "syntax-unclosed-quote.yaml",
        (18, "end of stream (while scanning a quoted scalar started on line 15)"),
    ),
    case("syntax-colon-in-value.yaml", (15, "a value containing ': ' must be quoted")),
    case("syntax-bad-indentation.yaml", (15, "mapping values are not allowed")),
    case("tab-indentation.yaml", (14, "does not allow tabs for indentation")),
    case("multiple-documents.yaml", (18, "more than one YAML document")),
    case(
        "merge-key.yaml",
        (15, "merge keys (<<) are not supported"),
        (12, "unknown key 'common' in the file"),
        (15, "fact 'visit' is missing 'sources'"),
    ),
    case(
        "complex-key.yaml",
        (15, "a key must be plain text"),
        (13, "missing 'what'"),
        (13, "missing 'when'"),
    ),
    case("alias-undefined.yaml", (17, "alias *refs refers to no anchor")),
    case("alias-recursive.yaml", (19, "alias *loop refers to a value that contains it")),
    case("alias-bomb.yaml", (4, "aliases expand too far")),
    case("deep-nesting.yaml", (15, "nested deeper than 64 levels")),
    # --- encodings and bytes
    case("utf16-with-bom.yaml", (1, "the file is UTF-16; save it as UTF-8")),
    case("utf16le-without-bom.yaml", (1, "the file is UTF-16")),
    case("utf16be-without-bom.yaml", (1, "the file is UTF-16")),
    case("utf32.yaml", (1, "the file is UTF-32; save it as UTF-8")),
    case("utf32be-without-bom.yaml", (1, "the file is UTF-32")),
    case("latin1.yaml", (15, "byte 0xe0 is not UTF-8 (was the file saved as Latin-1")),
    case("windows1252-quotes.yaml", (15, "byte 0x92 is not UTF-8")),
    case("high-bytes-no-nul.yaml", (1, "byte 0x80 is not UTF-8")),
    case("binary-junk.yaml", (1, "it is binary, not YAML text")),
    case("binary-png.yaml", (3, "it is binary, not YAML text")),
    case("nul-in-text.yaml", (15, "NUL bytes")),
    case("control-character-raw.yaml", (15, "control character U+0007")),
    case("control-character-del.yaml", (9, "control character U+007F")),
    case("control-character-escape.yaml", (15, "control character U+001B")),
    # --- empty files and wrong shapes
    case("empty.yaml", (None, "the file is empty")),
    case("comments-only.yaml", (None, "the file is empty")),
    case("top-level-list.yaml", (1, "the file must be a mapping of keys to values, not a list")),
    case("top-level-text.yaml", (1, "the file must be a mapping of keys to values, not text")),
    case("facts-empty-list.yaml", (12, "'facts' is empty: a deck needs at least one fact")),
    case("facts-null.yaml", (12, "'facts' must be a list of facts, not nothing")),
    case("facts-mapping.yaml", (13, "'facts' must be a list of facts, not a mapping")),
    case("fact-is-text.yaml", (13, "each fact must be a mapping, not text")),
    case("deck-is-text.yaml", (1, "deck must be a mapping of keys to values, not text")),
    case("deck-fields-empty.yaml", (2, "deck: 'id' is empty"), (3, "deck: 'title' is empty")),
    case(
        "sources-is-list.yaml",
        (4, "'sources' must be a mapping of ids to entries, not a list"),
        (15, "unknown source 'reuters'"),
    ),
    case("source-url-javascript.yaml", (6, "'url' must be a web address starting with https://")),
    case("source-is-text.yaml", (6, "source 'cnn' must be a mapping of keys to values, not text")),
    case(
        "entity-is-list.yaml",
        (9, "entity 'moscow' must be a mapping of keys to values, not a list"),
    ),
    case(
        "wrong-types-in-fact.yaml",
        (15, "'what' must be text, not a list"),
        (16, "'when' must be text, not a mapping"),
        (17, "'tags' must be a list, not a mapping"),
    ),
    case(
        "wrong-types-quantity.yaml",
        (16, "'value' must be a number like 250000 or 1.5 (got 'about a quarter million')"),
        (17, "'bound' must be one of exact, about"),
    ),
    case(
        "wrong-types-group.yaml",
        (17, "'complete' must be true or false (got 'maybe')"),
        (22, "a group needs at least 2 members"),
    ),
    case("group-one-member-as-text.yaml", (16, "a group needs at least 2 members")),
    case("list-of-lists.yaml", (17, "every entry of 'sources' must be non-empty text")),
    case("empty-required-fields.yaml", (15, "'what' is empty"), (16, "'when' is empty")),
    case("required-entity-empty.yaml", (15, "'person' is empty"), (21, "'members' is empty")),
    case(
        "bad-slug-ids.yaml",
        (11, "id 'Iran Republic' must be a lower-case slug"),
        (13, "'id' must be a lower-case slug"),
    ),
    case("number-out-of-range.yaml", (16, "'value' is out of range")),
    # --- unknown keys and kinds (did-you-mean)
    case(
        "unknown-top-key.yaml",
        (12, "unknown key 'fatcs' in the file (did you mean 'facts'?)"),
        (1, "the file is missing 'facts'"),
    ),
    case("unknown-deck-key.yaml", (4, "unknown key 'licence' in deck (did you mean 'license'?)")),
    case(
        "unknown-fact-key.yaml",
        (16, "unknown key 'wehn' in fact 'visit' (did you mean 'when'?)"),
        (13, "fact 'visit' is missing 'when'"),
    ),
    case("unknown-kind.yaml", (14, "unknown kind 'evnet'; use one of event, role")),
    case("missing-kind.yaml", (13, "fact 'visit' is missing 'kind' (one of event, role")),
    case("unknown-entity-kind.yaml", (9, "'kind' must be one of person, country, city")),
    # --- references
    case("dangling-source.yaml", (17, "unknown source 'reuter' (did you mean 'reuters'?)")),
    case("dangling-entity.yaml", (15, "unknown entity 'soleiman' (did you mean 'soleimani'?)")),
    case("wrong-entity-kind.yaml", (15, "'person' wants person, but 'moscow' is a city")),
    case("entity-list-for-one.yaml", (17, "'where' takes one entity id, not a list")),
    case("entity-listed-twice.yaml", (16, "'members' lists 'russia' twice")),
    case(
        "no-sources-section.yaml",
        (1, "the file has no 'sources'"),
        (14, "unknown source 'reuters'"),
    ),
    case("fact-sources-empty.yaml", (17, "'sources' is empty; cite at least one source")),
    case("missing-image.yaml", (18, "the image images/no-such-picture.png does not exist")),
    case(
        "missing-templates-folder.yaml", (4, "the templates folder no-such-folder does not exist")
    ),
    case("license-without-attribution.yaml", (2, "there is no 'attribution'")),
    # --- dates
    case("date-february-30.yaml", (16, "February 2015 has no day 30")),
    case("date-month-13.yaml", (16, "there is no month 13")),
    case("date-not-leap-year.yaml", (16, "February 1900 has no day 29")),
    case("date-words.yaml", (16, "'summer 2015' is not a date; write YYYY, YYYY-MM or YYYY-MM-DD")),
    case("date-unspecified-digits.yaml", (16, "unspecified digits (X) are not supported")),
    case("date-reversed-interval.yaml", (16, "the interval is reversed: 2016-03 is after 2015-09")),
    case("date-open-both-ends.yaml", (16, "an interval needs at least one end")),
    case("date-text-without-date.yaml", (17, "'date_text' says how 'as_of' reads")),
    # --- claims
    case("status-unknown.yaml", (18, "'status' must be one of established, attributed, disputed")),
    case("attributed-without-claimed-by.yaml", (18, "status attributed needs 'claimed_by'")),
    case("disputed-without-denied-by.yaml", (18, "status disputed needs 'denied_by'")),
    case("claimed-by-on-established.yaml", (18, "but the status is established")),
    case("denied-by-on-attributed.yaml", (20, "'denied_by' given but the status is attributed")),
    # --- duplicates
    case("duplicate-key.yaml", (17, "duplicate key 'what' (first given on line 15)")),
    case("duplicate-top-key.yaml", (18, "duplicate key 'deck' (first given on line 1)")),
    case("duplicate-fact-id.yaml", (18, "fact id 'visit' is used twice (first on line 13)")),
    case(
        "duplicate-across-files",
        (18, "fact id 'visit' is already used at tests/bad/duplicate-across-files/a.yaml:13"),
        file="b.yaml",
    ),
    case("duplicate-deck-id", (None, "deck id 'bad' is also used by"), file="b.yaml"),
    # --- one file, many problems: all of them in one run
    case(
        "many-problems.yaml",
        (16, "February 2015 has no day 30"),
        (17, "unknown source 'reuter' (did you mean 'reuters'?)"),
        (20, "'person' wants person, but 'moscow' is a city"),
        (26, "unknown entity 'irn' (did you mean 'iran'?)"),
        (31, "'value' must be a number"),
        (33, "fact id 'visit' is used twice"),
        (33, "fact 'visit' is missing 'text'"),
        (36, "unknown key 'txt' in fact 'visit' (did you mean 'text'?)"),
    ),
]
IDS = [c.name for c in CASES]


@pytest.fixture(autouse=True)
def _in_repo(monkeypatch: pytest.MonkeyPatch) -> None:
    # Cross-file messages show paths relative to the working folder.
    monkeypatch.chdir(BAD.parent.parent)


def relative(c: Case) -> str:
    return os.path.relpath(c.path)


def problems_of(c: Case) -> list[Problem]:
    with pytest.raises(DeckError) as info:
        load_decks([relative(c)])
    return info.value.problems


def matches(p: Problem, c: Case, line: int | None, words: str) -> bool:
    return (
        os.path.normpath(p.file) == os.path.relpath(c.named)
        and p.line == (line or 0)
        and words.lower() in p.message.lower()
    )


def test_the_corpus_is_large_and_every_file_is_a_case() -> None:
    assert len(CASES) >= 45
    assert len(set(IDS)) == len(IDS)
    on_disk = {p.name for p in BAD.iterdir()}
    assert on_disk == set(IDS), on_disk ^ set(IDS)


@pytest.mark.parametrize("c", CASES, ids=IDS)
def test_loader_reports_exactly_the_expected_problems(c: Case) -> None:
    found = problems_of(c)
    for line, words in c.problems:
        assert any(matches(p, c, line, words) for p in found), (line, words, found)
    assert len(found) == len(c.problems), found  # nothing missing, nothing said twice


@pytest.mark.parametrize("c", CASES, ids=IDS)
def test_check_command_prints_file_line_and_problem_and_exits_1(c: Case) -> None:
    result = CliRunner().invoke(main, ["check", relative(c)])
    assert result.exit_code == 1, result.output
    assert isinstance(result.exception, SystemExit)  # not an escaped exception
    assert "Traceback" not in result.output
    assert result.stdout == ""  # problems go to stderr
    lines = result.stderr.splitlines()
    n = len(c.problems)
    assert lines[0] == f"error: {n} problem{'s' if n > 1 else ''} found:"
    named = os.path.relpath(c.named)
    for line, words in c.problems:
        where = f"{named}:{line}:" if line else f"{named}: "
        assert any(s.startswith(where) and words in s for s in lines[1:]), (where, words, lines)
    assert len(lines) == n + 1


def test_problems_in_several_files_are_reported_together() -> None:
    a, b, c = (relative(Case(n, ())) for n in ("latin1.yaml", "many-problems.yaml", "empty.yaml"))
    result = CliRunner().invoke(main, ["check", a, b, c])
    assert result.exit_code == 1
    assert result.stderr.startswith("error: 10 problems found:")
    for name in (a, b, c):
        assert f"\n{name}:" in result.stderr


# --- hostile input: bounded time and memory ------------------------------------------------------


def test_alias_bomb_is_refused_in_bounded_time_and_memory() -> None:
    tracemalloc.start()
    start = time.perf_counter()
    try:
        deck, problems = read_deck(str(BAD / "alias-bomb.yaml"))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert deck is None and "alias bomb" in problems[0].message
    assert time.perf_counter() - start < 5  # unguarded, 9**9 nodes never finish
    assert peak < 16 * 2**20


def test_a_larger_alias_bomb_in_a_valid_looking_deck_is_refused() -> None:
    levels = "".join(f"l{i}: &l{i} [{', '.join([f'*l{i - 1}'] * 10)}]\n" for i in range(1, 12))
    text = "l0: &l0 [" + ", ".join(["boom"] * 10) + "]\n" + levels + "deck: *l11\nfacts: *l11\n"
    deck, problems = read_deck("bomb.yaml", text.encode())
    assert deck is None
    assert [p.message for p in problems] == ["YAML aliases expand too far (an alias bomb?)"]


@pytest.mark.parametrize(
    "text",
    [
        "[" * 200_000 + "]" * 200_000,
        "{a: " * 100_000 + "b" + "}" * 100_000,
        "".join(" " * i + "a:\n" for i in range(2_000)),
        "- " * 100_000 + "deep\n",
    ],
    ids=["flow-lists", "flow-mappings", "block-mappings", "compact-lists"],
)
def test_very_deep_nesting_is_refused_without_crashing_the_process(
    tmp_path: Path, text: str
) -> None:
    # PyYAML's C composer recursed once per level and crashed the interpreter (SIGSEGV) near
    # 100k levels: run in a subprocess so a crash fails this test instead of killing pytest.
    path = tmp_path / "deep.yaml"
    path.write_text(text)
    run = subprocess.run(
        [sys.executable, "-m", "quizgen", "check", str(path)],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=BAD.parent.parent,
    )
    assert run.returncode == 1, run.stderr
    assert "nested deeper than 64 levels" in run.stderr
    assert f"{path}:1:" in run.stderr or f"{path}:" in run.stderr
    assert "Traceback" not in run.stderr


def test_a_file_over_the_size_cap_is_refused_before_parsing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(yamlsource, "MAX_FILE_BYTES", 4096)

    def no_parsing(*args: object) -> None:
        raise AssertionError("the file was parsed")

    monkeypatch.setattr(yamlsource, "load_yaml", no_parsing)
    monkeypatch.setattr(validate, "parse_file", no_parsing)
    path = tmp_path / "big.yaml"
    path.write_bytes((BAD / "many-problems.yaml").read_bytes() * 8)
    result = CliRunner().invoke(main, ["check", str(path)])
    assert result.exit_code == 1
    assert f"{path}: the file is 7.1 KiB; deck files are limited to 4 KiB" in result.stderr
    # and through the bytes API too
    assert "limited to" in yamlsource.parse_file("x.yaml", b"#" * 5000)[1][0].message


def test_a_file_over_the_real_cap_is_never_read(tmp_path: Path) -> None:
    path = tmp_path / "huge.yaml"
    with open(path, "wb") as fh:  # sparse: takes no disk space
        fh.truncate(yamlsource.MAX_FILE_BYTES + 1)
    tracemalloc.start()
    try:
        deck, problems = read_deck(str(path))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert deck is None
    assert problems == [
        Problem(str(path), 0, 0, problems[0].message),
    ]
    assert "the file is 64.0 MiB; deck files are limited to 64 MiB" in problems[0].message
    assert peak < 2**20  # not read into memory


def test_check_command_names_a_missing_path() -> None:
    result = CliRunner().invoke(main, ["check", "no/such/deck.yaml"])
    assert result.exit_code == 1
    assert "no/such/deck.yaml: no such file or folder" in result.stderr


# --- hostile but valid: these must load --------------------------------------------------------

HEADER = """\
deck:
  id: ok
  title: A deck that must load
sources:
  s: {title: A source}
entities:
  a: {name: A person, kind: person}
facts:
"""


def load_text(text: str, tmp_path: Path, name: str = "deck.yaml") -> validate.Deck:
    path = tmp_path / name
    path.write_bytes(text.encode("utf-8") if isinstance(text, str) else text)
    return load_decks([str(path)])[0]


def test_very_long_strings_load_intact(tmp_path: Path) -> None:
    long_what = "a very long description " * 200_000  # 4.8 MB on one line
    long_quote = "word " * 100_000
    text = HEADER + (
        f"  - id: long\n    kind: event\n    what: {long_what.strip()}\n    when: 2015\n"
        f"    sources: [s]\n    note: |\n      {long_quote}\n"
        f"  - id: quote\n    kind: quote\n    speaker: a\n    text: '{long_quote.strip()}'\n"
        "    sources: [s]\n"
    )
    start = time.perf_counter()
    deck = load_text(text, tmp_path)
    assert time.perf_counter() - start < 30  # a hang guard; it takes well under a second
    assert deck.facts[0].body.what == long_what.strip()  # type: ignore[union-attr]
    assert deck.facts[0].note == long_quote.strip()
    assert deck.facts[1].body.text == long_quote.strip()  # type: ignore[union-attr]


def test_many_aliases_of_a_small_value_are_fine(tmp_path: Path) -> None:
    facts = "".join(
        f"  - id: f{i}\n    kind: event\n    what: event {i}\n    when: 2015\n    sources: *src\n"
        for i in range(2000)
    )
    first = "  - id: f\n    kind: event\n    what: first\n    when: 2015\n    sources: &src [s]\n"
    deck = load_text(HEADER + first + facts, tmp_path)
    assert len(deck.facts) == 2001
    assert all(f.sources[0].id == "s" for f in deck.facts)


def test_a_utf8_bom_loads(tmp_path: Path) -> None:
    text = HEADER + "  - {id: e, kind: event, what: the visit, when: 2015, sources: [s]}\n"
    deck = load_text("\ufeff" + text, tmp_path)
    assert deck.info.id == "ok" and deck.facts[0].body.what == "the visit"  # type: ignore[union-attr]


def test_windows_line_endings_load_and_lines_are_counted_right(tmp_path: Path) -> None:
    text = HEADER + "  - {id: e, kind: event, what: the visit, when: 2015-02-30, sources: [s]}\n"
    path = tmp_path / "crlf.yaml"
    path.write_bytes(text.replace("\n", "\r\n").encode())
    deck, problems = read_deck(str(path))
    assert deck is None and [p.line for p in problems] == [9]


def test_right_to_left_and_bidi_controls_load_as_written(tmp_path: Path) -> None:
    arabic = "تحالف روسيا وسوريا وإيران والعراق"
    hebrew = "\u202bקואליציה\u202c"  # with embedding controls, as copied from a web page
    mixed = "\u200fمركز بغداد (Baghdad) \u202eoverride\u202c"
    text = HEADER + (
        f"  - id: rtl\n    kind: event\n    what: {arabic}\n    when: 2015-09\n"
        f"    date_text: {hebrew}\n    note: '{mixed}'\n    sources: [s]\n"
    )
    deck = load_text(text, tmp_path)
    fact = deck.facts[0]
    assert fact.body.what == arabic  # type: ignore[union-attr]
    assert fact.body.when.text == hebrew  # type: ignore[union-attr]
    assert fact.note == mixed


def test_unicode_line_separators_do_not_shift_line_numbers(tmp_path: Path) -> None:
    # YAML 1.1 breaks lines at U+2028/U+0085; editors do not. Errors must use editor lines.
    text = HEADER + (
        "  - id: e\n    kind: event\n    what: 'a\u2028b\x85c'\n    when: 2015\n    sources: [s]\n"
        "  - id: f\n    kind: event\n    what: x\n    when: 2015-13\n    sources: [s]\n"
    )
    path = tmp_path / "ls.yaml"
    path.write_text(text, encoding="utf-8")
    deck, problems = read_deck(str(path))
    assert deck is None
    assert [(p.line, p.column) for p in problems] == [(17, 11)]
