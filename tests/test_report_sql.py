"""The October 1 report on a synthetic state, loaded LEA by LEA, against an independent count of the same
rules written in plain SQL over the stored record text (SQLite and PostgreSQL).

The SQL reads each S1 field with substr() at the specification's columns and applies the rules as the
specification states them, without any of the report's code: in membership on the count date (entry on or
before it, exit blank or after it), at a school of record (School of Record blank), resident status X
taking no part, across LEAs the enrollment with the most recent entry date counting for the SSID (ties:
the later submission, then the higher LEA, school and line, as `cross_lea.WINS` reads the unspecified
tie), and resident statuses A, F and J not counted. Dates are YYYYMMDD text, which sorts as dates.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest
from sqlalchemy import text

from utrex.reference.model import load_reference
from utrex.reports import october_1 as O
from utrex.spec import Period, spec_for
from utrex.store import Store
from utrex.store import submissions as S
from utrex.synth import cli_synth

YEAR = 2013
FIELDS = ("ssid", "school_number", "grade_level", "entry_date", "exit_date", "school_of_record", "resident_status",
          "gender")


def _sql(on: str) -> str:
    s1 = spec_for(YEAR).layout("S1")
    cols = ",\n".join(f"rtrim(substr(text, {s1.field(f).start}, {s1.field(f).width})) AS {f}" for f in FIELDS)
    return f"""
    WITH s1 AS (
        SELECT lea, submission_id, line, {cols}
        FROM records WHERE school_year = {YEAR} AND record_type = 'S1'
    ), enrolled AS (
        SELECT * FROM s1
        WHERE ssid <> '' AND resident_status <> 'X' AND school_of_record = ''
          AND entry_date <= '{on}' AND (exit_date = '' OR exit_date > '{on}')
    ), ranked AS (
        SELECT *, ROW_NUMBER() OVER (PARTITION BY ssid ORDER BY entry_date DESC, submission_id DESC, lea DESC,
                                     school_number DESC, line DESC) AS pick
        FROM enrolled
    )
    SELECT lea AS lea_number, school_number, grade_level, COUNT(*) AS students,
           SUM(CASE WHEN gender = 'M' THEN 1 ELSE 0 END) AS male,
           SUM(CASE WHEN gender = 'F' THEN 1 ELSE 0 END) AS female
    FROM ranked
    WHERE pick = 1 AND resident_status NOT IN ('A', 'F', 'J')
    GROUP BY lea, school_number, grade_level
    """


@pytest.fixture(scope="module")
def state(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("october-state")
    cli_synth(output=folder, lea="14", students=400, period=Period.OCTOBER, school_year=YEAR, seed=5, defects=0.0,
              state=True, leas=3, reference=None)
    return folder


def test_october_1_equals_a_plain_sql_count_on_a_synthetic_state(store: Store, state: Path) -> None:
    reference = load_reference(state / "reference")
    files = sorted(state.glob("lea*-october.txt"))
    assert len(files) == 3
    for path in files:  # loaded LEA by LEA, as the LEAs submit
        sub = S.submit(path, path.name[3:5], store=store, reference=reference)
        assert sub.status == "loaded", sub.reason
    on = O.count_day(YEAR).strftime("%Y%m%d")
    with store.engine.connect() as conn:
        rows = conn.execute(text(_sql(on))).all()
    expected = pl.DataFrame([tuple(r) for r in rows], orient="row", schema={
        "lea_number": pl.Utf8, "school_number": pl.Utf8, "grade_level": pl.Utf8, "students": pl.Int64,
        "male": pl.Int64, "female": pl.Int64})
    counts, detail, _ = O.compute(store, YEAR)
    key = ["lea_number", "school_number", "grade_level"]
    got = counts.select(*key, *(pl.col(c).cast(pl.Int64) for c in ("students", "male", "female"))).sort(key)
    assert expected.height > 20 and expected["students"].sum() > 500  # a real state, not an empty join
    assert got.equals(expected.sort(key))
    # the students who moved between LEAs are counted once, where the SQL counts them
    assert detail["ssid"].n_unique() == detail.height == expected["students"].sum()


def test_charter_summary_equals_a_plain_sql_count_on_the_same_state(store: Store, state: Path) -> None:
    from utrex.reports import charter_summary as C

    reference = load_reference(state / "reference")
    for path in sorted(state.glob("lea*-october.txt")):
        assert S.submit(path, path.name[3:5], store=store, reference=reference).status == "loaded"
    on = O.count_day(YEAR).strftime("%Y%m%d")
    s1 = spec_for(YEAR).layout("S1").field("district_of_residence")
    regular = ", ".join(f"'{d}'" for d in C.REGULAR_DISTRICTS)  # a charter LEA: not a regular district number
    # the October 1 students (same SQL as above) at charter LEAs, by the S1's District of Residence
    sql = _sql(on).replace(
        "rtrim(substr(text, ", f"rtrim(substr(text, {s1.start}, {s1.width})) AS district_of_residence, "
                               "rtrim(substr(text, ", 1)
    sql = sql.split("SELECT lea AS lea_number")[0] + f"""
    SELECT lea, school_number, district_of_residence, COUNT(*) AS students FROM ranked
    WHERE pick = 1 AND resident_status NOT IN ('A', 'F', 'J') AND lea NOT IN ({regular})
    GROUP BY lea, school_number, district_of_residence"""
    with store.engine.connect() as conn:
        rows = conn.execute(text(sql)).all()
    expected = pl.DataFrame([tuple(r) for r in rows], orient="row", schema={
        "lea_number": pl.Utf8, "school_number": pl.Utf8, "district_of_residence": pl.Utf8, "students": pl.Int64})
    counts, _, _ = C.compute(store, YEAR)
    key = ["lea_number", "school_number", "district_of_residence"]
    got = counts.select(*key, pl.col("students").cast(pl.Int64)).sort(key)
    assert expected.height > 0 and expected["students"].sum() > 20  # the state has a charter with students
    assert got.equals(expected.sort(key))
