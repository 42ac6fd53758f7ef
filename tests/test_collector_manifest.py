"""Manifests and recurrence: what a collection requires of a file, and when a schedule is due."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import polars as pl
import pytest

from collector_helpers import synth
from utrex.collector import manifests as M
from utrex.collector import recurrence as R
from utrex.spec import spec_for


@pytest.fixture(scope="module")
def small(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return synth(tmp_path_factory.mktemp("manifest") / "lea14.txt")


def _high_school_am(path: Path) -> pl.DataFrame:
    """The AM lines (1-based) of students in grades 9-12, computed independently of the check."""
    spec = spec_for(2013)
    g, n = spec.layout("S1").field("grade_level"), spec.layout("S1").field("student_number")
    lines = pl.DataFrame({"text": path.read_text().splitlines()}).with_row_index("line", 1)
    s1 = lines.filter(pl.col("text").str.starts_with("S1="))
    hs = set(s1.filter(pl.col("text").str.slice(g.offset, 2).is_in(["09", "10", "11", "12"]))
             ["text"].str.slice(n.offset, n.width).str.strip_chars().to_list())
    am = lines.filter(pl.col("text").str.starts_with("AM="))
    return am.filter(pl.col("text").str.slice(3, 10).str.strip_chars().is_in(list(hs)))


def test_clearinghouse_manifest_passes_a_synthetic_file(small: Path) -> None:
    assert M.check(small, M.CLEARINGHOUSE, 2013).findings == []
    assert M.manifest("Clearinghouse and eTranscript") is M.ETRANSCRIPT


def test_etranscript_requires_grades_on_high_school_courses(small: Path, tmp_path: Path) -> None:
    hs = _high_school_am(small)
    assert hs.height > 0
    # the synthetic October file has credits but no grades yet: every high-school AM lacks its grade
    res = M.check(small, M.ETRANSCRIPT, 2013)
    assert [f["rule"] for f in res.findings] == ["manifest.AM.grade_earned"]
    f = res.findings[0]
    assert f["severity"] == "error" and f["count"] == hs.height and res.errors == hs.height
    assert f["lines"] == hs["line"].head(5).to_list()
    assert "have a blank Grade Earned (columns 54-58)" in f["message"]
    # grades filled in on the high-school AM records (columns 54-58): it passes
    text = small.read_text().splitlines()
    for i in hs["line"].to_list():
        text[i - 1] = text[i - 1][:53] + "3500 " + text[i - 1][58:]
    graded = tmp_path / "graded.txt"
    graded.write_bytes(("\r\n".join(text) + "\r\n").encode())
    assert M.check(graded, M.ETRANSCRIPT, 2013).findings == []
    # one credit earned blanked: exactly one finding naming its line
    j = hs["line"][0]
    text[j - 1] = text[j - 1][:68] + "    " + text[j - 1][72:]
    graded.write_bytes(("\r\n".join(text) + "\r\n").encode())
    res = M.check(graded, M.ETRANSCRIPT, 2013)
    assert [(f["rule"], f["count"], f["lines"]) for f in res.findings] == [("manifest.AM.credit_earned", 1, [j])]


def test_a_file_without_s1_records_is_not_a_collection(small: Path, tmp_path: Path) -> None:
    no_s1 = tmp_path / "no_s1.txt"
    no_s1.write_bytes(b"".join(line for line in small.read_bytes().splitlines(keepends=True)
                               if not line.startswith(b"S1=")))
    res = M.check(no_s1, M.CLEARINGHOUSE, 2013)
    assert [(f["rule"], f["severity"]) for f in res.fatal] == [("manifest.S1", "fatal")]
    assert "has no S1 record" in res.summary()


def _local(ts: list[dt.datetime], tz: str = "America/Denver") -> list[str]:
    return [t.astimezone(R.zone(tz)).strftime("%a %Y-%m-%d %H:%M %Z") for t in ts]


def test_recurrences_in_the_lea_time_zone_across_dst() -> None:
    utc = dt.UTC
    # daily at 02:30 across the spring change (2013-03-10 02:30 does not exist in Denver)
    ts = R.due_between(dt.date(2013, 3, 9), dt.time(2, 30), "America/Denver", "daily", None,
                       dt.datetime(2013, 3, 12, tzinfo=utc))
    assert _local(ts) == ["Sat 2013-03-09 02:30 MST", "Sun 2013-03-10 03:30 MDT", "Mon 2013-03-11 02:30 MDT"]
    assert [t.hour for t in ts] == [9, 9, 8]
    # autumn: 01:30 happens twice on 2013-11-03; it runs once, at the first
    ts = R.due_between(dt.date(2013, 11, 2), dt.time(1, 30), "America/Denver", "daily", None,
                       dt.datetime(2013, 11, 5, tzinfo=utc))
    assert _local(ts) == ["Sat 2013-11-02 01:30 MDT", "Sun 2013-11-03 01:30 MDT", "Mon 2013-11-04 01:30 MST"]
    ts = R.due_between(dt.date(2013, 1, 1), dt.time(6), "America/Denver", "weekly:mon,thu", None,
                       dt.datetime(2013, 1, 15, tzinfo=utc))
    assert _local(ts) == ["Thu 2013-01-03 06:00 MST", "Mon 2013-01-07 06:00 MST", "Thu 2013-01-10 06:00 MST",
                          "Mon 2013-01-14 06:00 MST"]
    ts = R.due_between(dt.date(2013, 1, 4), dt.time(6), "America/Denver", "weekdays",
                       dt.datetime(2013, 1, 4, 13, tzinfo=utc), dt.datetime(2013, 1, 9, tzinfo=utc))
    assert _local(ts) == ["Mon 2013-01-07 06:00 MST", "Tue 2013-01-08 06:00 MST"]  # (after, until]
    ts = R.due_between(dt.date(2013, 1, 1), dt.time(6), "America/Denver", "monthly:31", None,
                       dt.datetime(2013, 4, 1, tzinfo=utc))
    assert [t.date().isoformat() for t in ts] == ["2013-01-31", "2013-02-28", "2013-03-31"]
    assert len(R.due_between(dt.date(2013, 1, 1), dt.time(6), "UTC", "once", None,
                             dt.datetime(2014, 1, 1, tzinfo=utc))) == 1
    for bad in ("hourly", "weekly:FUNDAY", "monthly:32", "weekly:"):
        with pytest.raises(R.RecurrenceError):
            R.parse(bad)
    assert str(R.parse("weekly:THU,mon")) == "weekly:MON,THU"
