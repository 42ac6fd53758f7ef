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

import datetime as dt
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


# --- December 1, Year-End and compliance: each against its own plain SQL -----------------------------------


def _cols(record_type: str, fields: tuple[str, ...]) -> str:
    """`rtrim(substr(text, start, width)) AS field` for each field: the record text at the spec's columns."""
    layout = spec_for(YEAR).layout(record_type)
    return ", ".join(f"rtrim(substr(text, {layout.field(f).start}, {layout.field(f).width})) AS {f}" for f in fields)


def _rows(store: Store, sql: str, schema: dict[str, pl.DataType]) -> pl.DataFrame:
    with store.engine.connect() as conn:
        rows = conn.execute(text(sql)).all()
    return pl.DataFrame([tuple(r) for r in rows], orient="row", schema=schema)


def _load_state(store: Store, folder: Path, period: str) -> list[S.Submission]:
    reference = load_reference(folder / "reference")
    subs = [S.submit(path, path.name[3:5], store=store, reference=reference)
            for path in sorted(folder.glob(f"lea*-{period}.txt"))]
    assert len(subs) == 3 and all(s.status == "loaded" for s in subs), [s.reason for s in subs]
    return subs


@pytest.fixture(scope="module")
def december_state(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("december-state")
    cli_synth(output=folder, lea="14", students=400, period=Period.DECEMBER, school_year=YEAR, seed=7, defects=0.0,
              state=True, leas=3, reference=None)
    return folder


@pytest.fixture(scope="module")
def year_end_state(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("year-end-state")
    cli_synth(output=folder, lea="14", students=400, period=Period.YEAR_END, school_year=YEAR, seed=9, defects=0.0,
              state=True, leas=3, reference=None)
    return folder


def _december_sql() -> str:
    """December 1 2012 is a Saturday: the count date is Monday December 3 (enrollment and SCRAM membership);
    ages are as of December 1 itself (Environment Note 2), YYYYMMDD arithmetic: (20121201 - birth) / 10000.
    The students in membership are picked as in the October SQL; a student's S2 is the one of the same LEA
    and student number in SCRAM membership on the count date (of several, the latest SCRAM entry, then the
    later line). Aged 3-5 with environment P: in neither count (Environment Note 1)."""
    on = "20121203"
    s1 = _cols("S1", ("ssid", "school_number", "student_number", "entry_date", "exit_date", "school_of_record",
                      "resident_status", "birth_date", "homeless", "accompanied"))
    s2 = _cols("S2", ("student_number", "disability_type", "scram_entry_date", "scram_exit_date", "environment"))
    return f"""
    WITH s1 AS (
        SELECT lea, submission_id, line, {s1} FROM records WHERE school_year = {YEAR} AND record_type = 'S1'
    ), ranked AS (
        SELECT *, ROW_NUMBER() OVER (PARTITION BY ssid ORDER BY entry_date DESC, submission_id DESC, lea DESC,
                                     school_number DESC, line DESC) AS pick
        FROM s1
        WHERE ssid <> '' AND resident_status <> 'X' AND school_of_record = ''
          AND entry_date <= '{on}' AND (exit_date = '' OR exit_date > '{on}')
    ), members AS (
        SELECT * FROM ranked WHERE pick = 1 AND resident_status NOT IN ('A', 'F', 'J')
    ), s2 AS (
        SELECT lea, line, {s2} FROM records WHERE school_year = {YEAR} AND record_type = 'S2'
    ), scram AS (
        SELECT *, ROW_NUMBER() OVER (PARTITION BY lea, student_number ORDER BY scram_entry_date DESC, line DESC)
                  AS pick
        FROM s2 WHERE scram_entry_date <= '{on}' AND (scram_exit_date = '' OR scram_exit_date > '{on}')
    ), sped AS (
        SELECT m.lea, m.school_number, m.student_number, s.disability_type,
               s.environment = 'P' AND (20121201 - CAST(m.birth_date AS INTEGER)) / 10000 BETWEEN 3 AND 5
                   AS excluded
        FROM members m JOIN scram s ON s.lea = m.lea AND s.student_number = m.student_number AND s.pick = 1
    )
    SELECT 'special_education' AS count, lea, school_number, disability_type AS code, COUNT(*) AS students
    FROM sped WHERE NOT excluded GROUP BY lea, school_number, disability_type
    UNION ALL
    SELECT 'homeless', lea, school_number, homeless || '/' || accompanied, COUNT(*)
    FROM members m
    WHERE homeless IN ('1', '2', '3', '4', '5')
      AND NOT EXISTS (SELECT 1 FROM sped x WHERE x.excluded AND x.lea = m.lea AND x.student_number = m.student_number)
    GROUP BY lea, school_number, homeless, accompanied
    """


def test_december_1_equals_a_plain_sql_count_on_a_synthetic_state(store: Store, december_state: Path) -> None:
    from utrex.reports import december_1 as D1

    _load_state(store, december_state, "december")
    key = ["count", "lea_number", "school_number", "code"]
    expected = _rows(store, _december_sql(), {"count": pl.Utf8, "lea_number": pl.Utf8, "school_number": pl.Utf8,
                                              "code": pl.Utf8, "students": pl.Int64})
    counts, _, _ = D1.compute(store, YEAR)
    code = (pl.when(pl.col("count") == "homeless")
            .then(pl.concat_str("homeless_code", pl.lit("/"), "accompanied")).otherwise("disability"))
    got = (counts.with_columns(code.alias("code")).group_by(key)
           .agg(pl.col("students").sum().cast(pl.Int64)).sort(key))
    sped = expected.filter(pl.col("count") == "special_education")
    assert sped["code"].n_unique() >= 3 and sped["students"].sum() > 20  # a real count of several disabilities
    assert expected.filter(pl.col("count") == "homeless")["students"].sum() > 0
    assert got.equals(expected.sort(key))


def _year_end_sql() -> str:
    """Per LEA and school: the S1 enrollments at a school of record (School of Record blank) that are not
    resident status X, A, F or J; their School Membership (blank, PVT and HSC: 0) and Days Attended (blank: 0)
    summed; plus the time-C S2 SCRAM and S3 YIC memberships of a student with such an enrollment at the
    school (S1 Note 1: self-contained membership is not in the S1 membership)."""
    s1 = _cols("S1", ("school_number", "student_number", "school_of_record", "resident_status", "school_membership",
                      "days_attended"))
    s2 = _cols("S2", ("school_number", "student_number", "time", "scram_membership"))
    s3 = _cols("S3", ("school_number", "student_number", "time", "yic_membership"))
    return f"""
    WITH counted AS (
        SELECT * FROM (SELECT lea, {s1} FROM records WHERE school_year = {YEAR} AND record_type = 'S1') s1
        WHERE school_of_record = '' AND resident_status NOT IN ('X', 'A', 'F', 'J')
    ), self_contained AS (
        SELECT lea, school_number, student_number, scram_membership AS days
        FROM (SELECT lea, {s2} FROM records WHERE school_year = {YEAR} AND record_type = 'S2') s2 WHERE time = 'C'
        UNION ALL
        SELECT lea, school_number, student_number, yic_membership
        FROM (SELECT lea, {s3} FROM records WHERE school_year = {YEAR} AND record_type = 'S3') s3 WHERE time = 'C'
    ), s1_sums AS (
        SELECT lea, school_number, COUNT(*) AS students,
               SUM(CASE WHEN school_membership IN ('', 'PVT', 'HSC') THEN 0
                        ELSE CAST(school_membership AS INTEGER) END) AS school_days,
               SUM(CASE WHEN days_attended = '' THEN 0 ELSE CAST(days_attended AS INTEGER) END) AS attendance_days
        FROM counted GROUP BY lea, school_number
    ), sc_sums AS (
        SELECT lea, school_number, SUM(CASE WHEN days = '' THEN 0 ELSE CAST(days AS INTEGER) END) AS sc_days
        FROM self_contained sc
        WHERE EXISTS (SELECT 1 FROM counted c WHERE c.lea = sc.lea AND c.school_number = sc.school_number
                                                AND c.student_number = sc.student_number)
        GROUP BY lea, school_number
    )
    SELECT s.lea, s.school_number, s.students, s.school_days + COALESCE(x.sc_days, 0) AS membership_days,
           s.attendance_days
    FROM s1_sums s LEFT JOIN sc_sums x ON x.lea = s.lea AND x.school_number = s.school_number
    """


def _discipline_sql() -> str:
    """Per LEA, school, PI Infraction Type and action (Discipline Method with In School; blank method: none):
    distinct incidents (the Incident ID as a number), distinct students, I2 rows and Number of Days."""
    i2 = _cols("I2", ("incident_id", "student_number", "school_number", "pi_infraction_type", "discipline_method",
                      "in_school", "number_of_days"))
    return f"""
    SELECT lea, school_number, pi_infraction_type,
           CASE WHEN discipline_method = '' THEN 'none' ELSE discipline_method || in_school END AS action,
           COUNT(DISTINCT CAST(incident_id AS BIGINT)) AS incidents, COUNT(DISTINCT student_number) AS students,
           COUNT(*) AS involvements,
           SUM(CASE WHEN trim(number_of_days) = '' THEN 0 ELSE CAST(trim(number_of_days) AS INTEGER) END) AS days
    FROM (SELECT lea, {i2} FROM records WHERE school_year = {YEAR} AND record_type = 'I2') i2
    GROUP BY lea, school_number, pi_infraction_type,
             CASE WHEN discipline_method = '' THEN 'none' ELSE discipline_method || in_school END
    """


def test_year_end_equals_a_plain_sql_count_on_a_synthetic_state(store: Store, year_end_state: Path) -> None:
    from utrex.reports import discipline as DI
    from utrex.reports import year_end as Y

    _load_state(store, year_end_state, "year-end")
    key = ["lea_number", "school_number"]
    sums = ["students", "membership_days", "attendance_days"]
    expected = _rows(store, _year_end_sql(), {**dict.fromkeys(key, pl.Utf8), **dict.fromkeys(sums, pl.Int64)})
    counts, _, _ = Y.compute(store, YEAR)
    got = counts.group_by(key).agg(*[pl.col(c).sum().cast(pl.Int64) for c in sums]).sort(key)
    assert expected.height > 5 and expected["students"].sum() > 500
    assert expected["membership_days"].sum() > expected["attendance_days"].sum() > 0
    assert got.equals(expected.sort(key))

    dkey = [*key, "infraction_type", "action"]
    dcols = ["incidents", "students", "involvements", "days"]
    expected = _rows(store, _discipline_sql(), {**dict.fromkeys(dkey, pl.Utf8), **dict.fromkeys(dcols, pl.Int64)})
    counts, _, _ = DI.compute(store, YEAR)
    assert expected["incidents"].sum() > 10 and expected["action"].n_unique() >= 2
    assert counts.select(*dkey, *dcols).sort(dkey).equals(expected.sort(dkey))


def test_compliance_equals_a_plain_sql_count(store: Store, december_state: Path, tmp_path: Path) -> None:
    from utrex.reports import compliance as C

    subs = _load_state(store, december_state, "december")
    # resubmissions, then the log's received dates moved into the school year: LEA of subs[0] twice in
    # November and once in January, the others once in December
    reference = load_reference(december_state / "reference")
    again = [S.submit(p, p.name[3:5], store=store, reference=reference)
             for p in sorted(december_state.glob("lea*-december.txt"))[:1] * 2]
    wrong = sorted(december_state.glob("lea*-december.txt"))[1]  # refused: its DI names another LEA
    with pytest.raises(S.SubmissionRefused) as refused:
        S.submit(wrong, subs[0].lea, store=store, reference=reference)
    assert refused.value.submission_id is not None  # logged, status failed
    dates = {subs[0].id: "2012-11-05 09:00:00", again[0].id: "2012-11-20 09:00:00",
             again[1].id: "2013-01-10 09:00:00", subs[1].id: "2012-12-03 09:00:00",
             subs[2].id: "2012-12-04 09:00:00", refused.value.submission_id: "2012-10-01 09:00:00"}
    with store.engine.begin() as conn:
        for sid, when in dates.items():
            conn.execute(text("UPDATE submissions SET received_at = :w WHERE id = :i"),
                         {"w": dt.datetime.fromisoformat(when), "i": sid})
    sql = f"""
    SELECT lea, substr(CAST(received_at AS TEXT), 1, 7) AS month, COUNT(*) AS submissions
    FROM submissions
    WHERE school_year = {YEAR} AND status = 'loaded' AND kind = 'submission'
    GROUP BY lea, substr(CAST(received_at AS TEXT), 1, 7)
    """
    expected = _rows(store, sql, {"lea_number": pl.Utf8, "item": pl.Utf8, "submissions": pl.Int64})
    counts, _, _ = C.compute(store, YEAR)
    key = ["lea_number", "item"]
    got = counts.filter((pl.col("kind") == "month") & (pl.col("submissions") > 0)).select(
        *key, pl.col("submissions").cast(pl.Int64)).sort(key)
    assert expected.height == 4 and expected["submissions"].sum() == 5  # the refused file is no submission
    assert got.equals(expected.sort(key))
