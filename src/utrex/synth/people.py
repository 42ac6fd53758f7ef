"""Who the synthetic students are: identity and traits as pure functions of a person id.

A person id (pid) packs (home LEA, cohort, rank): the cohort is the school year the student is (or
would be) in grade 12, the rank the student's place in that LEA's cohort. Name, gender, birth date,
race, SSID and the LEA's student number are hashed from (seed, pid) and nothing else, so the same seed
and LEA give the same students in every period and every school year: a student in grade 5 of 2013
is the grade-4 student of 2012 with the same rank. Yearly facts (homelessness) also hash the year.
"""

from __future__ import annotations

import datetime as dt

import numpy as np

from . import names
from .calendar import dnum, ymd
from .fixed import table
from .hashing import Hasher, permutation

RANK_LIMIT = 500_000  # students per cohort per LEA
SSID_MODULUS = 8_998_000_000
SN_MODULUS = 89_000_000
TRANSFER_SN_BASE = 90_000_000

# races, in S1 column order
AMIND, ASIAN, BLACK, PACIFIC, WHITE = range(5)
RACE_FIELDS = ("race_american_indian", "race_asian", "race_black", "race_pacific_islander", "race_white")


def make_pid(lea: int | np.ndarray, cohort: np.ndarray, rank: np.ndarray) -> np.ndarray:
    lea_ = np.broadcast_to(np.asarray(lea, dtype=np.uint64), np.shape(cohort))
    return (lea_ << np.uint64(40)) | (np.asarray(cohort, dtype=np.uint64) << np.uint64(24)) \
        | np.asarray(rank, dtype=np.uint64)


def pid_parts(pid: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    p = np.asarray(pid, dtype=np.uint64)
    return ((p >> np.uint64(40)).astype(np.int64), ((p >> np.uint64(24)) & np.uint64(0xFFFF)).astype(np.int64),
            (p & np.uint64(0xFFFFFF)).astype(np.int64))


def ssid_of(h: Hasher, pid: np.ndarray) -> np.ndarray:
    """Statewide ids: unique over (LEA, cohort, rank), all above 1,000,000, hashed apart by the seed."""
    lea, cohort, rank = pid_parts(pid)
    idx = lea * (100 * RANK_LIMIT) + (cohort % 100) * RANK_LIMIT + rank
    return 1_000_001 + permutation(idx, SSID_MODULUS, int(h.bits("ssid.key")))


def student_number_of(h: Hasher, lea: int, cohort: np.ndarray, rank: np.ndarray) -> np.ndarray:
    """The LEA's own student numbers (7-8 digits), unique in the LEA."""
    idx = (np.asarray(cohort, dtype=np.int64) % 100) * RANK_LIMIT + np.asarray(rank, dtype=np.int64)
    return 1_000_000 + permutation(idx, SN_MODULUS, int(h.bits("sn.key", lea)))


def _combined(lists: tuple[list[str], ...], width: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    flat = [n for lst in lists for n in lst]
    sizes = np.array([len(lst) for lst in lists], dtype=np.int64)
    starts = np.concatenate([[0], np.cumsum(sizes)[:-1]])
    return table(flat, width), starts, sizes


SURNAME_TABLE = _combined(names.SURNAMES, 20)
FIRST_TABLE = _combined((names.FIRST_MALE, names.FIRST_FEMALE, names.FIRST_MALE_HISPANIC,
                         names.FIRST_FEMALE_HISPANIC), 16)
INITIALS = table(list("ABCDEFGHIJKLMNOPRSTW"), 16)


def _pick(h: Hasher, tag: str, tbl: tuple[np.ndarray, np.ndarray, np.ndarray], kind: np.ndarray,
          pid: np.ndarray) -> np.ndarray:
    values, starts, sizes = tbl
    return values[starts[kind] + h.below(tag, sizes[kind], pid)]


def identity(h: Hasher, pid: np.ndarray) -> dict[str, np.ndarray]:
    """Name, gender, birth date, ethnicity and race, SSID: never depends on the year or the school."""
    _, cohort, _ = pid_parts(pid)
    n = pid.size
    male = h.u("gender", pid) < 0.512
    hisp = h.u("hispanic", pid) < 0.17
    races = np.zeros((5, n), dtype=bool)
    primary = np.where(hisp, h.choice("race.h", [0.05, 0.01, 0.02, 0.01, 0.91], pid),
                       h.choice("race.n", [0.013, 0.026, 0.018, 0.022, 0.921], pid))
    races[primary, np.arange(n)] = True
    second = h.u("race.two", pid) < 0.035
    other = (primary + 1 + h.below("race.second", 4, pid)) % 5
    races[other[second], np.flatnonzero(second)] = True

    kind = np.full(n, names.KIND_GENERAL)
    k = h.u("surname.kind", pid)
    kind[races[AMIND] & (k < 0.6)] = names.KIND_NATIVE
    kind[races[BLACK] & (k < 0.5)] = names.KIND_AFRICAN
    kind[races[ASIAN] & (k < 0.85)] = names.KIND_ASIAN
    kind[races[PACIFIC] & (k < 0.85)] = names.KIND_PACIFIC
    kind[hisp & (k < 0.9)] = names.KIND_HISPANIC
    last = _pick(h, "surname", SURNAME_TABLE, kind, pid)
    hisp_first = hisp & (h.u("first.kind", pid) < 0.7)
    fkind = np.where(male, 0, 1) + np.where(hisp_first, 2, 0)
    first = _pick(h, "first", FIRST_TABLE, fkind, pid)
    mid_kind = h.choice("middle.kind", [0.55, 0.27, 0.18], pid)
    middle = _pick(h, "middle", FIRST_TABLE, np.where(male, 0, 1), pid)
    middle = np.where(mid_kind == 0, middle, np.where(mid_kind == 1, INITIALS[h.below("initial", 20, pid)],
                                                      np.bytes_(b"")))
    # born after September 1 of (cohort - 19) and on or before September 1 of (cohort - 18): age on the
    # September 1 before the school year is grade + 5; 4% are a year older (grade + 6)
    older = h.u("older", pid) < 0.04
    lo = np.array([dnum(dt.date(int(c) - 19, 9, 2)) for c in range(1990, 2090)], dtype=np.int64)
    c_idx = np.clip(cohort - 1990, 0, 99)
    start = lo[c_idx] - np.where(older, 365, 0)
    birth = start + h.below("birth", 365, pid)
    return {
        "gender": np.where(male, b"M", b"F").astype("S1"), "hispanic": hisp, "races": races,
        "last_name": last, "first_name": first, "middle_name": middle.astype("S16"), "birth": birth,
        "ssid": ssid_of(h, pid), "race_observer": np.where(h.u("observer", pid) < 0.04, b"Y", b"N").astype("S1"),
        "surname_kind": kind,
    }


def age_on(birth: np.ndarray, on: dt.date) -> np.ndarray:
    b = ymd(birth)
    return on.year - b // 10000 - ((b % 10000) > on.month * 100 + on.day).astype(np.int64)
