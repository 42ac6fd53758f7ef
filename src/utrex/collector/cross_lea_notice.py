"""E-mail to the other LEAs when a load of LEA X raises new cross-LEA findings on their students (issue 7,
item 7).

"New" is a comparison of contents, not of ids or `evaluated_at`: a load deletes and re-inserts every
finding of the SSIDs it touches (store/cross_lea_findings.reevaluate), so ids and times change even when
nothing else did. The caller takes a `snapshot` of the findings naming X before the load; after it,
`cross_lea_new` returns those findings naming X whose content (rule, SSID, both sides' LEA, school, student
number and message) was not in the snapshot. Re-loading the same file thus finds nothing new, and a
finding that went away and came back (fixed, then broken again) is new again.

Each other LEA's people get one mail listing their side's messages: the message names LEA X, its school
and the SSID (the disclosure the cross-LEA checks allow), nothing else about LEA X's students.
`watch` wraps a load: the store calls it around every load and rollback (store/hooks.py, utrex.notices).
Nothing is read or sent without SMTP settings; a failure is logged, never raised.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager

import polars as pl
from sqlalchemy import or_, select

from .. import mail
from ..store.db import Store
from ..store.models import CrossLeaFinding, Submission
from .notify import NOTICE, _send_all

log = logging.getLogger("utrex.collector.notify")
KEY = ["school_year", "rule", "severity", "ssid", "lea_a", "school_a", "student_number_a", "message_a",
       "lea_b", "school_b", "student_number_b", "message_b"]
SCHEMA = {k: pl.Int64 if k == "school_year" else pl.Utf8 for k in KEY}


def _of(store: Store, submission_id: int) -> tuple[str, int | None] | None:
    with store.session() as s:
        sub = s.get(Submission, submission_id)
        return None if sub is None else (sub.lea, sub.school_year)


def snapshot(store: Store, submission_id: int) -> pl.DataFrame:
    """The cross-LEA findings naming the submission's LEA (in its school year when known), KEY columns."""
    of = _of(store, submission_id)
    if of is None:
        return pl.DataFrame(schema=SCHEMA)
    lea, year = of
    x = CrossLeaFinding
    q = select(*[getattr(x, k) for k in KEY]).where(or_(x.lea_a == lea, x.lea_b == lea))
    if year is not None:
        q = q.where(x.school_year == year)
    with store.engine.connect() as conn:
        rows = conn.execute(q).all()
    return pl.DataFrame([tuple(r) for r in rows], schema=SCHEMA, orient="row")


def cross_lea_new(store: Store, submission_id: int, before: pl.DataFrame) -> pl.DataFrame:
    """The findings naming the submission's LEA X now that `before` (its `snapshot` before the load) did not
    hold, from the OTHER side: columns lea (the other LEA), rule, severity, ssid, message (as it reads it)."""
    of = _of(store, submission_id)
    after = snapshot(store, submission_id)
    if of is None or after.height == 0:
        return pl.DataFrame(schema={"lea": pl.Utf8, "rule": pl.Utf8, "severity": pl.Utf8, "ssid": pl.Utf8,
                                    "message": pl.Utf8})
    fresh = after.join(before, on=KEY, how="anti", nulls_equal=True)
    x_is_a = pl.col("lea_a") == of[0]
    return fresh.select(
        pl.when(x_is_a).then(pl.col("lea_b")).otherwise(pl.col("lea_a")).alias("lea"),
        "rule", "severity", "ssid",
        pl.when(x_is_a).then(pl.col("message_b")).otherwise(pl.col("message_a")).alias("message"),
    ).sort("lea", "ssid", "rule")


def notify_new(store: Store, submission_id: int, before: pl.DataFrame,
               settings: mail.MailSettings | None = None) -> dict[str, list[str]]:
    """Mail each other LEA its new findings (one mail per person); {other LEA: addresses sent to}. Nothing
    without SMTP settings; never raises."""
    sent: dict[str, list[str]] = {}
    try:
        settings = settings or mail.MailSettings.from_env()
        if settings is None:
            return sent
        of = _of(store, submission_id)
        fresh = cross_lea_new(store, submission_id, before)
        if of is None or fresh.height == 0:
            return sent
        for (other,), part in fresh.group_by(["lea"], maintain_order=True):  # a few LEAs: one mail each
            lines = "\n".join(f"- {sev}: {msg}" for sev, msg in part.select("severity", "message").iter_rows())
            subject = f"utrex: LEA {of[0]} raises {part.height} cross-LEA finding(s) on LEA {other}"  # short: unfolded
            body = (f"A submission of LEA {of[0]} has just been loaded. The cross-LEA checks now find, on students "
                    f"LEA {other} reports, {part.height} finding(s) that were not there before:\n\n{lines}\n\n"
                    "See the cross-LEA findings on your LEA's pages in the portal.\n")
            to = _send_all(store, settings, str(other), subject, body, NOTICE,
                           {"notice": "cross_lea", "submission": submission_id, "from_lea": of[0],
                            "findings": part.height})
            if to:
                sent[str(other)] = to
    except Exception:  # a notice must never turn a finished load into an error
        log.exception("cross-LEA notice after submission %s not sent", submission_id)
    return sent


@contextmanager
def watch(store: Store, submission_id: int, settings: mail.MailSettings | None = None) -> Iterator[None]:
    """Around a load of the submission: snapshot before, mail the new cross-LEA findings after (not when the
    load raises). Does nothing without SMTP settings."""
    before: pl.DataFrame | None = None
    try:
        settings = settings or mail.MailSettings.from_env()
        if settings is not None:
            before = snapshot(store, submission_id)
    except Exception:
        log.exception("cross-LEA snapshot before loading submission %s failed; no notice", submission_id)
    yield
    if before is not None:
        notify_new(store, submission_id, before, settings)
