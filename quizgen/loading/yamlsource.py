"""Read YAML into plain containers that remember where each value was written.

We compose YAML nodes instead of constructing Python objects so that no implicit typing happens:
`NO`, `1.10` and `2015-07-24` stay the strings the author wrote, and the schema decides what is a
number or a date. Every value keeps its line and column for error messages.
"""

from __future__ import annotations

import codecs
import re
from typing import Any

import yaml

from quizgen.errors import Problem

try:  # libyaml's C composer is several times faster; fall back when PyYAML was built without it.
    from yaml import CSafeLoader as _Loader
except ImportError:  # pragma: no cover - depends on the PyYAML build
    from yaml import SafeLoader as _Loader  # type: ignore[assignment]

MAX_FILE_BYTES = 64 * 1024 * 1024  # refuse before parsing: a deck this large is a mistake
MAX_DEPTH = 64  # a deck needs 5 levels; deeper is junk or an attack
_NULLS = {"", "~", "null", "Null", "NULL"}


class Str(str):
    """A string that knows where it was written."""

    line: int
    col: int

    def __new__(cls, value: str, line: int, col: int) -> Str:
        s = super().__new__(cls, value)
        s.line, s.col = line, col
        return s


class Map(dict[str, Any]):
    """A mapping with its own location and the location of each key."""

    line: int
    col: int
    keys_at: dict[str, tuple[int, int]]


class Seq(list[Any]):
    line: int
    col: int


class Null:
    """An explicitly empty value (`key:` with nothing after it)."""

    __slots__ = ("col", "line")

    def __init__(self, line: int, col: int) -> None:
        self.line, self.col = line, col

    def __bool__(self) -> bool:
        return False


def where(value: Any, default: tuple[int, int] = (0, 0)) -> tuple[int, int]:
    """(line, column) of a loaded value, or `default` when it has none."""
    line = getattr(value, "line", None)
    return (line, value.col) if line else default


def decode(data: bytes, filename: str) -> tuple[str | None, list[Problem]]:
    """Bytes → text, refusing what is not UTF-8 with a message a person can act on."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) or (
        len(data) >= 2 and (data[0] == 0) != (data[1] == 0)
    ):
        return None, [Problem(filename, 1, 1, "the file is UTF-16; save it as UTF-8")]
    if data.startswith(codecs.BOM_UTF8):
        data = data[len(codecs.BOM_UTF8) :]
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as e:
        line = data.count(b"\n", 0, e.start) + 1
        col = e.start - (data.rfind(b"\n", 0, e.start) + 1) + 1
        return None, [
            Problem(
                filename,
                line,
                col,
                f"byte 0x{data[e.start]:02x} is not UTF-8 (was the file saved as Latin-1 or "
                "Windows-1252?); save it as UTF-8",
            )
        ]
    return text, []


def load_yaml(text: str, filename: str) -> tuple[Any, list[Problem]]:
    """Compose one YAML document into Str/Map/Seq/Null values; problems instead of exceptions."""
    try:
        node = yaml.compose(text, Loader=_Loader)
    except yaml.MarkedYAMLError as e:
        mark = e.problem_mark or e.context_mark
        line, col = (mark.line + 1, mark.column + 1) if mark else (0, 0)
        return None, [Problem(filename, line, col, _yaml_message(e, text, line))]
    except yaml.YAMLError as e:  # ReaderError and friends carry no mark object
        return None, [Problem(filename, *_reader_position(e, text), f"YAML error: {_oneline(e)}")]
    except RecursionError:
        return None, [Problem(filename, 0, 0, "the YAML is nested too deeply")]
    if node is None:
        return None, [Problem(filename, 0, 0, "the file is empty")]
    problems: list[Problem] = []
    budget = [len(text) + 10_000]  # aliases may not expand the document beyond its own size
    value = _convert(node, filename, problems, 0, budget)
    return value, problems


def _convert(
    node: yaml.Node, filename: str, problems: list[Problem], depth: int, budget: list[int]
) -> Any:
    line, col = node.start_mark.line + 1, node.start_mark.column + 1
    budget[0] -= 1
    if budget[0] < 0:
        raise _Abort(Problem(filename, line, col, "YAML aliases expand too far (an alias bomb?)"))
    if depth > MAX_DEPTH:
        raise _Abort(Problem(filename, line, col, f"nested deeper than {MAX_DEPTH} levels"))
    if isinstance(node, yaml.ScalarNode):
        if node.style is None and node.value in _NULLS:
            return Null(line, col)
        return Str(node.value, line, col)
    if isinstance(node, yaml.SequenceNode):
        seq = Seq(_convert(n, filename, problems, depth + 1, budget) for n in node.value)
        seq.line, seq.col = line, col
        return seq
    assert isinstance(node, yaml.MappingNode)
    m = Map()
    m.line, m.col = line, col
    m.keys_at = {}
    for knode, vnode in node.value:
        kline, kcol = knode.start_mark.line + 1, knode.start_mark.column + 1
        if not isinstance(knode, yaml.ScalarNode):
            problems.append(Problem(filename, kline, kcol, "a key must be plain text"))
            continue
        if knode.tag == "tag:yaml.org,2002:merge":
            problems.append(Problem(filename, kline, kcol, "merge keys (<<) are not supported"))
            continue
        key = knode.value
        if key in m.keys_at:
            first = m.keys_at[key][0]
            problems.append(
                Problem(
                    filename, kline, kcol, f"duplicate key {key!r} (first given on line {first})"
                )
            )
            continue
        m.keys_at[key] = (kline, kcol)
        m[key] = _convert(vnode, filename, problems, depth + 1, budget)
    return m


class _Abort(Exception):
    def __init__(self, problem: Problem) -> None:
        self.problem = problem


def parse_file(path: str, data: bytes) -> tuple[Any, list[Problem]]:
    """The whole way from bytes to located values, with size, encoding and YAML checks."""
    if len(data) > MAX_FILE_BYTES:
        return None, [
            Problem(
                path,
                0,
                0,
                f"the file is {len(data) / 2**20:.0f} MiB; decks are limited to "
                f"{MAX_FILE_BYTES // 2**20} MiB (split it into several files)",
            )
        ]
    if b"\0" in data[:8192] and not data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        nul = data.index(b"\0")
        if data.count(b"\0") > 1 and nul % 2 == 0 and data[1:2] != b"\0":
            pass  # looks like UTF-16 without BOM; decode() explains
        else:
            return None, [
                Problem(
                    path,
                    data.count(b"\n", 0, nul) + 1,
                    0,
                    "the file contains NUL bytes: it is binary, not YAML text",
                )
            ]
    text, problems = decode(data, path)
    if text is None:
        return None, problems
    try:
        return load_yaml(text, path)
    except _Abort as e:
        return None, [e.problem]


def _yaml_message(e: yaml.MarkedYAMLError, text: str, line: int) -> str:
    msg = e.problem or e.context or "invalid YAML"
    src_line = text.splitlines()[line - 1] if 0 < line <= len(text.splitlines()) else ""
    hint = ""
    if "\t" in src_line[: len(src_line) - len(src_line.lstrip())] or "'\\t'" in msg:
        hint = " (YAML does not allow tabs for indentation; use spaces)"
    elif "expected a single document" in (e.context or ""):
        msg, hint = "the file holds more than one YAML document", " (remove the extra '---')"
    elif "found undefined alias" in (e.context or msg):
        hint = ""
    elif "mapping values are not allowed" in msg:
        hint = " (a value containing ': ' must be quoted)"
    return f"YAML syntax error: {msg}{hint}"


def _reader_position(e: yaml.YAMLError, text: str) -> tuple[int, int]:
    pos = getattr(e, "position", None)
    if isinstance(pos, int) and pos >= 0:
        return text.count("\n", 0, pos) + 1, pos - (text.rfind("\n", 0, pos) + 1) + 1
    return 0, 0


def _oneline(e: Exception) -> str:
    # Drop PyYAML's 'in "<unicode string>", position N': we already give line and column.
    return re.sub(r'\s*in "<[^>]*>", position \d+', "", " ".join(str(e).split()))
