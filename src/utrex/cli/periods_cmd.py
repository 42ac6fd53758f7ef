"""Sub-commands of the reporting periods: periods, period-policy, extension, extensions, finalize.

Exit status as in store_cmd: 0 done; 1 refused (the reason on stderr, nothing changed); 2 usage."""

from __future__ import annotations

import datetime as dt
import json
from typing import Annotated, Any

import typer

from .main import app, fail, parse_date, write_output
from .store_cmd import LogFormat, _open

PERIOD_HELP = "october, december or year-end"


def _today(today: str | None) -> dt.date:
    return parse_date(today, "--today") or dt.date.today()


def _year(school_year: int | None, today: dt.date) -> int:
    from ..store.periods import school_year_of

    return school_year if school_year is not None else school_year_of(today)


def _user(user: str | None) -> str:
    from ..store.submissions import _os_user

    return user or _os_user()


@app.command()
def periods(
    school_year: Annotated[int | None, typer.Option("--school-year", help="Ending year, 2013 for 2012-13 "
                                                    "(default: the current school year)")] = None,
    lea: Annotated[str | None, typer.Option("--lea", help="Only this LEA's extensions and finalizations")] = None,
    today: Annotated[str | None, typer.Option("--today", help="YYYY-MM-DD instead of today (tests)")] = None,
    format: Annotated[LogFormat, typer.Option("--format", "-f", help="text or json")] = LogFormat.text,
) -> None:
    """The reporting periods of a school year: count date, due date, revision deadline, the state's analysis
    date, and each LEA's extension and finalization (who, when, which submission)."""
    from ..store.periods import overview

    store = _open()
    try:
        view = overview(store, _year(school_year, _today(today)), lea)
    finally:
        store.close()
    if format == LogFormat.json:
        write_output(json.dumps(view, indent=1) + "\n", None)
        return
    typer.echo(_overview_text(view))


def _overview_text(v: dict[str, Any]) -> str:
    y = v["school_year"]
    lines = [f"school year {y - 1}-{y % 100:02d} ({y}): policy {v['policy']}: {v['policy_description']}",
             f"{'period':<9} {'count date':<11} {'due':<11} {'revise by':<11} {'analysis':<11}"]
    for p in v["periods"]:
        lines.append(f"{p['period']:<9} {p['count_date']:<11} {p['due']:<11} {p['revise_until']:<11} {p['analysis']:<11}"
                     + (f" extensions: {p['extensions_by']}" if p["extensions_by"] else ""))
        for row in p["leas"]:
            e, f = row["extension"], row["finalization"]
            ext = f"extension through {e['until']} (by {e['user']}, {e['granted_at']})" if e else "no extension"
            fin = (f"finalized submission {f['submission']} by {f['user']} at {f['finalized_at']}"
                   + (f", replacing finalization {f['replaces']}" if f["replaces"] else "")) if f else "not finalized"
            lines.append(f"    LEA {row['lea']}: {fin}; {ext}")
    return "\n".join(lines)


@app.command("period-policy")
def period_policy_cmd(
    school_year: Annotated[int, typer.Option("--school-year", help="Ending year, 2013 for 2012-13")],
    policy: Annotated[str | None, typer.Option("--policy", help="Set this policy for the school year "
                                               "(default: show the one in force)")] = None,
    user: Annotated[str | None, typer.Option(help="Who sets it (default: the operating-system user)")] = None,
) -> None:
    """Show or set the reporting-period policy of a school year (its dates, whether extensions exist)."""
    from ..spec import POLICIES
    from ..store.periods import PeriodError, policy_for, set_policy

    store = _open()
    try:
        chosen = set_policy(store, school_year, policy, _user(user)) if policy else policy_for(store, school_year)
    except PeriodError as e:
        raise fail(str(e), 1) from None
    finally:
        store.close()
    typer.echo(f"{school_year}: policy {chosen.name}: {chosen.description}")
    typer.echo(f"known policies: {', '.join(POLICIES)}")


@app.command()
def extension(
    lea: Annotated[str, typer.Option("--lea", help="The LEA given more time")],
    period: Annotated[str, typer.Option("--period", help=PERIOD_HELP)],
    until: Annotated[str, typer.Option("--until", help="Last day of the extension (YYYY-MM-DD, inclusive)")],
    school_year: Annotated[int | None, typer.Option("--school-year", help="Ending year (default: the current "
                                                    "school year)")] = None,
    user: Annotated[str | None, typer.Option(help="Who grants it (default: the operating-system user)")] = None,
) -> None:
    """Extend an LEA's deadline for a period through a date. Exit 1 when the policy allows no extensions."""
    from ..store.periods import PeriodError, grant_extension

    day = parse_date(until, "--until")
    assert day is not None
    store = _open()
    try:
        ext = grant_extension(store, lea, _year(school_year, dt.date.today()), period, day, _user(user))
    except PeriodError as e:
        raise fail(str(e), 1) from None
    finally:
        store.close()
    typer.echo(f"extension {ext.id}: LEA {ext.lea} {ext.period} {ext.school_year} through {ext.until.isoformat()}, "
               f"granted by {ext.user}")


@app.command()
def extensions(
    lea: Annotated[str | None, typer.Option("--lea", help="Only this LEA's")] = None,
    school_year: Annotated[int | None, typer.Option("--school-year", help="Only this school year's")] = None,
    format: Annotated[LogFormat, typer.Option("--format", "-f", help="text or json")] = LogFormat.text,
) -> None:
    """Every extension granted, oldest first (the latest of an LEA's period is the one in force)."""
    from ..store.periods import list_extensions

    store = _open()
    try:
        rows = [{"id": e.id, "lea": e.lea, "school_year": e.school_year, "period": e.period,
                 "until": e.until.isoformat(), "user": e.user, "granted_at": e.granted_at.isoformat(timespec="seconds")}
                for e in list_extensions(store, lea, school_year)]
    finally:
        store.close()
    if format == LogFormat.json:
        write_output(json.dumps(rows, indent=1) + "\n", None)
        return
    for r in rows:
        typer.echo(f"{r['id']:>5} LEA {r['lea']:<4} {r['school_year']} {r['period']:<9} through {r['until']}  "
                   f"by {r['user']} at {r['granted_at']}")
    typer.echo(f"{len(rows)} extension(s)")


@app.command()
def finalize(
    lea: Annotated[str, typer.Option("--lea", help="The LEA whose period is finalized")],
    period: Annotated[str, typer.Option("--period", help=PERIOD_HELP)],
    submission: Annotated[int, typer.Option("--submission", help="The loaded submission whose accepted records "
                                            "are frozen")],
    user: Annotated[str | None, typer.Option(help="Who finalizes (default: the operating-system user)")] = None,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation")] = False,
    today: Annotated[str | None, typer.Option("--today", help="YYYY-MM-DD instead of today (tests)")] = None,
) -> None:
    """Freeze a submission's accepted records as the LEA's period, after showing what it freezes. Again
    before the deadline (or extension) replaces the snapshot; after it, exit 1 naming the date."""
    from ..store.periods import PeriodError, prepare
    from ..store.periods import finalize as do_finalize
    from ..store.submissions import SubmissionError

    day = _today(today)
    store = _open()
    try:
        prepared = prepare(store, lea, period, submission, day)
        c = prepared.counts
        sub = prepared.submission
        typer.echo(f"LEA {sub.lea} {prepared.period.value} {sub.school_year}: submission {sub.id} "
                   f"({sub.file_name}, {sub.user}, {sub.received_at:%Y-%m-%d %H:%M})")
        typer.echo(f"  freezes   {c['accepted']:,} accepted records ("
                   + ", ".join(f"{k} {v:,}" for k, v in c["records_by_type"].items()) + ")")
        typer.echo(f"  held      {c['held']:,} records (not frozen)"
                   + (" (" + ", ".join(f"{k} {v:,}" for k, v in c["held_by_type"].items()) + ")" if c["held"] else ""))
        typer.echo(f"  students  {c['students']:,}")
        if prepared.replaces is not None:
            r = prepared.replaces
            typer.echo(f"  replaces  finalization {r.id} (submission {r.submission_id}, by {r.user})")
        typer.echo(f"  deadline  {prepared.limit.day.isoformat()} ({prepared.limit.reason})")
        if not yes and not typer.confirm("Finalize?", default=False):
            raise fail("not finalized", 1)
        fin = do_finalize(store, prepared, _user(user), day)
    except (PeriodError, SubmissionError) as e:
        raise fail(str(e), 1) from None
    finally:
        store.close()
    typer.echo(f"finalization {fin.id}: LEA {fin.lea} {fin.period} {fin.school_year} frozen from submission "
               f"{fin.submission_id} by {fin.user} at {fin.finalized_at:%Y-%m-%d %H:%M:%S} UTC")
