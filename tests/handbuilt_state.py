"""A hand-built state of 41 students in three LEAs, school year 2012-13 (2013), for tests/test_report_handbuilt.py.

LEA 14 (Jordan District) and LEA 07 (Davis District) are regular districts; LEA 70 (Beehive Science Academy,
school 150, grades 07-12, maximum enrollment 900 in the shipped reference) is a charter. Each LEA's Year-End
file (the whole year: entry and exit dates, membership, attendance, completion) is the last one loaded, so
it holds the records in force every report reads; earlier one-student October and December files exist for
the submission log (compliance). Every student is in exactly one list below; the comment beside a record
says what makes it interesting. Student numbers: LEA 14 14xx, LEA 07 07xx, LEA 70 70xx; SSIDs 40xxxxx.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from pathlib import Path

import polars as pl
from sqlalchemy import update

from utrex.store import Store
from utrex.store import submissions as S
from utrex.store.models import Finalization, Submission
from utrex.store.periods import finalize, grant_extension, prepare
from utrex.testing import di_record, record

YEAR = 2013
START = "20120820"
Row = tuple[str, dict[str, str]]
# grade 10, male, white, district resident, enrolled all year: 170 days of membership, 160 attended
PLAIN = {"gender": "M", "ethnicity": "N", "race_white": "Y", "grade_level": "10", "birth_date": "19970315",
         "entry_date": START, "exit_date": "", "exit_code": "", "resident_status": "U", "school_of_record": "",
         "homeless": "0", "accompanied": "", "limited_english": "", "economic_disadv": "", "migrant": "",
         "concentrator": "", "hs_completion_status": "", "district_of_residence": "", "school_membership": "170",
         "days_attended": "160"}
ELL = {"ell_native_language": "SPA", "ell_parent_language": "SPA"}
SENIOR = {"grade_level": "12", "birth_date": "19950315"}
PK = {"grade_level": "PK", "birth_date": "20080601", "school_membership": "030", "days_attended": "028"}  # 4 on Dec 1


def _letters(text: str) -> str:
    """Names hold letters only: digits spelled as letters (0 -> A, 1 -> B ...)."""
    return text.translate(str.maketrans("0123456789", "ABCDEFGHIJ"))


def s1(lea: str, school: str, number: str, ssid: str, **values: str) -> Row:
    return ("S1", {**PLAIN, "lea_number": lea, "school_number": school, "student_number": number, "ssid": ssid,
                   "last_name": _letters(f"LAST{number}"), "first_name": _letters(f"FIRST{number}"), **values})


def s2(lea: str, school: str, number: str, **values: str) -> Row:
    # SL (learning disability), Time A (resource), Regular Percent 1, Environment V unless said otherwise
    return ("S2", {"lea_number": lea, "school_number": school, "student_number": number, "disability_type": "SL",
                   "time": "A", "scram_entry_date": "20110905", "scram_exit_date": "", "scram_exit_reason": "",
                   "scram_membership": "060", "regular_percent": "1", "environment": "V", **values})


def ts_exit(date: str, membership: str, attended: str) -> dict[str, str]:
    return {"exit_date": date, "exit_code": "TS", "school_membership": membership, "days_attended": attended}


LEA14_704 = [  # Jordan High
    s1("14", "704", "1401", "4000001"),  # plain grade 10 (and the student in the incident below)
    s1("14", "704", "1402", "4000002", gender="F", ethnicity="Y", limited_english="Y", ell_instruction_type="BIH",
       economic_disadv="F", **ELL),  # female, Hispanic, ELL Y, free lunch
    s1("14", "704", "1403", "4000003", **ts_exit("20121001", "029", "028")),  # exit ON October 1
    s1("14", "704", "1404", "4000004", gender="F", race_white="", race_asian="Y",
       **ts_exit("20121002", "030", "029")),  # exit the day after October 1; female, Asian
    s1("14", "704", "1405", "4000005", **ts_exit("20121203", "070", "068")),  # exit ON the December count date
    s2("14", "704", "1405", scram_exit_date="20121203", scram_exit_reason="A"),  # (Monday Dec 3); resource SL
    s1("14", "704", "1406", "4000006", **ts_exit("20121204", "071", "069")),  # exit the day after Dec 3;
    s2("14", "704", "1406", time="B", regular_percent="2", scram_exit_date="20121204", scram_exit_reason="A"),
    s1("14", "704", "1407", "4000007", school_of_record="N", school_membership="000", days_attended="000"),  # N
    s1("14", "704", "1408", "4000008", resident_status="A", zip_code="89101"),  # non-Utah resident
    s1("14", "704", "1409", "4000009", resident_status="F"),  # F1 foreign exchange
    s1("14", "704", "1410", "4000010", resident_status="J"),  # J1 foreign exchange
    s1("14", "704", "1411", "4000011", limited_english="F", ell_monitored_entry_date="20110630",
       **ELL),  # fluent at the end of 2010-11: monitored 2011-12 and 2012-13, in the window
    s1("14", "704", "1412", "4000012", limited_english="F", ell_monitored_entry_date="20100630",
       economic_disadv="R", **ELL),  # fluent at the end of 2009-10: out of the window; reduced-price lunch
    s1("14", "704", "1413", "4000013", grade_level="11", homeless="2", accompanied="Y", migrant="Y",
       economic_disadv="Y"),  # homeless 2 (motel) accompanied, migrant, economically disadvantaged
    s1("14", "704", "1414", "4000014", grade_level="11", homeless="4", accompanied="N"),  # homeless 4
    s2("14", "704", "1414", scram_membership="100"),  # unaccompanied, and resource special education
    s1("14", "704", "1415", "4000015", grade_level="11", school_membership="090", days_attended="150"),  # self-
    s2("14", "704", "1415", time="C", regular_percent="3", scram_membership="080"),  # contained (Time C): 80 days
    s1("14", "704", "1416", "4000016", **ts_exit("20120914", "018", "018")),  # moves to the charter (7005)
    s1("14", "704", "1417", "4000017", entry_date="20120910", school_membership="165",
       days_attended="155"),  # came from LEA 07 (0717, never exited there): the most recent entry
    s1("14", "704", "1418", "4000018", **SENIOR, hs_completion_status="GR", concentrator="510000"),  # diploma, CTE
    s1("14", "704", "1419", "4000019", **SENIOR, hs_completion_status="DO"),  # dropout
    s1("14", "704", "1420", "4000020", **SENIOR, hs_completion_status="CT"),  # certificate of completion
    s1("14", "704", "1421", "4000021", **SENIOR, hs_completion_status="GP"),  # graduation pending
    s1("14", "704", "1422", "4000022", **SENIOR, hs_completion_status="RT"),  # retained senior
    s1("14", "704", "1423", "4000023", entry_date="20121015", school_membership="150", days_attended="140",
       homeless="1", accompanied="Y"),  # entered after October 1; homeless 1 (shelter) accompanied
    s1("14", "704", "1424", "4000024", race_black="Y"),  # black and white: two or more races
    # discipline (I1/I2): loaded, not asserted here (the Year-End discipline part is tested by its own module)
    ("I1", {"lea_number": "14", "school_number": "704", "incident_id": "14001"}),
    ("I2", {"lea_number": "14", "school_number": "704", "incident_id": "14001", "student_number": "1401"}),
]
LEA14_708 = [s1("14", "708", "1407", "4000007")]  # Jordan East High: 1407's school of record
LEA14_104 = [  # Jordan Elementary (PK-05)
    s1("14", "104", "1431", "4000031", homeless="1", accompanied="Y", **PK),  # age 4, parentally placed
    s2("14", "104", "1431", disability_type="DD", regular_percent="", environment="P", scram_membership="020"),
    s1("14", "104", "1432", "4000032", **PK),  # age 4, Early Childhood special class (C)
    s2("14", "104", "1432", disability_type="DD", regular_percent="", environment="C", scram_membership="020"),
]
LEA14_995 = [  # Jordan Private School: a private-school student not receiving services (PVT)
    s1("14", "995", "1441", "4000041", school_membership="PVT", days_attended="000"),
    s2("14", "995", "1441", environment="P", scram_membership="000"),  # SCRAM 000 with PVT; age 15, so P counts
]
LEA14_990 = [  # Jordan Home School (HSC)
    s1("14", "990", "1442", "4000042", grade_level="03", birth_date="20040315", school_membership="HSC",
       days_attended="000", read_grade_level_fall="Y", read_grade_level_mid="Y", read_grade_level_spring="Y",
       reading_intervention="N"),  # grade 3: the reading fields the Year-End update requires
]
LEA07_704 = [  # Davis High
    s1("07", "704", "0701", "4000701", school_membership="180", days_attended="175"),  # plain grade 10
    s1("07", "704", "0717", "4000017", school_membership="015", days_attended="015"),  # left for LEA 14 on
    # 09-10 (entry there) without an exit here: not a member here on the count dates
    s1("07", "704", "0702", "4000702", **SENIOR, resident_status="X", hs_completion_status="GR"),  # residency X:
    # a prior-year student's graduation update, in no report (its dates would otherwise count it)
    s1("07", "704", "0703", "4000703", grade_level="09", birth_date="19980110"),  # age 14 on Dec 1
    s2("07", "704", "0703", scram_membership="100"),
    s1("07", "704", "0704", "4000704", grade_level="09", gender="F", homeless="1", accompanied="N"),
    s1("07", "704", "0705", "4000705", **SENIOR, hs_completion_status="GR"),
]
CHARTER = {"district_of_residence": "14"}
LEA70_150 = [  # Beehive Science Academy Secondary Campus (charter, cap 900)
    s1("70", "150", "7001", "4007001", **CHARTER),
    s1("70", "150", "7002", "4007002", **CHARTER, grade_level="09"),
    s1("70", "150", "7003", "4007003", district_of_residence="07", grade_level="11"),
    s1("70", "150", "7004", "4007004", district_of_residence="07", resident_status="A", zip_code="89101"),
    s1("70", "150", "7005", "4000016", **CHARTER, entry_date="20120917", school_membership="152",
       days_attended="150"),  # 1416 from LEA 14 (exited there 09-14)
    s1("70", "150", "7006", "4007006", district_of_residence="07", entry_date="20121102", school_membership="120",
       days_attended="115"),  # entered after October 1,
    s2("70", "150", "7006", scram_entry_date="20121102"),  # special education from its entry
    s1("70", "150", "7007", "4007007", **CHARTER, **ts_exit("20121001", "029", "028")),  # exit ON October 1
    s1("70", "150", "7008", "4007008", district_of_residence="07", **SENIOR, hs_completion_status="GR"),
]
STATE: dict[str, dict[str, list[Row]]] = {
    "14": {"704": LEA14_704, "708": LEA14_708, "104": LEA14_104, "995": LEA14_995, "990": LEA14_990},
    "07": {"704": LEA07_704},
    "70": {"150": LEA70_150},
}


def year_end_file(lea: str, schools: Mapping[str, list[Row]]) -> str:
    """The LEA's Year-End file; as of June 14, 2013 (after the last day, June 5)."""
    lines = [di_record("year-end", {"lea_number": lea, "sisasofdate": "2013-06-14 09:00:00.000"})]
    for school, body in schools.items():
        lines.append(record("SC", {"lea_number": lea, "school_number": school}))
        lines += [record(code, ov, school_year=YEAR) for code, ov in body]
        # a Year-End update carries a course and a course membership for every enrolled student
        lines.append(record("AC", {"lea_number": lea, "school_number": school}))
        lines += [record("AM", {"lea_number": lea, "school_number": school, "student_number": ov["student_number"],
                                "course_entry_date": ov["entry_date"],
                                "course_exit_date": ov["exit_date"] or "20130605"})
                  for code, ov in body if code == "S1" and ov["resident_status"] != "X"]
    return "\r\n".join(lines) + "\r\n"


def early_file(lea: str, period: str) -> str:
    """An October or December update of the LEA: its first school's first student, as known then."""
    school, body = next(iter(STATE[lea].items()))
    first = {**body[0][1], "school_membership": "030", "days_attended": ""}
    lines = [di_record(period, {"lea_number": lea}), record("SC", {"lea_number": lea, "school_number": school}),
             record("S1", first, school_year=YEAR)]
    if period == "december":  # the December update carries S2 records: this student's, resource
        lines.append(record("S2", s2(lea, school, first["student_number"], scram_membership="020")[1], YEAR))
    if period == "october":  # the October update carries a course and its membership (AC, AM)
        lines += [record("AC", {"lea_number": lea, "school_number": school}),
                  record("AM", {"lea_number": lea, "school_number": school, "student_number": first["student_number"],
                                "course_exit_date": "", "aggregate_memb": ""})]
    return "\r\n".join(lines) + "\r\n"


def _stamp(store: Store, table: type[Submission] | type[Finalization], row_id: int, **values: object) -> None:
    with store.session(write=True) as s:
        s.execute(update(table).where(table.id == row_id).values(**values))


def _submit(store: Store, tmp_path: Path, lea: str, text: str, received: dt.date) -> Submission:
    path = tmp_path / f"lea{lea}-{received}.txt"
    path.write_bytes(text.encode("ascii"))
    sub = S.submit(path, lea, store=store)
    errors = S.submission_findings(store, sub.id).filter(pl.col("severity") == "error")
    assert sub.status == "loaded" and sub.held == 0, (sub.reason, errors.select("line", "rule", "message").rows())
    # the log of a real year: the file was received on `received` (the clock says today)
    _stamp(store, Submission, sub.id, received_at=dt.datetime(received.year, received.month, received.day, 9))
    return sub


def _finalize(store: Store, lea: str, period: str, sub: Submission, on: dt.date) -> None:
    fin = finalize(store, prepare(store, lea, period, sub.id, on), "tester", on)
    _stamp(store, Finalization, fin.id, finalized_at=dt.datetime(on.year, on.month, on.day, 15))


D = dt.date


def load(store: Store, tmp_path: Path) -> None:
    """The submission log of the year (compliance), ending with each LEA's Year-End file (the records in force).

    LEA 14: October files received 2012-09-25 and 2012-10-05, the second finalized 2012-10-10; a December file
      2012-12-05 finalized 2012-12-12; its Year-End file 2013-06-14, finalized 2013-06-21.
    LEA 07: an October file 2012-10-12 finalized 2012-10-15 (the due date itself); a December file 2012-12-14
      never finalized; its Year-End file received 2013-07-03 (July: a month of the NEXT school year) and
      finalized 2013-07-05 (due 07-07).
    LEA 70: an extension of October through 2012-10-26; its October file 2012-10-17 finalized 2012-10-19 (after
      the due date, within the extension); no December file; its Year-End file 2013-06-28, finalized 2013-07-01.
    """
    _submit(store, tmp_path, "14", early_file("14", "october"), D(2012, 9, 25))
    oct14 = _submit(store, tmp_path, "14", early_file("14", "october"), D(2012, 10, 5))
    _finalize(store, "14", "october", oct14, D(2012, 10, 10))
    oct07 = _submit(store, tmp_path, "07", early_file("07", "october"), D(2012, 10, 12))
    _finalize(store, "07", "october", oct07, D(2012, 10, 15))
    grant_extension(store, "70", YEAR, "october", D(2012, 10, 26), "David")
    oct70 = _submit(store, tmp_path, "70", early_file("70", "october"), D(2012, 10, 17))
    _finalize(store, "70", "october", oct70, D(2012, 10, 19))
    dec14 = _submit(store, tmp_path, "14", early_file("14", "december"), D(2012, 12, 5))
    _finalize(store, "14", "december", dec14, D(2012, 12, 12))
    _submit(store, tmp_path, "07", early_file("07", "december"), D(2012, 12, 14))
    for lea, received, finalized in (("14", D(2013, 6, 14), D(2013, 6, 21)), ("07", D(2013, 7, 3), D(2013, 7, 5)),
                                     ("70", D(2013, 6, 28), D(2013, 7, 1))):
        sub = _submit(store, tmp_path, lea, year_end_file(lea, STATE[lea]), received)
        _finalize(store, lea, "year-end", sub, finalized)
