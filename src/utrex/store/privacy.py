"""The privacy rules applied before a file is archived or loaded.

The specification says to delete the Social Security Number of a student below 12th grade: every S1
line whose grade level is PK, -1 or 00-11 has its SSN columns blanked, in place (lines, lengths and line
numbers unchanged), with numpy over the whole file: no loop over records.
"""

from __future__ import annotations

import numpy as np

from ..spec import spec_for

BELOW_12 = ("PK", "-1", *[f"{g:02d}" for g in range(12)])


def blank_young_ssns(data: bytes, school_year: int | None = None) -> tuple[bytes, int]:
    """The file with the SSN of every S1 record below grade 12 blanked, and how many were blanked."""
    layout = spec_for(school_year).layout("S1")
    ssn, grade = layout.field("ssn"), layout.field("grade_level")
    buf = np.frombuffer(data, dtype=np.uint8)
    if not buf.size:
        return data, 0
    sep = 10 if 10 in buf[: 1 << 20] or 13 not in buf else 13  # LF, or CR alone
    starts = np.concatenate(([0], np.flatnonzero(buf == sep) + 1))
    ends = np.concatenate((starts[1:] - 1, [buf.size]))  # exclusive: the separator or the end
    need = max(ssn.offset + ssn.width, grade.offset + grade.width)
    ok = (ends - starts) >= need
    starts = starts[ok]
    s1 = (buf[starts] == ord("S")) & (buf[starts + 1] == ord("1")) & (buf[starts + 2] == ord("="))
    starts = starts[s1]
    if not starts.size:
        return data, 0
    g = (buf[starts + grade.offset].astype(np.uint16) << 8) | buf[starts + grade.offset + 1]
    young = np.isin(g, [(ord(c[0]) << 8) | ord(c[1]) for c in BELOW_12])
    cols = starts[young][:, None] + ssn.offset + np.arange(ssn.width)
    present = (buf[cols] != ord(" ")).any(axis=1)
    cols = cols[present]
    if not cols.size:
        return data, 0
    out = buf.copy()
    out[cols.ravel()] = ord(" ")
    return out.tobytes(), int(cols.shape[0])
