"""A state report written as csv, json, html or xlsx, all from the same frames: the same numbers in every
format. `counts` is keyed by its KEY columns; `detail` (with `--detail`) lists the students behind each
count with the same key columns, so each count finds its students (csv/json: by key; html: a link)."""

from __future__ import annotations

import html
import json
from pathlib import Path
from typing import Any

import polars as pl


def to_csv(counts: pl.DataFrame, detail: pl.DataFrame | None) -> str:
    """The counts, or with `detail` the students (one row each, keyed by LEA, school and grade)."""
    return (detail if detail is not None else counts).write_csv()


def to_json(facts: dict[str, Any], counts: pl.DataFrame, detail: pl.DataFrame | None) -> str:
    doc: dict[str, Any] = {**facts, "counts": counts.to_dicts()}
    if detail is not None:
        doc["detail"] = detail.to_dicts()
    return json.dumps(doc, indent=1, default=str) + "\n"


def write_xlsx(facts: dict[str, Any], counts: pl.DataFrame, detail: pl.DataFrame | None, path: Path) -> None:
    """Sheets: about (the facts), counts, and with `detail` the students."""
    import xlsxwriter

    path.parent.mkdir(parents=True, exist_ok=True)
    wb = xlsxwriter.Workbook(str(path))
    bold = wb.add_format({"bold": True})
    about = wb.add_worksheet("about")
    for i, (k, v) in enumerate(facts.items()):
        about.write_string(i, 0, k, bold)
        about.write(i, 1, json.dumps(v) if isinstance(v, dict | list) else v)
    for name, frame in (("counts", counts), ("detail", detail)):
        if frame is None:
            continue
        ws = wb.add_worksheet(name)
        ws.write_row(0, 0, frame.columns, bold)
        for r, row in enumerate(frame.iter_rows(), start=1):
            ws.write_row(r, 0, [int(v) if isinstance(v, bool) else v for v in row])
        ws.freeze_panes(1, 0)
    wb.close()


def to_html(facts: dict[str, Any], counts: pl.DataFrame, detail: pl.DataFrame | None,
            key: list[str], totals_by: str | list[str] = "grade_level", measure: str = "students") -> str:
    """Self-contained (no script, no CDN): the facts, a bar chart of `measure` by `totals_by` (inline SVG;
    several columns: their non-blank values joined make the label), then one table per LEA and school (per
    LEA when the key has no school); with `detail`, each count row's `measure` links to its rows."""
    e = html.escape
    by_columns = [totals_by] if isinstance(totals_by, str) else list(totals_by)
    parts = [f"<!doctype html><html><head><meta charset='utf-8'><title>{e(str(facts['title']))}</title>",
             f"<style>{CSS}</style></head><body><h1>{e(str(facts['title']))}</h1><dl>"]
    parts += [f"<dt>{e(k)}</dt><dd>{e(json.dumps(v) if isinstance(v, dict) else str(v))}</dd>"
              for k, v in facts.items() if k != "title"]
    parts.append("</dl>")
    by = counts.group_by(by_columns, maintain_order=True).agg(pl.col(measure).sum())
    items = [(" ".join(str(v) for v in row[:-1] if v not in (None, "")), int(row[-1])) for row in by.iter_rows()]
    parts.append(bar_chart(items, f"{measure.capitalize()} by {' and '.join(by_columns)}"))
    group = ["lea_number", "school_number"] if "school_number" in key else ["lea_number"]
    for names, rows in counts.group_by(group, maintain_order=True):
        heading = " ".join(f"{label} {e(str(v))}" for label, v in zip(("LEA", "school"), names, strict=False))
        parts.append(f"<h2>{heading}</h2>")
        parts.append(_table(rows, link=detail is not None, key=key, measure=measure))
    if detail is not None:
        parts.append("<h2>Students behind the counts</h2>")
        for k, rows in detail.group_by(key, maintain_order=True):
            parts.append(f"<h3 id='{_anchor(k)}'>{e(' / '.join(map(str, k)))}</h3>")
            parts.append(_table(rows, link=False, key=key, measure=measure))
    parts.append("</body></html>\n")
    return "".join(parts)


def _anchor(k: tuple[Any, ...] | list[Any]) -> str:
    return "d-" + "-".join(html.escape(str(v)) for v in k)


def _table(rows: pl.DataFrame, link: bool, key: list[str], measure: str = "students") -> str:
    e = html.escape
    out = ["<table><thead><tr>", *[f"<th>{e(c)}</th>" for c in rows.columns], "</tr></thead><tbody>"]
    for row in rows.iter_rows(named=True):
        marked = set(str(row.get("suppressed") or "").split(","))
        cells = []
        for c, v in row.items():
            text = e("" if v is None else str(int(v) if isinstance(v, bool) else v))
            if link and c == measure:
                text = f"<a href='#{_anchor([row[k] for k in key])}'>{text}</a>"
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


CSS = ("body{font-family:sans-serif;margin:1.5em}table{border-collapse:collapse;margin-bottom:1em}"
       "td,th{border:1px solid #bbb;padding:2px 6px;text-align:right}th{background:#eee}"
       "td.small{background:#fde2c8}dt{font-weight:bold;float:left;clear:left;width:16em}dd{margin-left:17em}"
       "svg text{font-size:12px}")
