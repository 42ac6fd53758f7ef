"""Rules derived from the field declarations: required, code set, format, date, LEA/school context.

Each record-type module calls `field_rules(layout, skip=...)` for the generic rules and adds its own
cross-field rules with `rule(...)`. A field's generic rule is skipped where the specification gives that
field different semantics (for example school membership accepts PVT/HSC and reads blank as 000).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping

import polars as pl

from ...spec import Field, Kind, Period, RecordLayout
from ..context import Context
from . import expr as E
from .model import Example, FileExample, Level, Rule, Severity

ERROR = Severity.ERROR
WARNING = Severity.WARNING

# a student of a school, as Level 2 matches records: school and student number as written (blanks trimmed)
STUDENT = ["_k_school", "_k_student"]
NAME_PATTERN = r"^[A-Za-z'\-][A-Za-z' \-]*$"
ALNUM_PATTERN = r"^[A-Za-z0-9]+ *$"

PERIOD_WORDS = {
    Period.OCTOBER: "October 1",
    Period.DECEMBER: "December 1",
    Period.YEAR_END: "Year-End",
    Period.MONTHLY: "monthly",
}


def rule(
    id: str,
    record_type: str,
    fields: Iterable[str],
    message: str,
    citation: str,
    check: Callable[[Context], pl.Expr],
    *,
    severity: Severity = ERROR,
    title: str = "",
    description: str = "",
    tags: Iterable[str] = (),
    examples: Iterable[Example] = (),
    applies_to_resident_x: bool = False,
) -> Rule:
    return Rule(
        id=id, record_type=record_type, fields=tuple(fields), severity=severity, message=message,
        citation=citation, check=check, title=title or id, description=description, tags=tuple(tags),
        examples=tuple(examples), applies_to_resident_x=applies_to_resident_x,
    )


def rule2(
    id: str,
    record_type: str,
    fields: Iterable[str],
    message: str,
    citation: str,
    check2: Callable[..., pl.LazyFrame],
    *,
    severity: Severity = ERROR,
    title: str = "",
    description: str = "",
    tags: Iterable[str] = (),
    examples: Iterable[FileExample] = (),
) -> Rule:
    """A Level 2 rule: decided across the records of the whole file (and the reference data)."""
    return Rule(
        id=id, record_type=record_type, fields=tuple(fields), severity=severity, message=message,
        citation=citation, level=Level.TWO, check2=check2, title=title or id, description=description,
        tags=("level2", *tags), file_examples=tuple(examples),
    )


Body = Iterable[tuple[str, Mapping[str, str]]]


def fex(breaks: Body, passes: Body, line: int, **kw: object) -> FileExample:
    return FileExample(breaks=tuple((c, dict(o)) for c, o in breaks),
                       passes=tuple((c, dict(o)) for c, o in passes), line=line, **kw)  # type: ignore[arg-type]


def ex(breaks: Mapping[str, str], passes: Mapping[str, str] | None = None, **kw: object) -> Example:
    return Example(breaks=dict(breaks), passes=dict(passes or {}), **kw)  # type: ignore[arg-type]


def allowed_text(f: Field) -> str:
    assert f.codes is not None
    return f.codes.describe() if len(f.codes.codes) <= 8 else f.codes.short()


def requirement_words(periods: frozenset[Period]) -> str:
    if periods == frozenset(Period):
        return "required in every update"
    return "required in " + " and ".join(PERIOD_WORDS[p] for p in Period if p in periods) + " updates"


def _bad_value(f: Field) -> str:
    if f.kind == Kind.CODE:
        return "#" * f.width
    if f.kind in (Kind.NUMBER, Kind.LEA, Kind.SCHOOL):
        return "A" * f.width
    if f.kind == Kind.IDENTIFIER:
        return ("X" + "1" * (f.width - 1))[: f.width]
    if f.kind == Kind.DATE:
        return "20121345"
    if f.kind == Kind.NAME:
        return "B@D".ljust(f.width)[: f.width]
    if f.kind == Kind.ALPHANUMERIC:
        return "#" * f.width
    if f.kind == Kind.DATETIME:
        return "2012-13-45 99:00:00.000"
    if f.kind == Kind.LITERAL:
        return "#" * f.width
    return "#" * f.width


def field_rules(layout: RecordLayout, skip: Iterable[str] = (), section: str | None = None) -> list[Rule]:
    """Generic rules of every field of a layout; `skip` holds rule ids to leave to the module."""
    skipped = set(skip)
    rt = layout.code
    cite = section or layout.section
    out: list[Rule] = []

    def add(r: Rule) -> None:
        if r.id not in skipped:
            out.append(r)

    for f in layout.fields:
        if f.id == "record_id" or f.kind == Kind.IGNORED:
            continue
        name = f.name
        fid = f.id
        if f.required:
            periods = f.required
            first = next(p for p in (Period.OCTOBER, Period.YEAR_END, Period.DECEMBER, Period.MONTHLY) if p in periods)
            add(rule(
                f"{rt}.{fid}.required", rt, [fid],
                f"{name} is blank; it is {requirement_words(periods)}",
                f"{cite}: {name}",
                lambda ctx, fid=fid, periods=periods: E.blank(fid) if ctx.period in periods else pl.lit(False),
                title=f"{name} required", tags=["required"],
                examples=[ex({fid: " " * f.width}, period=first.value)],
                applies_to_resident_x=fid in ("student_number", "last_name", "first_name", "ssid", "lea_number",
                                              "school_number", "resident_status"),
            ))
        if f.kind == Kind.CODE and f.codes is not None:
            values = [c.rstrip(" ") for c in f.codes.values() if c.strip()]
            add(rule(
                f"{rt}.{fid}.code", rt, [fid],
                f"{name} '{{{fid}}}' is not allowed; allowed: {allowed_text(f)}",
                f"{cite}: {name}",
                lambda ctx, fid=fid, values=values, w=f.width: E.present(fid) & ~E.code_in(fid, w, values),
                title=f"{name} code", tags=["code"], examples=[ex({fid: _bad_value(f)})],
                applies_to_resident_x=fid in ("resident_status", "exit_code", "hs_completion_status", "grade_level"),
            ))
        elif f.kind == Kind.NUMBER:
            add(rule(
                f"{rt}.{fid}.format", rt, [fid],
                f"{name} '{{{fid}}}' must be {f.width} digits, right justified and zero filled",
                f"{cite}: {name}",
                lambda ctx, fid=fid: E.present(fid) & ~E.all_digits(fid),
                title=f"{name} format", tags=["format"], examples=[ex({fid: _bad_value(f)})],
            ))
        elif f.kind == Kind.IDENTIFIER:
            add(rule(
                f"{rt}.{fid}.format", rt, [fid],
                f"{name} '{{{fid}}}' must be numeric, left justified with trailing blanks",
                f"{cite}: {name}",
                lambda ctx, fid=fid: E.present(fid) & ~E.left_justified_digits(fid),
                title=f"{name} format", tags=["format"], examples=[ex({fid: _bad_value(f)})],
                applies_to_resident_x=fid in ("student_number", "ssid"),
            ))
        elif f.kind == Kind.DATE:
            add(rule(
                f"{rt}.{fid}.date", rt, [fid],
                f"{name} '{{{fid}}}' is not a valid date (YYYYMMDD, including the century)",
                f"{cite}: {name}",
                lambda ctx, fid=fid: E.present(fid) & E.date(fid).is_null(),
                title=f"{name} valid date", tags=["date"], examples=[ex({fid: _bad_value(f)})],
            ))
        elif f.kind == Kind.NAME:
            add(rule(
                f"{rt}.{fid}.characters", rt, [fid],
                f"{name} '{{{fid}}}' may hold only letters A-Z, space, apostrophe (') and hyphen (-), left justified",
                f"{cite}: {name}",
                lambda ctx, fid=fid: E.present(fid) & ~pl.col(fid).str.contains(NAME_PATTERN),
                title=f"{name} characters", tags=["format"], examples=[ex({fid: _bad_value(f)})],
                applies_to_resident_x=True,
            ))
        elif f.kind == Kind.ALPHANUMERIC:
            add(rule(
                f"{rt}.{fid}.format", rt, [fid],
                f"{name} '{{{fid}}}' must be letters and digits, left justified with trailing blanks",
                f"{cite}: {name}",
                lambda ctx, fid=fid: E.present(fid) & ~pl.col(fid).str.contains(ALNUM_PATTERN),
                title=f"{name} format", tags=["format"], examples=[ex({fid: _bad_value(f)})],
            ))
        elif f.kind in (Kind.LEA, Kind.SCHOOL):
            add(rule(
                f"{rt}.{fid}.format", rt, [fid],
                f"{name} '{{{fid}}}' must be {f.width} digits (leading zero included)",
                f"{cite}: {name}",
                lambda ctx, fid=fid: E.present(fid) & ~E.all_digits(fid),
                title=f"{name} format", tags=["format"], examples=[ex({fid: _bad_value(f)})],
                applies_to_resident_x=True,
            ))
        elif f.kind == Kind.LITERAL:
            lit = f.literal or ""
            add(rule(
                f"{rt}.{fid}.literal", rt, [fid],
                f"{name} '{{{fid}}}' must be the literal '{lit}'",
                f"{cite}: {name}",
                lambda ctx, fid=fid, lit=lit: pl.col(fid) != lit,
                title=f"{name} literal", tags=["format"], examples=[ex({fid: _bad_value(f)})],
            ))
    # LEA and school numbers must agree with the DI and SC above the record
    if layout.has("lea_number") and rt != "DI":
        add(rule(
            f"{rt}.lea_number.di", rt, ["lea_number"],
            "LEA Number '{lea_number}' differs from the DI record's LEA {ctx_lea}",
            f"{cite}: LEA Number",
            lambda ctx: E.present("lea_number") & (pl.col("lea_number") != pl.lit(ctx.lea_number)),
            title="LEA number matches the DI", tags=["structure"], examples=[ex({"lea_number": "99"})],
            applies_to_resident_x=True,
        ))
    if layout.has("school_number") and layout.school_level:
        add(rule(
            f"{rt}.school_number.sc", rt, ["school_number"],
            "School Number '{school_number}' differs from the school '{_school_ctx}' of the SC record above it",
            f"{cite}: School Number",
            lambda ctx: E.present("school_number") & pl.col("_school_ctx").is_not_null()
            & (pl.col("school_number") != pl.col("_school_ctx")),
            title="School number matches the SC", tags=["structure"], examples=[ex({"school_number": "999"})],
            applies_to_resident_x=True,
        ))
    return out
