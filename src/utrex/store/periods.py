"""Reporting periods in the store: the policy of a school year, LEA extensions, and finalized snapshots.

The dates are specification data (`utrex.spec.period_policy`, spec/periods_2013.py); the store adds
what people decide: the policy chosen for a school year (`period_policies`, overriding the one its
specification declares), extensions granted to an LEA through a date (`extensions`), and
finalizations (`finalizations` + `snapshot_records`).

Finalizing copies a loaded submission's accepted records (rebuilt from its archived file and stored
outcome, as a rollback does) into `snapshot_records`: a copy, so no later submission or rollback can
change what was frozen. The first finalization of a period is allowed through its due date, a
replacement through its revision date (the same day under the 2012-13 policy); an extension in force
moves either to its own date when later. Every finalization stays in the log (who, when, which
submission, which deadline); only the latest keeps its records.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import polars as pl
from sqlalchemy import delete, func, select

from ..spec import POLICIES, Period, PeriodDates, PeriodPolicy, period_policy, spec_for
from .bulk import insert_frame
from .db import Store
from .memo import per_request
from .models import (
    Extension,
    Finalization,
    Kind,
    PeriodPolicySetting,
    Record,
    SnapshotRecord,
    Status,
    Submission,
    utcnow,
)
from .submissions import get, normalize_lea, query_frame, raw_file, split_outcome, submission_outcome

RECORDS_SCHEMA = {"record_key": pl.Utf8, "record_type": pl.Utf8, "text": pl.Utf8}


class PeriodError(Exception):
    """A period operation was refused; the message says why (nothing was changed)."""


def school_year_of(day: dt.date) -> int:
    """The school year (its ending year) a day falls in: July 1 starts the next one."""
    return day.year + 1 if day.month >= 7 else day.year


# --- the policy of a school year ------------------------------------------------------------------

@per_request
def policy_for(store: Store, school_year: int) -> PeriodPolicy:
    """The policy set for the school year in the store, else the one its specification declares."""
    with store.session() as s:
        chosen = s.get(PeriodPolicySetting, school_year)
    return period_policy(school_year, chosen.policy if chosen is not None else None)


def set_policy(store: Store, school_year: int, name: str, user: str) -> PeriodPolicy:
    if name not in POLICIES:
        raise PeriodError(f"no period policy {name!r}; known: {', '.join(POLICIES)}")
    with store.session(write=True) as s:
        row = s.get(PeriodPolicySetting, school_year)
        if row is None:
            s.add(PeriodPolicySetting(school_year=school_year, policy=name, user=user, set_at=utcnow()))
        else:
            row.policy, row.user, row.set_at = name, user, utcnow()
    return POLICIES[name]


def period_dates(policy: PeriodPolicy, period: Period | str) -> PeriodDates:
    """The dates of a reporting period (October, December, Year-End); monthly updates have none."""
    try:
        return policy.dates(Period(period))
    except (KeyError, ValueError):
        names = ", ".join(p.period.value for p in policy.periods)
        raise PeriodError(f"{period!r} is not a reporting period of policy {policy.name!r} ({names})") from None


# --- extensions -----------------------------------------------------------------------------------

def extension_in_force(store: Store, lea: str, school_year: int, period: Period | str,
                       policy: PeriodPolicy | None = None) -> Extension | None:
    """The latest extension granted, unless the school year's policy allows none (any granted lapse)."""
    policy = policy or policy_for(store, school_year)
    if not policy.extensions:
        return None
    return _latest_extension(store, normalize_lea(lea), school_year, Period(period).value)


@per_request
def _latest_extension(store: Store, lea: str, school_year: int, period: str) -> Extension | None:
    with store.session() as s:
        return s.scalars(select(Extension).where(
            Extension.lea == normalize_lea(lea), Extension.school_year == school_year,
            Extension.period == Period(period).value).order_by(Extension.id.desc()).limit(1)).first()


def grant_extension(store: Store, lea: str, school_year: int, period: Period | str, until: dt.date,
                    user: str) -> Extension:
    """Extend an LEA's deadline of a period through `until`; refused when the policy allows none or
    `until` does not go past the period's deadline."""
    policy = policy_for(store, school_year)
    dates = period_dates(policy, period)
    if not policy.extensions:
        raise PeriodError(f"the period policy {policy.name!r} of {school_year} allows no extensions "
                          f"({policy.description})")
    last = dates.revise_until_date(school_year)
    if until <= last:
        raise PeriodError(f"an extension must go past the {dates.period.value} {school_year} deadline "
                          f"{last.isoformat()}; {until.isoformat()} does not")
    ext = Extension(lea=normalize_lea(lea), school_year=school_year, period=dates.period.value, until=until,
                    user=user, granted_at=utcnow())
    with store.session(write=True) as s:
        s.add(ext)
    return ext


def _listed(store: Store, model: Any, lea: str | None, school_year: int | None) -> list[Any]:
    """Rows of a per-LEA, per-school-year table (extensions, finalizations), oldest first."""
    q = select(model).order_by(model.id)
    if lea is not None:
        q = q.where(model.lea == normalize_lea(lea))
    if school_year is not None:
        q = q.where(model.school_year == school_year)
    with store.session() as s:
        return list(s.scalars(q))


def list_extensions(store: Store, lea: str | None = None, school_year: int | None = None) -> list[Extension]:
    return _listed(store, Extension, lea, school_year)


# --- deadlines and finalizations ------------------------------------------------------------------

@dataclass(frozen=True)
class Limit:
    """The last day an LEA may finalize a period now, and why that day."""

    day: dt.date
    reason: str  # "due date", "revision deadline" or "extension granted by ... on ..."


def limit_for(store: Store, lea: str, school_year: int, period: Period | str, replacing: bool) -> Limit:
    policy = policy_for(store, school_year)
    dates = period_dates(policy, period)
    day = dates.revise_until_date(school_year) if replacing else dates.due_date(school_year)
    limit = Limit(day, f"{'revision deadline' if replacing else 'due date'}, policy {policy.name}")
    ext = extension_in_force(store, lea, school_year, period, policy)
    if ext is not None and ext.until > day:
        limit = Limit(ext.until, f"extension granted by {ext.user}")
    return limit


def current_finalization(store: Store, lea: str, school_year: int, period: Period | str) -> Finalization | None:
    return _latest_finalization(store, normalize_lea(lea), school_year, Period(period).value)


@per_request
def _latest_finalization(store: Store, lea: str, school_year: int, period: str) -> Finalization | None:
    with store.session() as s:
        return s.scalars(select(Finalization).where(
            Finalization.lea == normalize_lea(lea), Finalization.school_year == school_year,
            Finalization.period == Period(period).value).order_by(Finalization.id.desc()).limit(1)).first()


def list_finalizations(store: Store, lea: str | None = None, school_year: int | None = None) -> list[Finalization]:
    return _listed(store, Finalization, lea, school_year)


@dataclass
class Prepared:
    """A finalization checked and computed, not yet made: what it would freeze, for the confirmation."""

    submission: Submission
    period: Period
    records: pl.DataFrame  # record_key, record_type, text, line: the submission's accepted records
    counts: dict[str, Any]
    limit: Limit
    replaces: Finalization | None


def prepare(store: Store, lea: str, period: Period | str, submission_id: int, today: dt.date) -> Prepared:
    """Check that `submission_id` can be finalized for the LEA's period today and compute what it freezes."""
    lea = normalize_lea(lea)
    sub = get(store, submission_id)
    if sub.lea != lea:
        raise PeriodError(f"submission {submission_id} is LEA {sub.lea}'s, not LEA {lea}'s")
    if sub.kind != Kind.SUBMISSION.value or sub.status != Status.LOADED.value:
        what = "a rollback" if sub.kind == Kind.ROLLBACK.value else sub.status
        raise PeriodError(f"submission {submission_id} is {what}; only a loaded submission can be finalized")
    assert sub.school_year is not None  # a loaded submission's DI named it
    dates = period_dates(policy_for(store, sub.school_year), period)
    # the DI's WHICH MONTH says which reports a file is for: a December file is not the October count
    if sub.period != dates.period.value:
        raise PeriodError(f"submission {submission_id} is for the {sub.period or 'unknown'} period (its DI's WHICH "
                          f"MONTH), not {dates.period.value}; only a {dates.period.value} file is finalized for it")
    prior = current_finalization(store, lea, sub.school_year, dates.period)
    limit = _check_limit(store, lea, sub.school_year, dates.period, prior is not None, today)
    outcome = submission_outcome(store, submission_id)
    accepted, _ = split_outcome(outcome, raw_file(store, submission_id), sub.school_year)
    records = accepted.select("record_key", "record_type", "text", "line")
    return Prepared(sub, dates.period, records, frozen_counts(records, outcome, sub.school_year), limit, prior)


def _check_limit(store: Store, lea: str, school_year: int, period: Period, replacing: bool,
                 today: dt.date) -> Limit:
    limit = limit_for(store, lea, school_year, period, replacing)
    if today > limit.day:
        policy = policy_for(store, school_year)
        hint = ("an extension can be granted with `utrex extension`" if policy.extensions
                else f"the policy {policy.name!r} allows no extensions")
        verb = "re-finalizing" if replacing else "finalizing"
        raise PeriodError(f"LEA {lea}'s {period.value} {school_year} deadline was {limit.day.isoformat()} "
                          f"({limit.reason}); {verb} is refused after it (today is {today.isoformat()}); {hint}")
    return limit


def frozen_counts(records: pl.DataFrame, outcome: pl.DataFrame, school_year: int | None) -> dict[str, Any]:
    """Records by type, accepted and held, and students (distinct student numbers of the S1 records)."""
    by_type = records.group_by("record_type").len().sort("record_type")
    held = outcome.filter(pl.col("status") == "held").group_by("record_type").len().sort("record_type")
    sn = spec_for(school_year).layout("S1").field("student_number")
    students = (records.filter(pl.col("record_type") == "S1")
                .select(pl.col("text").str.slice(sn.offset, sn.width).str.strip_chars().n_unique()).item()
                if records.height else 0)
    return {
        "records_by_type": dict(zip(by_type["record_type"].to_list(), by_type["len"].to_list(), strict=True)),
        "accepted": records.height,
        "held": int(held["len"].sum()) if held.height else 0,
        "held_by_type": dict(zip(held["record_type"].to_list(), held["len"].to_list(), strict=True)),
        "students": int(students),
    }


def finalize(store: Store, prepared: Prepared, user: str, today: dt.date) -> Finalization:
    """Freeze the prepared snapshot (one transaction), replacing the period's earlier one."""
    sub, period = prepared.submission, prepared.period
    assert sub.school_year is not None
    policy = policy_for(store, sub.school_year)
    with store.session(write=True) as s:
        # checked again inside the transaction: another finalization may have happened since `prepare`
        prior_id = s.scalar(select(func.max(Finalization.id)).where(
            Finalization.lea == sub.lea, Finalization.school_year == sub.school_year,
            Finalization.period == period.value))
        limit = _check_limit(store, sub.lea, sub.school_year, period, prior_id is not None, today)
        fin = Finalization(lea=sub.lea, school_year=sub.school_year, period=period.value, submission_id=sub.id,
                           user=user, finalized_at=utcnow(), deadline=limit.day, policy=policy.name,
                           replaces_id=prior_id, counts=prepared.counts)
        s.add(fin)
        s.flush()
        conn = s.connection()
        if prior_id is not None:  # a replaced snapshot keeps its log row, not its records
            s.execute(delete(SnapshotRecord).where(SnapshotRecord.finalization_id.in_(
                select(Finalization.id).where(Finalization.lea == sub.lea, Finalization.school_year == sub.school_year,
                                              Finalization.period == period.value, Finalization.id != fin.id))))
        insert_frame(conn, SnapshotRecord.__tablename__,
                     prepared.records.select(pl.lit(fin.id, dtype=pl.Int64).alias("finalization_id"),
                                             "record_key", "record_type", "text", "line"), "snapshot")
    return fin


# --- for reports ----------------------------------------------------------------------------------

def records_for(store: Store, lea: str, school_year: int, period: Period | str | None = None,
                finalized: bool = False) -> pl.DataFrame:
    """The records a report runs on (record_key, record_type, text, by key): the LEA's records in force
    (live), or with `finalized` the snapshot finalized for `period`; PeriodError when there is none."""
    lea = normalize_lea(lea)
    if not finalized:
        r = Record
        return query_frame(store, select(r.record_key, r.record_type, r.text)
                           .where(r.lea == lea, r.school_year == school_year).order_by(r.record_key), RECORDS_SCHEMA)
    if period is None:
        raise PeriodError("a finalized snapshot belongs to a period: give the period")
    fin = current_finalization(store, lea, school_year, period)
    if fin is None:
        raise PeriodError(f"LEA {lea} has not finalized {Period(period).value} {school_year}")
    t = SnapshotRecord
    return query_frame(store, select(t.record_key, t.record_type, t.text)
                       .where(t.finalization_id == fin.id).order_by(t.record_key), RECORDS_SCHEMA)


# --- the listing ----------------------------------------------------------------------------------

def overview(store: Store, school_year: int, lea: str | None = None) -> dict[str, Any]:
    """The school year's periods with their dates, and the extensions and finalizations of each LEA
    (of `lea` only when given) in force."""
    policy = policy_for(store, school_year)
    exts = list_extensions(store, lea, school_year) if policy.extensions else []
    fins = list_finalizations(store, lea, school_year)
    periods = []
    for d in policy.periods:
        p = d.period.value
        latest_ext = {e.lea: e for e in exts if e.period == p}  # in id order: the last one wins
        latest_fin = {f.lea: f for f in fins if f.period == p}
        leas = sorted(set(latest_ext) | set(latest_fin) | ({normalize_lea(lea)} if lea is not None else set()))
        periods.append({
            "period": p, "title": d.title, "count_date": d.count_date(school_year).isoformat(),
            "due": d.due_date(school_year).isoformat(), "due_rule": d.due.describe(),
            "revise_until": d.revise_until_date(school_year).isoformat(),
            "analysis": d.analysis.on(school_year).isoformat(), "extensions_by": d.extensions_by if policy.extensions else "",
            "leas": [{"lea": code,
                      "extension": _ext_dict(latest_ext.get(code)),
                      "finalization": _fin_dict(latest_fin.get(code))} for code in leas],
        })
    return {"school_year": school_year, "policy": policy.name, "policy_description": policy.description,
            "extensions_allowed": policy.extensions, "periods": periods}


def _ext_dict(e: Extension | None) -> dict[str, Any] | None:
    if e is None:
        return None
    return {"id": e.id, "until": e.until.isoformat(), "user": e.user, "granted_at": _iso(e.granted_at)}


def _fin_dict(f: Finalization | None) -> dict[str, Any] | None:
    if f is None:
        return None
    return {"id": f.id, "submission": f.submission_id, "user": f.user, "finalized_at": _iso(f.finalized_at),
            "deadline": f.deadline.isoformat(), "policy": f.policy, "replaces": f.replaces_id, "counts": f.counts}


def _iso(t: dt.datetime) -> str:
    if t.tzinfo is None:  # SQLite hands back naive datetimes: they were stored in UTC
        t = t.replace(tzinfo=dt.UTC)
    return t.isoformat(timespec="seconds")
