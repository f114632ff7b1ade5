"""The EDTF subset: parsing, precision, bounds, wording and plausible wrong dates."""

from __future__ import annotations

import calendar
import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from quizgen.dates import (
    DateSyntaxError,
    FuzzyDate,
    Point,
    date_label,
    date_phrase,
    parse_date,
)


def p(text: str) -> FuzzyDate:
    return parse_date(text)


@pytest.mark.parametrize(
    ("text", "start", "end"),
    [
        ("2015", Point(2015), Point(2015)),
        ("2015-09", Point(2015, 9), Point(2015, 9)),
        ("2015-09-30", Point(2015, 9, 30), Point(2015, 9, 30)),
        ("2015-09~", Point(2015, 9, approximate=True), Point(2015, 9, approximate=True)),
        ("2015?", Point(2015, uncertain=True), Point(2015, uncertain=True)),
        ("2015-09-30%", Point(2015, 9, 30, True, True), Point(2015, 9, 30, True, True)),
        ("2011-01/2011-04", Point(2011, 1), Point(2011, 4)),
        ("2014~/2016-03?", Point(2014, approximate=True), Point(2016, 3, uncertain=True)),
        ("../2016", None, Point(2016)),
        ("2012-03/..", Point(2012, 3), None),
        ("  2015-07-24 ", Point(2015, 7, 24), Point(2015, 7, 24)),
        ("2016-02-29", Point(2016, 2, 29), Point(2016, 2, 29)),
        ("2000-02-29", Point(2000, 2, 29), Point(2000, 2, 29)),
        ("0001", Point(1), Point(1)),
        ("9999-12-31", Point(9999, 12, 31), Point(9999, 12, 31)),
    ],
)
def test_parse(text: str, start: Point | None, end: Point | None) -> None:
    assert parse_date(text) == FuzzyDate(start, end)


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("2015-02-30", "February 2015 has no day 30 (it has 28 days)"),
        ("2015-02-29", "February 2015 has no day 29"),
        ("1900-02-29", "February 1900 has no day 29"),
        ("2015-04-31", "April 2015 has no day 31 (it has 30 days)"),
        ("2015-09-00", "September 2015 has no day 0"),
        ("2015-13", "there is no month 13"),
        ("2015-00", "there is no month 0"),
        ("2015-21", "there is no month 21"),  # an EDTF season: not supported
        ("0000", "year 0000 is not supported"),
        ("201X", "unspecified digits (X) are not supported"),
        ("2016/2015", "the interval is reversed: 2016 is after 2015"),
        ("2015-10-02/2015-10-01", "the interval is reversed"),
        ("../..", "an interval needs at least one end"),
        ("", "is not a date"),
        ("15", "is not a date"),
        ("2015-9", "is not a date"),
        ("-0044", "is not a date"),
        ("20150", "is not a date"),
        ("2015-07-24T10:00", "is not a date"),
        ("24 July 2015", "is not a date"),
        ("2015~~", "is not a date"),
        ("2015/", "is not a date"),
        ("/2015", "is not a date"),
        ("2015//2016", "is not a date"),
        ("2015 / 2016", "is not a date"),
        ("２０１５", "is not a date"),  # full-width digits
        ("٢٠١٥", "is not a date"),  # Arabic-Indic digits
        ("2015\n/2016", "is not a date"),
    ],
)
def test_impossible_or_unsupported_dates_say_why(text: str, reason: str) -> None:
    with pytest.raises(DateSyntaxError) as info:
        parse_date(text)
    assert reason in str(info.value)


def test_mixed_precision_interval_that_overlaps_is_not_reversed() -> None:
    d = p("2015-09/2015")  # September 2015 lies within 2015
    assert d.lower == dt.date(2015, 9, 1) and d.upper == dt.date(2015, 12, 31)


@pytest.mark.parametrize(
    ("text", "precision", "lower", "upper"),
    [
        ("2015", "year", dt.date(2015, 1, 1), dt.date(2015, 12, 31)),
        ("2016-02", "month", dt.date(2016, 2, 1), dt.date(2016, 2, 29)),
        ("2015-02", "month", dt.date(2015, 2, 1), dt.date(2015, 2, 28)),
        ("2015-09-30", "day", dt.date(2015, 9, 30), dt.date(2015, 9, 30)),
        ("2011/2011-04-15", "day", dt.date(2011, 1, 1), dt.date(2011, 4, 15)),
        ("../2016", "year", dt.date.min, dt.date(2016, 12, 31)),
        ("2012-03/..", "month", dt.date(2012, 3, 1), dt.date.max),
    ],
)
def test_precision_and_bounds(text: str, precision: str, lower: dt.date, upper: dt.date) -> None:
    d = p(text)
    assert (d.precision, d.lower, d.upper, d.sort_key) == (precision, lower, upper, (lower, upper))


def test_a_one_point_interval_is_a_point() -> None:
    assert p("2015/2015") == p("2015") and not p("2015/2015").is_interval
    assert p("2015/2016").is_interval and p("../2016").is_interval


@pytest.mark.parametrize(
    ("text", "reads", "phrase", "label"),
    [
        ("2015", "2015", "in 2015", "2015"),
        ("2015-09", "September 2015", "in September 2015", "September 2015"),
        ("2015-09-30", "30 September 2015", "on 30 September 2015", "30 September 2015"),
        ("2015-09~", "September 2015", "around September 2015", "around September 2015"),
        ("2015?", "2015", "possibly in 2015", "2015"),
        ("2015-09-30?", "30 September 2015", "possibly on 30 September 2015", "30 September 2015"),
        ("2015%", "2015", "possibly around 2015", "around 2015"),
        ("2011-01/2011-04", "January–April 2011", "between January 2011 and April 2011", None),
        ("2015-05-03/2015-05-05", "3–5 May 2015", "between 3 May 2015 and 5 May 2015", None),
        ("2015-05-30/2015-06-02", "30 May–2 June 2015", None, None),
        ("2015-12/2016-02", "December 2015–February 2016", None, None),
        ("2014/2016", "2014–2016", "between 2014 and 2016", None),
        ("../2016", "until 2016", "by 2016", None),
        ("2012-03/..", "from March 2012", "from March 2012 on", None),
    ],
)
def test_wording_follows_precision(
    text: str, reads: str, phrase: str | None, label: str | None
) -> None:
    d = p(text)
    assert d.text() == reads
    assert date_phrase(d) == (phrase or date_phrase(d))
    assert date_label(d) == (label or reads)


@pytest.mark.parametrize(
    ("text", "date_text", "phrase"),
    [
        ("2015-09", "the end of September 2015", "at the end of September 2015"),
        ("2011-01/2011-04", "early 2011", "in early 2011"),
        ("2015-07-24", "24 July 2015", "on 24 July 2015"),
        ("2015", "around 2015", "around 2015"),
        ("2015", "before the war", "before the war"),
        ("2015", "The beginning of 2015", "at The beginning of 2015"),
    ],
)
def test_date_text_reads_as_the_author_wrote_it(text: str, date_text: str, phrase: str) -> None:
    assert date_phrase(p(text), date_text) == phrase
    assert date_label(p(text), date_text) == date_text


@pytest.mark.parametrize(
    ("text", "steps", "shifted"),
    [
        ("2015", 2, "2017"),
        ("2015-12", 1, "2016-01"),
        ("2015-01", -1, "2014-12"),
        ("2015-01-31", 1, "2015-02-01"),
        ("2016-02-28", 1, "2016-02-29"),
        ("2015-09~", 1, "2015-10~"),
        ("2011-01/2011-04", 1, "2011-02/2011-05"),
        ("../2015", 2, "../2017"),
        ("2015-01/2016", 1, "2016-01/2017"),  # mixed precision: whole years, never inside out
        ("2015-01-31/2015-03", 1, "2015-02-28/2015-04"),  # a day the month lacks: its last
        ("1800-01?/1800", -2, "1798-01?/1798"),
    ],
)
def test_shifted_keeps_precision_and_qualifiers(text: str, steps: int, shifted: str) -> None:
    moved = p(text).shifted(steps)
    assert moved is not None and moved.edtf() == shifted
    assert moved.precision == p(text).precision


def test_a_point_shifted_by_a_coarser_unit_keeps_its_precision() -> None:
    assert Point(2016, 2, 29).shifted(1, "year") == Point(2017, 2, 28)
    assert Point(2015, 11).shifted(2, "year") == Point(2017, 11)
    assert Point(2015, 1, 31, approximate=True).shifted(1, "month") == Point(
        2015, 2, 28, approximate=True
    )


@pytest.mark.parametrize(
    ("text", "steps"), [("9999", 1), ("0001", -1), ("9999-12", 1), ("0001-01-01", -1)]
)
def test_shifting_out_of_the_calendar_gives_none(text: str, steps: int) -> None:
    assert p(text).shifted(steps) is None


@pytest.mark.parametrize(
    ("a", "b", "distinct"),
    [
        ("2015", "2016", True),
        ("2015-07", "2015-08", True),
        ("2015-07", "2015", False),  # overlap
        ("2015-07~", "2015-08", False),  # approximate: needs a clear gap
        ("2015-07~", "2015-11", True),
        ("2011-01/2011-04", "2011-03", False),
        ("../2014", "2015", True),
    ],
)
def test_distinct_from(a: str, b: str, distinct: bool) -> None:
    assert p(a).distinct_from(p(b)) is distinct
    assert p(b).distinct_from(p(a)) is distinct


# --- properties ---------------------------------------------------------------------------------


@st.composite
def points(draw: st.DrawFn) -> Point:
    year = draw(st.integers(1, 9999))
    precision = draw(st.sampled_from(["year", "month", "day"]))
    month = draw(st.integers(1, 12)) if precision != "year" else None
    day = None
    if precision == "day":
        assert month is not None
        day = draw(st.integers(1, calendar.monthrange(year, month)[1]))
    return Point(year, month, day, draw(st.booleans()), draw(st.booleans()))


@settings(max_examples=300, deadline=None)
@given(points())
def test_points_round_trip_through_edtf(point: Point) -> None:
    d = parse_date(point.edtf())
    assert d == FuzzyDate(point, point)
    assert d.lower <= d.upper
    assert d.text() and date_phrase(d) and date_label(d)


@settings(max_examples=300, deadline=None)
@given(st.one_of(points(), st.none()), st.one_of(points(), st.none()))
def test_intervals_round_trip_or_are_refused_with_a_reason(
    a: Point | None, b: Point | None
) -> None:
    text = f"{a.edtf() if a else '..'}/{b.edtf() if b else '..'}"
    try:
        d = parse_date(text)
    except DateSyntaxError as e:
        assert (a is None and b is None) or (a and b and a.lower > b.upper), e
        return
    assert d.lower <= d.upper
    assert d.edtf() == text or (a == b and d.edtf() == a.edtf())  # type: ignore[union-attr]
    assert d.text() and date_phrase(d) and date_label(d)
    for steps in (-3, 1, 14):
        moved = d.shifted(steps)
        if moved is not None:
            assert moved.precision == d.precision and moved.lower <= moved.upper
            assert (moved.approximate, moved.uncertain) == (d.approximate, d.uncertain)


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="0123456789-/~?%.X ", max_size=24) | st.text(max_size=12))
def test_any_text_parses_or_raises_date_syntax_error(text: str) -> None:
    try:
        d = parse_date(text)
    except DateSyntaxError as e:
        assert str(e)
        return
    assert d.lower <= d.upper and d.text()
