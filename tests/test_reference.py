"""Reference data loading: the shipped sample loads; malformed files name the file, line and column."""

from __future__ import annotations

import shutil
import subprocess
import sys
from importlib import resources
from pathlib import Path

import pytest

from utrex.reference.model import ReferenceError, load_reference


@pytest.fixture
def ref_dir(tmp_path: Path) -> Path:
    src = resources.files("utrex.reference") / "data" / "sample"
    with resources.as_file(src) as p:
        shutil.copytree(p, tmp_path / "ref")
    return tmp_path / "ref"


def test_sample_reference_loads() -> None:
    ref = load_reference(None)
    assert ref.leas["14"].name == "Jordan District" and ref.leas["14"].migrant_allowed
    assert ref.leas["01"].lea_type == "district" and not ref.leas["01"].migrant_allowed
    assert any(lea.lea_type == "charter" for lea in ref.leas.values())
    assert ref.schools[("14", "790")].grade_low == 0 and ref.schools[("14", "790")].grade_high == 12
    assert ref.schools[("14", "995")].school_type == "private"
    assert ref.core_codes["22040000001"].active
    assert "SPA" in ref.languages and "ENG" in ref.languages
    assert ref.ssids is None and ref.notes


def _edit(path: Path, old: str, new: str) -> None:
    path.write_text(path.read_text().replace(old, new, 1))


def test_bad_grade_names_file_line_column(ref_dir: Path) -> None:
    lines = (ref_dir / "schools.csv").read_text().splitlines()
    lines[3] = lines[3].replace(",00,05,", ",QQ,05,", 1)
    (ref_dir / "schools.csv").write_text("\n".join(lines) + "\n")
    with pytest.raises(ReferenceError) as e:
        load_reference(ref_dir)
    msg = str(e.value)
    assert "schools.csv" in msg and "line 4" in msg and "grade_low" in msg


def test_missing_header_column(ref_dir: Path) -> None:
    _edit(ref_dir / "leas.csv", "migrant_allowed", "migrant")
    with pytest.raises(ReferenceError, match=r"leas.csv, line 1: header lacks column\(s\) migrant_allowed"):
        load_reference(ref_dir)


def test_wrong_column_count(ref_dir: Path) -> None:
    with open(ref_dir / "core_codes.csv", "a") as fh:
        fh.write("12345678901,Extra,Y\n")
    with pytest.raises(ReferenceError, match=r"core_codes.csv, line \d+: 3 columns where the header has 5"):
        load_reference(ref_dir)


def test_bad_yes_no_and_lea_type(ref_dir: Path) -> None:
    _edit(ref_dir / "leas.csv", ",district,N", ",district,maybe")
    with pytest.raises(ReferenceError, match="column migrant_allowed: 'maybe' is not Y or N"):
        load_reference(ref_dir)


def test_school_of_unknown_lea(ref_dir: Path) -> None:
    with open(ref_dir / "schools.csv", "a") as fh:
        fh.write("98,100,Nowhere,00,05,,regular\n")
    with pytest.raises(ReferenceError, match="LEA 98 is not in leas.csv"):
        load_reference(ref_dir)


def test_not_utf8(ref_dir: Path) -> None:
    (ref_dir / "leas.csv").write_bytes(b"lea_number,name,lea_type,migrant_allowed\n01,Alp\xffine,district,N\n")
    with pytest.raises(ReferenceError, match="leas.csv, line 2: not UTF-8"):
        load_reference(ref_dir)


def test_ssids_loaded_when_present(ref_dir: Path) -> None:
    (ref_dir / "ssids.csv").write_text("ssid,lea_number,active\n1234567,14,Y\n2345678,14,N\n1234567,42,Y\n")
    ref = load_reference(ref_dir)
    assert ref.ssids is not None
    assert sorted(ref.active_ssid_locations()) == ["1234567|14", "1234567|42"]


def test_cli_reports_malformed_reference_without_traceback(ref_dir: Path, tmp_path: Path) -> None:
    _edit(ref_dir / "leas.csv", ",district,N", ",county,N")
    from utrex.testing import build

    f = tmp_path / "f.txt"
    f.write_text(build([("S1", {}), ("AC", {}), ("AM", {})]))
    p = subprocess.run([sys.executable, "-m", "utrex", "validate", str(f), "--reference", str(ref_dir)],
                       capture_output=True, text=True)
    assert p.returncode == 2
    assert "leas.csv, line" in p.stderr and "lea_type" in p.stderr and "Traceback" not in p.stderr


def test_missing_folder() -> None:
    with pytest.raises(ReferenceError, match="reference folder not found"):
        load_reference("/nonexistent/ref")
