"""The reader (blocks of whole lines) and the parser (frames per record type with line and school context)."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import numpy as np
import polars as pl
import pytest

from utrex.engine.parser import Parser, field_columns
from utrex.engine.reader import (
    CR,
    DEFAULT_BLOCK_BYTES,
    LF,
    UnreadableInput,
    iter_blocks,
    line_separator,
    open_checked,
    sniff,
)
from utrex.engine.rules import registry
from utrex.spec import spec_for
from utrex.testing import di_record, record

SPEC = spec_for(2013)
CODES = SPEC.codes
BLOCK_SIZES = (1, 7, 44, 45, 64, 223, 4096, DEFAULT_BLOCK_BYTES)


def write(tmp_path: Path, data: bytes, name: str = "f.txt") -> Path:
    p = tmp_path / name
    p.write_bytes(data)
    return p


def sample_lines() -> list[str]:
    return [di_record(), record("SC"), record("S1"), record("S2"), record("AC"), record("AM"),
            record("SC", {"school_number": "704"}), record("S1", {"school_number": "704"}), "ZZ=1", "",
            record("I1"), record("I2")]


def flatten(blocks: list) -> dict[str, list]:  # type: ignore[type-arg]
    return {
        "line": [int(x) for b in blocks for x in b.line],
        "length": [int(x) for b in blocks for x in b.length],
        "type": [int(x) for b in blocks for x in b.type_index],
        "text": [t for b in blocks for t in b.text.to_pylist()],
        "lf_only": sum(b.lf_only for b in blocks),
        "first_lf_only": next((b.first_lf_only for b in blocks if b.first_lf_only), None),
        "unterminated": [b.unterminated_line for b in blocks if b.unterminated_line is not None],
        "bad": [(int(ln), int(c), int(v)) for b in blocks for ln, c, v in zip(b.bad_lines, b.bad_columns, b.bad_bytes, strict=True)],
        "nbytes": sum(b.nbytes for b in blocks),
    }


def meta() -> dict[str, dict[str, str]]:
    return {r.id: {"severity": r.severity.value} for r in registry().all()}


# ------------------------------------------------------------------------------------------------ reader


@pytest.mark.parametrize("block_bytes", BLOCK_SIZES)
def test_blocks_of_any_size_give_the_same_lines(tmp_path: Path, block_bytes: int) -> None:
    lines = sample_lines()
    data = ("\r\n".join(lines) + "\r\n").encode("ascii")
    got = flatten(list(iter_blocks(write(tmp_path, data), CODES, block_bytes)))
    assert got["line"] == list(range(1, len(lines) + 1))
    assert got["length"] == [len(x) for x in lines]
    assert got["text"] == [x + "\r\n" for x in lines]  # terminators included
    assert got["type"] == [CODES.index(x[:2]) if x[2:3] == "=" and x[:2] in CODES else -1 for x in lines]
    assert (got["lf_only"], got["unterminated"], got["bad"]) == (0, [], [])
    assert got["nbytes"] == len(data)


@pytest.mark.parametrize("block_bytes", range(40, 50))
def test_block_boundary_between_cr_and_lf(tmp_path: Path, block_bytes: int) -> None:
    """A first block that ends between the DI's CR and LF must not make the file look CR-terminated."""
    lines = sample_lines()
    path = write(tmp_path, ("\r\n".join(lines) + "\r\n").encode("ascii"))
    assert line_separator(path) == LF
    got = flatten(list(iter_blocks(path, CODES, block_bytes)))
    assert got["length"] == [len(x) for x in lines] and got["lf_only"] == 0


@pytest.mark.parametrize("block_bytes", [1, 5, 64, DEFAULT_BLOCK_BYTES])
def test_cr_only_file(tmp_path: Path, block_bytes: int) -> None:
    lines = ["X" * 300, *sample_lines()]  # a first line longer than the block
    path = write(tmp_path, ("\r".join(lines) + "\r").encode("ascii"))
    assert line_separator(path) == CR
    got = flatten(list(iter_blocks(path, CODES, block_bytes)))
    assert got["length"] == [len(x) for x in lines]
    assert got["text"] == [x + "\r" for x in lines]
    assert got["lf_only"] == 0 and got["bad"] == []


def test_lf_only_and_unterminated_last_line(tmp_path: Path) -> None:
    data = b"DI=1\r\nSC=2\nS1=3\r\nAM=4\nAC=5"
    for size in (1, 3, 8, 1 << 20):
        got = flatten(list(iter_blocks(write(tmp_path, data), CODES, size)))
        assert got["text"] == ["DI=1\r\n", "SC=2\n", "S1=3\r\n", "AM=4\n", "AC=5"]
        assert got["length"] == [4] * 5
        assert (got["lf_only"], got["first_lf_only"], got["unterminated"]) == (2, 2, [5])


def test_long_line_keeps_later_line_numbers(tmp_path: Path) -> None:
    lines = [di_record(), record("SC"), "S1=" + "9" * 100_000, record("S1"), record("AM")]
    path = write(tmp_path, ("\r\n".join(lines) + "\r\n").encode("ascii"))
    for size in (64, 4096, DEFAULT_BLOCK_BYTES):
        started = time.perf_counter()
        got = flatten(list(iter_blocks(path, CODES, size)))
        assert time.perf_counter() - started < 5  # growing reads: not quadratic in the line's length
        assert got["line"] == [1, 2, 3, 4, 5]
        assert got["length"] == [43, 17, 100_003, 220, 77]


def test_bad_bytes_located_and_read_as_question_marks(tmp_path: Path) -> None:
    data = b"DI=ok\r\nS1=A\x00B\xc9\r\nAC=\x7f\r\nAM=\tX\r\nSC=fine\r\n"
    for size in (1, 4, 1 << 20):
        got = flatten(list(iter_blocks(write(tmp_path, data), CODES, size)))
        assert got["bad"] == [(2, 5, 0), (3, 4, 127), (4, 4, 9)]  # the first per line, 1-based column
        assert got["text"] == ["DI=ok\r\n", "S1=A?B?\r\n", "AC=?\r\n", "AM=?X\r\n", "SC=fine\r\n"]
        assert got["length"] == [5, 7, 4, 5, 7]


def test_stray_cr_inside_a_line_is_a_bad_byte(tmp_path: Path) -> None:
    got = flatten(list(iter_blocks(write(tmp_path, b"DI=a\rb\r\nSC=x\r\r\n"), CODES)))
    assert got["text"] == ["DI=a?b\r\n", "SC=x?\r\n"]
    assert got["bad"] == [(1, 5, 13), (2, 5, 13)]


def test_empty_file_gives_no_blocks(tmp_path: Path) -> None:
    assert list(iter_blocks(write(tmp_path, b""), CODES)) == []


def test_prefetch_gives_the_same_blocks(tmp_path: Path) -> None:
    lines = sample_lines() * 50
    path = write(tmp_path, ("\r\n".join(lines) + "\r\n").encode("ascii"))
    a = flatten(list(iter_blocks(path, CODES, 300, prefetch=True)))
    b = flatten(list(iter_blocks(path, CODES, 300, prefetch=False)))
    assert a == b


def _reader_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == "utrex-reader" and t.is_alive()]


def test_prefetch_stops_when_the_consumer_stops(tmp_path: Path) -> None:
    path = write(tmp_path, ("\r\n".join(sample_lines() * 200) + "\r\n").encode("ascii"))
    it = iter_blocks(path, CODES, 100)
    next(it)
    assert _reader_threads()
    it.close()  # type: ignore[attr-defined]
    assert not _reader_threads()


def test_a_validation_that_stops_early_stops_its_reader(tmp_path: Path, monkeypatch) -> None:
    """The reader starts before the rules are compiled; if anything after that fails, its thread ends."""
    from utrex.engine import validate as V

    path = write(tmp_path, ("\r\n".join(sample_lines() * 200) + "\r\n").encode("ascii"))

    def broken(*args: object, **kwargs: object) -> None:
        assert _reader_threads(), "the reader should be running by now"
        raise RuntimeError("rules failed to compile")

    monkeypatch.setattr(V, "RuleRunner", broken)
    with pytest.raises(RuntimeError, match="rules failed"):
        V.validate_file(path, V.Options(block_bytes=100))
    assert not _reader_threads()


def test_prefetch_passes_errors_to_the_consumer(tmp_path: Path) -> None:
    with pytest.raises(IsADirectoryError):
        list(iter_blocks(tmp_path, CODES))
    assert not _reader_threads()


# -------------------------------------------------------------------------------------- sniff and open


@pytest.mark.parametrize("head,reason", [
    ("DI=14,YR=2013\r\n".encode("utf-16"), "UTF-16"),
    ("DI=14,YR=2013\r\n".encode("utf-16-le"), "UTF-16"),
    ("DI=14,YR=2013\r\n".encode("utf-16-be"), "UTF-16"),
    (bytes(range(256)) * 4, "binary"),
    (b"\x1f\x8b\x08" + b"DI=14" * 100, "compressed"),
    (b"%PDF-1.4\n" + b"x" * 100, "compressed or office"),
])
def test_sniff_refuses(head: bytes, reason: str, tmp_path: Path) -> None:
    with pytest.raises(UnreadableInput, match=reason):
        sniff(head, tmp_path / "x")


def test_sniff_accepts_text_with_a_few_bad_bytes(tmp_path: Path) -> None:
    sniff(("\r\n".join(sample_lines()) + "\r\n").encode("ascii").replace(b"DOE", b"D\x00E"), tmp_path / "x")
    sniff(b"DI", tmp_path / "x")  # shorter than the UTF-16 probe


def test_open_checked(tmp_path: Path) -> None:
    with pytest.raises(UnreadableInput, match="no such file"):
        open_checked(tmp_path / "nope")
    with pytest.raises(UnreadableInput, match="directory"):
        open_checked(tmp_path)
    with pytest.raises(UnreadableInput, match="empty"):
        open_checked(write(tmp_path, b""))
    assert open_checked(write(tmp_path, b"DI=")) == 3


# ------------------------------------------------------------------------------------------------ parser


def parse(path: Path, block_bytes: int, di_line: int = 1) -> tuple[dict[str, pl.DataFrame], pl.DataFrame, Parser]:
    parser = Parser(SPEC, "14", di_line, meta())
    frames: dict[str, list[pl.DataFrame]] = {}
    findings = []
    for block in iter_blocks(path, CODES, block_bytes):
        parsed = parser.parse_block(block)
        findings.append(parsed.findings)
        for code, f in parsed.frames.items():
            frames.setdefault(code, []).append(f)
    return {c: pl.concat(fs) for c, fs in frames.items()}, pl.concat(findings), parser


@pytest.mark.parametrize("block_bytes", [1, 64, 300, DEFAULT_BLOCK_BYTES])
def test_parser_school_context_and_counts(tmp_path: Path, block_bytes: int) -> None:
    lines = [di_record(), record("S1"), record("SC"), record("S1"), record("AM"),
             record("SC", {"school_number": "704"}), record("S1"), record("AC"), di_record(),
             record("SC", {"school_number": "708"}), record("AM"), "   ", "QQ=1", "S"]
    path = write(tmp_path, ("\r\n".join(lines) + "\r\n").encode("ascii"))
    frames, findings, parser = parse(path, block_bytes)
    ctx = {(code, ln): s for code, f in frames.items() for ln, s in zip(f["_line"], f["_school_ctx"], strict=True)}
    assert ctx == {("DI", 1): None, ("S1", 2): None, ("SC", 3): "790", ("S1", 4): "790", ("AM", 5): "790",
                   ("SC", 6): "704", ("S1", 7): "704", ("AC", 8): "704", ("SC", 10): "708", ("AM", 11): "708"}
    assert parser.state.counts == {"DI": 1, "SC": 3, "S1": 3, "S2": 0, "S3": 0, "AC": 1, "AM": 2, "I1": 0,
                                   "I2": 0, "ES": 0}
    assert parser.state.lines == len(lines)
    got = sorted(findings.select("rule", "line").iter_rows())
    assert got == [("FILE.blank_line", 12), ("FILE.di_repeated", 9), ("FILE.unknown_record_type", 13),
                   ("FILE.unknown_record_type", 14)]
    unknown = findings.filter(pl.col("rule") == "FILE.unknown_record_type").sort("line")
    assert unknown["values"].to_list() == ['{"record_id": "QQ="}', '{"record_id": "S"}']
    assert frames["SC"]["_school_level"].to_list() == [False] * 3
    assert frames["S1"]["_school_level"].to_list() == [True] * 3
    assert set(frames["AM"]["_lea_ctx"]) == {"14"}


def test_parser_pads_short_records_and_keeps_long_ones(tmp_path: Path) -> None:
    am = record("AM")
    lines = [di_record(), record("SC"), am[:10], am + "  EXTRA", am]
    frames, _, _ = parse(write(tmp_path, ("\r\n".join(lines) + "\r\n").encode("ascii")), 1 << 20)
    f = frames["AM"]
    assert f["_len"].to_list() == [10, 84, 77]
    assert f["_layout_len"].to_list() == [77] * 3
    texts = [t.rstrip("\r\n") for t in f["_text"]]
    assert texts == [am[:10].ljust(77), am + "  EXTRA", am]
    sliced = f.select(field_columns(SPEC.layout("AM")))
    assert sliced["student_number"].to_list() == ["7171717   "] * 3
    assert sliced["school_number"].to_list() == ["   ", "790", "790"]


def test_parser_short_sc_gives_blank_padded_school(tmp_path: Path) -> None:
    lines = [di_record(), "SC=79", record("S1")]
    frames, _, _ = parse(write(tmp_path, ("\r\n".join(lines) + "\r\n").encode("ascii")), 1 << 20)
    assert frames["S1"]["_school_ctx"].to_list() == ["79 "]
    assert frames["SC"]["_school_ctx"].to_list() == ["79 "]


def test_parser_invalid_character_findings(tmp_path: Path) -> None:
    data = (di_record() + "\r\n").encode() + b"SC=7\x009\r\nAC=\xff\r\nAM=\x7f\r\nS1=\x1b\r\n"
    _, findings, _ = parse(write(tmp_path, data), 1 << 20)
    bad = findings.filter(pl.col("rule") == "FILE.invalid_character").sort("line")
    assert bad["line"].to_list() == [2, 3, 4, 5]
    msgs = bad["message"].to_list()
    assert msgs[0].startswith("Column 5 holds byte 0x00 (NUL)")
    assert msgs[1].startswith("Column 4 holds byte 0xFF (non-ASCII)")
    assert msgs[2].startswith("Column 4 holds byte 0x7F (DEL)")
    assert msgs[3].startswith("Column 4 holds byte 0x1B (control character)")
    assert set(bad["severity"]) == {"error"}


def test_parser_handles_a_block_of_only_unknown_lines(tmp_path: Path) -> None:
    data = b"\r\n".join([b"junk"] * 1000) + b"\r\n"
    frames, findings, parser = parse(write(tmp_path, data), 1 << 20, di_line=5000)
    assert frames == {} and findings.height == 1000 and parser.state.lines == 1000
    assert np.all(findings["rule"].to_numpy() == "FILE.unknown_record_type")


def test_a_line_beyond_the_limit_is_unreadable(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from utrex.engine import reader

    monkeypatch.setattr(reader, "MAX_LINE_BYTES", 4096)
    path = write(tmp_path, (di_record() + "\r\n" + "S1=" + "X" * 10_000 + "\r\n").encode("ascii"))
    with pytest.raises(UnreadableInput, match="line 2 is longer than"):
        list(iter_blocks(path, CODES, 100))
    assert not _reader_threads()
