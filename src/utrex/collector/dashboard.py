"""What each LEA has due: the next reporting-period deadline (store/periods.py: policy, extensions,
finalizations) and the calendar months of the school year so far without a submission (an LEA must
submit at least once every calendar month).

A month counts as submitted when a submission of the LEA received in it (in the LEA's time zone) was
loaded; refused, failed and validated-only ones do not count, nor do rollbacks.
"""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select

from ..store.db import Store
from ..store.models import Kind, Status, Submission
from ..store.periods import current_finalization, limit_for, policy_for, school_year_of
from ..store.submissions import normalize_lea
from .config import aware
from .models import DEFAULT_TIME_ZONE


def months_of(school_year: int, today: dt.date) -> list[str]:
    """YYYY-MM of the school year's months from July through `today`'s month."""
    out, y, m = [], school_year - 1, 7
    while (y, m) <= (today.year, today.month) and (y, m) <= (school_year, 6):
        out.append(f"{y:04d}-{m:02d}")
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return out


def submitted_months(store: Store, lea: str, tz: ZoneInfo) -> set[str]:
    with store.session() as s:
        times = s.scalars(select(Submission.received_at).where(
            Submission.lea == lea, Submission.status == Status.LOADED.value,
            Submission.kind == Kind.SUBMISSION.value)).all()
    # one timestamp per loaded submission: a handful a month, converted here for the LEA's zone
    return {aware(t).astimezone(tz).strftime("%Y-%m") for t in times if t is not None}  # type: ignore[union-attr]


def lea_due(store: Store, lea: str, today: dt.date, time_zone: str = DEFAULT_TIME_ZONE) -> dict[str, Any]:
    lea = normalize_lea(lea)
    school_year = school_year_of(today)
    policy = policy_for(store, school_year)
    deadlines = []
    for d in policy.periods:
        fin = current_finalization(store, lea, school_year, d.period)
        limit = limit_for(store, lea, school_year, d.period, replacing=fin is not None)
        deadlines.append({"period": d.period.value, "title": d.title, "due": limit.day.isoformat(),
                          "why": limit.reason, "finalized": fin is not None,
                          "finalization": fin.id if fin is not None else None,
                          "overdue": fin is None and limit.day < today})
    upcoming = [d for d in deadlines if not d["finalized"] and d["due"] >= today.isoformat()]
    months = months_of(school_year, today)
    have = submitted_months(store, lea, ZoneInfo(time_zone))
    this_month = today.strftime("%Y-%m")
    return {
        "lea": lea, "school_year": school_year, "today": today.isoformat(),
        "next_deadline": min(upcoming, key=lambda d: d["due"]) if upcoming else None,
        "overdue": [d for d in deadlines if d["overdue"]],
        "deadlines": deadlines,
        "months_without_submission": [m for m in months if m not in have and m != this_month],
        "this_month_submitted": this_month in have,
    }
