"""Robustness: malformed and hostile input is refused with a reason (exit 2) or validated line by line.

Every readable case is checked with the default block size and with tiny blocks (records straddle block
boundaries) and must give the same findings, line numbers and school context.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from utrex.engine.reader import UnreadableInput
from utrex.engine.validate import Options, Result, validate_file
from utrex.testing import build, di_record, record

CRLF = "\r\n"
SMALL_BLOCKS = (64,)


def lines_of(*lines: str, end: str = CRLF) -> bytes:
    return (end.join(lines) + end).encode("ascii")


def clean_lines() -> list[str]:
    """DI, SC and a student: every record valid."""
    return [di_record(), record("SC"), record("S1"), record("S2"), record("AC"), record("AM")]


def write(tmp_path: Path, data: bytes, name: str = "f.txt") -> Path:
    p = tmp_path / name
    p.write_bytes(data)
    return p


def validate(path: Path, **kw: object) -> Result:
    """Validate with the default block size and with small blocks; the findings must not differ.
    Level 1 only unless asked: these tests are about reading, not about records' relations."""
    kw.setdefault("levels", (1,))
    results = [validate_file(path, Options(**kw))]  # type: ignore[arg-type]
    for size in SMALL_BLOCKS:
        results.append(validate_file(path, Options(block_bytes=size, **kw)))  # type: ignore[arg-type]
    first = results[0]
    for other in results[1:]:
        assert other.findings.equals(first.findings), "findings depend on the block size"
        assert {k: v for k, v in other.summary.items() if k != "seconds"} == \
            {k: v for k, v in first.summary.items() if k != "seconds"}
    return first


def found(result: Result, prefix: str = "") -> set[tuple[str, int | None]]:
    return {(r, ln) for r, ln in result.findings.select("rule", "line").iter_rows() if r.startswith(prefix)}


def at(result: Result, line: int) -> set[str]:
    return set(result.findings.filter(result.findings["line"] == line)["rule"])


def cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "utrex", "validate", *args], capture_output=True, text=True)


# ------------------------------------------------------------------------------------ unreadable input

CLEAN_TEXT = build([("S1", {}), ("AC", {}), ("AM", {})])

UNREADABLE: dict[str, tuple[bytes, str]] = {
    "empty": (b"", "empty"),
    "binary": (bytes(range(256)) * 64, "binary"),
    "utf16_bom": (CLEAN_TEXT.encode("utf-16"), "UTF-16"),
    "utf16_le_no_bom": (CLEAN_TEXT.encode("utf-16-le"), "UTF-16"),
    "utf16_be_no_bom": (CLEAN_TEXT.encode("utf-16-be"), "UTF-16"),
    "no_di": (CLEAN_TEXT.split(CRLF, 1)[1].encode("ascii"), "no DI record"),
    "zip": (b"PK\x03\x04" + b"x" * 200, "compressed"),
}


@pytest.mark.parametrize("case", sorted(UNREADABLE))
def test_unreadable_content_raises_with_reason(tmp_path: Path, case: str) -> None:
    data, reason = UNREADABLE[case]
    p = write(tmp_path, data)
    with pytest.raises(UnreadableInput, match=reason):
        validate_file(p)


def test_missing_file_and_directory_raise(tmp_path: Path) -> None:
    with pytest.raises(UnreadableInput, match="no such file"):
        validate_file(tmp_path / "missing.txt")
    with pytest.raises(UnreadableInput, match="directory"):
        validate_file(tmp_path)


@pytest.mark.parametrize("case", ["empty", "binary", "utf16_bom", "utf16_le_no_bom", "no_di", "missing", "directory"])
def test_cli_unreadable_exits_2_with_reason_and_no_traceback(tmp_path: Path, case: str) -> None:
    if case == "missing":
        target, reason = tmp_path / "missing.txt", "no such file"
    elif case == "directory":
        target, reason = tmp_path, "directory"
    else:
        data, reason = UNREADABLE[case]
        target = write(tmp_path, data)
    out = tmp_path / "report.json"
    p = cli(str(target), "--format", "json", "--output", str(out))
    assert p.returncode == 2, p.stdout + p.stderr
    assert reason in p.stderr and str(target.name) in p.stderr
    assert "Traceback" not in p.stderr and "Traceback" not in p.stdout
    assert not out.exists()


# ------------------------------------------------------------------------------ readable, but damaged


def test_clean_file_has_no_findings(tmp_path: Path) -> None:
    r = validate(write(tmp_path, lines_of(*clean_lines())))
    assert r.findings.height == 0 and r.exit_code == 0
    assert r.summary["records"] == r.summary["lines"] == 6


def test_di_on_line_3_after_junk(tmp_path: Path) -> None:
    p = write(tmp_path, lines_of("HELLO THIS IS NOT A RECORD", "12345", *clean_lines()))
    r = validate(p)
    assert r.exit_code == 1
    assert found(r, "FILE.") == {("FILE.di_first", 1), ("FILE.unknown_record_type", 1),
                                 ("FILE.unknown_record_type", 2)}
    assert r.findings.height == 3  # the rest is validated and valid
    assert r.summary["records"] == 6 and r.summary["lines"] == 8
    msg = r.findings.filter(r.findings["rule"] == "FILE.di_first")["message"][0]
    assert "line 3" in msg and "'HEL'" in msg


def test_di_on_line_3_through_cli(tmp_path: Path) -> None:
    p = write(tmp_path, lines_of("junk", "more junk", *clean_lines()))
    out = tmp_path / "r.json"
    proc = cli(str(p), "--format", "json", "--output", str(out))
    assert proc.returncode == 1, proc.stderr
    report = json.loads(out.read_text())
    rules = {(f["rule"], f["line"]) for f in report["findings"]}
    assert ("FILE.di_first", 1) in rules and ("FILE.unknown_record_type", 2) in rules


def test_line_of_100000_characters_in_the_middle(tmp_path: Path) -> None:
    huge = record("S1") + "X" * (100_000 - 220)
    lines = [di_record(), record("SC"), record("S1"), huge, record("S1", {"gender": "X"}), record("AC"),
             record("AM", {"__truncate__": "50"})]
    r = validate(write(tmp_path, lines_of(*lines)))
    assert ("FILE.long_record", 4) in found(r)
    assert at(r, 4) == {"FILE.long_record"}  # its first 220 columns are a valid S1
    msg = r.findings.filter(r.findings["rule"] == "FILE.long_record")["message"][0]
    assert "100,000" in msg or "100000" in msg
    assert "S1.gender.code" in at(r, 5)  # line numbers after it are right
    assert "FILE.short_record" in at(r, 7)
    assert r.summary["records"] == 7 and r.summary["lines"] == 7


def test_truncated_last_line_without_terminator(tmp_path: Path) -> None:
    text = CRLF.join([*clean_lines()[:-1], record("AM")[:40]])  # no terminator at the end
    r = validate(write(tmp_path, text.encode("ascii")))
    assert {("FILE.missing_terminator", 6), ("FILE.short_record", 6)} <= found(r, "FILE.")
    short = r.findings.filter(r.findings["rule"] == "FILE.short_record")
    assert short["record_type"][0] == "AM" and "40" in short["message"][0]


def test_lf_only_terminators_one_warning_with_count(tmp_path: Path) -> None:
    r = validate(write(tmp_path, lines_of(*clean_lines(), end="\n")))
    assert found(r) == {("FILE.lf_terminator", 1)}
    assert r.exit_code == 0
    msg = r.findings["message"][0]
    assert "6 line(s)" in msg and r.findings["severity"][0] == "warning"


def test_some_lf_only_lines_among_crlf(tmp_path: Path) -> None:
    lines = clean_lines()
    data = (CRLF.join(lines[:3]) + "\n" + CRLF.join(lines[3:]) + CRLF).encode("ascii")
    r = validate(write(tmp_path, data))
    assert found(r) == {("FILE.lf_terminator", 3)}
    assert "1 line(s)" in r.findings["message"][0]


def test_cr_only_terminators_are_read(tmp_path: Path) -> None:
    lines = [*clean_lines(), record("S1", {"gender": "X"})]
    r = validate(write(tmp_path, lines_of(*lines, end="\r")))
    assert r.summary["records"] == r.summary["lines"] == 7
    assert r.summary["records_by_type"] == {"DI": 1, "SC": 1, "S1": 2, "S2": 1, "AC": 1, "AM": 1}
    errors = r.findings.filter(r.findings["severity"] == "error")
    assert set(errors.select("rule", "line").iter_rows()) == {("S1.gender.code", 7)}
    assert not found(r, "FILE.invalid_character") and not found(r, "FILE.short_record")


def test_nul_byte_reported_with_column(tmp_path: Path) -> None:
    s1 = record("S1")
    s1 = s1[:15] + "\x00" + s1[16:]  # last name, column 16
    r = validate(write(tmp_path, lines_of(di_record(), record("SC"), s1, record("AC"), record("AM"))))
    bad = r.findings.filter(r.findings["rule"] == "FILE.invalid_character")
    assert bad.height == 1 and bad["line"][0] == 3
    assert "Column 16" in bad["message"][0] and "0x00" in bad["message"][0] and "NUL" in bad["message"][0]
    assert r.exit_code == 1


def test_non_ascii_letter_in_a_name(tmp_path: Path) -> None:
    s1 = record("S1", {"first_name": "JOSE"}).encode("ascii").replace(b"JOSE", "JOSÉ".encode("latin-1"))
    layout_col = 1 + s1.index(b"\xc9")
    data = lines_of(di_record(), record("SC")) + s1 + b"\r\n" + lines_of(record("AC"), record("AM"))
    r = validate(write(tmp_path, data))
    bad = r.findings.filter(r.findings["rule"] == "FILE.invalid_character")
    assert bad.height == 1 and bad["line"][0] == 3
    assert f"Column {layout_col} " in bad["message"][0] and "0xC9" in bad["message"][0]
    assert "non-ASCII" in bad["message"][0]
    # the byte was read as '?': the record keeps its columns and the name rule sees it
    assert "S1.first_name.characters" in at(r, 3)
    assert "FILE.long_record" not in at(r, 3)


def test_utf8_multibyte_letter_shifts_nothing_but_is_reported(tmp_path: Path) -> None:
    s1 = record("S1", {"first_name": "JOSE"}).encode("ascii").replace(b"JOSE ", "JOSÉ".encode())
    data = lines_of(di_record(), record("SC")) + s1 + b"\r\n" + lines_of(record("AC"), record("AM"))
    r = validate(write(tmp_path, data))
    bad = r.findings.filter(r.findings["rule"] == "FILE.invalid_character")
    assert bad.height == 1 and "0xC3" in bad["message"][0]


def test_unknown_record_type(tmp_path: Path) -> None:
    r = validate(write(tmp_path, lines_of(*clean_lines(), "ZZ=SOMETHING", "S1", "s1=lowercase")))
    assert found(r) == {("FILE.unknown_record_type", 7), ("FILE.unknown_record_type", 8),
                        ("FILE.unknown_record_type", 9)}
    msgs = r.findings.sort("line")["message"].to_list()
    assert "'ZZ='" in msgs[0] and "'S1'" in msgs[1] and "'s1='" in msgs[2]


def test_records_before_any_sc(tmp_path: Path) -> None:
    lines = [di_record(), record("S1"), record("AM"), record("SC"), record("S1"), record("AC"), record("AM")]
    r = validate(write(tmp_path, lines_of(*lines)))
    assert found(r, "FILE.") == {("FILE.sc_after_di", 2), ("FILE.no_school", 2), ("FILE.no_school", 3)}
    assert r.findings.filter(r.findings["line"] >= 4).height == 0


def test_second_di(tmp_path: Path) -> None:
    lines = [*clean_lines(), di_record(), record("S1")]
    r = validate(write(tmp_path, lines_of(*lines)))
    assert found(r) == {("FILE.di_repeated", 7)}
    assert "line 1" in r.findings["message"][0]
    assert r.summary["records_by_type"]["DI"] == 1


def test_record_after_di_is_not_sc(tmp_path: Path) -> None:
    lines = [di_record(), record("AC"), record("SC"), record("S1"), record("AM")]
    r = validate(write(tmp_path, lines_of(*lines)))
    assert {("FILE.sc_after_di", 2), ("FILE.no_school", 2)} == found(r, "FILE.")
    assert "'AC='" in r.findings.filter(r.findings["rule"] == "FILE.sc_after_di")["message"][0]


def test_blank_lines(tmp_path: Path) -> None:
    lines = clean_lines()
    r = validate(write(tmp_path, lines_of(*lines[:3], "", "     ", *lines[3:])))
    assert found(r) == {("FILE.blank_line", 4), ("FILE.blank_line", 5)}
    assert r.exit_code == 0  # a warning
    assert r.summary["records"] == 6 and r.summary["lines"] == 8


def test_december_without_s2(tmp_path: Path) -> None:
    r = validate(write(tmp_path, build([("S1", {}), ("AC", {}), ("AM", {})], period="december").encode()))
    req = r.findings.filter(r.findings["rule"] == "FILE.required_record_type")
    assert req.height == 1 and req["record_type"][0] == "S2" and req["line"][0] is None
    assert r.exit_code == 1


def test_sc_changes_the_school_of_following_records(tmp_path: Path) -> None:
    other = {"school_number": "704"}
    lines = [di_record(), record("SC"), record("S1"), record("AM"),
             record("SC", other), record("S1", other), record("S1"), record("AM", other), record("AM"),
             record("SC"), record("S1"), record("AC")]
    r = validate(write(tmp_path, lines_of(*lines)))
    assert found(r) == {("S1.school_number.sc", 7), ("AM.school_number.sc", 9)}
    msgs = r.findings.sort("line")["message"].to_list()
    assert all("'704'" in m for m in msgs), msgs


def test_many_schools_across_tiny_blocks(tmp_path: Path) -> None:
    """Every record's school context comes from the SC above it, however the blocks fall."""
    lines = [di_record()]
    expected: set[tuple[str, int]] = set()
    for i, school in enumerate(["704", "708", "790", "708", "704"] * 4):
        lines.append(record("SC", {"school_number": school}))
        lines.append(record("S1", {"school_number": school, "student_number": str(1000 + i)}))
        # an AM naming another school: found on its own line, against the school of the SC above
        lines.append(record("AM", {"school_number": "112"}))
        expected.add(("AM.school_number.sc", len(lines)))
    lines += [record("AC", {"school_number": "704"})]
    r = validate(write(tmp_path, lines_of(*lines)))
    assert found(r, "AM.school_number.sc") == expected
    assert not found(r, "S1.") and not found(r, "FILE.")
