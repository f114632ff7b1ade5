"""Random text, bytes and structures into the loader: it returns a deck or located problems and
never raises anything but quizgen's own error."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from quizgen.cli import main
from quizgen.errors import DeckError, Problem
from quizgen.loading.validate import load_decks, read_deck
from tests.conftest import DATA

FUZZ = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# Pieces of YAML syntax, so random text reaches deep into the parser instead of failing at once.
YAML_BITS = [
    "deck:", "facts:", "sources:", "entities:", "id:", "kind:", "event", "what:", "when:",
    "2015-07-24", "2015-02-30", "../..", "- ", "  ", "    ", "\n", "\t", ": ", "[", "]", "{", "}",
    ",", "&a ", "*a", "*b", "&b ", "!!str ", "!x ", "|", ">", "'", '"', "#", "%YAML 1.1\n", "? ",
    "<<: ", "---\n", "...\n", "~", "null", "yes", "NO", "1.10", "\\x07", "\\ud800", "\ufeff",
    "é", "تحالف", "\u2028", "\x85", "\r\n", "\r",
]  # fmt: skip


def check_outcome(deck: Any, problems: list[Problem], path: str) -> None:
    assert (deck is None) == bool(problems)
    for p in problems:
        assert isinstance(p, Problem)
        assert p.file == path
        assert p.message and "\n" not in p.message
        assert p.line >= 0 and p.column >= 0


@FUZZ
@given(st.text(max_size=400))
def test_random_text(text: str) -> None:
    deck, problems = read_deck("fuzz.yaml", text.encode("utf-8"))
    check_outcome(deck, problems, "fuzz.yaml")


@FUZZ
@given(st.lists(st.sampled_from(YAML_BITS) | st.text(max_size=3), max_size=80))
@example(["{", "\u2028", "~"])  # an error at the end of a file with YAML-only line breaks
@example(["a: ", "'", "\x85", "x"])
def test_random_yaml_like_text(bits: list[str]) -> None:
    deck, problems = read_deck("fuzz.yaml", "".join(bits).encode("utf-8"))
    check_outcome(deck, problems, "fuzz.yaml")


@FUZZ
@given(st.binary(max_size=400))
def test_random_bytes(data: bytes) -> None:
    deck, problems = read_deck("fuzz.yaml", data)
    check_outcome(deck, problems, "fuzz.yaml")


@FUZZ
@given(
    st.binary(max_size=200),
    st.sampled_from([b"", b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff", b"\xff\xfe\x00\x00"]),
)
def test_random_bytes_after_a_valid_deck(junk: bytes, prefix: bytes) -> None:
    data = prefix + (DATA / "small.yaml").read_bytes() + junk
    deck, problems = read_deck("fuzz.yaml", data)
    check_outcome(deck, problems, "fuzz.yaml")


# --- structures: a valid deck with random parts replaced -------------------------------------

SCALARS = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=True)
    | st.text(max_size=20)
    | st.sampled_from(["", "2015-02-30", "2015/2014", "person", "event", "reuters", "moscow"])
)
VALUES = st.recursive(
    SCALARS,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=12,
)


def paths(tree: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [prefix]
    if isinstance(tree, dict):
        for k, v in tree.items():
            out += paths(v, (*prefix, k))
    elif isinstance(tree, list):
        for i, v in enumerate(tree):
            out += paths(v, (*prefix, i))
    return out


GOOD = yaml.safe_load((DATA / "good_all_kinds.yaml").read_text(encoding="utf-8"))
GOOD_PATHS = paths(GOOD)[1:]


@FUZZ
@given(
    st.lists(st.tuples(st.sampled_from(GOOD_PATHS), VALUES, st.booleans()), min_size=1, max_size=4)
)
def test_valid_deck_with_random_parts_replaced_or_removed(
    edits: list[tuple[tuple[Any, ...], Any, bool]],
) -> None:
    tree = copy.deepcopy(GOOD)
    for path, value, remove in edits:
        parent = tree
        try:
            for step in path[:-1]:
                parent = parent[step]
            if remove and isinstance(parent, dict):
                del parent[path[-1]]
            else:
                parent[path[-1]] = value
        except (KeyError, IndexError, TypeError):
            continue  # an earlier edit changed the shape; skip this one
    text = yaml.safe_dump(tree, allow_unicode=True, sort_keys=False)
    deck, problems = read_deck("fuzz.yaml", text.encode("utf-8"))
    check_outcome(deck, problems, "fuzz.yaml")
    for p in problems:  # valid YAML with a mapping on top: every problem has a line
        assert p.line >= 1, p


# --- through the command line -----------------------------------------------------------------


@pytest.fixture(scope="module")
def fuzz_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("fuzz")


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    st.lists(st.sampled_from(YAML_BITS) | st.text(max_size=3), max_size=60)
    | st.binary(max_size=100).map(lambda b: [b])
)
def test_check_command_never_shows_a_traceback(fuzz_dir: Path, bits: list[Any]) -> None:
    data = b"".join(b if isinstance(b, bytes) else b.encode("utf-8") for b in bits)
    path = fuzz_dir / "deck.yaml"
    path.write_bytes(data)
    result = CliRunner().invoke(main, ["check", str(path)])
    assert result.exit_code in (0, 1), result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    assert "Traceback" not in result.output
    if result.exit_code == 1:
        assert f"{path}" in result.stderr


@settings(
    max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.lists(st.lists(st.sampled_from(YAML_BITS), max_size=40), min_size=1, max_size=3))
def test_load_decks_on_several_files_raises_only_deck_error(
    fuzz_dir: Path, files: list[list[str]]
) -> None:
    paths = []
    for i, bits in enumerate(files):
        path = fuzz_dir / f"deck{i}.yaml"
        path.write_text("".join(bits), encoding="utf-8")
        paths.append(str(path))
    try:
        decks = load_decks(paths)
    except DeckError as e:
        assert e.problems and all(p.file in paths for p in e.problems)
    else:
        assert len(decks) == len(paths)
