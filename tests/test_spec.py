"""The specification declarations: layouts tile their records and match the specification's columns."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from utrex.spec import Kind, spec_for
from utrex.spec.render import parse_line, render
from utrex.spec.samples_2013 import BASE

SPEC = spec_for(2013)

# (record type, length, {field id: (start, end)}) read off the specification's layout tables
EXPECTED = {
    "DI": (43, {"lea_number": (4, 5), "school_year": (10, 13), "which_month": (18, 20), "sisasofdate": (21, 43)}),
    "SC": (17, {"school_number": (4, 6), "days_in_school_year": (7, 9), "last_day_of_school": (10, 13),
                "lea_number": (16, 17)}),
    "S1": (220, {"student_number": (4, 13), "birth_date": (75, 82), "gender": (83, 83), "grade_level": (90, 91),
                 "exit_code": (108, 109), "school_membership": (110, 112), "resident_status": (127, 127),
                 "ssid": (182, 191), "kindergarten_type": (204, 205), "lea_number": (213, 214),
                 "school_number": (215, 217), "read_grade_level_spring": (220, 220)}),
    "S2": (43, {"disability_type": (14, 15), "time": (16, 16), "scram_membership": (34, 36), "school_number": (41, 43)}),
    "S3": (44, {"custody_type": (14, 17), "yic_membership": (37, 39), "lea_number": (40, 41), "school_number": (42, 44)}),
    "AC": (105, {"course_section": (4, 15), "period": (16, 17), "core_code": (59, 69), "term": (96, 99),
                 "school_number": (103, 105)}),
    "AM": (77, {"course_number": (14, 25), "period": (26, 27), "course_exit_date": (39, 46),
                "credit_earned": (69, 72), "school_number": (75, 77)}),
    "I1": (277, {"incident_id": (4, 13), "incident_description": (23, 272), "school_number": (275, 277)}),
    "I2": (63, {"student_number": (14, 23), "alternative_placement": (36, 36), "hearing_officer_removal": (37, 37),
                "si4_role": (57, 57), "serious_bodily_injury": (63, 63)}),
    "ES": (72, {"first_name": (34, 49), "updated_status": (59, 60), "ssid": (61, 70), "lea_number": (71, 72)}),
}


def test_all_ten_record_types() -> None:
    assert SPEC.codes == ["DI", "SC", "S1", "S2", "S3", "AC", "AM", "I1", "I2", "ES"]


@pytest.mark.parametrize("code", list(EXPECTED))
def test_layout_tiles_and_matches_spec_columns(code: str) -> None:
    layout = SPEC.layout(code)
    length, cols = EXPECTED[code]
    at = 1
    for f in layout.fields:
        assert f.start == at, f"{code}.{f.id} starts at {f.start}, expected {at}"
        assert f.width == f.end - f.start + 1 > 0
        at = f.end + 1
    assert layout.length == length == at - 1
    for fid, (start, end) in cols.items():
        f = layout.field(fid)
        assert (f.start, f.end) == (start, end), fid
    ids = layout.field_ids()
    assert len(ids) == len(set(ids))


def test_codes_fit_their_fields() -> None:
    for rt in SPEC.record_types:
        for f in rt.fields:
            if f.codes:
                for c in f.codes.values():
                    assert len(c) <= f.width, (rt.code, f.id, c)
            if f.kind == Kind.LITERAL:
                assert f.literal is not None and len(f.literal) == f.width


def test_base_records_render_and_parse_back() -> None:
    for code, values in BASE.items():
        layout = SPEC.layout(code)
        line = render(layout, values)
        assert len(line) == layout.length
        parsed = parse_line(layout, line)
        for k, v in values.items():
            assert parsed[k] == v.ljust(layout.field(k).width)


def test_render_refuses_unknown_fields() -> None:
    with pytest.raises(KeyError):
        render(SPEC.layout("S1"), {"no_such_field": "x"})


def test_spec_json_command_shape() -> None:
    p = subprocess.run([sys.executable, "-m", "utrex", "spec", "--format", "json"], capture_output=True, text=True)
    assert p.returncode == 0, p.stderr
    data = json.loads(p.stdout)
    assert data["school_year"] == 2013
    s1 = next(rt for rt in data["record_types"] if rt["code"] == "S1")
    assert s1["length"] == 220 and s1["name"] == "Student"
    birth = next(f for f in s1["fields"] if f["id"] == "birth_date")
    assert (birth["start"], birth["end"], birth["kind"]) == (75, 82, "date")
    gender = next(f for f in s1["fields"] if f["id"] == "gender")
    assert {c["code"] for c in gender["codes"]} == {"M", "F"}
    assert set(data["required_record_types"]["december"]) == {"DI", "SC", "S1", "S2"}


def test_spec_text_command_prints_tables() -> None:
    p = subprocess.run([sys.executable, "-m", "utrex", "spec", "--record-type", "SC"], capture_output=True, text=True,
                       env={"COLUMNS": "200", "PATH": ""})
    assert p.returncode == 0, p.stderr
    assert "days_in_school_year" in p.stdout and "schedule_day_type" in p.stdout


def test_spec_unknown_record_type_is_usage_error() -> None:
    p = subprocess.run([sys.executable, "-m", "utrex", "spec", "--record-type", "ZZ"], capture_output=True, text=True)
    assert p.returncode == 2 and "unknown record type" in p.stderr
