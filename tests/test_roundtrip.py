"""Property tests: values rendered into records come back unchanged, through `parse_line` and through the
engine (reader -> parser -> `field_columns`), however the file is cut into blocks.

Field values are drawn from strategies derived from the layout: codes from the field's code set, digits
for number fields, dates, names, printable ASCII of the field's width for text.
"""

from __future__ import annotations

import datetime as dt
import string
from pathlib import Path

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from utrex.engine.parser import Parser, field_columns
from utrex.engine.reader import iter_blocks
from utrex.engine.rules import registry
from utrex.spec import Field, Kind, RecordLayout, spec_for
from utrex.spec.render import parse_line, render
from utrex.testing import di_record, record

SPEC = spec_for(2013)
CODES = SPEC.codes
PRINTABLE = "".join(chr(c) for c in range(32, 127))
NAME_CHARS = string.ascii_uppercase + string.ascii_lowercase + " '-"
SETTINGS = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def digits(width: int, low: int = 0) -> st.SearchStrategy[str]:
    return st.integers(low, 10**width - 1).map(lambda n: str(n).zfill(width))


def field_values(f: Field) -> st.SearchStrategy[str]:
    w = f.width
    dates = st.dates(dt.date(1900, 1, 1), dt.date(2099, 12, 31))
    if f.kind == Kind.LITERAL:
        return st.just(f.literal or "")
    if f.kind == Kind.CODE:
        if f.codes is not None:
            return st.sampled_from(f.codes.values())
        return st.text(string.ascii_uppercase, min_size=w, max_size=w)  # e.g. language codes
    if f.kind == Kind.DATE:
        return dates.map(lambda d: d.strftime("%Y%m%d"))
    if f.kind == Kind.MMDD:
        return dates.map(lambda d: d.strftime("%m%d"))
    if f.kind == Kind.DATETIME:
        return st.datetimes(dt.datetime(1990, 1, 1), dt.datetime(2099, 12, 31)).map(
            lambda d: d.strftime("%Y-%m-%d %H:%M:%S.") + f"{d.microsecond // 1000:03d}")
    if f.kind in (Kind.NUMBER, Kind.LEA, Kind.SCHOOL):
        return digits(w)
    if f.kind == Kind.IDENTIFIER:
        return st.integers(1, 10**w - 1).map(str)  # left justified, trailing blanks
    if f.kind == Kind.NAME:
        return st.text(NAME_CHARS, max_size=w)
    if f.kind == Kind.ALPHANUMERIC:
        return st.text(string.ascii_uppercase + string.digits, max_size=w)
    return st.text(PRINTABLE, max_size=w)  # text, ignored


def record_values(layout: RecordLayout) -> st.SearchStrategy[dict[str, str]]:
    return st.fixed_dictionaries({f.id: field_values(f) for f in layout.fields if f.id != "record_id"})


def expected(layout: RecordLayout, values: dict[str, str]) -> dict[str, str]:
    return {f.id: layout.prefix if f.id == "record_id" else values[f.id].ljust(f.width) for f in layout.fields}


def engine_frames(path: Path, block_bytes: int, di_line: int = 1) -> dict[str, pl.DataFrame]:
    meta = {r.id: {"severity": r.severity.value} for r in registry().all()}
    parser = Parser(SPEC, "14", di_line, meta)
    parts: dict[str, list[pl.DataFrame]] = {}
    for block in iter_blocks(path, CODES, block_bytes):
        for code, frame in parser.parse_block(block).frames.items():
            parts.setdefault(code, []).append(frame)
    return {code: pl.concat(frames) for code, frames in parts.items()}


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("roundtrip")


@pytest.mark.parametrize("code", CODES)
def test_render_then_parse_line(code: str) -> None:
    layout = SPEC.layout(code)

    @SETTINGS
    @given(values=record_values(layout))
    def check(values: dict[str, str]) -> None:
        assert all(len(values[f.id]) <= f.width for f in layout.fields if f.id != "record_id")
        line = render(layout, values)
        assert len(line) == layout.length and line.startswith(layout.prefix)
        assert parse_line(layout, line) == expected(layout, values)
        assert parse_line(layout, line + "\r\n") == expected(layout, values)

    check()


@pytest.mark.parametrize("code", CODES)
def test_render_then_engine(code: str, workdir: Path) -> None:
    """Records of random values, read by the reader in random block sizes, parsed and sliced."""
    layout = SPEC.layout(code)
    path = workdir / f"{code}.txt"

    @SETTINGS
    @given(rows=st.lists(record_values(layout), min_size=1, max_size=12),
           block_bytes=st.integers(1, 2048), lf_only=st.booleans())
    def check(rows: list[dict[str, str]], block_bytes: int, lf_only: bool) -> None:
        if code == "DI":  # only the file's first DI is a DI record; one per file
            rows = rows[:1]
            lines = [render(layout, rows[0]), record("SC")]
            first = 1
        elif code == "SC":
            lines = [di_record(), *(render(layout, v) for v in rows)]
            first = 2
        else:
            lines = [di_record(), record("SC"), *(render(layout, v) for v in rows)]
            first = 3
        end = "\n" if lf_only else "\r\n"
        path.write_bytes((end.join(lines) + end).encode("ascii"))
        frame = engine_frames(path, block_bytes)[code]
        assert frame["_line"].to_list() == list(range(first, first + len(rows)))
        assert frame["_len"].to_list() == [layout.length] * len(rows)
        got = frame.select(field_columns(layout)).to_dicts()
        assert got == [expected(layout, v) for v in rows]
        if code == "SC":
            assert frame["_school_ctx"].to_list() == [v["school_number"] for v in rows]
        elif layout.school_level:
            assert frame["_school_ctx"].to_list() == ["790"] * len(rows)

    check()


@SETTINGS
@given(rows=st.lists(st.tuples(st.sampled_from(["S1", "S2", "AC", "AM", "I1", "I2", "SC"]),
                               st.integers(-30, 5)), min_size=1, max_size=25),
       block_bytes=st.integers(1, 1024))
def test_short_and_long_records_are_padded_or_kept(rows: list[tuple[str, int]], block_bytes: int,
                                                   workdir: Path) -> None:
    """`_text` is exactly the layout's length for short records (blank padded) and as found for long ones;
    `_len` is the length as found; the school context follows the SC records."""
    lines = [di_record()]
    school = None
    want: list[tuple[str, int, int, str | None]] = []
    for i, (code, delta) in enumerate(rows):
        layout = SPEC.layout(code)
        overrides = {"school_number": f"{100 + i:03d}"} if code == "SC" else {}
        line = record(code, overrides)
        line = line[: max(3, layout.length + delta)] if delta < 0 else line + "X" * delta
        if code == "SC":
            school = line[3:6].ljust(3)  # the SC's school number as the padded record reads it
        lines.append(line)
        want.append((code, len(lines), len(line), school))
    path = workdir / "mixed.txt"
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode("ascii"))
    frames = engine_frames(path, block_bytes)
    for code, line_no, length, sch in want:
        layout = SPEC.layout(code)
        f = frames[code].filter(pl.col("_line") == line_no)
        assert f.height == 1
        assert f["_len"][0] == length
        text = f["_text"][0].rstrip("\r\n")
        assert len(text) == max(length, layout.length)
        assert text == lines[line_no - 1].ljust(layout.length)
        assert f["_school_ctx"][0] == sch


LINE = st.text(PRINTABLE, max_size=300) | st.text(PRINTABLE, min_size=1000, max_size=5000)


@SETTINGS
@given(lines=st.lists(st.tuples(LINE, st.sampled_from(["\r\n", "\n"])), min_size=1, max_size=40),
       block_bytes=st.integers(1, 700), terminate_last=st.booleans())
def test_lines_split_across_random_blocks(lines: list[tuple[str, str]], block_bytes: int, terminate_last: bool,
                                          workdir: Path) -> None:
    if not terminate_last and lines[-1][0] == "":
        terminate_last = True  # an empty unterminated last line is no line at all
    data = "".join(text + end for text, end in lines[:-1]) + lines[-1][0] + (lines[-1][1] if terminate_last else "")
    path = workdir / "lines.txt"
    path.write_bytes(data.encode("ascii"))
    blocks = list(iter_blocks(path, CODES, block_bytes))
    numbers = [int(n) for b in blocks for n in b.line]
    assert numbers == list(range(1, len(lines) + 1))
    texts = [t for b in blocks for t in b.text.to_pylist()]
    assert [t.rstrip("\r\n") for t in texts] == [text for text, _ in lines]
    assert [int(n) for b in blocks for n in b.length] == [len(text) for text, _ in lines]
    ends = [end for _, end in lines]
    if not terminate_last:
        ends[-1] = ""
    assert sum(b.lf_only for b in blocks) == ends.count("\n")
    first_lf = next((i + 1 for i, e in enumerate(ends) if e == "\n"), None)
    assert next((b.first_lf_only for b in blocks if b.first_lf_only), None) == first_lf
    unterminated = [b.unterminated_line for b in blocks if b.unterminated_line is not None]
    assert unterminated == ([] if terminate_last else [len(lines)])
    assert sum(b.nbytes for b in blocks) == len(data)
    types = [int(t) for b in blocks for t in b.type_index]
    assert types == [CODES.index(t[:2]) if t[2:3] == "=" and t[:2] in CODES else -1 for t, _ in lines]


@SETTINGS
@given(lines=st.lists(st.text(PRINTABLE, min_size=1, max_size=300), min_size=1, max_size=30),
       block_bytes=st.integers(1, 700))
def test_cr_only_lines_split_across_random_blocks(lines: list[str], block_bytes: int, workdir: Path) -> None:
    path = workdir / "cr.txt"
    path.write_bytes(("\r".join(lines) + "\r").encode("ascii"))
    blocks = list(iter_blocks(path, CODES, block_bytes))
    assert [t.rstrip("\r") for b in blocks for t in b.text.to_pylist()] == lines
    assert [int(n) for b in blocks for n in b.line] == list(range(1, len(lines) + 1))
    assert sum(b.lf_only for b in blocks) == 0


@SETTINGS
@given(lines=st.lists(st.binary(min_size=0, max_size=120).map(lambda b: b.replace(b"\n", b"").replace(b"\r", b"")),
                      min_size=1, max_size=30),
       block_bytes=st.integers(1, 500))
def test_bad_bytes_are_located_and_replaced(lines: list[bytes], block_bytes: int, workdir: Path) -> None:
    path = workdir / "bytes.txt"
    path.write_bytes(b"\r\n".join(lines) + b"\r\n")
    blocks = list(iter_blocks(path, CODES, block_bytes))
    found = {int(ln): (int(c), int(v)) for b in blocks for ln, c, v in zip(b.bad_lines, b.bad_columns, b.bad_bytes, strict=True)}
    want = {}
    for i, raw in enumerate(lines, start=1):
        bad = [k for k, v in enumerate(raw) if not 32 <= v <= 126]
        if bad:
            want[i] = (bad[0] + 1, raw[bad[0]])
    assert found == want
    texts = [t.rstrip("\r\n") for b in blocks for t in b.text.to_pylist()]
    assert texts == [bytes(v if 32 <= v <= 126 else ord("?") for v in raw).decode("ascii") for raw in lines]
