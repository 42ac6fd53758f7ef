"""Level 2 across LEAs: the S1 records in force of every LEA, compared by SSID.

A student who moves between LEAs keeps the SSID; each LEA's file is validated alone, so what only shows
when the LEAs' accepted data meet is checked here, on the records in force (`records`):

- `X.S1.concurrent_membership`: enrollments at schools of record of two LEAs that share a day;
- `X.S1.total_over_transfers`: the student's 180-day membership at schools of record, summed across LEAs,
  above 180 + 10 x transfers between schools of record;
- `X.S1.identity_differs`: the same SSID with another last name, first name, birth date or gender.

Every finding is a warning about a PAIR of LEAs ("side a" and "side b", the lower LEA number first), with
one message written from each side (its own school and student number, the other LEA, school and student
number named). `school_of_record_on` gives, per SSID, the enrollment that counts on a day: the most recent
entry date, across LEAs.

The within-LEA readings are reused, not re-derived: an enrollment covers [entry, exit) (the exit date is the
day after the last day, `l2_students.schools_of_record_overlap`); S1 membership as a number with blank 000
(`l2_membership.s1_membership`); transfers counted as `l2_membership.total_over_transfers` counts them,
with a school named by its LEA and number. Everything is Polars expressions over columns sliced from the
record text at the specification's field columns: no Python loop over records.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, cast

import polars as pl
from sqlalchemy import Connection, Select, select
from sqlalchemy.orm import aliased

from ..engine.rules import expr as E
from ..engine.rules.l2_membership import LIMIT, total_over_transfers
from ..engine.rules.l2_students import IDENTITY
from ..engine.rules.model import Level, Severity
from ..engine.runner import render_message
from ..spec import spec_for
from .models import Record

if TYPE_CHECKING:
    from ..engine.context import Context
    from ..engine.tables import Tables
    from .db import Store

# the S1 fields the checks read (sliced out of the record text at the specification's columns)
S1_FIELDS = ("student_number", "last_name", "first_name", "birth_date", "gender", "entry_date", "exit_date",
             "school_membership", "resident_status", "school_of_record", "ssid", "school_number")
# what a record in force brings besides its text
RECORD_SCHEMA = {"lea": pl.Utf8, "record_key": pl.Utf8, "submission_id": pl.Int64, "line": pl.Int64,
                 "text": pl.Utf8}
# a person, as the SSID must name one statewide: the within-LEA identity less the SSID itself
PERSON = [c for c in IDENTITY if c != "ssid"]
SIDE = ["lea", "school", "student_number", "record_key"]  # what names each side of a finding
FAR = dt.date(9999, 12, 31)

FINDING_SCHEMA = {
    "school_year": pl.Int64, "rule": pl.Utf8, "level": pl.Int64, "severity": pl.Utf8, "ssid": pl.Utf8,
    "fields": pl.Utf8,
    "lea_a": pl.Utf8, "school_a": pl.Utf8, "student_number_a": pl.Utf8, "record_key_a": pl.Utf8, "message_a": pl.Utf8,
    "lea_b": pl.Utf8, "school_b": pl.Utf8, "student_number_b": pl.Utf8, "record_key_b": pl.Utf8, "message_b": pl.Utf8,
}


@dataclass(frozen=True)
class CrossLeaRule:
    """A cross-LEA check, declared as data like the file rules (`engine.rules.model.Rule`).

    `check(s1, school_year)` returns one row per pair of sides that violates the rule: `ssid`, `a_<name>`
    and `b_<name>` for every name of SIDE and every other value the message reads. `message` is written from
    one side: `{own_<name>}` is that side's value, `{other_<name>}` the other side's, `{<name>}` a value
    both share."""

    id: str
    fields: tuple[str, ...]
    message: str
    citation: str
    title: str
    check: Callable[[pl.LazyFrame, int], pl.LazyFrame]
    severity: Severity = Severity.WARNING
    level: Level = Level.TWO

    def to_dict(self) -> dict[str, object]:
        return {"id": self.id, "level": int(self.level), "severity": self.severity.value, "record_type": "S1",
                "fields": list(self.fields), "title": self.title, "message": self.message,
                "citation": self.citation, "tags": ["level2", "cross-lea"]}


# --- the S1 records in force, read and parsed ------------------------------------------------------

def s1_records(school_year: int, table: type[Record] = Record) -> Select[tuple[str, str, int, int, str]]:
    """The S1 records in force of a school year, every LEA (stale ones too: they are the version in force)."""
    return (select(table.lea, table.record_key, table.submission_id, table.line, table.text)
            .where(table.school_year == school_year, table.record_type == "S1"))


def read_records(conn: Connection, query: Select[tuple[str, str, int, int, str]]) -> pl.DataFrame:
    """The rows of an `s1_records` query as a frame (RECORD_SCHEMA), built by Polars from the driver's rows."""
    return pl.DataFrame(conn.execute(query).all(), schema=RECORD_SCHEMA, orient="row")


def parse_s1(records: pl.DataFrame | pl.LazyFrame, school_year: int) -> pl.LazyFrame:
    """S1 records in force (RECORD_SCHEMA) as typed columns: the S1_FIELDS sliced from `text` at the
    specification's columns, their typed views (`<field>__date`, `<field>__int`, as the engine makes
    them) and the keys `ssid`, `school`, `student_number` (trimmed). Records without an SSID are left out:
    nothing ties them to another LEA."""
    layout = spec_for(school_year).layout("S1")
    fields = [layout.field(f) for f in S1_FIELDS]
    sliced = [pl.col("text").str.slice(f.offset, f.width).alias(f.id) for f in fields]
    return (records.lazy().with_columns(sliced).with_columns(E.derived_columns(fields))
            .with_columns(E.stripped("ssid").alias("ssid"), E.stripped("school_number").alias("school"),
                          E.stripped("student_number").alias("student_number"))
            .filter(pl.col("ssid") != ""))


def enrollments(s1: pl.LazyFrame) -> pl.LazyFrame:
    """Enrollments at schools of record (School of Record blank) of this year: resident status X records
    (last year's seniors, an exit update) and records without a valid entry date take no part."""
    return s1.filter((E.stripped("resident_status") != "X") & E.blank_trimmed("school_of_record")
                     & E.date("entry_date").is_not_null())


def across_leas(frame: pl.LazyFrame) -> pl.LazyFrame:
    """Only the rows of SSIDs that more than one LEA reports: the few the pairwise checks compare."""
    return frame.filter(pl.col("lea").n_unique().over("ssid") > 1)


def _sides(frame: pl.LazyFrame) -> pl.LazyFrame:
    """Every pair of rows of one SSID from two LEAs, the lower LEA number as side a (each pair once)."""
    cols = [c for c in frame.collect_schema().names() if c != "ssid"]
    a = frame.select("ssid", *[pl.col(c).alias(f"a_{c}") for c in cols])
    b = frame.select("ssid", *[pl.col(c).alias(f"b_{c}") for c in cols])
    return a.join(b, on="ssid", how="inner").filter(pl.col("a_lea") < pl.col("b_lea"))


def _shown_exit(date_field: str = "exit_date") -> pl.Expr:
    return pl.when(E.blank_trimmed(date_field)).then(pl.lit("(none)")).otherwise(E.stripped(date_field))


# Sort keys (descending) of the enrollment that counts on a day it shares with another: the most recent
# entry date; on the same entry date the record of the later submission, then the higher LEA, school and
# line (the specification gives no tie rule; these only make the choice stable)
WINS = ["_entry", "submission_id", "lea", "school", "line"]


# --- the checks ------------------------------------------------------------------------------------

def concurrent_membership(s1: pl.LazyFrame, school_year: int) -> pl.LazyFrame:
    """Enrollments at schools of record of two LEAs that share a day ([entry, exit): a transfer whose new
    entry date is the old exit date shares none). The message names the shared days and which enrollment
    counts on them: the most recent entry date (S1, multiple enrollments)."""
    e = across_leas(enrollments(s1)).select(
        "ssid", *SIDE, "submission_id", "line", "entry_date", pl.col("entry_date__date").alias("_entry"),
        pl.col("exit_date__date").alias("_exit"), _shown_exit().alias("exit"))
    after_year = pl.lit(dt.date(school_year, 7, 1))  # an open enrollment runs to the end of the year
    pairs = _sides(e).filter((pl.col("a__entry") < pl.coalesce("b__exit", pl.lit(FAR)))
                             & (pl.col("b__entry") < pl.coalesce("a__exit", pl.lit(FAR))))
    a_wins = _later(*[(pl.col(f"a_{c}"), pl.col(f"b_{c}")) for c in WINS])
    last = (pl.min_horizontal(pl.coalesce("a__exit", after_year), pl.coalesce("b__exit", after_year))
            - pl.duration(days=1))
    return pairs.with_columns(
        pl.max_horizontal("a__entry", "b__entry").dt.strftime("%Y%m%d").alias("first_day"),
        last.dt.strftime("%Y%m%d").alias("last_day"),
        pl.when(a_wins).then(pl.lit("this LEA's school ") + pl.col("a_school"))
        .otherwise(pl.lit("LEA ") + pl.col("b_lea") + pl.lit(" school ") + pl.col("b_school")).alias("a_counting"),
        pl.when(a_wins).then(pl.lit("LEA ") + pl.col("a_lea") + pl.lit(" school ") + pl.col("a_school"))
        .otherwise(pl.lit("this LEA's school ") + pl.col("b_school")).alias("b_counting"),
    )


def _later(*pairs: tuple[pl.Expr, pl.Expr]) -> pl.Expr:
    """Whether the first of each (x, y) pair is greater, lexicographically over the pairs."""
    out = pl.lit(False)
    for x, y in reversed(pairs):
        out = (x > y) | ((x == y) & out)
    return out.fill_null(False)


class _S1Only:
    """The one table `l2_membership.total_over_transfers` reads, for a frame of every LEA's S1."""

    def __init__(self, s1: pl.LazyFrame) -> None:
        self._s1 = s1

    def get(self, code: str) -> pl.LazyFrame:
        return self._s1


def total_across_leas(s1: pl.LazyFrame, school_year: int) -> pl.LazyFrame:
    """The within-LEA rule's arithmetic with the student named by the SSID and a school by LEA and number:
    a transfer is an enrollment (schools of record, entry-date order) at another school than the one before
    it, wherever that school is. Only students of two or more LEAs: the rest is the LEA file's own rule."""
    e = across_leas(enrollments(s1)).with_columns(
        pl.col("ssid").alias("_k_student"), pl.concat_str("lea", "school", separator="|").alias("_k_school"))
    e = e.sort("ssid", "entry_date__date", "lea", "line").with_row_index("_line")
    over = total_over_transfers(cast("Tables", _S1Only(e)), cast("Context", None))
    per_school = (over.group_by("ssid", "lea", "school")
                  .agg(pl.col("_m").sum().alias("_m"), pl.col("entry_date__date").min().alias("_first")))
    breakdown = (per_school.sort("ssid", "_first", "lea", "school")
                 .group_by("ssid", maintain_order=True)
                 .agg(pl.concat_str(pl.lit("LEA "), "lea", pl.lit(" school "), "school", pl.lit(": "),
                                    pl.col("_m").cast(pl.Utf8).fill_null("?")).str.join(", ").alias("breakdown")))
    # each LEA's side: its latest enrollment of the student
    per_lea = (over.sort("entry_date__date", "line", descending=True, nulls_last=True)
               .group_by("ssid", "lea", maintain_order=True)
               .agg(pl.col("school").first(), pl.col("student_number").first(), pl.col("record_key").first(),
                    pl.col("_total").first().alias("total"), pl.col("_transfers").first().alias("transfers"),
                    pl.col("_limit").first().alias("limit")))
    pairs = _sides(per_lea).join(breakdown, on="ssid", how="inner")
    return pairs.with_columns(pl.col("a_total").alias("total"), pl.col("a_transfers").alias("transfers"),
                              pl.col("a_limit").alias("limit"))


def identity_differs(s1: pl.LazyFrame, school_year: int) -> pl.LazyFrame:
    """Each LEA's person for the SSID (last name, first name, birth date and gender, trimmed, as the within-LEA
    identity rule compares them) against every other LEA's: any S1 counts, resident status X and school of
    record N included (identity is checked on them within the LEA too)."""
    people = (across_leas(s1).with_columns(*[E.stripped(c).alias(f"_{c}") for c in PERSON])
              .sort("entry_date__date", "line", descending=True, nulls_last=True)
              .group_by("ssid", "lea", *[f"_{c}" for c in PERSON], maintain_order=True)
              .agg(*[pl.col(c).first() for c in SIDE if c != "lea"]))
    pairs = _sides(people).filter(pl.any_horizontal([pl.col(f"a__{c}") != pl.col(f"b__{c}") for c in PERSON]))

    def differences(own: str, other: str) -> pl.Expr:
        return pl.concat_str([pl.when(pl.col(f"{own}__{c}") != pl.col(f"{other}__{c}"))
                              .then(pl.lit(f"{c} '") + pl.col(f"{own}__{c}") + pl.lit("' vs '")
                                    + pl.col(f"{other}__{c}") + pl.lit("'"))
                              for c in PERSON], separator="; ", ignore_nulls=True)

    return pairs.with_columns(differences("a", "b").alias("a_differences"),
                              differences("b", "a").alias("b_differences"))


S1_SECTION = spec_for(None).layout("S1").section

RULES: tuple[CrossLeaRule, ...] = (
    CrossLeaRule(
        "X.S1.concurrent_membership", ("ssid", "entry_date", "exit_date", "school_of_record"),
        "SSID {ssid} is in membership at school of record {own_school} of this LEA (student number "
        "{own_student_number}, entry {own_entry_date}, exit {own_exit}) and at LEA {other_lea} school "
        "{other_school} (student number {other_student_number}, entry {other_entry_date}, exit {other_exit}) "
        "on the same days, {first_day} to {last_day}: the enrollment with the most recent entry date counts, "
        "so {own_counting} is the school of record on those days",
        f"{S1_SECTION}: multiple enrollments (multiple LEAs report they are a student's school-of-record); "
        "School of Record, Note 3",
        "One school of record a day across LEAs", concurrent_membership),
    CrossLeaRule(
        "X.S1.total_over_transfers", ("ssid", "school_membership", "school_of_record"),
        "Total 180-day membership {total} of SSID {ssid} at schools of record across LEAs ({breakdown}) is more "
        f"than {LIMIT} + 10 x {{transfers}} transfers = {{limit}}; this LEA's school {{own_school}} (student "
        "number {own_student_number}) and LEA {other_lea} school {other_school} (student number "
        "{other_student_number}) report the student",
        f"{S1_SECTION}: multiple enrollments (180 + 10 x transfers between schools-of-record)",
        "Membership across LEAs within 180 + 10 x transfers", total_across_leas),
    CrossLeaRule(
        "X.S1.identity_differs", ("ssid", *PERSON),
        "SSID {ssid} names another student here (school {own_school}, student number {own_student_number}) "
        "than at LEA {other_lea} school {other_school} (student number {other_student_number}): "
        "{own_differences} (here vs there); an SSID is one student: last name, first name, birth date and "
        "gender must agree",
        f"{S1_SECTION}: Student Number (last name, first name, birth date, gender and SSID compared); "
        "Statewide Student ID",
        "One SSID, one student across LEAs", identity_differs),
)


def rules() -> list[CrossLeaRule]:
    return list(RULES)


# --- findings --------------------------------------------------------------------------------------

def _message(rule: CrossLeaRule, pairs: pl.LazyFrame, own: str, other: str) -> pl.Expr:
    """The rule's message from side `own` ("a" or "b"): `{own_x}` reads `<own>_x`, `{other_x}` `<other>_x`."""
    names = pairs.collect_schema().names()
    template = rule.message
    for side, word in ((own, "own"), (other, "other")):
        for c in names:
            if c.startswith(f"{side}_"):
                template = template.replace("{" + f"{word}_{c[2:]}" + "}", "{" + c + "}")
    return render_message(template, {}, set(names))


def evaluate(s1: pl.LazyFrame, school_year: int, rules: list[CrossLeaRule] | None = None) -> pl.DataFrame:
    """Every rule over parsed S1 records (`parse_s1`) of one school year: the findings as stored
    (FINDING_SCHEMA), one row per pair of sides."""
    s1 = s1.collect().lazy()  # parsed once, read by every rule
    frames = []
    for rule in rules if rules is not None else RULES:
        pairs = rule.check(s1, school_year)
        frames.append(pairs.select(
            pl.lit(school_year, dtype=pl.Int64).alias("school_year"), pl.lit(rule.id).alias("rule"),
            pl.lit(int(rule.level), dtype=pl.Int64).alias("level"), pl.lit(rule.severity.value).alias("severity"),
            "ssid", pl.lit(",".join(rule.fields)).alias("fields"),
            *[pl.col(f"a_{c}").alias(f"{c}_a") for c in SIDE], _message(rule, pairs, "a", "b").alias("message_a"),
            *[pl.col(f"b_{c}").alias(f"{c}_b") for c in SIDE], _message(rule, pairs, "b", "a").alias("message_b"),
        ))
    if not frames:
        return pl.DataFrame(schema=FINDING_SCHEMA)
    out = pl.concat(pl.collect_all(frames), how="vertical")
    return out.cast(FINDING_SCHEMA).sort("rule", "ssid", "lea_a", "lea_b", "record_key_a", "record_key_b")  # type: ignore[arg-type]


# --- the school of record on a day -----------------------------------------------------------------

def school_of_record_on(store: Store, school_year: int, on: dt.date, leas: list[str] | None = None) -> pl.DataFrame:
    """Per SSID, the LEA, school, student number and record that count as the school of record on `on`
    (the October 1 count: `Context.october_1`), from the records in force of every LEA, or of the students
    `leas` report (a student counts where the most recent entry date is, whichever LEA that is)."""
    query = s1_records(school_year)
    if leas is not None:
        theirs = aliased(Record)
        query = query.where(Record.ssid.in_(select(theirs.ssid).where(
            theirs.school_year == school_year, theirs.lea.in_(leas), theirs.ssid.is_not(None))))
    with store.engine.connect() as conn:
        records = read_records(conn, query)
    return school_of_record_frame(parse_s1(records, school_year), on)


def school_of_record_frame(s1: pl.LazyFrame, on: dt.date) -> pl.DataFrame:
    """Per SSID, the enrollment at a school of record in membership on `on` (entry on or before it, exit
    after it or none) that counts: the most recent entry date, across LEAs (S1, multiple enrollments).
    `schools` is how many enrollments of the student were in membership at schools of record that day."""
    day = pl.lit(on, dtype=pl.Date)
    e = (enrollments(s1)
         .filter((pl.col("entry_date__date") <= day) & (pl.coalesce("exit_date__date", pl.lit(FAR)) > day))
         .with_columns(pl.col("entry_date__date").alias("_entry")))
    return (e.sort(WINS, descending=True)
            .group_by("ssid", maintain_order=True)
            .agg(pl.col("lea").first(), pl.col("school").first(), pl.col("student_number").first(),
                 pl.col("record_key").first(), pl.col("entry_date__date").first().alias("entry_date"),
                 pl.col("exit_date__date").first().alias("exit_date"), pl.len().alias("schools"))
            .sort("ssid").collect())
