"""Read YAML into plain containers that remember where each value was written.

We build values from the parser's events instead of constructing Python objects, so that no
implicit typing happens: `NO`, `1.10` and `2015-07-24` stay the strings the author wrote, and the
schema decides what is a number or a date. Every value keeps its line and column for errors.
"""

from __future__ import annotations

import codecs
import contextlib
import gc
import re
from collections.abc import Callable, Iterator
from typing import Any

import yaml

from quizgen.errors import Problem

try:  # libyaml's C parser is several times faster; fall back when PyYAML was built without it.
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
        # A dict literal is about half the size of the one attribute assignment would grow
        # (150 bytes a value, 200 MB on a 100k-fact deck).
        s.__dict__ = {"line": line, "col": col}
        return s


class Map(dict[str, Any]):
    """A mapping with its own location and the location of each key."""

    __slots__ = ("col", "keys_at", "line")  # no per-object __dict__: decks hold millions
    line: int
    col: int
    keys_at: dict[str, tuple[int, int]]


class Seq(list[Any]):
    __slots__ = ("col", "line")
    line: int
    col: int


class Null:
    """An explicitly empty value (`key:` with nothing after it)."""

    __slots__ = ("col", "line")

    def __init__(self, line: int, col: int) -> None:
        self.line, self.col = line, col

    def __bool__(self) -> bool:
        return False


@contextlib.contextmanager
def paused_gc() -> Iterator[None]:
    """Loading builds millions of small acyclic objects; the cyclic collector would rescan them
    again and again while they are built, for nothing (up to half of the loading time)."""
    was_on = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_on:
            gc.enable()


def where(value: Any, default: tuple[int, int] = (0, 0)) -> tuple[int, int]:
    """(line, column) of a loaded value, or `default` when it has none."""
    line = getattr(value, "line", None)
    return (line, value.col) if line else default


def size_problem(path: str, size: int) -> Problem | None:
    """Refuse a file above the cap before reading or parsing it."""
    if size <= MAX_FILE_BYTES:
        return None
    return Problem(
        path,
        0,
        0,
        f"the file is {_size(size, '.1f')}; deck files are limited to "
        f"{_size(MAX_FILE_BYTES, 'g')} (split it into several files)",
    )


def _size(n: int, spec: str) -> str:
    if n >= 2**20:
        return f"{n / 2**20:{spec}} MiB"
    return f"{n / 2**10:{spec}} KiB"


def _wide_encoding(data: bytes) -> str | None:
    """'UTF-16' or 'UTF-32' when the bytes are in one of them, with or without a BOM."""
    if data.startswith((codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE)):
        return "UTF-32"
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "UTF-16"
    head = data[:512]
    # Text starts with ASCII (`deck:`, `#`): in UTF-32 its first characters have three NULs each.
    first = [head[i : i + 4] for i in range(0, min(len(head), 8) - 3, 4)]
    if first and all((g[1:] == b"\0\0\0" and g[0]) or (g[:3] == b"\0\0\0" and g[3]) for g in first):
        return "UTF-32"
    # Without a BOM, mostly-ASCII UTF-16 has NULs at most even (big-endian) or odd positions,
    # and none at the others.
    if len(head) >= 2 and (head[0] == 0) != (head[1] == 0):
        zero_at = 0 if head[0] == 0 else 1
        high, low = head[zero_at::2], head[1 - zero_at :: 2]
        if 0 not in low and high.count(0) * 2 >= len(high):
            return "UTF-16"
    return None


def decode(data: bytes, filename: str) -> tuple[str | None, list[Problem]]:
    """Bytes → text, refusing what is not UTF-8 text with a message a person can act on."""
    wide = _wide_encoding(data)
    if wide:
        return None, [Problem(filename, 1, 1, f"the file is {wide}; save it as UTF-8")]
    nul = data.find(b"\0")
    if nul >= 0:
        line = data.count(b"\n", 0, nul) + 1
        col = nul - (data.rfind(b"\n", 0, nul) + 1) + 1
        return None, [
            Problem(filename, line, col, "the file contains NUL bytes: it is binary, not YAML text")
        ]
    if data.startswith(codecs.BOM_UTF8):
        data = data[len(codecs.BOM_UTF8) :]
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as e:
        line = data.count(b"\n", 0, e.start) + 1
        col = len(data[data.rfind(b"\n", 0, e.start) + 1 : e.start].decode("utf-8", "replace")) + 1
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
    composer = _Composer(text, filename)
    try:
        value = composer.run()
    except _Abort as e:
        return None, [e.problem]
    except yaml.MarkedYAMLError as e:
        mark = e.problem_mark or e.context_mark
        line, col = composer.position(mark) if mark else (0, 0)
        message = _yaml_message(e, text, line)
        if e.context and e.context_mark and e.problem_mark:
            opened = composer.position(e.context_mark)[0]
            if opened != line and "tabs" not in message:  # an unclosed bracket or quote: say where
                message += f" ({e.context} started on line {opened})"
        return None, [Problem(filename, line, col, message)]
    except yaml.YAMLError as e:  # ReaderError and friends carry no mark object
        return None, [Problem(filename, *_reader_position(e, text), _reader_message(e))]
    if value is None:
        return None, [Problem(filename, 0, 0, "the file is empty")]
    return value, composer.problems


class _Frame:
    """An open mapping or list; for a mapping, `key` is what the next value is stored under."""

    __slots__ = ("anchor", "container", "key", "size")

    container: Any  # Map | Seq: Any spares the hot loop isinstance checks

    def __init__(self, container: Map | Seq, anchor: str | None, key: object) -> None:
        self.container, self.anchor, self.key, self.size = container, anchor, key, 1


_NEED_KEY = object()  # a mapping expects a key next
_SKIP = object()  # a mapping drops the next value (its key was refused)


class _Composer:
    """Builds values straight from the parser's events with an explicit stack.

    PyYAML's composer recurses once per nesting level in C: a few hundred kilobytes of `[` crash
    the interpreter. Working from events keeps depth and alias expansion under our control, and
    skips PyYAML's tag resolution, which we never use (every scalar stays text)."""

    def __init__(self, text: str, filename: str) -> None:
        self.text, self.filename = text, filename
        self.problems: list[Problem] = []
        self.stack: list[_Frame] = []
        self.root: Any = None
        self.anchors: dict[str, tuple[Any, int]] = {}  # anchor -> (value, expanded size)
        # Aliases share the anchored value; the budget bounds how far they may expand the
        # document (nodes plus characters), so "billion laughs" is refused, not walked.
        self.budget = len(text) + 10_000
        self.lines = _line_table(text)

    def position(self, mark: Any) -> tuple[int, int]:
        """1-based (line, column) of a mark, in lines as editors count them."""
        if self.lines is None:
            return mark.line + 1, mark.column + 1
        if mark.line >= len(self.lines):  # the end of the stream, past the last break
            return self.lines[-1][0] + 1 + mark.line - (len(self.lines) - 1), mark.column + 1
        real_line, offset = self.lines[mark.line]
        return real_line + 1, offset + mark.column + 1

    def problem(self, mark: Any, message: str) -> Problem:
        return Problem(self.filename, *self.position(mark), message)

    def run(self) -> Any:
        loader = _Loader(self.text)
        try:
            self._events(loader.get_event)
        finally:
            loader.dispose()
        return self.root

    def _events(self, next_event: Callable[[], Any]) -> None:
        # The hot loop of loading: exact type tests and the scalar case first (most events).
        stack, lines = self.stack, self.lines
        documents = 0
        while True:
            event = next_event()
            cls = type(event)
            mark = event.start_mark
            if cls is yaml.ScalarEvent:
                text = event.value
                if stack and stack[-1].key is _NEED_KEY:
                    self._key(stack[-1], text, event.implicit[0], mark)
                    continue
                at = (mark.line + 1, mark.column + 1) if lines is None else self.position(mark)
                value: Any
                if event.implicit[0] and text in _NULLS:
                    value = Null(*at)
                else:
                    value = Str(text, *at)
                    if event.style == '"' and _UNPRINTABLE.search(text):
                        self._unprintable(text, mark)
                self._place(value, 1 + len(text), event.anchor, mark)
            elif cls is yaml.MappingStartEvent or cls is yaml.SequenceStartEvent:
                if len(stack) >= MAX_DEPTH:
                    raise _Abort(self.problem(mark, f"nested deeper than {MAX_DEPTH} levels"))
                container: Map | Seq
                if cls is yaml.MappingStartEvent:
                    container = Map()
                    container.keys_at = {}
                    key: object = _NEED_KEY
                else:
                    container, key = Seq(), None
                container.line, container.col = self.position(mark)
                stack.append(_Frame(container, event.anchor, key))
            elif cls is yaml.MappingEndEvent or cls is yaml.SequenceEndEvent:
                frame = stack.pop()
                self._place(frame.container, frame.size, frame.anchor, mark)
            elif cls is yaml.AliasEvent:
                self._alias(event.anchor, mark)
            elif cls is yaml.DocumentStartEvent:
                documents += 1
                if documents > 1:
                    message = "the file holds more than one YAML document (remove the extra '---')"
                    raise _Abort(self.problem(mark, message))
            elif cls is yaml.StreamEndEvent:
                return

    def _place(self, value: Any, size: int, anchor: str | None, mark: Any) -> None:
        """Put a finished value into the open container (or make it the root)."""
        if anchor is not None:
            self.anchors[anchor] = (value, size)
        if not self.stack:
            self.root = value
            return
        frame = self.stack[-1]
        frame.size += size
        key = frame.key
        if key is None:
            frame.container.append(value)
        elif type(key) is str:
            frame.container[key] = value
            frame.key = _NEED_KEY
        elif key is _NEED_KEY:  # a list, mapping or alias where a key belongs
            at = where(value, self.position(mark))
            self.problems.append(Problem(self.filename, *at, "a key must be plain text"))
            frame.key = _SKIP
        else:  # the value of a refused key
            frame.key = _NEED_KEY

    def _key(self, frame: _Frame, key: str, plain: bool, mark: Any) -> None:
        keys_at = frame.container.keys_at
        frame.size += 1 + len(key)
        at: tuple[int, int]
        at = (mark.line + 1, mark.column + 1) if self.lines is None else self.position(mark)
        if key in keys_at or (plain and key == "<<"):
            if key == "<<" and plain:
                message = "merge keys (<<) are not supported"
            else:
                message = f"duplicate key {key!r} (first given on line {keys_at[key][0]})"
            self.problems.append(Problem(self.filename, *at, message))
            frame.key = _SKIP
        else:
            keys_at[key] = at
            frame.key = key

    def _alias(self, anchor: str, mark: Any) -> None:
        if anchor in self.anchors:
            value, size = self.anchors[anchor]
            self._spend(size, mark)
            self._place(value, size, None, mark)
            return
        if any(f.anchor == anchor for f in self.stack):
            raise _Abort(
                self.problem(mark, f"the alias *{anchor} refers to a value that contains it")
            )
        raise _Abort(
            self.problem(mark, f"the alias *{anchor} refers to no anchor defined before it")
        )

    def _spend(self, size: int, mark: Any) -> None:
        self.budget -= size
        if self.budget < 0:
            raise _Abort(self.problem(mark, "YAML aliases expand too far (an alias bomb?)"))

    def _unprintable(self, value: str, mark: Any) -> None:
        ch = _UNPRINTABLE.search(value).group()  # type: ignore[union-attr]
        self.problems.append(
            self.problem(
                mark,
                f"the text contains the control character U+{ord(ch):04X}, which cannot be "
                "printed or exported; remove the escape that produces it",
            )
        )


# What a double-quoted escape can produce that no export may carry: C0/C1 controls except tab and
# newline, lone surrogates and the non-characters U+FFFE/U+FFFF (invalid in XML and in UTF-8).
_UNPRINTABLE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")
_YAML_BREAKS = re.compile("\r\n|[\r\n\x85\u2028\u2029]")


def _line_table(text: str) -> list[tuple[int, int]] | None:
    """YAML 1.1 also breaks lines at U+0085, U+2028 and U+2029; editors do not. When the text
    holds one, map each YAML line to (editor line, column offset), both 0-based."""
    if not any(c in text for c in "\x85\u2028\u2029"):
        return None
    table = [(0, 0)]
    real, real_start = 0, 0
    for m in _YAML_BREAKS.finditer(text):
        if m.group() in ("\r\n", "\r", "\n"):
            real, real_start = real + 1, m.end()
        table.append((real, m.end() - real_start))
    return table


class _Abort(Exception):
    def __init__(self, problem: Problem) -> None:
        self.problem = problem


def parse_file(path: str, data: bytes) -> tuple[Any, list[Problem]]:
    """The whole way from bytes to located values, with size, encoding and YAML checks."""
    too_big = size_problem(path, len(data))
    if too_big:
        return None, [too_big]
    text, problems = decode(data, path)
    if text is None:
        return None, problems
    return load_yaml(text, path)


def _yaml_message(e: yaml.MarkedYAMLError, text: str, line: int) -> str:
    msg = e.problem or e.context or "invalid YAML"
    src_line = text.splitlines()[line - 1] if 0 < line <= len(text.splitlines()) else ""
    hint = ""
    if "\t" in src_line[: len(src_line) - len(src_line.lstrip())] or "'\\t'" in msg:
        hint = " (YAML does not allow tabs for indentation; use spaces)"
    elif "mapping values are not allowed" in msg:
        hint = " (a value containing ': ' must be quoted)"
    return f"YAML syntax error: {msg}{hint}"


def _reader_position(e: yaml.YAMLError, text: str) -> tuple[int, int]:
    pos = getattr(e, "position", None)
    if isinstance(pos, int) and pos >= 0:
        if _Loader.__name__.startswith("C"):  # libyaml counts UTF-8 bytes, not characters
            pos = len(text.encode("utf-8")[:pos].decode("utf-8", "ignore"))
        return text.count("\n", 0, pos) + 1, pos - (text.rfind("\n", 0, pos) + 1) + 1
    return 0, 0


def _reader_message(e: yaml.YAMLError) -> str:
    char = getattr(e, "character", None)
    if isinstance(char, str) and len(char) == 1:
        char = ord(char)
    if isinstance(char, int):  # the reader refuses characters YAML does not allow in a file
        return (
            f"the file contains the control character U+{char:04X}, which YAML does not allow; "
            "remove it"
        )
    return f"YAML error: {_oneline(e)}"


def _oneline(e: Exception) -> str:
    # Drop PyYAML's 'in "<unicode string>", position N': we already give line and column.
    return re.sub(r'\s*in "<[^>]*>", position \d+', "", " ".join(str(e).split()))
