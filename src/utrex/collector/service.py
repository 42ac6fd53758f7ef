"""Planning and driving scheduled collections.

`Collector.tick(now)` is the whole scheduler, a function of the clock it is given: for every enabled
schedule it plans the due times in (planned_through, now] (recurrence.due_between), writes one run row
for each, moves `planned_through` to `now` in the same transaction, then hands the runs to execute to
the dispatcher. Because the cursor and the runs are in the store, a restart loses nothing: the first
tick after it sees every due time the process slept through. For each due time:

- more than the schedule's grace late (the collector was down): a `missed` run, not executed;
- of several due times within the grace, only the latest runs (the others are `missed`, superseded);
- a run of the schedule still working (`finished_at IS NULL`): `skipped` — two runs never overlap;
- skip option on and an earlier run collected or validated but not submitted: `skipped`;
- else `scheduled`, and executed.

`CollectorService` lets APScheduler drive the real clock: a tick every `interval` seconds plus one at
the next due instant, on a background scheduler, with runs executed on a small thread pool.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from sqlalchemy import and_, or_, select, update

from ..store.db import Store, worker_id
from ..store.models import Status, Submission, utcnow
from . import recurrence
from .config import aware, get_schedule
from .models import AWAITING_PERSON, CollectionRun, CollectionSchedule, RunStatus
from .runner import Clock, Runner, get_run, reconcile, recover

log = logging.getLogger("utrex.collector")
Dispatch = Callable[[Callable[[int], Any], int], Any]


def inline(fn: Callable[[int], Any], run_id: int) -> Any:
    """Execute a run in the caller's thread (tests, `utrex collections run`)."""
    return fn(run_id)


class Collector:
    def __init__(self, store: Store, clock: Clock = utcnow, dispatch: Dispatch = inline,
                 runner: Runner | None = None) -> None:
        self.store = store
        self.clock = clock
        self.dispatch = dispatch
        self.runner = runner or Runner(store, clock)

    # --- planning ---------------------------------------------------------------------------------

    def tick(self, now: dt.datetime | None = None) -> list[int]:
        """Plan every schedule up to `now` (default: the clock) and dispatch the runs due; their ids."""
        now = aware(now or self.clock())
        assert now is not None
        reconcile(self.store)
        ids = [sc.id for sc in self._enabled()]
        due: list[int] = []
        for sid in ids:
            due += self.plan(sid, now)
        for rid in due:
            self.dispatch(self.runner.execute, rid)
        return due

    def _enabled(self) -> list[CollectionSchedule]:
        with self.store.session() as s:
            return list(s.scalars(select(CollectionSchedule).where(CollectionSchedule.enabled.is_(True))
                                  .order_by(CollectionSchedule.id)))

    def plan(self, schedule_id: int, now: dt.datetime) -> list[int]:
        """Write the runs of one schedule due up to `now` (one transaction); the ids to execute."""
        with self.store.session(write=True) as s:
            sc = s.scalars(select(CollectionSchedule).where(CollectionSchedule.id == schedule_id)
                           .with_for_update()).one()
            after = aware(sc.planned_through)
            if after is not None and after >= now:
                return []
            times = recurrence.due_between(sc.start_date, sc.start_time, sc.time_zone, sc.every, after, now)
            have = set(aware(t) for t in s.scalars(select(CollectionRun.due_at).where(
                CollectionRun.schedule_id == sc.id, CollectionRun.manual.is_(False))))
            times = [t for t in times if t not in have]
            grace = dt.timedelta(minutes=sc.grace_minutes)
            in_time = [t for t in times if now - t <= grace]
            execute: list[CollectionRun] = []
            for t in times:
                run = CollectionRun(schedule_id=sc.id, lea=sc.lea, due_at=t, manual=False)
                if now - t > grace:
                    self._closed(run, RunStatus.MISSED, now, f"missed: the collector was not running at the due time "
                                 f"({_late(now - t)} late; a run more than {sc.grace_minutes} minutes late is not "
                                 "started)")
                elif t != in_time[-1]:
                    self._closed(run, RunStatus.MISSED, now, "missed: a later run of this schedule was also due; "
                                 "only the latest runs")
                else:
                    why = self._skip_reason(s, sc)
                    if why:
                        self._closed(run, RunStatus.SKIPPED, now, why)
                    else:
                        run.status, run.worker = RunStatus.SCHEDULED.value, worker_id()
                        execute.append(run)
                s.add(run)
            sc.planned_through = now
            s.flush()
            return [r.id for r in execute]

    @staticmethod
    def _closed(run: CollectionRun, status: RunStatus, now: dt.datetime, reason: str) -> None:
        run.status, run.finished_at, run.reason = status.value, now, reason

    @staticmethod
    def _skip_reason(s: Any, sc: CollectionSchedule) -> str | None:
        busy = s.scalars(select(CollectionRun).where(CollectionRun.schedule_id == sc.id,
                                                     CollectionRun.finished_at.is_(None))
                         .order_by(CollectionRun.id).limit(1)).first()
        if busy is not None:
            return (f"skipped: run {busy.id} of this schedule is still {busy.status} "
                    "(two runs of one schedule never overlap)")
        if not sc.skip_unsubmitted:
            return None
        loaded = select(Submission.id).where(Submission.status == Status.LOADED.value)
        pending = s.scalars(select(CollectionRun).where(
            CollectionRun.schedule_id == sc.id, CollectionRun.status.in_(AWAITING_PERSON),
            or_(CollectionRun.submission_id.is_(None), and_(CollectionRun.submission_id.is_not(None),
                                                            CollectionRun.submission_id.not_in(loaded))))
            .order_by(CollectionRun.id.desc()).limit(1)).first()
        if pending is not None:
            return (f"skipped: run {pending.id} of this schedule was {pending.status} but is not yet submitted "
                    "(the skip option is on)")
        return None

    # --- "collect now" ----------------------------------------------------------------------------

    def run_now(self, schedule_id: int) -> CollectionRun:
        """A run of the schedule now, whatever its recurrence (skipped only if one is in progress);
        executed by the dispatcher. Returns the run as stored after dispatching."""
        sc = get_schedule(self.store, schedule_id)
        now = aware(self.clock())
        with self.store.session(write=True) as s:
            s.scalars(select(CollectionSchedule).where(CollectionSchedule.id == sc.id).with_for_update()).one()
            run = CollectionRun(schedule_id=sc.id, lea=sc.lea, due_at=now, manual=True)
            busy = s.scalars(select(CollectionRun.id).where(CollectionRun.schedule_id == sc.id,
                                                            CollectionRun.finished_at.is_(None)).limit(1)).first()
            if busy is not None:
                self._closed(run, RunStatus.SKIPPED, now, f"skipped: run {busy} of this schedule is still in progress")
            else:
                run.status, run.worker = RunStatus.SCHEDULED.value, worker_id()
            s.add(run)
            s.flush()
            rid, go = run.id, busy is None
        if go:
            self.dispatch(self.runner.execute, rid)
        return get_run(self.store, rid)

    def next_due(self, after: dt.datetime | None = None) -> dt.datetime | None:
        """The next due instant over the enabled schedules (for the scheduler's wake-up)."""
        after = aware(after or self.clock())
        assert after is not None
        times = [recurrence.next_due(sc.start_date, sc.start_time, sc.time_zone, sc.every,
                                     max(after, aware(sc.planned_through) or after)) for sc in self._enabled()]
        found = [t for t in times if t is not None]
        return min(found) if found else None

    def set_enabled(self, schedule_id: int, enabled: bool) -> None:
        with self.store.write() as conn:
            conn.execute(update(CollectionSchedule).where(CollectionSchedule.id == schedule_id)
                         .values(enabled=enabled))


def _late(delta: dt.timedelta) -> str:
    minutes = int(delta.total_seconds() // 60)
    return f"{minutes // 60} h {minutes % 60} min" if minutes >= 60 else f"{minutes} min"


class CollectorService:
    """The collector on the real clock: APScheduler ticks it; runs execute on a thread pool."""

    JOB = "utrex-collector-tick"
    WAKE = "utrex-collector-next"
    REMIND = "utrex-deadline-reminders"  # once a day: the reminders before a deadline (collector/notify.py)

    def __init__(self, store: Store, interval_seconds: float = 30.0, workers: int = 2, remind_hour: int = 7,
                 remind_tz: str = "America/Denver", remind_days: int = 7) -> None:
        from apscheduler.schedulers.background import BackgroundScheduler

        self.store = store
        self.interval = interval_seconds
        self.remind_hour, self.remind_tz, self.remind_days = remind_hour, remind_tz, remind_days
        self.pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="utrex-collect")
        self.collector = Collector(store, dispatch=self.pool.submit)
        self.scheduler = BackgroundScheduler(timezone=dt.UTC)

    def _tick(self) -> None:
        from apscheduler.triggers.date import DateTrigger

        try:
            self.collector.tick()
            nxt = self.collector.next_due()
            if nxt is not None:  # wake at the due instant too, not only on the interval
                self.scheduler.add_job(self._tick, DateTrigger(run_date=nxt + dt.timedelta(seconds=1)),
                                       id=self.WAKE, replace_existing=True)
        except Exception:  # a tick that fails (database away) is retried at the next one
            log.exception("collector tick failed")

    def _remind(self) -> list[dict[str, Any]]:
        """The day's deadline reminders (the day as it is in `remind_tz`); nothing without SMTP settings."""
        from zoneinfo import ZoneInfo

        from .. import mail
        from .notify import deadline_reminders

        try:
            settings = mail.MailSettings.from_env()
            if settings is None:
                return []
            today = dt.datetime.now(ZoneInfo(self.remind_tz)).date()
            return deadline_reminders(self.store, settings, today, self.remind_days)
        except Exception:  # tomorrow's job tries again; reminders already sent are not repeated
            log.exception("deadline reminders failed")
            return []

    def start(self) -> None:
        from apscheduler.triggers.cron import CronTrigger
        from apscheduler.triggers.interval import IntervalTrigger

        recover(self.store)
        self.scheduler.add_job(self._tick, IntervalTrigger(seconds=self.interval), id=self.JOB,
                               max_instances=1, coalesce=True, next_run_time=dt.datetime.now(dt.UTC))
        # the local hour (daylight saving followed); a late start of the job (busy process) still runs within 6 h
        self.scheduler.add_job(self._remind, CronTrigger(hour=self.remind_hour, minute=0, timezone=self.remind_tz),
                               id=self.REMIND, max_instances=1, coalesce=True, misfire_grace_time=6 * 3600)
        self.scheduler.start()

    def shutdown(self, wait: bool = True) -> None:
        self.scheduler.shutdown(wait=wait)
        self.pool.shutdown(wait=wait)
