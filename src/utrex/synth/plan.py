"""The school year of one LEA as numbers: its schools and calendars, its students and their enrollments.

The plan is the whole year (July 1 - June 30) whatever the update period: every entry, exit and
transfer is decided once from hashed keys, and an update shows what had happened by its as-of date.
So the October, December, monthly and Year-End files of a seed are snapshots of the same year.
One row of `rows` is one enrollment (one S1 record once it has begun).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ..reference.model import Reference
from .calendar import NO_DATE, Calendar, build_calendar
from .hashing import Hasher
from .people import RANK_LIMIT, make_pid, pid_parts, student_number_of

GRADES = np.arange(-1, 13)  # PK = -1

EXIT_CODES = ("", "TS", "TO", "TP", "TH", "TR", "TC", "UN", "WD", "CH", "TD", "DO", "OG", "Q1", "Q2", "Q3",
              "11", "WP")
CODE = {c: i for i, c in enumerate(EXIT_CODES)}
EARLY_GRAD = np.array([CODE[c] for c in ("Q1", "Q2", "Q3", "11")])
GRAD_EXITS = np.array([CODE[c] for c in ("OG", "Q1", "Q2", "Q3", "11")])

# why a student leaves the LEA: district and charter codes (TH is for districts, CH for charters)
OUT_DISTRICT = {"TS": 35, "TO": 22, "TP": 7, "TH": 7, "TR": 10, "TC": 3, "UN": 4, "WD": 1}
OUT_CHARTER = {"TS": 45, "TR": 15, "TO": 20, "TP": 7, "CH": 7, "TC": 2, "UN": 4}
AWAY_DISTRICT = {"TO": 45, "TP": 20, "TH": 15, "UN": 20}  # left and came back to the same school
AWAY_CHARTER = {"TO": 45, "TP": 20, "CH": 15, "UN": 20}

# events of the year
EV_NONE, EV_OUT, EV_TD, EV_RE, EV_DO, EV_OG, EV_EARLY, EV_11 = range(8)

# row kinds
ROW_MAIN, ROW_SECOND, ROW_DUAL, ROW_PVT, ROW_HSC, ROW_TRANSFER_IN = range(6)


@dataclass
class SchoolInfo:
    number: str
    name: str
    low: int
    high: int
    kind: str  # regular, online, private, home
    calendar: Calendar
    cal_id: int
    year_type: str
    day_type: str
    charter_max: int | None

    def serves(self, grade: int) -> bool:
        return self.low <= grade <= self.high

    def homeroom(self, grade: int) -> bool:
        """Grades taught by one homeroom teacher: K-5 everywhere, 6 at an elementary campus, PK."""
        return grade <= 5 or (grade == 6 and self.high <= 6)


@dataclass
class LeaInfo:
    number: str
    name: str
    lea_type: str
    migrant_allowed: bool
    schools: list[SchoolInfo]
    calendars: list[Calendar]

    @property
    def num(self) -> int:
        return int(self.number)

    @property
    def is_charter(self) -> bool:
        return self.lea_type == "charter"

    def regular(self) -> list[int]:
        return [i for i, s in enumerate(self.schools) if s.kind == "regular"]

    def school_index(self, kind: str) -> int | None:
        return next((i for i, s in enumerate(self.schools) if s.kind == kind), None)

    def grades(self) -> list[int]:
        return sorted({g for i in self.regular() for g in range(self.schools[i].low, self.schools[i].high + 1)})


def lea_info(ref: Reference, lea: str, school_year: int, h: Hasher) -> LeaInfo:
    if lea not in ref.leas:
        raise ValueError(f"LEA {lea} is not in the reference ({ref.source})")
    rec = ref.leas[lea]
    base = build_calendar(school_year, int(h.below("calendar.shift", 7, int(lea), school_year)))
    calendars = [base]
    mine = sorted((s for (ln, _), s in ref.schools.items() if ln == lea), key=lambda s: s.number)
    elementary = [s for s in mine if s.school_type == "regular" and s.grade_high <= 6]
    year_round = elementary[-1].number if rec.lea_type == "district" and len(elementary) >= 3 else None
    schools: list[SchoolInfo] = []
    for s in mine:
        kind = {"regular": "regular", "online": "online", "private": "private", "home": "home"}.get(s.school_type)
        if kind is None:
            continue  # college, youth-in-custody and other special schools get no synthetic students
        cal, cal_id, year_type = base, 0, "S"
        if s.number == year_round:
            calendars.append(build_calendar(school_year, int(h.below("calendar.yr", 7, int(lea))), 172, True))
            cal, cal_id, year_type = calendars[-1], len(calendars) - 1, "Y"
        day_type = "E" if s.grade_high <= 6 else "X"
        if kind != "regular":
            year_type, day_type = "O", "O"
        schools.append(SchoolInfo(s.number, s.name, s.grade_low, s.grade_high, kind, cal, cal_id, year_type,
                                  day_type, s.charter_max_enrollment))
    if not any(s.kind == "regular" for s in schools):
        raise ValueError(f"LEA {lea} has no regular school in the reference ({ref.source})")
    return LeaInfo(lea, rec.name, rec.lea_type, rec.migrant_allowed, schools, calendars)


def grade_weights(info: LeaInfo) -> np.ndarray:
    """Relative cohort sizes by grade (index 0 is PK): fewer PK seats, a little attrition in 11-12."""
    w = np.zeros(14)
    served = info.grades()
    for g in served:
        w[g + 1] = {11: 0.96, 12: 0.92}.get(g, 1.0)
    if -1 in served:
        elem = [i for i in info.regular() if info.schools[i].low <= 0]
        with_pk = [i for i in elem if info.schools[i].low == -1]
        w[0] = 0.35 * len(with_pk) / max(len(elem), 1)
    return w


def cohort_sizes(info: LeaInfo, students: int) -> np.ndarray:
    """Students per grade summing to `students` (capped for charters by their maximum enrollment)."""
    w = grade_weights(info)
    if info.is_charter:
        caps = []
        for i in info.regular():
            s = info.schools[i]
            share = sum(w[g + 1] / sum(1 for j in info.regular() if info.schools[j].serves(g))
                        for g in range(s.low, s.high + 1)) / w.sum()
            if s.charter_max and share > 0:
                caps.append(0.85 * s.charter_max / share)
        if caps:
            students = max(1, min(students, int(min(caps))))
    exact = students * w / w.sum()
    n = np.floor(exact).astype(np.int64)
    rest = students - int(n.sum())
    order = np.argsort(-(exact - n), kind="stable")
    n[order[:rest]] += 1
    if n.max() >= RANK_LIMIT:
        raise ValueError(f"at most {RANK_LIMIT * 13:,} students per LEA")
    return n


@dataclass
class Plan:
    info: LeaInfo
    school_year: int
    people: dict[str, np.ndarray]  # pid, grade, sn, own, sped/yic flags ...
    rows: dict[str, np.ndarray]  # stu, school, entry, exit, code, sor, kind
    transfers_out: dict[str, np.ndarray] = field(default_factory=dict)


def _place(h: Hasher, info: LeaInfo, pid: np.ndarray, grade: np.ndarray, tag: str = "school",
           base_only: bool = False) -> np.ndarray:
    """A regular school serving the student's grade; the same pid keeps the same school in a band.
    `base_only`: only schools on the LEA's main calendar (students arriving from another LEA)."""
    out = np.full(pid.size, -1, dtype=np.int64)
    reg = [i for i in info.regular() if not base_only or info.schools[i].cal_id == 0]
    for g in np.unique(grade):
        cand = np.array([i for i in reg if info.schools[i].serves(int(g))], dtype=np.int64)
        sel = np.flatnonzero(grade == g)
        if cand.size:
            out[sel] = cand[h.below(tag, cand.size, pid[sel], int(cand.size))]
    return out


def _codes(h: Hasher, tag: str, weights: dict[str, int], keys: tuple[object, ...]) -> np.ndarray:
    idx = h.choice(tag, list(weights.values()), *keys)
    return np.array([CODE[c] for c in weights], dtype=np.int64)[idx]


def sped_flags(h: Hasher, pid: np.ndarray, grade: np.ndarray) -> np.ndarray:
    return h.u("sped", pid) < np.where(grade < 0, 0.30, 0.115)


def yic_flags(h: Hasher, pid: np.ndarray, grade: np.ndarray, year: int) -> np.ndarray:
    return (grade >= 7) & (h.u("yic", pid, year) < 0.008)


def make_plan(h: Hasher, info: LeaInfo, school_year: int, students: int,
              transfers_in: dict[str, np.ndarray] | None = None,
              destinations: list[tuple[str, bool, set[int]]] | None = None) -> Plan:
    """The year of one LEA. `transfers_in`: students arriving from other LEAs (state mode);
    `destinations`: the other LEAs of the state as (number, is_charter, grades served)."""
    Y = school_year
    lea_num = info.num
    sizes = cohort_sizes(info, students)
    grade = np.repeat(GRADES, sizes)
    rank = np.concatenate([np.arange(k) for k in sizes]) if sizes.sum() else np.zeros(0, dtype=np.int64)
    cohort = Y + 12 - grade
    pid = make_pid(lea_num, cohort, rank)
    n = pid.size
    keys = (pid, Y)

    school = _place(h, info, pid, grade)
    online = info.school_index("online")
    if online is not None:
        s = info.schools[online]
        pick = (h.u("online", pid) < 0.02) & (grade >= max(s.low, 0)) & (grade <= s.high)
        school[pick] = online
    for kind, share in (("private", 0.003), ("home", 0.002)):
        k = info.school_index(kind)
        if k is not None:
            s = info.schools[k]
            pick = (h.u("pvt." + kind, pid) < share) & (grade >= s.low) & (grade <= s.high)
            school[pick] = k
    cal_id = np.array([s.cal_id for s in info.schools])[school]
    length = np.array([c.length for c in info.calendars])[cal_id]
    kind_of = np.array([s.kind for s in info.schools])[school]
    regular = kind_of == "regular"
    sped = sped_flags(h, pid, grade)
    yic = yic_flags(h, pid, grade, Y)

    # first day in membership: most from the first day, 7% enter later in the year
    late = (h.u("late", *keys) < 0.07) & (kind_of != "private") & (kind_of != "home")
    start = np.where(late, h.between("late.day", 1, length - 15, *keys), 0)

    # what happens during the year
    ev = np.full(n, EV_NONE)
    r = h.u("event", *keys)
    p_out = np.where(grade < 0, 0.10, np.where(grade == 12, 0.04, 0.055))
    p_td = np.where(grade < 0, 0.0, np.where(grade == 12, 0.015, 0.025))
    p_re = np.where(grade < 0, 0.0, 0.008)
    p_do = np.where(grade == 12, 0.02, np.where(grade >= 10, 0.012, 0.0))
    p_og = np.where(grade == 12, 0.03, 0.0)
    p_early = np.where(grade == 12, 0.02, 0.0)
    p_11 = np.where(grade == 11, 0.003, 0.0)
    bounds = np.cumsum(np.stack([p_out, p_td, p_re, p_do, p_og, p_early, p_11]), axis=0)
    for k, e in enumerate((EV_OUT, EV_TD, EV_RE, EV_DO, EV_OG, EV_EARLY, EV_11)):
        lo = bounds[k - 1] if k else 0.0
        ev[(r >= lo) & (r < bounds[k]) & (ev == EV_NONE)] = e
    ev[~regular & (kind_of != "online")] = EV_NONE
    ev[(sped | yic) & (ev == EV_RE)] = EV_NONE
    if info.is_charter:
        ev[ev == EV_TD] = EV_NONE
    ev[(kind_of == "online") & (ev == EV_TD)] = EV_NONE

    # last day in membership (index in the school's calendar) of the first enrollment
    last = h.between("exit.day", start + 5, length - 6, *keys)
    q = h.below("early.q", 3, *keys)
    quarter_end = np.stack([length // 4, length // 2, (3 * length) // 4])[q, np.arange(n)] - 1
    last = np.where(ev == EV_OG, h.between("og.day", np.maximum(start + 5, (3 * length) // 4), length - 3, *keys),
                    last)
    last = np.where(ev == EV_EARLY, quarter_end, last)
    last = np.where(ev == EV_11, length // 2 - 1, last)
    ev[(ev != EV_NONE) & (last < start + 5)] = EV_NONE

    # transfers within the LEA go to another regular school of the same calendar serving the grade
    dest = np.full(n, -1)
    td = np.flatnonzero(ev == EV_TD)
    if td.size:
        reg = info.regular()
        for g in np.unique(grade[td]):
            for c in np.unique(cal_id[td]):
                sel = td[(grade[td] == g) & (cal_id[td] == c)]
                cand = np.array([i for i in reg if info.schools[i].serves(int(g)) and info.schools[i].cal_id == c])
                if cand.size < 2 or not sel.size:
                    continue
                pos = h.below("td.dest", cand.size - 1, pid[sel], Y)
                own = np.searchsorted(cand, school[sel])
                dest[sel] = cand[pos + (pos >= own)]
        ev[(ev == EV_TD) & (dest < 0)] = EV_NONE
    second_start = np.where(ev == EV_TD, last + 1 + h.below("td.gap", 3, *keys),
                            last + 1 + h.between("re.gap", 5, 20, *keys))
    ev[(ev == EV_RE) & (second_start > length - 3)] = EV_NONE

    day_of = np.zeros(n, dtype=np.int64)
    last_date = np.zeros(n, dtype=np.int64)
    second_date = np.zeros(n, dtype=np.int64)
    for c, cal in enumerate(info.calendars):
        m = cal_id == c
        day_of[m] = cal.day(start[m])
        last_date[m] = cal.day(last[m])
        second_date[m] = cal.day(second_start[m])

    code = np.zeros(n, dtype=np.int64)
    out_codes = OUT_CHARTER if info.is_charter else OUT_DISTRICT
    away_codes = AWAY_CHARTER if info.is_charter else AWAY_DISTRICT
    code = np.where(ev == EV_OUT, np.where(grade < 0, CODE["WP"], _codes(h, "out.code", out_codes, keys)), code)
    code = np.where(ev == EV_RE, _codes(h, "re.code", away_codes, keys), code)
    code = np.where(ev == EV_TD, CODE["TD"], code)
    code = np.where(ev == EV_DO, CODE["DO"], code)
    code = np.where(ev == EV_OG, CODE["OG"], code)
    code = np.where(ev == EV_EARLY, np.array([CODE["Q1"], CODE["Q2"], CODE["Q3"]])[q], code)
    code = np.where(ev == EV_11, CODE["11"], code)
    exit_date = np.where(ev != EV_NONE, last_date + 1, NO_DATE)

    # state mode: students transferring to another LEA of the state (TS to a district, TR to a charter)
    transfers_out: dict[str, np.ndarray] = {}
    if destinations:
        # (only from the main calendar: a year-round school's days would not add up with another LEA's)
        leaving = np.flatnonzero((ev == EV_OUT) & np.isin(code, [CODE["TS"], CODE["TR"]]) & (cal_id == 0))
        dest_lea = np.full(leaving.size, -1)
        for g in np.unique(grade[leaving]):
            sel = np.flatnonzero(grade[leaving] == g)
            cand = [k for k, (_, _, served) in enumerate(destinations) if int(g) in served]
            if cand:
                dest_lea[sel] = np.array(cand)[h.below("ts.dest", len(cand), pid[leaving[sel]], Y)]
        ok = dest_lea >= 0
        leaving, dest_lea = leaving[ok], dest_lea[ok]
        charter_dest = np.array([destinations[k][1] for k in dest_lea], dtype=bool)
        code[leaving] = np.where(charter_dest, CODE["TR"], CODE["TS"])
        transfers_out = {
            "pid": pid[leaving], "grade": grade[leaving],
            "arrival": exit_date[leaving] + h.below("ts.gap", 5, pid[leaving], Y),
            "dest": np.array([destinations[k][0] for k in dest_lea], dtype="U2"),
        }

    # the rows: first enrollment of everyone, then second enrollments, dual enrollments, arrivals
    kind_row = np.where(kind_of == "private", ROW_PVT, np.where(kind_of == "home", ROW_HSC, ROW_MAIN))
    rows = {
        "stu": np.arange(n), "school": school, "entry": day_of, "exit": exit_date, "code": code,
        "sor": np.ones(n, dtype=bool), "kind": kind_row,
    }
    two = np.flatnonzero((ev == EV_TD) | (ev == EV_RE))
    extra = [{
        "stu": two, "school": np.where(ev[two] == EV_TD, dest[two], school[two]), "entry": second_date[two],
        "exit": np.full(two.size, NO_DATE), "code": np.zeros(two.size, dtype=np.int64),
        "sor": np.ones(two.size, dtype=bool), "kind": np.full(two.size, ROW_SECOND),
    }]
    if online is not None:
        s = info.schools[online]
        dual = np.flatnonzero((grade >= 9) & (grade <= s.high) & (school != online) & regular & (ev == EV_NONE)
                              & ~sped & ~yic & (h.u("dual", *keys) < 0.02))
        if dual.size:
            cal = s.calendar
            from_sem2 = h.u("dual.term", pid[dual], Y) < 0.5
            entry = np.where(from_sem2, cal.day(cal.term_starts["S2"]), np.maximum(day_of[dual], cal.days[0]))
            extra.append({
                "stu": dual, "school": np.full(dual.size, online), "entry": entry,
                "exit": np.full(dual.size, NO_DATE), "code": np.zeros(dual.size, dtype=np.int64),
                "sor": np.zeros(dual.size, dtype=bool), "kind": np.full(dual.size, ROW_DUAL),
            })

    people = {"pid": pid, "grade": grade, "sn": student_number_of(h, lea_num, cohort, rank),
              "own": np.ones(n, dtype=bool), "sped": sped, "yic": yic, "event": ev}

    # arrivals from other LEAs of the state (their ids and identity stay those of their home LEA)
    if transfers_in is not None and transfers_in["pid"].size:
        order = np.argsort(transfers_in["pid"], kind="stable")
        t_pid = transfers_in["pid"][order]
        t_grade = transfers_in["grade"][order]
        arrival = transfers_in["arrival"][order]
        t_school = _place(h, info, t_pid, t_grade, "school.in", base_only=True)
        keep = t_school >= 0
        t_school = np.where(keep, t_school, 0)
        t_cal = [info.schools[i].calendar for i in t_school]
        t_idx = np.array([c.before(a) for c, a in zip(t_cal, arrival, strict=True)], dtype=np.int64)
        t_len = np.array([c.length for c in t_cal], dtype=np.int64)
        keep &= t_idx <= t_len - 5
        t_pid, t_grade, t_school, t_idx = t_pid[keep], t_grade[keep], t_school[keep], t_idx[keep]
        t_entry = np.array([info.schools[i].calendar.day(k) for i, k in zip(t_school, t_idx, strict=True)],
                           dtype=np.int64) if t_pid.size else np.zeros(0, dtype=np.int64)
        m = t_pid.size
        first = n
        people = {
            "pid": np.concatenate([pid, t_pid]), "grade": np.concatenate([grade, t_grade]),
            "sn": np.concatenate([people["sn"], 90_000_000 + np.arange(m)]),
            "own": np.concatenate([people["own"], np.zeros(m, dtype=bool)]),
            "sped": np.concatenate([sped, sped_flags(h, t_pid, t_grade)]),
            "yic": np.concatenate([yic, yic_flags(h, t_pid, t_grade, Y)]),
            "event": np.concatenate([ev, np.full(m, EV_NONE)]),
        }
        extra.append({
            "stu": first + np.arange(m), "school": t_school, "entry": t_entry,
            "exit": np.full(m, NO_DATE), "code": np.zeros(m, dtype=np.int64), "sor": np.ones(m, dtype=bool),
            "kind": np.full(m, ROW_TRANSFER_IN),
        })
    for e in extra:
        for k in rows:
            rows[k] = np.concatenate([rows[k], e[k]])
    return Plan(info, Y, people, rows, transfers_out)


def previous_seniors(h: Hasher, info: LeaInfo, school_year: int, students: int,
                     es: bool = False) -> dict[str, np.ndarray]:
    """Last year's seniors whose completion status changed over the summer (Graduation Pending to a
    diploma): reported in the October update as resident status X records; with `es`, the others
    whose status an Exit Status Change (ES) record updates (until October 2012)."""
    sizes = cohort_sizes(info, students)
    n12 = int(sizes[13])
    rank = np.arange(n12)
    cohort = np.full(n12, school_year - 1)
    pid = make_pid(info.num, cohort, rank)
    u = h.u("gp.update", pid)
    pick = (u >= 0.015) & (u < 0.115) if es else u < 0.015
    pid, rank, cohort = pid[pick], rank[pick], cohort[pick]
    grade = np.full(pid.size, 12)
    school = _place(h, info, pid, grade)
    ok = school >= 0
    return {"pid": pid[ok], "grade": grade[ok], "school": school[ok],
            "sn": student_number_of(h, info.num, cohort[ok], rank[ok])}


__all__ = ["Plan", "LeaInfo", "SchoolInfo", "lea_info", "make_plan", "previous_seniors", "pid_parts"]
