"""Fuzzy historical dates: a fast subset of EDTF (Library of Congress), precision-aware formatting.

Supported: `2015`, `2015-09`, `2015-09-30`, each optionally qualified `~` (approximate), `?`
(uncertain) or `%` (both), and intervals `start/end` whose ends are such dates or `..` (open).
Plain ISO dates take a regex fast path: a parse costs microseconds, not the milliseconds of a
general EDTF library, which matters for decks of 100k facts.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import dataclass, replace
from functools import cached_property, lru_cache
from typing import Literal

Precision = Literal["year", "month", "day"]
PRECISIONS: tuple[Precision, ...] = ("year", "month", "day")

_POINT = re.compile(r"([0-9]{4})(?:-([0-9]{2})(?:-([0-9]{2}))?)?([~?%])?\Z")  # ASCII digits only
MONTHS = tuple(calendar.month_name)[1:]


class DateSyntaxError(ValueError):
    """Raised by `parse_date`; the loader turns it into a located Problem."""


# Dates are immutable and their derived values are asked for over and over when distractors are
# chosen, so properties are computed once per date (cached_property writes to the instance's
# __dict__, which a frozen dataclass allows).


@dataclass(frozen=True)
class Point:
    """One date at year, month or day precision."""

    year: int
    month: int | None = None
    day: int | None = None
    approximate: bool = False
    uncertain: bool = False

    @cached_property
    def precision(self) -> Precision:
        if self.day is not None:
            return "day"
        return "month" if self.month is not None else "year"

    @cached_property
    def lower(self) -> dt.date:
        return dt.date(self.year, self.month or 1, self.day or 1)

    @cached_property
    def upper(self) -> dt.date:
        month = self.month or 12
        day = self.day or calendar.monthrange(self.year, month)[1]
        return dt.date(self.year, month, day)

    def text(self) -> str:
        if self.day is not None:
            return f"{self.day} {MONTHS[self.month - 1]} {self.year}"  # type: ignore[operator]
        if self.month is not None:
            return f"{MONTHS[self.month - 1]} {self.year}"
        return str(self.year)

    def edtf(self) -> str:
        s = f"{self.year:04d}"
        if self.month is not None:
            s += f"-{self.month:02d}"
        if self.day is not None:
            s += f"-{self.day:02d}"
        if self.approximate and self.uncertain:
            s += "%"
        elif self.approximate:
            s += "~"
        elif self.uncertain:
            s += "?"
        return s

    def shifted(self, steps: int, unit: Precision | None = None) -> Point | None:
        """The same kind of date `steps` units away (None if out of range). The unit is its own
        precision unless a coarser one is given; a day that the target month lacks (31 April,
        29 February) becomes the month's last day."""
        unit = unit or self.precision
        try:
            if unit == "day":
                d = self.lower + dt.timedelta(days=steps)
                return replace(self, year=d.year, month=d.month, day=d.day)
            months = self.year * 12 + (self.month or 1) - 1 + steps * (12 if unit == "year" else 1)
            year, month0 = divmod(months, 12)
            if not 1 <= year <= 9999:
                return None
            if self.month is None:
                return replace(self, year=year)
            day = self.day
            if day is not None:
                day = min(day, calendar.monthrange(year, month0 + 1)[1])
            return replace(self, year=year, month=month0 + 1, day=day)
        except (OverflowError, ValueError):
            return None


@dataclass(frozen=True)
class FuzzyDate:
    """A point or an interval; `start`/`end` is None for an open end (`..`)."""

    start: Point | None
    end: Point | None

    @cached_property
    def is_interval(self) -> bool:
        return self.start != self.end

    @cached_property
    def precision(self) -> Precision:
        """The finest precision it is stated at (an interval: the finer of its ends)."""
        ends = [p.precision for p in (self.start, self.end) if p is not None]
        return max(ends, key=PRECISIONS.index)

    @cached_property
    def approximate(self) -> bool:
        return any(p.approximate for p in (self.start, self.end) if p)

    @cached_property
    def uncertain(self) -> bool:
        return any(p.uncertain for p in (self.start, self.end) if p)

    @cached_property
    def lower(self) -> dt.date:
        return self.start.lower if self.start else dt.date.min

    @cached_property
    def upper(self) -> dt.date:
        return self.end.upper if self.end else dt.date.max

    @property
    def sort_key(self) -> tuple[dt.date, dt.date]:
        return (self.lower, self.upper)

    def edtf(self) -> str:
        if not self.is_interval:
            return self.start.edtf()  # type: ignore[union-attr]
        a = self.start.edtf() if self.start else ".."
        b = self.end.edtf() if self.end else ".."
        return f"{a}/{b}"

    def distinct_from(self, other: FuzzyDate) -> bool:
        """True when the two can be told apart in time: their spans do not overlap and neither is
        fuzzy enough to blur into the other (approximate dates need a clear gap)."""
        if self.upper < other.lower:
            first, second = self, other
        elif other.upper < self.lower:
            first, second = other, self
        else:
            return False
        if first.approximate or first.uncertain or second.approximate or second.uncertain:
            # "around July 2015" vs "August 2015" is not a fair ordering question.
            return (second.lower - first.upper).days > 62
        return True

    def shifted(self, steps: int) -> FuzzyDate | None:
        """A plausible wrong date: every end moved by the same `steps` units, each keeping its
        precision. The unit is the coarsest precision of the ends, so a mixed interval such as
        `2015-01/2016` moves by whole years and never turns inside out."""
        ends = [p for p in (self.start, self.end) if p is not None]
        unit = min((p.precision for p in ends), key=PRECISIONS.index)
        moved: list[Point | None] = []
        for p in (self.start, self.end):
            if p is None:
                moved.append(None)
                continue
            q = p.shifted(steps, unit)
            if q is None:
                return None
            moved.append(q)
        return FuzzyDate(moved[0], moved[1])

    def text(self) -> str:
        """Reads at its own precision: `July 2015`, `24 July 2015`, `January–April 2011`."""
        return _text(self)


@lru_cache(maxsize=65536)
def parse_date(value: str) -> FuzzyDate:
    """Parse EDTF text; raises DateSyntaxError with a plain-words reason."""
    value = value.strip()
    if "/" in value:
        left, _, right = value.partition("/")
        start = None if left == ".." else _parse_point(left)
        end = None if right == ".." else _parse_point(right)
        if start is None and end is None:
            raise DateSyntaxError("an interval needs at least one end ('../..' is not a date)")
        if start and end and start.lower > end.upper:
            raise DateSyntaxError(
                f"the interval is reversed: {left} is after {right} (write start/end)"
            )
        return FuzzyDate(start, end)
    p = _parse_point(value)
    return FuzzyDate(p, p)


def _parse_point(text: str) -> Point:
    m = _POINT.match(text)
    if not m:
        if "X" in text or "x" in text:
            raise DateSyntaxError(f"{text!r}: unspecified digits (X) are not supported")
        raise DateSyntaxError(
            f"{text!r} is not a date; write YYYY, YYYY-MM or YYYY-MM-DD, optionally followed by "
            "~ (approximate), ? (uncertain) or %, or an interval START/END"
        )
    year_s, month_s, day_s, qual = m.groups()
    year = int(year_s)
    month = int(month_s) if month_s else None
    day = int(day_s) if day_s else None
    if year == 0:
        raise DateSyntaxError(f"{text!r}: year 0000 is not supported")
    if month is not None and not 1 <= month <= 12:
        raise DateSyntaxError(f"{text!r}: there is no month {month}")
    if day is not None and month is not None:
        last = calendar.monthrange(year, month)[1]
        if not 1 <= day <= last:
            raise DateSyntaxError(
                f"{text!r}: {MONTHS[month - 1]} {year} has no day {day} (it has {last} days)"
            )
    return Point(year, month, day, approximate=qual in ("~", "%"), uncertain=qual in ("?", "%"))


def _text(d: FuzzyDate) -> str:
    s, e = d.start, d.end
    if s is not None and e is not None and s == e:
        return s.text()
    if s is None:
        return f"until {e.text()}"  # type: ignore[union-attr]
    if e is None:
        return f"from {s.text()}"
    # Compress shared parts: "January–April 2011", "3–5 May 2015".
    st, et = s.text(), e.text()
    if s.precision == e.precision and s.year == e.year:
        if s.precision == "month":
            st = MONTHS[s.month - 1]  # type: ignore[operator]
        elif s.precision == "day" and s.month == e.month:
            st = str(s.day)
        elif s.precision == "day":
            st = f"{s.day} {MONTHS[s.month - 1]}"  # type: ignore[operator]
    return f"{st}–{et}"


_AT_PREFIXES = ("the end", "the beginning", "the start", "the turn", "the height", "the time")


def date_phrase(d: FuzzyDate, label: str | None = None) -> str:
    """A date with its preposition, ready for a sentence: `in July 2015`, `on 24 July 2015`,
    `at the end of September 2015`, `in early 2011`, `around 2015`, `between … and …`."""
    if label:
        low = label.lower()
        if low.startswith(_AT_PREFIXES):
            return f"at {label}"
        if low.startswith(
            ("before ", "after ", "by ", "since ", "until ", "around ", "in ", "on ")
        ):
            return label
        if d.precision == "day" and not d.is_interval and label[:1].isdigit():
            return f"on {label}"
        return f"in {label}"
    if d.is_interval:
        if d.start is None:
            return f"by {d.end.text()}"  # type: ignore[union-attr]
        if d.end is None:
            return f"from {d.start.text()} on"
        return f"between {_text(FuzzyDate(d.start, d.start))} and {d.end.text()}"
    p = d.start
    assert p is not None
    prep = "on" if p.precision == "day" else "in"
    if p.approximate and p.uncertain:
        return f"possibly around {p.text()}"
    if p.approximate:
        return f"around {p.text()}"
    if p.uncertain:
        return f"possibly {prep} {p.text()}"
    return f"{prep} {p.text()}"


def date_label(d: FuzzyDate, label: str | None = None) -> str:
    """A date as an answer or option: its `date_text` if given, else its text at its precision."""
    if label:
        return label
    text = d.text()
    if d.approximate and not d.is_interval:
        return f"around {text}"
    return text
