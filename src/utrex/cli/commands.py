"""Sub-commands of `utrex`: spec, rules, validate, synth, demo."""

from __future__ import annotations

import json
import sys
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from ..docs import rules_markdown, spec_json, spec_text
from ..engine.rules import registry
from ..spec import Period, spec_for
from .main import app, fail, parse_date, write_output

if TYPE_CHECKING:
    import polars as pl


class SpecFormat(StrEnum):
    text = "text"
    json = "json"
    markdown = "markdown"


class FindingsFormat(StrEnum):
    text = "text"
    json = "json"
    csv = "csv"
    xlsx = "xlsx"
    html = "html"


@app.command()
def spec(
    format: Annotated[SpecFormat, typer.Option("--format", "-f", help="text, json or markdown")] = SpecFormat.text,
    school_year: Annotated[int | None, typer.Option("--school-year", help="Ending year, e.g. 2013")] = None,
    record_type: Annotated[str | None, typer.Option("--record-type", "-r", help="Only this record type")] = None,
) -> None:
    """Print the Clearinghouse file specification: record layouts, fields, columns, code sets."""
    s = spec_for(school_year)
    if record_type and record_type.upper() not in s.codes:
        raise fail(f"unknown record type {record_type!r}; known: {', '.join(s.codes)}")
    only = record_type.upper() if record_type else None
    if format == SpecFormat.json:
        write_output(json.dumps(spec_json(s, only), indent=1) + "\n", None)
    elif format == SpecFormat.markdown:
        from ..docs import spec_markdown

        write_output(spec_markdown(s, only), None)
    else:
        spec_text(s, only)


@app.command()
def rules(
    format: Annotated[SpecFormat, typer.Option("--format", "-f", help="text, json or markdown")] = SpecFormat.text,
    record_type: Annotated[str | None, typer.Option("--record-type", "-r")] = None,
) -> None:
    """List the rule catalogue: id, level, severity, record type, fields, message, citation."""
    from ..store.cross_lea import rules as cross_lea_rules

    rs = registry().all()
    cross = cross_lea_rules()
    if record_type:
        rs = [r for r in rs if r.record_type == record_type.upper()]
        cross = [c for c in cross if c.to_dict()["record_type"] == record_type.upper()]
    if format == SpecFormat.json:
        write_output(json.dumps({"rules": [r.to_dict() for r in rs],
                                 "cross_lea_rules": [c.to_dict() for c in cross]}, indent=1) + "\n", None)
    elif format == SpecFormat.markdown:
        write_output(rules_markdown(rs, cross), None)
    else:
        for r in rs:
            typer.echo(f"{r.id:<45} L{int(r.level)} {r.severity.value:<7} {r.record_type:<4} "
                       f"{','.join(r.fields):<30} {r.citation}")
        for c in cross:
            d = c.to_dict()
            typer.echo(f"{d['id']:<45} L{d['level']} {d['severity']:<7} {d['record_type']:<4} "
                       f"{','.join(d['fields']):<30} {d['citation']} (across LEAs, in the store)")
        typer.echo(f"{len(rs)} rules" + (f", and {len(cross)} across LEAs checked in the store" if cross else ""))


@app.command()
def validate(
    file: Annotated[Path, typer.Argument(help="Clearinghouse file to validate")],
    period: Annotated[str | None, typer.Option(help="october, december, year-end or monthly (default: the DI's WHICH MONTH)")] = None,
    as_of: Annotated[str | None, typer.Option("--as-of", help="'Today' as YYYY-MM-DD (default: the DI's SISASOFDATE)")] = None,
    reference: Annotated[Path | None, typer.Option(help="Folder of reference CSV files (default: the shipped sample)")] = None,
    format: Annotated[FindingsFormat, typer.Option("--format", "-f", help="text, json, csv, xlsx (needs --output) or "
                                                   "html (one self-contained page)")] = FindingsFormat.text,
    output: Annotated[Path | None, typer.Option("--output", "-o", help="Write the report here instead of stdout")] = None,
    select: Annotated[list[str] | None, typer.Option(help="Run only these rule ids, prefixes or tags")] = None,
    ignore: Annotated[list[str] | None, typer.Option(help="Skip these rule ids, prefixes or tags")] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar")] = False,
    level: Annotated[int, typer.Option(help="2: Level 1 and Level 2 (default); 1: Level 1 only, record by record, "
                                       "in bounded memory, without the piecemeal outcome")] = 2,
    outcome: Annotated[Path | None, typer.Option(help="Write every record's outcome (accepted, or held and by "
                                                 "what) to this CSV file")] = None,
    max_per_rule: Annotated[int | None, typer.Option("--max-per-rule", help="Report at most N findings of each rule "
                                                     "(the summary states the totals; exit status counts all)")] = None,
) -> None:
    """Validate a Clearinghouse file at Level 1 and Level 2. Exit 0: no errors; 1: errors found; 2: unreadable
    input or bad usage."""
    from ..engine.validate import Options
    from ..reference.model import load_reference
    from ..report.findings_io import cap_per_rule, to_json, to_text

    if format == FindingsFormat.xlsx and output is None:
        raise fail("--format xlsx writes a binary workbook: give --output FILE.xlsx")
    if max_per_rule is not None and max_per_rule < 1:
        raise fail(f"--max-per-rule {max_per_rule} must be at least 1")
    p: Period | None = None
    if period is not None:
        try:
            p = Period(period.lower())
        except ValueError:
            raise fail(f"--period {period!r} is not one of {', '.join(x.value for x in Period)}") from None
    ref = load_reference(reference) if reference else None
    if level not in (1, 2):
        raise fail(f"--level {level} is not 1 or 2")
    opts = Options(period=p, as_of=parse_date(as_of, "--as-of"), reference=ref,
                   select=tuple(select or ()), ignore=tuple(ignore or ()), levels=(1, 2) if level == 2 else (1,))
    if outcome is not None:
        target = outcome
        opts.outcome = lambda lf: lf.sink_csv(target)
    result = _with_progress(file, opts, quiet)
    summary, findings = result.summary, result.findings
    if max_per_rule is not None:
        summary, findings = cap_per_rule(summary, findings, max_per_rule)
    if format == FindingsFormat.json:
        write_output(to_json(summary, findings), output)
    elif format == FindingsFormat.text:
        write_output(to_text(summary, findings), output)
    else:
        write_document(summary, findings, format, output)
    raise typer.Exit(result.exit_code)


def write_document(summary: dict[str, Any], findings: pl.DataFrame, format: FindingsFormat, output: Path | None,
                   title: str | None = None) -> None:
    """The csv, xlsx (needs `output`) or html report of a validation result: `validate` and `submission`."""
    from ..report.findings_io import to_csv

    if format == FindingsFormat.csv:
        write_output(to_csv(findings), output)
    elif format == FindingsFormat.xlsx:
        assert output is not None
        _write_xlsx(summary, findings, output)
    elif format == FindingsFormat.html:
        from ..report.html import render_html

        write_output(render_html(summary, findings, title=title), output)
    else:
        raise ValueError(f"not a document format: {format}")


def _write_xlsx(summary: dict[str, Any], findings: pl.DataFrame, output: Path) -> None:
    from xlsxwriter.exceptions import FileCreateError

    from ..report.xlsx import write_xlsx

    try:
        output.parent.mkdir(parents=True, exist_ok=True)
        write_xlsx(summary, findings, output)
    except FileCreateError as e:
        raise fail(f"cannot write {output}: {e}") from None
    except OSError as e:
        raise fail(f"cannot write {output}: {e.strerror or e}") from None


def _with_progress(file: Path, opts: object, quiet: bool):  # type: ignore[no-untyped-def]
    from ..engine.validate import validate_file

    big = file.exists() and file.stat().st_size > 8 * 1024 * 1024
    if quiet or not big:
        return validate_file(file, opts)  # type: ignore[arg-type]
    from rich.console import Console
    from rich.progress import BarColumn, DownloadColumn, Progress, TimeRemainingColumn

    with Progress("[progress.description]{task.description}", BarColumn(), DownloadColumn(), TimeRemainingColumn(),
                  console=Console(stderr=True), transient=True) as bar:
        task = bar.add_task(f"validating {file.name}", total=file.stat().st_size)
        opts.progress = lambda done, total: bar.update(task, completed=done)  # type: ignore[attr-defined]
        return validate_file(file, opts)  # type: ignore[arg-type]


@app.command()
def synth(
    output: Annotated[Path, typer.Option("--output", "-o", help="File (one LEA) or folder (--state) to write")],
    lea: Annotated[str, typer.Option(help="LEA number of the file")] = "14",
    students: Annotated[int, typer.Option(help="Number of students")] = 1000,
    period: Annotated[str, typer.Option(help="october, december, year-end or monthly")] = "october",
    school_year: Annotated[int, typer.Option("--school-year", help="Ending year of the school year")] = 2013,
    seed: Annotated[int, typer.Option(help="Random seed: the same seed gives the same file")] = 1,
    defects: Annotated[float, typer.Option(help="Share of records given a known defect (0-1)")] = 0.0,
    state: Annotated[bool, typer.Option("--state", help="A whole state: one file per LEA plus reference/")] = False,
    leas: Annotated[int, typer.Option(help="With --state: number of LEAs")] = 5,
    reference: Annotated[Path | None, typer.Option(help="Reference folder to draw schools from")] = None,
) -> None:
    """Generate realistic, deterministic Clearinghouse files (optionally with known defects)."""
    from ..synth import cli_synth

    try:
        p = Period(period.lower())
    except ValueError:
        raise fail(f"--period {period!r} is not one of {', '.join(x.value for x in Period)}") from None
    if not 0.0 <= defects <= 1.0:
        raise fail("--defects must be between 0 and 1")
    if students < 1:
        raise fail("--students must be at least 1")
    msg = cli_synth(output=output, lea=lea.zfill(2), students=students, period=p, school_year=school_year,
                    seed=seed, defects=defects, state=state, leas=leas, reference=reference)
    typer.echo(msg, err=True)


@app.command()
def demo(
    students: Annotated[int, typer.Option(help="Students in the sample LEA file")] = 2000,
    workdir: Annotated[Path, typer.Option(help="Where the sample files go")] = Path("utrex-demo"),
) -> None:
    """Generate a sample LEA file and validate it; then submit a small synthetic state to an SQLite store in
    the demo folder and write its October 1 report (runs on embedded defaults)."""
    from ..demo import run_store_demo
    from ..engine.validate import Options, validate_file
    from ..report.findings_io import to_text
    from ..synth import cli_synth

    workdir.mkdir(parents=True, exist_ok=True)
    clean = workdir / "lea14-october.txt"
    typer.echo(cli_synth(output=clean, lea="14", students=students, period=Period.OCTOBER, school_year=2013,
                         seed=1, defects=0.0, state=False, leas=1, reference=None))
    result = validate_file(clean, Options())
    typer.echo(to_text(result.summary, result.findings, first=5))
    flawed = workdir / "lea14-october-defects.txt"
    typer.echo(cli_synth(output=flawed, lea="14", students=students, period=Period.OCTOBER, school_year=2013,
                         seed=2, defects=0.02, state=False, leas=1, reference=None))
    result2 = validate_file(flawed, Options())
    typer.echo(to_text(result2.summary, result2.findings, first=10))
    typer.echo(f"Try: utrex validate {flawed} --format json --output {workdir / 'findings.json'}\n")
    home = run_store_demo(workdir, max(100, students // 4), typer.echo)
    typer.echo(f"Try: UTREX_HOME={home} utrex submissions   (the submission log)\n"
               f"     UTREX_HOME={home} utrex report october-1 --format html --output {workdir / 'october-1.html'}\n"
               f"     UTREX_HOME={home} utrex serve   (the portal; it prints the first administrator's password)")
    sys.exit(0)
