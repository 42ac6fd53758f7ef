"""`utrex sources add|list` and `utrex collections [schedule|run|act|daemon]`: the data collector (issue 7).

Exit status: 0 done; 1 the run failed or the request was refused (the reason on stderr); 2 usage."""

from __future__ import annotations

import datetime as dt
import json
import os
from typing import Annotated, Any

import typer

from .main import app, fail, parse_date, write_output
from .store_cmd import LogFormat, _open

sources_app = typer.Typer(help="Data sources of the collector: folders, URLs, export commands.", no_args_is_help=True)
collections_app = typer.Typer(help="Scheduled collections and their runs; without a sub-command, the listing.",
                              invoke_without_command=True)


def _user(user: str | None) -> str:
    from ..store.submissions import _os_user

    return user or _os_user()


def _secret(env: str | None, what: str) -> str | None:
    """A credential from the environment variable named (never on the command line: `ps` shows that)."""
    if env is None:
        return None
    value = os.environ.get(env)
    if not value:
        raise fail(f"{what}: the environment variable {env} is not set")
    return value


@sources_app.command("add")
def sources_add(
    lea: Annotated[str, typer.Option("--lea", help="LEA number")],
    name: Annotated[str, typer.Option("--name", help="A name for the source, unique for the LEA")],
    kind: Annotated[str, typer.Option("--kind", help="folder, url or command")],
    path: Annotated[str | None, typer.Option("--path", help="folder: the folder the SIS exports into")] = None,
    pattern: Annotated[str | None, typer.Option("--pattern", help="folder: file name glob (newest match)")] = None,
    settle: Annotated[float, typer.Option("--settle", help="folder: seconds a file must be unchanged")] = 60.0,
    url: Annotated[str | None, typer.Option("--url", help="url: http(s) address of the extract")] = None,
    username: Annotated[str | None, typer.Option("--username", help="url: basic-auth user")] = None,
    password_env: Annotated[str | None, typer.Option("--password-env", help="url: env variable holding the "
                                                     "basic-auth password")] = None,
    token_env: Annotated[str | None, typer.Option("--token-env", help="url: env variable holding a bearer "
                                                  "token")] = None,
    command: Annotated[str | None, typer.Option("--command", help="command: the export; {output} = file to "
                                                "write")] = None,
    output: Annotated[str | None, typer.Option("--output", help="command: where it writes, if not {output}")] = None,
    timeout: Annotated[float, typer.Option("--timeout", help="url/command: seconds before giving up")] = 600.0,
    user: Annotated[str | None, typer.Option("--user", help="Who adds it (default: the OS user)")] = None,
) -> None:
    """Add a data source for an LEA. Credentials are sealed with the store's key."""
    from ..collector.config import ConfigError, add_source, source_dict

    store = _open()
    try:
        src = add_source(store, lea, name, kind, user=_user(user), path=path, pattern=pattern, settle_seconds=settle,
                         url=url, command=command, output=output, timeout_seconds=timeout, username=username,
                         password=_secret(password_env, "--password-env"), token=_secret(token_env, "--token-env"))
    except ConfigError as e:
        raise fail(str(e), 1) from None
    finally:
        store.close()
    d = source_dict(src)
    typer.echo(f"source {d['id']}: LEA {d['lea']} {d['name']!r} ({d['kind']})")


@sources_app.command("list")
def sources_list(
    lea: Annotated[str | None, typer.Option("--lea", help="Only this LEA's sources")] = None,
    format: Annotated[LogFormat, typer.Option("--format", "-f", help="text or json")] = LogFormat.text,
) -> None:
    """The data sources (credentials are never shown, only whether there are some)."""
    from ..collector.config import list_sources, source_dict

    store = _open()
    try:
        rows = [source_dict(s) for s in list_sources(store, lea)]
    finally:
        store.close()
    if format == LogFormat.json:
        write_output(json.dumps(rows, indent=1) + "\n", None)
        return
    for d in rows:
        where = d["config"].get("path") or d["config"].get("url") or d["config"].get("command")
        typer.echo(f"{d['id']:>4}  LEA {d['lea']}  {d['name']:<20} {d['kind']:<8} {where}"
                   + ("  (credentials)" if d["credentials"] else ""))


@collections_app.callback()
def collections(
    ctx: typer.Context,
    lea: Annotated[str | None, typer.Option("--lea", help="Only this LEA")] = None,
    runs: Annotated[int, typer.Option("--runs", help="Latest runs to list per schedule")] = 10,
    today: Annotated[str | None, typer.Option("--today", help="YYYY-MM-DD instead of today (tests)")] = None,
    format: Annotated[LogFormat, typer.Option("--format", "-f", help="text or json")] = LogFormat.text,
) -> None:
    """The scheduled collections with their latest runs, and what each LEA has due next."""
    if ctx.invoked_subcommand is not None:
        return
    store = _open()
    try:
        view = listing(store, lea, runs, parse_date(today, "--today") or dt.date.today())
    finally:
        store.close()
    if format == LogFormat.json:
        write_output(json.dumps(view, indent=1) + "\n", None)
        return
    typer.echo(_listing_text(view))


def listing(store: Any, lea: str | None, runs: int, today: dt.date) -> dict[str, Any]:
    from ..collector import recurrence
    from ..collector.config import aware, list_runs, list_schedules, list_sources, run_dict, schedule_dict
    from ..collector.dashboard import lea_due
    from ..collector.runner import reconcile

    reconcile(store)
    schedules = list_schedules(store, lea)
    now = dt.datetime.now(dt.UTC)
    out = []
    for sc in schedules:
        d = schedule_dict(sc)
        after = max(now, aware(sc.planned_through) or now)
        nxt = recurrence.next_due(sc.start_date, sc.start_time, sc.time_zone, sc.every, after) if sc.enabled else None
        d["next_run"] = nxt.isoformat(timespec="seconds") if nxt else None
        d["runs"] = [run_dict(r) for r in list_runs(store, schedule_id=sc.id, limit=runs)]
        out.append(d)
    leas = sorted({sc.lea for sc in schedules} | {s.lea for s in list_sources(store, lea)}
                  | ({lea.zfill(2) if lea.isdigit() else lea} if lea else set()))
    return {"schedules": out, "due": [lea_due(store, code, today) for code in leas]}


def _listing_text(v: dict[str, Any]) -> str:
    lines = []
    for d in v["schedules"]:
        lines.append(f"schedule {d['id']}: LEA {d['lea']} {d['manifest']} from source {d['source']}, {d['action']}, "
                     f"{d['every']} from {d['start']} {d['time_zone']}"
                     f"{'' if d['skip_unsubmitted'] else ', no skip'}{'' if d['enabled'] else ' (disabled)'}; "
                     f"next {d['next_run'] or '-'}")
        for r in d["runs"]:
            sub = f" submission {r['submission']}" if r["submission"] else ""
            lines.append(f"  run {r['id']:>5} due {r['due_at']} {r['status']:<10}{sub}"
                         + (f"  {r['reason']}" if r["reason"] else ""))
    for due in v["due"]:
        nd = due["next_deadline"]
        lines.append(f"LEA {due['lea']} {due['school_year']}: next deadline "
                     + (f"{nd['period']} {nd['due']} ({nd['why']})" if nd else "none")
                     + (f"; OVERDUE: {', '.join(d['period'] + ' ' + d['due'] for d in due['overdue'])}"
                        if due["overdue"] else "")
                     + "; months without a submission: " + (", ".join(due["months_without_submission"]) or "none"))
    return "\n".join(lines) if lines else "no scheduled collections"


@collections_app.command("schedule")
def schedule(
    lea: Annotated[str, typer.Option("--lea", help="LEA number")],
    source: Annotated[str, typer.Option("--source", help="The LEA's source, by id or name")],
    action: Annotated[str, typer.Option("--action", help="collect, validate, submit or submit-if-clean")],
    start: Annotated[str, typer.Option("--start", help="First run, local: 'YYYY-MM-DD HH:MM'")],
    every: Annotated[str, typer.Option("--every", help="once, daily, weekdays, weekly:MON,THU or monthly:15")],
    manifest: Annotated[str, typer.Option("--manifest", help="clearinghouse or clearinghouse-etranscript")]
    = "clearinghouse",
    time_zone: Annotated[str, typer.Option("--time-zone", help="The LEA's time zone")] = "America/Denver",
    skip: Annotated[bool, typer.Option("--skip/--no-skip", help="Skip a run while an earlier collection is not "
                                       "yet submitted")] = True,
    grace: Annotated[int, typer.Option("--grace", help="Minutes late a missed run may still start")] = 60,
    user: Annotated[str | None, typer.Option("--user", help="Who schedules it (default: the OS user)")] = None,
) -> None:
    """Schedule an automatic collection."""
    from ..collector.config import ConfigError, add_schedule, schedule_dict

    store = _open()
    try:
        sc = add_schedule(store, lea, source, action, start, every, user=_user(user), manifest_key=manifest,
                          time_zone=time_zone, skip_unsubmitted=skip, grace_minutes=grace)
    except ConfigError as e:
        raise fail(str(e), 1) from None
    finally:
        store.close()
    d = schedule_dict(sc)
    typer.echo(f"schedule {d['id']}: LEA {d['lea']} {d['action']} {d['every']} from {d['start']} {d['time_zone']}")


def _echo_run(r: Any) -> None:
    from ..collector.config import run_dict

    d = run_dict(r)
    typer.echo(f"run {d['id']}: {d['status']}" + (f", submission {d['submission']}" if d["submission"] else "")
               + (f": {d['reason']}" if d["reason"] else ""))


@collections_app.command("run")
def run(
    schedule_id: Annotated[int, typer.Argument(help="The schedule to collect now")],
    format: Annotated[LogFormat, typer.Option("--format", "-f", help="text or json")] = LogFormat.text,
) -> None:
    """Collect now: one run of the schedule, with its action, in this process."""
    from ..collector.config import ConfigError, run_dict
    from ..collector.models import RunStatus
    from ..collector.service import Collector

    store = _open()
    try:
        r = Collector(store).run_now(schedule_id)
    except ConfigError as e:
        raise fail(str(e), 1) from None
    finally:
        store.close()
    if format == LogFormat.json:
        write_output(json.dumps(run_dict(r), indent=1) + "\n", None)
    else:
        _echo_run(r)
    if r.status in (RunStatus.FAILED.value, RunStatus.SKIPPED.value):
        raise typer.Exit(1)


@collections_app.command("act")
def act(
    run_id: Annotated[int, typer.Argument(help="The run")],
    what: Annotated[str, typer.Argument(help="validate, submit or cancel")],
) -> None:
    """What a person does with a collected or validated run: validate it, submit it, or cancel it."""
    from ..collector.runner import RunError, Runner

    store = _open()
    try:
        r = Runner(store).act(run_id, what)
    except RunError as e:
        raise fail(str(e), 1) from None
    finally:
        store.close()
    _echo_run(r)


@collections_app.command("remind")
def remind(
    today: Annotated[str | None, typer.Option("--today", help="The day to remind as of, YYYY-MM-DD (default: "
                                              "today in Denver)")] = None,
    days: Annotated[int, typer.Option("--days", min=0, help="Remind of deadlines within this many days")] = 7,
    lea: Annotated[list[str] | None, typer.Option("--lea", help="Only this LEA (repeatable)")] = None,
) -> None:
    """Send the deadline reminders now (each LEA, period and deadline day once); prints what was sent."""
    from zoneinfo import ZoneInfo

    from .. import mail
    from ..collector.notify import deadline_reminders

    try:
        settings = mail.MailSettings.from_env()
    except mail.MailError as e:
        raise fail(str(e), 1) from None
    if settings is None:
        raise fail("mail is not configured: set UTREX_SMTP_HOST (and UTREX_SMTP_PORT, UTREX_SMTP_FROM)", 1)
    day = parse_date(today, "--today") or dt.datetime.now(ZoneInfo("America/Denver")).date()
    store = _open()
    try:
        sent = deadline_reminders(store, settings, day, days, leas=lea or None)
    finally:
        store.close()
    for r in sent:
        typer.echo(f"LEA {r['lea']}: {r['period']} due {r['due']}: sent to {', '.join(r['to'])}")
    typer.echo(f"{len(sent)} reminder(s) sent as of {day.isoformat()} (deadlines within {days} day(s))")


@collections_app.command("daemon")
def daemon(
    interval: Annotated[float, typer.Option("--interval", help="Seconds between checks")] = 30.0,
    remind_hour: Annotated[int, typer.Option("--remind-hour", min=0, max=23,
                                             help="Local hour of the daily deadline reminders")] = 7,
    remind_tz: Annotated[str, typer.Option("--remind-tz", help="Time zone of --remind-hour")] = "America/Denver",
    remind_days: Annotated[int, typer.Option("--remind-days", min=0,
                                             help="Remind of deadlines within this many days")] = 7,
) -> None:
    """Run the scheduled collections on the real clock (APScheduler) until interrupted, and send the
    deadline reminders once a day (when SMTP is configured)."""
    import time

    from ..collector.service import CollectorService

    store = _open()
    service = CollectorService(store, interval_seconds=interval, remind_hour=remind_hour, remind_tz=remind_tz,
                               remind_days=remind_days)
    service.start()
    typer.echo(f"collector running (every {interval:g} s; deadline reminders daily at {remind_hour:02d}:00 "
               f"{remind_tz}); Ctrl-C stops it")
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        pass
    finally:
        service.shutdown()
        store.close()


app.add_typer(sources_app, name="sources")
app.add_typer(collections_app, name="collections")
