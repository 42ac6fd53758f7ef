"""A state report written as csv, json, html or xlsx, all from the same frames: the same numbers in every
format. `counts` is keyed by its KEY columns; `detail` (with `--detail`) lists the students behind each
count with the same key columns, so each count finds its students (csv/json: by key; html: a link)."""

from __future__ import annotations

import html
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import polars as pl


@dataclass(frozen=True)
class Part:
    """A further named table of a report (Year-End: `discipline`): json gets an object by `name`, xlsx its
    sheets `name` and `name detail`, html a section after the main tables; csv holds one table, so the csv of
    a part is `to_csv(part.counts, part.detail)` (`utrex report --part NAME`)."""
    name: str
    facts: dict[str, Any]  # its title and totals
    counts: pl.DataFrame
    detail: pl.DataFrame | None
    key: list[str]
    html: dict[str, Any] = field(default_factory=dict)  # totals_by and measure, as to_html takes them


def to_csv(counts: pl.DataFrame, detail: pl.DataFrame | None) -> str:
    """The counts, or with `detail` the students (one row each, keyed by LEA, school and grade)."""
    return (detail if detail is not None else counts).write_csv()


def to_json(facts: dict[str, Any], counts: pl.DataFrame, detail: pl.DataFrame | None,
            extra: Sequence[Part] = ()) -> str:
    doc: dict[str, Any] = {**facts, "counts": counts.to_dicts()}
    if detail is not None:
        doc["detail"] = detail.to_dicts()
    for part in extra:
        doc[part.name] = {**part.facts, "counts": part.counts.to_dicts(),
                          **({"detail": part.detail.to_dicts()} if part.detail is not None else {})}
    return json.dumps(doc, indent=1, default=str) + "\n"


def write_xlsx(facts: dict[str, Any], counts: pl.DataFrame, detail: pl.DataFrame | None, path: Path,
               extra: Sequence[Part] = ()) -> None:
    """Sheets: about (the facts), counts, and with `detail` the students; then each part's `name` and
    `name detail` (its facts are on the about sheet, prefixed with its name)."""
    import xlsxwriter

    path.parent.mkdir(parents=True, exist_ok=True)
    wb = xlsxwriter.Workbook(str(path))
    bold = wb.add_format({"bold": True})
    about = wb.add_worksheet("about")
    for i, (k, v) in enumerate(facts.items()):
        about.write_string(i, 0, k, bold)
        about.write(i, 1, json.dumps(v) if isinstance(v, dict | list) else v)
    more = [(f"{p.name} {k}", v) for p in extra for k, v in p.facts.items()]
    for i, (k, v) in enumerate(more, start=len(facts)):
        about.write_string(i, 0, k, bold)
        about.write(i, 1, json.dumps(v) if isinstance(v, dict | list) else v)
    sheets = [("counts", counts), ("detail", detail),
              *[s for p in extra for s in ((p.name, p.counts), (f"{p.name} detail", p.detail))]]
    for name, frame in sheets:
        if frame is None:
            continue
        ws = wb.add_worksheet(name)
        ws.write_row(0, 0, frame.columns, bold)
        for r, row in enumerate(frame.iter_rows(), start=1):
            ws.write_row(r, 0, [int(v) if isinstance(v, bool) else v for v in row])
        ws.freeze_panes(1, 0)
    wb.close()


def to_html(facts: dict[str, Any], counts: pl.DataFrame, detail: pl.DataFrame | None,
            key: list[str], totals_by: str | list[str] = "grade_level", measure: str = "students",
            extra: Sequence[Part] = ()) -> str:
    """Self-contained (no script, no CDN): the facts, a bar chart of `measure` by `totals_by` (inline SVG;
    several columns: their non-blank values joined make the label), then one table per LEA and school (per
    LEA when the key has no school); with `detail`, each count row's `measure` links to its rows."""
    e = html.escape
    by_columns = [totals_by] if isinstance(totals_by, str) else list(totals_by)
    parts = [f"<!doctype html><html><head><meta charset='utf-8'><title>{e(str(facts['title']))}</title>",
             f"<style>{CSS}</style></head><body><h1>{e(str(facts['title']))}</h1><dl>"]
    parts += [f"<dt>{e(k)}</dt><dd>{e(json.dumps(v) if isinstance(v, dict) else str(v))}</dd>"
              for k, v in facts.items() if k not in ("title", "trend")]  # the trend: a chart
    parts.append("</dl>")
    by = counts.group_by(by_columns, maintain_order=True).agg(pl.col(measure).sum())
    items = [(" ".join(str(v) for v in row[:-1] if v not in (None, "")), int(row[-1])) for row in by.iter_rows()]
    parts.append(bar_chart(items, f"{measure.capitalize()} by {' and '.join(by_columns)}"))
    if facts.get("trend"):  # reports.trend: the count after each of the LEA's loads
        parts.append(trend_chart(facts["trend"], measure))
    group = ["lea_number", "school_number"] if "school_number" in key else ["lea_number"]
    for names, rows in counts.group_by(group, maintain_order=True):
        heading = " ".join(f"{label} {e(str(v))}" for label, v in zip(("LEA", "school"), names, strict=False))
        parts.append(f"<h2>{heading}</h2>")
        # a column with no value in this table (a charter's residence breakdown on a district) only widens it
        rows = rows.select([c for c in rows.columns if c in key or rows[c].null_count() < rows.height])
        parts.append(_table(rows, link=detail is not None, key=key, measure=measure))
    if detail is not None:
        parts.append("<h2>Students behind the counts</h2>")
        for k, rows in detail.group_by(key, maintain_order=True):
            parts.append(f"<h3 id='{_anchor(k)}'>{e(' / '.join(map(str, k)))}</h3>")
            parts.append(_table(rows, link=False, key=key, measure=measure))
    parts += [part_section(p) for p in extra]
    parts.append("</body></html>\n")
    return "".join(parts)


def part_section(part: Part) -> str:
    """A part's html: its title and facts, a bar chart, a table per LEA and school, and with its detail the
    rows behind each count (anchors prefixed with the part's name, apart from the main table's)."""
    e = html.escape
    totals_by, measure = part.html.get("totals_by", part.key[-1]), part.html.get("measure", "students")
    anchor = f"{part.name}-"
    out = [f"<section id='{e(part.name)}'><h2>{e(str(part.facts.get('title', part.name)))}</h2><dl>"]
    out += [f"<dt>{e(k)}</dt><dd>{e(str(v))}</dd>" for k, v in part.facts.items() if k != "title"]
    out.append("</dl>")
    by = part.counts.group_by(totals_by, maintain_order=True).agg(pl.col(measure).sum())
    out.append(bar_chart([(str(label), int(n)) for label, n in by.iter_rows()], f"{measure.capitalize()} by {totals_by}"))
    group = ["lea_number", "school_number"] if "school_number" in part.key else ["lea_number"]
    for names, rows in part.counts.group_by(group, maintain_order=True):
        out.append("<h3>" + " ".join(f"{label} {e(str(v))}" for label, v in zip(("LEA", "school"), names, strict=False))
                   + "</h3>")
        out.append(_table(rows, link=part.detail is not None, key=part.key, measure=measure, anchor=anchor))
    if part.detail is not None:
        out.append(f"<h3>Rows behind the counts: {e(part.name)}</h3>")
        for k, rows in part.detail.group_by(part.key, maintain_order=True):
            out.append(f"<h4 id='{_anchor(k, anchor)}'>{e(' / '.join(map(str, k)))}</h4>")
            out.append(_table(rows, link=False, key=part.key, measure=measure))
    out.append("</section>")
    return "".join(out)


def _anchor(k: tuple[Any, ...] | list[Any], prefix: str = "d-") -> str:
    return prefix + "-".join(html.escape(str(v)) for v in k)


def _table(rows: pl.DataFrame, link: bool, key: list[str], measure: str = "students", anchor: str = "d-") -> str:
    e = html.escape
    out = ["<table><thead><tr>", *[f"<th>{e(c)}</th>" for c in rows.columns], "</tr></thead><tbody>"]
    for row in rows.iter_rows(named=True):
        marked = set(str(row.get("suppressed") or "").split(","))
        cells = []
        for c, v in row.items():
            text = e("" if v is None else str(int(v) if isinstance(v, bool) else v))
            if link and c == measure:
                text = f"<a href='#{_anchor([row[k] for k in key], anchor)}'>{text}</a>"
            cells.append(f"<td class='small'>{text}</td>" if c in marked else f"<td>{text}</td>")
        out.append("<tr>" + "".join(cells) + "</tr>")
    out.append("</tbody></table>")
    return "".join(out)


def bar_chart(items: list[tuple[str, int]], title: str, width: int = 640, bar: int = 18) -> str:
    """A horizontal bar chart as inline SVG: one labelled bar per item, its value written at its end."""
    e = html.escape
    top = max((n for _, n in items), default=0) or 1
    left = max(60, 7 * max((len(label) for label, _ in items), default=0))  # room for long labels
    height = 30 + bar * len(items) * 3 // 2
    out = [f"<figure><figcaption>{e(title)}</figcaption><svg xmlns='http://www.w3.org/2000/svg' "
           f"width='{width}' height='{height}' role='img' aria-label='{e(title)}'>"]
    for i, (label, n) in enumerate(items):
        y = 10 + i * bar * 3 // 2
        w = int((width - 100 - left) * n / top)
        out.append(f"<text x='0' y='{y + bar - 4}'>{e(label)}</text>"
                   f"<rect x='{left}' y='{y}' width='{w}' height='{bar}' fill='#4a78b5'><title>{e(label)}: {n}"
                   f"</title></rect><text x='{left + 6 + w}' y='{y + bar - 4}'>{n}</text>")
    out.append("</svg></figure>")
    return "".join(out)


def trend_chart(points: list[dict[str, Any]], measure: str = "students") -> str:
    """The `reports.trend` points as a line chart: one labelled point per load, in load order."""
    items = [(f"#{p['submission']}" + (f" (rollback to #{p['restores']})" if p.get("restores") else "")
              + f" {str(p.get('received_at') or '')[:10]}", int(p[measure])) for p in points]
    return line_chart(items, f"{measure.capitalize()} after each submission loaded (the count in this scope)")


def line_chart(items: list[tuple[str, int]], title: str, width: int = 640, height: int = 220) -> str:
    """A line chart as inline SVG: the items left to right, each a point with its value above it and its
    label below the axis (rotated); the vertical axis starts at zero, so a change looks its real size."""
    e = html.escape
    top = max((n for _, n in items), default=0) or 1
    left, right, plot = 40, 180, height - 120  # room for the values and the rotated point labels
    step = (width - left - right) / max(1, len(items) - 1)
    xy = [(left + (i * step if len(items) > 1 else (width - left - right) / 2), 20 + plot - plot * n / top)
          for i, (_, n) in enumerate(items)]
    out = [f"<figure><figcaption>{e(title)}</figcaption><svg xmlns='http://www.w3.org/2000/svg' "
           f"width='{width}' height='{height}' role='img' aria-label='{e(title)}'>",
           f"<line x1='{left}' y1='{20 + plot}' x2='{width - right}' y2='{20 + plot}' stroke='#888'/>",
           f"<text x='0' y='{24 + plot}'>0</text><text x='0' y='24'>{top}</text>",
           "<polyline fill='none' stroke='#4a78b5' stroke-width='2' points='"
           + " ".join(f"{x:.1f},{y:.1f}" for x, y in xy) + "'/>"]
    for (label, n), (x, y) in zip(items, xy, strict=True):
        out.append(f"<circle cx='{x:.1f}' cy='{y:.1f}' r='4' fill='#4a78b5'><title>{e(label)}: {n}</title></circle>"
                   f"<text class='value' x='{x:.1f}' y='{y - 8:.1f}' text-anchor='middle'>{n}</text>"
                   f"<text x='{x:.1f}' y='{34 + plot}' transform='rotate(30 {x:.1f} {34 + plot})'>{e(label)}</text>")
    out.append("</svg></figure>")
    return "".join(out)


CSS = ("body{font-family:sans-serif;margin:1.5em}table{border-collapse:collapse;margin-bottom:1em}"
       "td,th{border:1px solid #bbb;padding:2px 6px;text-align:right}th{background:#eee}"
       "td.small{background:#fde2c8}dt{font-weight:bold;float:left;clear:left;width:16em}dd{margin-left:17em}"
       "svg text{font-size:12px}")
