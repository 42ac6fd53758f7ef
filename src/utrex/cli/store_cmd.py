"""Sub-commands of the operational data store: info, db upgrade, submit, submission, submissions, rollback,
examine, reference."""

from __future__ import annotations

import json
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer

from .. import __version__
from .commands import FindingsFormat, write_document
from .main import app, fail, write_output


class LogFormat(StrEnum):
    text = "text"
    json = "json"


class ExamineFormat(StrEnum):
    csv = "csv"
    html = "html"


db_app = typer.Typer(help="The store's database: schema migrations.", no_args_is_help=True)
app.add_typer(db_app, name="db")
ref_app = typer.Typer(help="Reference data versions in the store.", no_args_is_help=True)
app.add_typer(ref_app, name="reference")


def _open(recover: bool = True):  # type: ignore[no-untyped-def]
    from ..store import Store, StoreError
    from ..store.settings import SettingsError

    try:
        return Store.open(recover=recover)
    except (StoreError, SettingsError) as e:
        raise fail(str(e)) from None
    except Exception as e:  # the database cannot be reached: say where, never with the password
        from ..store.settings import Settings

        raise fail(f"cannot open the store {Settings().masked_url}: {type(e).__name__}: "
                   f"{str(e).splitlines()[0] if str(e) else ''}") from None


@app.command()
def info() -> None:
    """Print the version, data home, database URL, schema revision and number of submissions."""
    from ..store import Settings, Store
    from ..store import schema as sch

    settings = Settings()
    typer.echo(f"utrex {__version__}")
    typer.echo(f"data home:     {settings.home}")
    typer.echo(f"database:      {settings.masked_url}" + (" (embedded)" if settings.embedded else ""))
    store = Store(settings)
    try:
        st = sch.state(store.engine)
        if st.empty and store.dialect == "sqlite":
            typer.echo(f"schema:        none yet (created on first use; head {st.head})")
            typer.echo("submissions:   0")
            return
        note = "" if st.current else f" (this utrex needs {st.head}: run `utrex db upgrade`)"
        typer.echo(f"schema:        {st.revision or 'none'}{note}")
        typer.echo(f"submissions:   {store.count_submissions() if st.current else 'unknown'}")
    except Exception as e:
        raise fail(f"cannot read the store {settings.masked_url}: {type(e).__name__}: {e}") from None
    finally:
        store.close()


@db_app.command("upgrade")
def db_upgrade(
    revision: Annotated[str, typer.Option(help="Target revision (default: the latest)")] = "head",
) -> None:
    """Apply the schema migrations to the database (back it up first)."""
    from ..store import Settings, Store
    from ..store import schema as sch

    settings = Settings()
    store = Store(settings)
    try:
        before, after = sch.upgrade(store.engine, revision)
    except Exception as e:
        raise fail(f"cannot upgrade {settings.masked_url}: {type(e).__name__}: {e}") from None
    finally:
        store.close()
    typer.echo(f"{settings.masked_url}: schema {before or 'none'} -> {after}")


@app.command()
def submit(
    file: Annotated[Path, typer.Argument(help="The LEA's Clearinghouse file")],
    lea: Annotated[str, typer.Option("--lea", help="The LEA submitting the file (its DI must name it)")],
    user: Annotated[str | None, typer.Option(help="Who submits (default: the operating-system user)")] = None,
    no_load: Annotated[bool, typer.Option("--no-load", help="Stop once validated; load later with "
                                          "`utrex submission ID --load`")] = False,
    format: Annotated[LogFormat, typer.Option("--format", "-f", help="text or json")] = LogFormat.text,
) -> None:
    """Submit an LEA file to the store: validate it and load its accepted records. Exit 0 when processed
    (held records included); 1 when refused or failed, with the reason on stderr."""
    from ..store.submissions import SubmissionError
    from ..store.submissions import submit as do_submit

    store = _open()
    try:
        sub = do_submit(file, lea, user=user, load=not no_load, store=store)
    except SubmissionError as e:
        where = f" (submission {e.submission_id})" if e.submission_id is not None else ""
        raise fail(f"{e}{where}", 1) from None
    finally:
        store.close()
    _show(sub.to_dict(), format)


def _show(d: dict[str, Any], format: LogFormat) -> None:
    if format == LogFormat.json:
        write_output(json.dumps(d, indent=1) + "\n", None)
        return
    typer.echo(_entry_text(d))


def _entry_text(d: dict[str, Any]) -> str:
    by_type = ", ".join(f"{k} {v:,}" for k, v in sorted((d.get("records_by_type") or {}).items()))
    lines = [
        f"submission {d['id']}: LEA {d['lea']} {d['school_year'] or '?'} {d['period'] or '?'}: {d['status']}"
        + (f" ({d['reason']})" if d.get("reason") else ""),
        f"  file      {d['file_name']}  {d['size']:,} bytes  sha256 {d['sha256']}",
        f"  by        {d['user']} at {d['received_at']}" + (f", {d['seconds']} s" if d.get("seconds") is not None else ""),
        f"  records   {d['records'] if d['records'] is not None else '-'}" + (f" ({by_type})" if by_type else ""),
        f"  accepted  {d['accepted'] if d['accepted'] is not None else '-'}   held {d['held'] if d['held'] is not None else '-'}"
        f"   errors {d['errors'] if d['errors'] is not None else '-'}   warnings {d['warnings'] if d['warnings'] is not None else '-'}",
        f"  reference {d.get('reference') or '-'}" + (f" (version {d['reference_version']})" if d.get("reference_version") else ""),
    ]
    if d.get("kind") == "rollback":
        lines.append(f"  rollback  restores submission {d['restores']}: {d.get('note') or ''}")
    if d.get("ssns_blanked"):
        lines.append(f"  privacy   {d['ssns_blanked']} SSN(s) of students below grade 12 deleted before archiving")
    return "\n".join(lines)


@app.command()
def submission(
    id: Annotated[int, typer.Argument(help="Submission id (see `utrex submissions`)")],
    load: Annotated[bool, typer.Option("--load", help="Load a submission that stopped at validated")] = False,
    format: Annotated[FindingsFormat, typer.Option("--format", "-f", help="text, json, csv, xlsx (needs --output) "
                                                   "or html: the validator's reports")] = FindingsFormat.text,
    output: Annotated[Path | None, typer.Option("--output", "-o", help="Write the report here instead of stdout")] = None,
) -> None:
    """Show one submission with its findings, in any report format of `utrex validate`; with --load, load it
    first."""
    from ..store import submissions as S
    from ..store.report import submission_report

    if format == FindingsFormat.xlsx and output is None:
        raise fail("--format xlsx writes a binary workbook: give --output FILE.xlsx")
    store = _open()
    try:
        sub = S.load_submission(store, id) if load else S.get(store, id)
        summary, findings = submission_report(store, id)
    except S.SubmissionError as e:
        raise fail(str(e), 1) from None
    finally:
        store.close()
    _report(sub.to_dict(), summary, findings, format, output)


def _report(d: dict[str, Any], summary: dict[str, Any], findings: Any, format: FindingsFormat,
            output: Path | None) -> None:
    """The log entry (text, json) or the validator's report of the stored findings (csv, html, xlsx)."""
    from ..engine.findings import to_dicts
    from ..report.findings_io import to_text

    if format == FindingsFormat.json:
        write_output(json.dumps({**d, "summary": summary, "findings": to_dicts(findings)}, indent=1, default=str)
                     + "\n", output)
    elif format == FindingsFormat.text:
        head = _entry_text(d)
        write_output(head + "\n\n" + to_text(summary, findings, first=findings.height), output)
    else:
        title = f"Submission {d['id']}: LEA {d['lea']}, {d['file_name']} ({d['status']})"
        write_document(summary, findings, format, output, title=title)


@app.command()
def submissions(
    lea: Annotated[str | None, typer.Option("--lea", help="Only this LEA's submissions")] = None,
    format: Annotated[LogFormat, typer.Option("--format", "-f", help="text or json")] = LogFormat.text,
) -> None:
    """The submission log: every submission with who, when, file, counts, status and duration."""
    from ..store.submissions import list_submissions

    store = _open()
    try:
        rows = [s.to_dict() for s in list_submissions(store, lea)]
    finally:
        store.close()
    if format == LogFormat.json:
        write_output(json.dumps(rows, indent=1) + "\n", None)
        return
    head = (f"{'id':>5} {'lea':<4} {'year':<5} {'period':<9} {'user':<12} {'received':<25} {'file':<24} "
            f"{'sha256':<12} {'records':>8} {'accepted':>8} {'held':>6} {'errors':>6} {'warn':>5} {'status':<9} {'secs':>7}")
    typer.echo(head)

    def n(v: Any) -> str:
        return "-" if v is None else str(v)

    for d in rows:
        typer.echo(f"{d['id']:>5} {d['lea']:<4} {n(d['school_year']):<5} {n(d['period']):<9} {d['user'][:12]:<12} "
                   f"{n(d['received_at']):<25} {d['file_name'][:24]:<24} {d['sha256'][:12]:<12} {n(d['records']):>8} "
                   f"{n(d['accepted']):>8} {n(d['held']):>6} {n(d['errors']):>6} {n(d['warnings']):>5} "
                   f"{d['status']:<9} {n(d['seconds']):>7}")
        if d.get("kind") == "rollback":
            typer.echo(f"      rollback to submission {d['restores']}: {d.get('note') or ''}")
        if d["status"] == "failed" and d.get("reason"):
            typer.echo(f"      {d['reason']}")
    typer.echo(f"{len(rows)} submission(s)")


@ref_app.command("load")
def reference_load(
    folder: Annotated[Path, typer.Argument(help="Folder of reference CSV files (as for `utrex validate --reference`)")],
    user: Annotated[str | None, typer.Option(help="Who loads it (default: the operating-system user)")] = None,
) -> None:
    """Store a reference folder as a new version, in force for every later submission."""
    from ..store.reference import load_version
    from ..store.submissions import _os_user

    store = _open()
    try:
        v = load_version(store, folder, user or _os_user())
    finally:
        store.close()
    typer.echo(f"reference version {v.id}: {', '.join(sorted(v.files))} from {v.source} (sha256 {v.sha256[:12]})")


@ref_app.command("list")
def reference_list() -> None:
    """The reference versions loaded, the one in force marked *."""
    from ..store.reference import versions

    store = _open()
    try:
        vs = versions(store)
    finally:
        store.close()
    for v in vs:
        typer.echo(f"{'*' if v.current else ' '} {v.id:>4} {v.loaded_at:%Y-%m-%d %H:%M} {v.user or '-':<12} "
                   f"{v.sha256[:12]} {v.source}")
    typer.echo(f"{len(vs)} version(s)")


@app.command()
def rollback(
    lea: Annotated[str, typer.Option("--lea", help="The LEA whose records change")],
    to: Annotated[int, typer.Option("--to", help="The earlier loaded submission to make current again")],
    reason: Annotated[str, typer.Option("--reason", help="Why (recorded in the submission log)")],
    user: Annotated[str | None, typer.Option(help="Who asks (default: the operating-system user)")] = None,
    format: Annotated[LogFormat, typer.Option("--format", "-f", help="text or json")] = LogFormat.text,
) -> None:
    """Make an earlier submission's accepted records the records in force again, atomically; the rollback
    is its own entry in the submission log. Exit 1, with the reason on stderr, when refused or failed."""
    from ..store.rollback import rollback as do_rollback
    from ..store.submissions import SubmissionError

    store = _open()
    try:
        entry = do_rollback(lea, to, reason, user=user, store=store)
    except SubmissionError as e:
        where = f" (log entry {e.submission_id})" if e.submission_id is not None else ""
        raise fail(f"{e}{where}", 1) from None
    finally:
        store.close()
    _show(entry.to_dict(), format)


@app.command()
def examine(
    lea: Annotated[str | None, typer.Option("--lea", help="Only this LEA's records")] = None,
    submission: Annotated[int | None, typer.Option("--submission", help="The accepted records of this submission "
                                                   "(default: the records in force)")] = None,
    school_year: Annotated[int | None, typer.Option("--school-year", help="Records in force of this school year "
                                                    "(default: the latest)")] = None,
    format: Annotated[ExamineFormat, typer.Option("--format", "-f", help="csv (editable) or html (view only)")
                      ] = ExamineFormat.csv,
    output: Annotated[Path | None, typer.Option("--output", "-o", help="Write here instead of stdout")] = None,
    audience: Annotated[str, typer.Option("--audience", help="Who will read it: lea (everything), "
                                          "state-special-education (no SSN), state (no SSN, no phone number)")
                        ] = "lea",
) -> None:
    """The records as the store holds them, one row per record, columns named by the field ids of `utrex spec`.
    For the LEA it holds its phone numbers and retained SSNs; --audience removes what others may not see."""
    from ..store.examine import examine as do_examine
    from ..store.examine import to_csv, to_html
    from ..store.privacy import Audience
    from ..store.submissions import SubmissionError

    try:
        who = Audience(audience)
    except ValueError:
        raise fail(f"--audience {audience!r}: expected one of {', '.join(a.value for a in Audience)}", 2) from None
    store = _open()
    try:
        examined = do_examine(store, lea=lea, submission=submission, school_year=school_year, audience=who)
    except SubmissionError as e:
        raise fail(str(e), 1) from None
    finally:
        store.close()
    write_output(to_csv(examined) if format == ExamineFormat.csv else to_html(examined), output)
