"""E-mail to an LEA's people about its collections (issue 7, item 7), through `utrex.mail`.

- `run_failed`: a scheduled run (not a person's "collect now": they watch it on the page) failed;
- `new_errors`: a submission has error findings its LEA's previous submission did not have (the pairing
  of `utrex diff`, report/diff.py, on the two stored results, as the portal's diff page does);
- `deadline_reminders(today, days)`: each LEA with a period due within `days` and not finalized, once
  per LEA, period and deadline day. What was sent is kept in the audit log (action `deadline_notice`,
  detail {school_year, period, due}), not in a table of its own: no migration.
- `after_run`: the runner's hook at the end of a run (the failure notice); nothing unless SMTP is configured.
- the notice to the other LEAs of new cross-LEA findings after a load is in `cross_lea_notice` (`watch`);
  it and `new_errors` run on every path that validates or loads, as the store's hooks (utrex.notices).

The people are those authorised for the LEA (LEA uploaders and viewers, accounts not disabled); state
staff are not mailed per LEA. A mail that cannot be sent is logged, never fails the run.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from sqlalchemy import select

from .. import mail
from ..store.db import Store
from ..store.models import Status, Submission
from ..store.report import compare_submissions, previous_submission
from .dashboard import lea_due
from .models import CollectionRun, RunStatus

log = logging.getLogger("utrex.collector.notify")
DEADLINE_NOTICE = "deadline_notice"  # the audit action recording a deadline reminder sent
NOTICE = "notice_sent"  # the audit action recording the other notices
DEFAULT_DAYS = 7


def recipients(store: Store, lea: str) -> list[str]:
    """The e-mail addresses of the people authorised for the LEA (enabled accounts), sorted."""
    from ..portal.models import Authorisation, User  # the portal's tables; no FastAPI is loaded

    with store.session() as s:
        return list(s.scalars(select(User.email).join(Authorisation, Authorisation.user_id == User.id).where(
            Authorisation.lea == lea, User.disabled.is_(False)).order_by(User.email)))


def _send_all(store: Store, settings: mail.MailSettings, lea: str, subject: str, body: str, action: str,
              detail: dict[str, Any]) -> list[str]:
    """Mail each person separately (no one sees the others' addresses); audit what was sent."""
    from ..portal import audit

    sent = []
    for to in recipients(store, lea):
        try:
            mail.send(settings, to, subject, body)
            sent.append(to)
        except mail.MailError as e:
            log.warning("notice to %s not sent: %s", to, e)
    if sent:
        audit.write(store, action, audit.Who(None, "collector"), lea=lea, detail={**detail, "to": sent})
    return sent


def run_failed(store: Store, settings: mail.MailSettings, run: CollectionRun) -> list[str]:
    subject = f"utrex: collection run {run.id} of LEA {run.lea} failed"
    body = (f"The scheduled collection {run.schedule_id} of LEA {run.lea}, due {run.due_at:%Y-%m-%d %H:%M} UTC, "
            f"failed:\n\n{run.reason}\n\nNothing was loaded by this run. See the LEA's collections page.\n")
    return _send_all(store, settings, run.lea, subject, body, NOTICE,
                     {"notice": "collection_failed", "run": run.id})


def error_diff(store: Store, old_id: int, new_id: int) -> list[dict[str, Any]]:
    """The error findings of `new_id` that `old_id` did not have (`utrex diff`'s "new", errors only)."""
    return [f for f in compare_submissions(store, old_id, new_id)["new"] if f.get("severity") == "error"]


def new_errors(store: Store, settings: mail.MailSettings, submission_id: int) -> list[str]:
    with store.session() as s:
        sub = s.get(Submission, submission_id)
    if sub is None or sub.status not in (Status.VALIDATED.value, Status.LOADED.value):
        return []
    old = previous_submission(store, sub)
    if old is None:  # the first submission: nothing to compare with
        return []
    fresh = error_diff(store, old.id, sub.id)
    if not fresh:
        return []
    by_rule: dict[str, int] = {}
    for f in fresh:  # a handful of rules: the mail lists them with their counts
        by_rule[str(f.get("rule"))] = by_rule.get(str(f.get("rule")), 0) + 1
    lines = "\n".join(f"  {rule}: {n}" for rule, n in sorted(by_rule.items(), key=lambda t: (-t[1], t[0])))
    subject = f"utrex: submission {sub.id} of LEA {sub.lea} has {len(fresh)} new error(s)"
    body = (f"Submission {sub.id} ({sub.file_name}) of LEA {sub.lea} has {len(fresh)} error finding(s) that "
            f"submission {old.id} did not have, by rule:\n\n{lines}\n\nSee the submission's comparison with the "
            "previous one in the portal.\n")
    return _send_all(store, settings, sub.lea, subject, body, NOTICE,
                     {"notice": "new_errors", "submission": sub.id, "previous": old.id, "new_errors": len(fresh)})


def _already_reminded(store: Store, lea: str) -> set[tuple[int, str, str]]:
    from ..portal.models import AuditEntry

    with store.session() as s:
        details = s.scalars(select(AuditEntry.detail).where(AuditEntry.action == DEADLINE_NOTICE,
                                                            AuditEntry.lea == lea)).all()
    return {(int(d["school_year"]), str(d["period"]), str(d["due"])) for d in details if d}


def deadline_reminders(store: Store, settings: mail.MailSettings, today: dt.date, days: int = DEFAULT_DAYS,
                       leas: list[str] | None = None) -> list[dict[str, Any]]:
    """Mail each LEA with a period due in [today, today + days] and not finalized, once per period and
    deadline day (an extension moves the day: a new reminder). Returns what was sent."""
    if leas is None:
        from ..portal.leas import known_leas

        leas = list(known_leas(store))
    horizon = (today + dt.timedelta(days=days)).isoformat()
    out = []
    for lea in leas:
        due = lea_due(store, lea, today)
        done = _already_reminded(store, lea)
        for d in due["deadlines"]:
            key = (int(due["school_year"]), str(d["period"]), str(d["due"]))
            if d["finalized"] or not today.isoformat() <= d["due"] <= horizon or key in done:
                continue
            left = (dt.date.fromisoformat(d["due"]) - today).days
            subject = f"utrex: LEA {lea}: {d['title']} is due {d['due']}"
            body = (f"LEA {lea} has not finalized {d['title']} of {key[0] - 1}-{key[0] % 100:02d}. It is due "
                    f"{d['due']} ({left} day(s) from {today.isoformat()}; {d['why']}).\n\nSubmit the file and "
                    "finalize the period in the portal before then.\n")
            sent = _send_all(store, settings, lea, subject, body, DEADLINE_NOTICE,
                             {"school_year": key[0], "period": key[1], "due": key[2]})
            if sent:
                out.append({"lea": lea, "period": key[1], "due": key[2], "to": sent})
    return out


def after_run(store: Store, run: CollectionRun, settings: mail.MailSettings | None = None) -> list[str]:
    """The runner's hook at the end of a run: the failure notice of a scheduled run. (The new-errors and
    cross-LEA notices of its submission are the store's hooks, utrex.notices, as on every other path.)
    Nothing without SMTP settings; never raises."""
    try:
        settings = settings or mail.MailSettings.from_env()
        if settings is None:
            return []
        if run.status == RunStatus.FAILED.value and not run.manual:
            return run_failed(store, settings, run)
    except Exception:  # a notice must never turn a finished run into an error
        log.exception("notice after collection run %s not sent", run.id)
    return []
