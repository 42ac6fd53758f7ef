"""From a plan to records: what an update of one LEA shows on its as-of date, school by school.

`LeaBuilder` computes the identity and traits of the LEA's students once, then `school(i)` renders
the SC, course master, student, special-program, schedule and incident records of one school as
sheets (see fixed.py) with the keys that order them in the file: course master first, then each
student's S1, S2, S3 and AM records, then incidents with their associations.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import numpy as np

from ..engine.rules.es import LAST_SCHOOL_YEAR as ES_LAST_SCHOOL_YEAR
from ..equivalence import equivalent_days
from ..reference.model import Reference
from ..spec import Period, Specification
from ..testing import apply_overrides, record
from .calendar import NO_DATE, WHICH_MONTH, dnum
from .fixed import Sheet, ident_bytes, table
from .hashing import Hasher
from .names import INCIDENT_WEIGHTS, INCIDENTS
from .people import RACE_FIELDS, identity
from .plan import (
    EARLY_GRAD,
    EV_11,
    EV_EARLY,
    EXIT_CODES,
    GRAD_EXITS,
    ROW_DUAL,
    ROW_HSC,
    ROW_PVT,
    Plan,
    SchoolInfo,
    previous_seniors,
)
from .traits import ENV_K12, ENV_PK, TRIBES, reading, traits

ROW_X = 6  # last year's senior with an updated completion status (resident status X, October only)
GROUP_SC, GROUP_AC, GROUP_STUDENT, GROUP_INCIDENT, GROUP_ES = range(5)
TYPE_RANK = {"S1": 0, "S2": 1, "S3": 2, "AM": 3}
EXIT_TABLE = table(list(EXIT_CODES), 2)
GRADE_TABLE = table(["PK"] + [f"{g:02d}" for g in range(13)], 2)
SUBJECTS = {"01": "ENGLISH", "02": "MATH", "03": "SCIENCE", "04": "SOCIAL STUDIES", "05": "ART", "06": "PE",
            "07": "SPANISH", "08": "HEALTH", "09": "CAREER PREP"}
ELEMENTARY_SUBJECTS = ["LANGUAGE ARTS", "MATH", "SCIENCE", "SOCIAL STUDIES", "ART", "PE"]
GRADE_MARKS = np.array([4000, 3700, 3300, 3000, 2700, 2300, 2000, 1700, 1300, 1000, 700, 0])
COLLEGES = ["49", "50", "52", "53", "54", "56", "58", "59"]


def key(group: int, student: np.ndarray | int, rank: int, seq: np.ndarray | int) -> np.ndarray:
    return (np.int64(group) << np.int64(60)) | (np.asarray(student, dtype=np.int64) << np.int64(28)) \
        | (np.int64(rank) << np.int64(24)) | np.asarray(seq, dtype=np.int64)


@dataclass
class Update:
    """The update being written: its period, as-of date and the DI's WHICH MONTH / SISASOFDATE."""

    period: Period
    as_of: dt.date
    time: str = "09:00:00.000"

    @property
    def day(self) -> int:
        return dnum(self.as_of)

    @property
    def which_month(self) -> str:
        return WHICH_MONTH[self.period]

    @property
    def sisasofdate(self) -> str:
        return f"{self.as_of.isoformat()} {self.time}"


@dataclass
class Part:
    """Records of one type in one school, with their ordering keys."""

    code: str
    sheet: Sheet
    keys: np.ndarray
    plantable: np.ndarray | None = None  # records that may carry a planted defect (None: all)


@dataclass
class Block:
    school: SchoolInfo
    parts: list[Part] = field(default_factory=list)

    def count(self) -> int:
        return sum(p.sheet.n for p in self.parts)


@dataclass
class Courses:
    """The course master of one school (the whole year): one entry per class period."""

    cols: dict[str, np.ndarray]
    slots: dict[tuple[int, int, str], tuple[int, int]]  # (grade, slot, term) -> (first course, sections)

    @property
    def n(self) -> int:
        return int(self.cols["section"].size) if self.cols else 0


def _base36(values: np.ndarray, width: int) -> np.ndarray:
    digits = np.array(list("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"))
    out = np.full(values.size, "", dtype="U8")
    v = values.copy()
    for _ in range(width):
        out = np.char.add(digits[v % 36], out)
        v //= 36
    return out


def _clean_title(title: str) -> str:
    t = "".join(ch if ch.isalnum() else " " for ch in title.upper().replace("(CTE)", ""))
    return " ".join(t.split())[:20]


class LeaBuilder:
    def __init__(self, h: Hasher, ref: Reference, spec: Specification, plan: Plan, update: Update,
                 students: int) -> None:
        self.h, self.ref, self.spec, self.plan, self.update = h, ref, spec, plan, update
        self.info = plan.info
        self.year = plan.school_year
        self.A = update.day
        people = dict(plan.people)
        rows = dict(plan.rows)
        self.es: dict[str, np.ndarray] | None = None
        if update.period == Period.OCTOBER:  # resident status X: last year's seniors, a completion update
            prev = previous_seniors(h, self.info, self.year, students)
            if self.year <= ES_LAST_SCHOOL_YEAR:  # until October 2012 others came as ES records
                self.es = previous_seniors(h, self.info, self.year, students, es=True)
            m = prev["pid"].size
            first = people["pid"].size
            for k, v in (("pid", prev["pid"]), ("grade", prev["grade"]), ("sn", prev["sn"]),
                         ("own", np.ones(m, dtype=bool)), ("sped", np.zeros(m, dtype=bool)),
                         ("yic", np.zeros(m, dtype=bool)), ("event", np.zeros(m, dtype=np.int64))):
                people[k] = np.concatenate([people[k], v])
            entry = np.full(m, dnum(dt.date(self.year - 2, 8, 21)))
            for k, v in (("stu", first + np.arange(m)), ("school", prev["school"]), ("entry", entry),
                         ("exit", np.full(m, NO_DATE)), ("code", np.zeros(m, dtype=np.int64)),
                         ("sor", np.ones(m, dtype=bool)), ("kind", np.full(m, ROW_X))):
                rows[k] = np.concatenate([rows[k], v])
        self.people, self.rows = people, rows
        pid = people["pid"]
        self.grade = people["grade"]
        self.ident = identity(h, pid)
        self.sn_text = ident_bytes(people["sn"], 10)
        self.ssid_text = ident_bytes(self.ident["ssid"], 10)
        cte = self._cte_codes()
        self.cte_areas = sorted({c[:2] for c in cte})
        first_day = min(int(c.days[0]) for c in self.info.calendars)
        self.t = traits(h, pid, self.grade, self.ident, self.year, self.info.num, self.info.is_charter,
                        self.info.migrant_allowed, set(ref.languages), self.cte_areas, first_day)
        self.read = reading(h, pid, self.year)
        self._special_education(pid)
        self._yic(pid)
        # the first day each student was in membership in the LEA this year (reading windows, U.S. entry)
        first_entry = np.full(pid.size, NO_DATE)
        np.minimum.at(first_entry, rows["stu"], rows["entry"])
        self.first_entry = first_entry
        self.t["first_enroll_us"] = np.minimum(self.t["first_enroll_us"], first_entry)
        self.incident_base = 1000 + int(h.below("incident.base", 9000, self.info.num, self.year)) * 1000
        self.school_rows = np.argsort(rows["school"], kind="stable")
        self.school_bounds = np.searchsorted(rows["school"][self.school_rows], np.arange(len(self.info.schools) + 1))

    # -- special programs, per person --------------------------------------------------------------
    def _special_education(self, pid: np.ndarray) -> None:
        h, Y, base = self.h, self.year, self.info.calendars[0]
        D = base.length
        g = self.grade
        prior = h.u("sped.prior", pid) < np.where(g < 0, 0.5, 0.85)
        years_back = 1 + h.below("sped.years", np.clip(g + 1, 1, 6), pid)
        sep1 = np.array([dnum(dt.date(y, 9, 1)) for y in range(1990, 2090)])
        old_start = sep1[np.clip(Y - 1 - years_back - 1990, 0, 99)] + h.below("sped.day", 120, pid)
        new_start = base.day(h.between("sped.new", 10, D - 40, pid, Y))
        self.sp_start = np.where(prior, old_start, new_start)
        time_pk = np.array([0, 1])[h.choice("sped.time.pk", [0.6, 0.4], pid)]
        self.sp_t1 = np.where(g < 0, time_pk, h.choice("sped.time", [0.45, 0.38, 0.17], pid))
        change = h.u("sped.change", pid, Y) < 0.10
        self.sp_change = np.where(change, base.day(h.between("sped.chg", 30, D - 30, pid, Y)), NO_DATE)
        self.sp_change = np.where(self.sp_change > self.sp_start + 20, self.sp_change, NO_DATE)
        self.sp_t2 = (self.sp_t1 + 1 + h.below("sped.t2", 2, pid, Y)) % 3
        self.sp_t2 = np.where(g < 0, 1 - self.sp_t1, self.sp_t2)
        exited = (h.u("sped.exit", pid, Y) < 0.04) & (self.sp_change == NO_DATE)
        self.sp_end = np.where(exited, base.day(h.between("sped.end", 30, D - 10, pid, Y)), NO_DATE)
        self.sp_end = np.where(self.sp_end > self.sp_start + 20, self.sp_end, NO_DATE)
        self.sp_env = np.where(g < 0, table(list(ENV_PK), 1)[h.choice("env.pk", list(ENV_PK.values()), pid)],
                               table(list(ENV_K12), 1)[h.choice("env", list(ENV_K12.values()), pid)])
        # students who left special education in one of the two previous school years (no S2 records)
        past = ~self.people["sped"] & (g >= 1) & (h.u("sped.past", pid) < 0.015)
        past_day = np.array([dnum(dt.date(Y - 2, 9, 1)), dnum(dt.date(Y - 3, 9, 1))])[h.below("sped.pd", 2, pid)] \
            + h.below("sped.pdd", 250, pid)
        self.sp_past_exit = np.where(past, past_day, NO_DATE)

    def _yic(self, pid: np.ndarray) -> None:
        h, Y, base = self.h, self.year, self.info.calendars[0]
        D = base.length
        self.yic_custody = table(["DCFS", "DJJS", "BOIA"], 4)[h.choice("yic.custody", [0.6, 0.37, 0.03], pid, Y)]
        t = h.choice("yic.time", [0.5, 0.4, 0.1], pid, Y)
        self.yic_time = np.where(self.people["sped"] & (t == 2), 1, t)
        self.yic_env = np.where(self.yic_time == 2, table(["R", "T", "H"], 1)[h.choice("yic.envc", [0.6, 0.3, 0.1],
                                                                                   pid, Y)], b"V")
        in_year = h.u("yic.inyear", pid, Y) < 0.6
        self.yic_start = np.where(in_year, base.day(h.between("yic.start", 0, D - 40, pid, Y)),
                                  dnum(dt.date(Y - 2, 10, 1)) + h.below("yic.old", 300, pid, Y))
        ends = h.u("yic.ends", pid, Y) < 0.3
        self.yic_end = np.where(ends, base.day(np.minimum(base.before(self.yic_start) + 20 + h.below("yic.len", 60,
                                                                                                  pid, Y), D - 2)),
                                NO_DATE)
        self.yic_reason = table(["A", "S"], 1)[h.below("yic.reason", 2, pid, Y)]

    # -- the DI -------------------------------------------------------------------------------------
    def di(self) -> Sheet:
        sh = Sheet(self.spec.layout("DI"), 1)
        sh.text("lea_number", self.info.number)
        sh.text("year_identifier", ",YR=")
        sh.digits("school_year", self.year)
        sh.text("month_identifier", ",OK=")
        sh.text("which_month", self.update.which_month)
        sh.text("sisasofdate", self.update.sisasofdate)
        return sh

    def _cte_codes(self) -> list[str]:
        return sorted(c for c, v in self.ref.core_codes.items()
                      if v.active and v.grade_low >= 9 and ("CTE" in v.title.upper()) and c[6:8] != "13")

    # -- one school ---------------------------------------------------------------------------------
    def school(self, si: int) -> Block:
        s = self.info.schools[si]
        block = Block(s)
        sc = Sheet(self.spec.layout("SC"), 1)
        sc.text("school_number", s.number)
        sc.digits("days_in_school_year", s.calendar.length)
        sc.digits("last_day_of_school", s.calendar.last_day.month * 100 + s.calendar.last_day.day)
        sc.text("schedule_year_type", s.year_type)
        sc.text("schedule_day_type", s.day_type)
        sc.text("lea_number", self.info.number)
        block.parts.append(Part("SC", sc, key(GROUP_SC, 0, 0, 0)))

        idx = self.school_rows[self.school_bounds[si]:self.school_bounds[si + 1]]
        courses = self._courses(si, idx)
        if courses.n:
            block.parts.append(Part("AC", self._ac(s, courses), key(GROUP_AC, 0, 0, np.arange(courses.n))))
        vis = idx[self.rows["entry"][idx] < self.A]
        if vis.size == 0:
            return block
        sn = self.people["sn"][self.rows["stu"][vis]]
        order = np.lexsort((self.rows["entry"][vis], sn))
        vis = vis[order]
        sn = sn[order]
        stu_ord = np.unique(sn, return_inverse=True)[1]
        r = self._row_view(s, vis)
        s2 = self._s2(s, r)
        s3 = self._s3(s, r)
        s1 = self._s1(s, r)
        ordinary = (r["kind"] != ROW_X) & (r["kind"] != ROW_PVT) & (r["kind"] != ROW_HSC) & (r["kind"] != ROW_DUAL)
        block.parts.append(Part("S1", s1, key(GROUP_STUDENT, stu_ord, TYPE_RANK["S1"], np.arange(vis.size)),
                                ordinary))
        for code, made in (("S2", s2), ("S3", s3)):
            if made is not None:
                sheet, at, seq = made
                block.parts.append(Part(code, sheet, key(GROUP_STUDENT, stu_ord[at], TYPE_RANK[code], seq)))
        am = self._am(s, r, courses)
        if am is not None:
            sheet, at, seq = am
            block.parts.append(Part("AM", sheet, key(GROUP_STUDENT, stu_ord[at], TYPE_RANK["AM"], seq)))
        inc = self._incidents(si, s, idx)
        if inc is not None:
            block.parts.extend(inc)
        es = self._es(si)
        if es is not None:
            block.parts.append(Part("ES", es, key(GROUP_ES, 0, 0, np.arange(es.n))))
        return block

    def ssids(self) -> np.ndarray:
        """Every SSID this LEA's file names (enrolled students and ES records)."""
        if self.es is None:
            return self.ident["ssid"]
        return np.concatenate([self.ident["ssid"], identity(self.h, self.es["pid"])["ssid"]])

    def _es(self, si: int) -> Sheet | None:
        """Exit Status Change records: last year's seniors of this school whose status changed over the
        summer, sent as ES records (accepted until the October 2012 update; no S1 for them)."""
        if self.es is None:
            return None
        at = np.flatnonzero(self.es["school"] == si)
        if not at.size:
            return None
        pid = self.es["pid"][at]
        ident = identity(self.h, pid)
        sh = Sheet(self.spec.layout("ES"), at.size)
        sh.text("student_number", ident_bytes(self.es["sn"][at], 10))
        sh.text("last_name", ident["last_name"])
        sh.text("first_name", ident["first_name"])
        sh.date("birth_date", ident["birth"])
        sh.text("gender", ident["gender"])
        status = np.array([b"GR", b"GG", b"CT", b"GC"], dtype="S2")
        sh.text("updated_status", status[self.h.choice("es.status", [0.8, 0.1, 0.05, 0.05], pid)])
        sh.text("ssid", ident_bytes(ident["ssid"], 10))
        sh.text("lea_number", self.info.number)
        return sh

    def _row_view(self, s: SchoolInfo, vis: np.ndarray) -> dict[str, np.ndarray]:
        rows, A, cal = self.rows, self.A, s.calendar
        stu = rows["stu"][vis]
        entry, exit_ = rows["entry"][vis], rows["exit"][vis]
        kind = rows["kind"][vis]
        end = np.minimum(exit_, A)
        total = cal.between(entry, end)
        total[kind == ROW_X] = 0
        return {
            "row": vis, "stu": stu, "sn": self.people["sn"][stu], "grade": self.grade[stu], "entry": entry,
            "exit": exit_, "shown": exit_ <= A, "code": rows["code"][vis], "sor": rows["sor"][vis], "kind": kind,
            "end": end, "total": total, "c_days": np.zeros(vis.size, dtype=np.int64),
            "has_s2": np.zeros(vis.size, dtype=bool),
        }

    # -- special education (S2) and youth in custody (S3) ---------------------------------------------
    def _segments(self, s: SchoolInfo, r: dict[str, np.ndarray], who: np.ndarray, starts: list[np.ndarray],
                  ends: list[np.ndarray]) -> list[dict[str, np.ndarray]]:
        """Overlap of program segments with the school's enrollments: days, exit date and reason."""
        out = []
        cal, A = s.calendar, self.A
        for k, (st, en) in enumerate(zip(starts, ends, strict=True)):
            st_, en_ = st[who], en[who]
            lo = np.maximum(st_, r["entry"][who])
            hi = np.minimum(np.minimum(en_, r["exit"][who]), A)
            days = cal.between(lo, hi)
            ok = (st_ < A) & (days >= 2)
            seg_exit = (en_ <= A) & (en_ <= r["exit"][who])
            school_exit = ~seg_exit & r["shown"][who]
            out.append({"at": who[ok], "seg": np.full(int(ok.sum()), k), "start": st_[ok], "days": days[ok],
                        "exit": np.where(seg_exit, en_, np.where(school_exit, r["exit"][who], 0))[ok],
                        "exited": (seg_exit | school_exit)[ok], "by_school": school_exit[ok]})
        return out

    def _s2(self, s: SchoolInfo, r: dict[str, np.ndarray]) -> tuple[Sheet, np.ndarray, np.ndarray] | None:
        stu = r["stu"]
        who = np.flatnonzero(self.people["sped"][stu] & r["sor"] & (r["kind"] != ROW_X)
                             & (r["kind"] != ROW_PVT) & (r["kind"] != ROW_HSC))
        if not who.size:
            return None
        p = stu  # person index per row
        first_end = np.minimum(self.sp_change, self.sp_end)
        segs = self._segments(s, r, who, [self.sp_start[p], self.sp_change[p]], [first_end[p], np.full(p.size, NO_DATE)])
        at = np.concatenate([x["at"] for x in segs])
        if not at.size:
            return None
        seg = np.concatenate([x["seg"] for x in segs])
        days = np.concatenate([x["days"] for x in segs])
        ex = np.concatenate([x["exit"] for x in segs])
        exited = np.concatenate([x["exited"] for x in segs])
        by_school = np.concatenate([x["by_school"] for x in segs])
        start = np.concatenate([x["start"] for x in segs])
        person = stu[at]
        time = np.where(seg == 0, self.sp_t1[person], self.sp_t2[person])
        changed = self.sp_change[person] != NO_DATE
        reason = np.where(by_school, b"X", np.where(changed & (seg == 0), b"S", b"A"))
        pk = self.grade[person] < 0
        self_contained = (time == 2) & ~pk
        np.add.at(r["c_days"], at[self_contained], days[self_contained])
        r["has_s2"][at] = True
        n = at.size
        sh = Sheet(self.spec.layout("S2"), n)
        sh.text("student_number", self.sn_text[person])
        dis = self.t["disability"][person]
        sh.text("disability_type", dis)
        sh.text("time", table(["A", "B", "C"], 1)[time])
        sh.date("scram_entry_date", start)
        sh.date("scram_exit_date", ex, exited)
        sh.text("scram_exit_reason", reason.astype("S1"), exited)
        self._s2_membership = (at, days, self_contained)
        sh.digits("scram_membership", 0)  # filled in by _s1 once school membership is known
        regular = np.where(time == 2, b"3", np.where(time == 1, np.where(self.h.u("rp", self.people["pid"][person])
                                                                          < 0.7, b"2", b"1"), b"1"))
        sh.text("regular_percent", regular.astype("S1"), ~pk)
        env = self.sp_env[person]
        env = np.where(self_contained, np.where(self.h.u("env.c", self.people["pid"][person]) < 0.75, b"V", b"S"), env)
        sh.text("environment", env.astype("S1"))
        sh.text("lea_number", self.info.number)
        sh.text("school_number", s.number)
        self._s2_sheet = sh
        return sh, at, seg

    def _s3(self, s: SchoolInfo, r: dict[str, np.ndarray]) -> tuple[Sheet, np.ndarray, np.ndarray] | None:
        stu = r["stu"]
        who = np.flatnonzero(self.people["yic"][stu] & r["sor"] & (r["kind"] != ROW_X))
        if not who.size:
            return None
        seg = self._segments(s, r, who, [self.yic_start[stu]], [self.yic_end[stu]])[0]
        at = seg["at"]
        if not at.size:
            return None
        person = stu[at]
        time = self.yic_time[person]
        self_contained = time == 2
        np.add.at(r["c_days"], at[self_contained], seg["days"][self_contained])
        sh = Sheet(self.spec.layout("S3"), at.size)
        sh.text("student_number", self.sn_text[person])
        sh.text("custody_type", self.yic_custody[person])
        sh.text("time", table(["A", "B", "C"], 1)[time])
        sh.text("environment", self.yic_env[person].astype("S1"))
        sh.date("yic_entry_date", seg["start"])
        sh.date("yic_exit_date", seg["exit"], seg["exited"])
        sh.text("yic_exit_reason", np.where(seg["by_school"], b"X", self.yic_reason[person]).astype("S1"),
                seg["exited"])
        sh.text("lea_number", self.info.number)
        sh.text("school_number", s.number)
        self._s3_membership = (at, seg["days"], self_contained)
        self._s3_sheet = sh
        return sh, at, np.zeros(at.size, dtype=np.int64)

    # -- the student record (S1) --------------------------------------------------------------------
    def _s1(self, s: SchoolInfo, r: dict[str, np.ndarray]) -> Sheet:
        h, t, A, Y = self.h, self.t, self.A, self.year
        period = self.update.period
        p = r["stu"]
        g = r["grade"]
        n = p.size
        kind = r["kind"]
        x = kind == ROW_X
        pvt, hsc = kind == ROW_PVT, kind == ROW_HSC
        enrolled = ~x & ~pvt & ~hsc
        D = s.calendar.length
        ident = self.ident
        pid = self.people["pid"][p]

        # membership: regular days, self-contained days apart (S2/S3 time C), 180-day equivalents
        total = r["total"]
        regular_days = total - r["c_days"]
        member = np.where(r["sor"] & enrolled, equivalent_days(regular_days, D), 0)
        whole = np.where(r["sor"] & enrolled, equivalent_days(total, D), 0)
        for name in ("_s2_membership", "_s3_membership"):
            got = getattr(self, name, None)
            if got is None:
                continue
            at, days, sc = got
            eq = np.where(sc, whole[at] - member[at], np.minimum(equivalent_days(days, D), member[at]))
            sheet = self._s2_sheet if name == "_s2_membership" else self._s3_sheet
            sheet.digits("scram_membership" if name == "_s2_membership" else "yic_membership", np.maximum(eq, 1))
            delattr(self, name)
        rate = 0.90 + 0.095 * h.u("attendance", pid, Y)
        attended = np.where(r["sor"] & enrolled, equivalent_days(np.floor(total * rate).astype(np.int64), D), 0)

        sh = Sheet(self.spec.layout("S1"), n)
        sh.text("student_number", self.sn_text[p])
        conc = t["concentrator"][p]
        has_conc = (conc != b"") & (g >= 11) & enrolled
        sh.text("concentrator", conc, has_conc)
        sh.digits("ssn", t["ssn"][p], has_conc & (g == 12))
        sh.text("last_name", ident["last_name"][p])
        sh.text("first_name", ident["first_name"][p])
        sh.text("middle_name", ident["middle_name"][p])
        sh.date("birth_date", ident["birth"][p])
        sh.text("gender", ident["gender"][p])
        sh.text("ethnicity", np.where(ident["hispanic"][p], b"Y", b"N").astype("S1"))
        for k, fid in enumerate(RACE_FIELDS):
            sh.flag(fid, ident["races"][k][p])
        sh.text("grade_level", GRADE_TABLE[g + 1])
        sh.date("entry_date", r["entry"])
        shown = r["shown"] & ~x
        sh.date("exit_date", r["exit"], shown)
        sh.text("exit_code", EXIT_TABLE[r["code"]], shown)
        sh.digits("school_membership", member)
        sh.text("school_membership", b"PVT", pvt)
        sh.text("school_membership", b"HSC", hsc)

        # completion status of seniors (and of early graduates)
        status = np.full(n, b"", dtype="S2")
        grad_exit = shown & np.isin(r["code"], GRAD_EXITS)
        status[grad_exit] = b"GR"
        sped_here = r["has_s2"]
        status[grad_exit & sped_here & (g == 12) & (h.u("g3", pid) < 0.3)] = b"G3"
        if period == Period.YEAR_END:
            senior = (g == 12) & r["sor"] & ~x & ~r["shown"]
            u = h.u("completion", pid, Y)
            st = np.where(u < 0.02, b"RT", np.where(u < 0.04, b"GP", np.where(u < 0.065, b"DO", b"GR")))
            st = np.where(sped_here & (u >= 0.065) & (h.u("g3", pid) < 0.3), b"G3", st)
            st = np.where(sped_here & (u >= 0.065) & (h.u("g3", pid) >= 0.85), b"CT", st)
            st = np.where(t["military"][p] & (st == b"GR") & (h.u("gm", pid) < 0.3), b"GM", st)
            status[senior] = st[senior]
        status[x] = b"GR"
        sh.text("hs_completion_status", status)

        sh.flag("voc_academ_disadv", t["voc_disadv"][p] & enrolled & (g >= 9), b"D")
        sh.flag("tech_prep", t["tech_prep"][p] & (g >= 11))
        amind = ident["races"][0][p]
        sh.text("tribal_affiliation", table(list(TRIBES), 1)[h.choice("tribe", list(TRIBES.values()), pid)], amind)
        sh.text("limited_english", t["limited_english"][p])
        sh.text("economic_disadv", t["economic"][p])
        sh.text("resident_status", np.where(x, b"X", t["resident"][p]).astype("S1"))
        sh.digits("phone_number", t["phone"][p], t["has_phone"][p] | self.people["sped"][p])
        sh.flag("migrant", t["migrant"][p] & enrolled)
        sh.digits("days_attended", attended)
        sh.text("homeless", np.where(x, b"0", t["homeless"][p]).astype("S1"))
        immigrant = t["immigrant"][p] & ~x
        sh.date("first_enroll_us", t["first_enroll_us"][p], immigrant)
        sh.text("ell_native_language", t["native_language"][p])
        sh.text("ell_parent_language", t["parent_language"][p])
        sh.date("ell_monitored_entry_date", t["ell_monitored"][p], t["limited_english"][p] == b"F")
        sh.digits("zip_code", t["zip"][p])
        sh.text("mesa", t["mesa"][p])
        sh.text("district_of_residence", t["district_of_residence"][p])
        sh.flag("school_of_record", ~r["sor"], b"N")
        sh.flag("gifted", t["gifted"][p])
        sh.flag("services_504", t["s504"][p])
        sh.text("ell_instruction_type", t["ell_instruction"][p])
        sh.flag("nclb_school_choice", t["school_choice"][p] & enrolled)
        sh.text("nclb_supp_serv_lang", t["supp_lang"][p])
        sh.text("nclb_supp_serv_math", t["supp_math"][p])
        sh.text("ssid", self.ssid_text[p])
        gpa_due = (g >= 10) | ((g == 9) & (period in (Period.YEAR_END, Period.MONTHLY)))
        gpa_due &= (g >= 9) & ~x
        ngpa = t["ngpa"][p] & self.people["sped"][p]
        sh.digits("cumulative_gpa", t["gpa"][p], gpa_due & ~ngpa)
        sh.text("cumulative_gpa", b"NGPA", gpa_due & ngpa)
        # left special education: this year (all S2 records exited) or in the two previous years
        sp_end = self.sp_end[p]
        left = (sp_end <= A) & (sp_end <= r["exit"]) & self.people["sped"][p]
        past = self.sp_past_exit[p]
        sped_exit = np.where(left, sp_end, past)
        sh.date("special_ed_exit_date", sped_exit, (left | (past != NO_DATE)) & enrolled)
        sh.text("kindergarten_type", t["kindergarten"][p], g == 0)
        sh.flag("military_child", t["military"][p])
        sh.flag("refugee", t["refugee"][p] & ~x)
        sh.flag("immigrant", immigrant)
        self._reading(sh, r, p, g, ~x)
        sh.text("race_observer", ident["race_observer"][p])
        sh.text("accompanied", np.where(x, b" ", t["accompanied"][p]).astype("S1"))
        sh.text("lea_number", self.info.number)
        sh.text("school_number", s.number)
        ev = self.people["event"][p]
        early = (t["early_intent"][p] | (ev == EV_EARLY) | (ev == EV_11)) & enrolled & (g >= 11)
        early |= shown & np.isin(r["code"], EARLY_GRAD)
        sh.flag("early_graduate", early)
        return sh

    def _reading(self, sh: Sheet, r: dict[str, np.ndarray], p: np.ndarray, g: np.ndarray,
                 enrolled: np.ndarray) -> None:
        """Grades 1-3: fall from December, mid-year from February, spring at Year-End; U when the student
        was not enrolled during the testing window."""
        Y, A = self.year, self.A
        rd = {k: v[p] for k, v in self.read.items()}
        first = self.first_entry[p]
        exit_ = r["exit"]
        primary = (g >= 1) & (g <= 3) & enrolled

        def designation(opens: dt.date, closes: dt.date) -> np.ndarray:
            return (first <= dnum(closes)) & (exit_ > dnum(opens))

        windows = {
            "read_grade_level_fall": ("fall", dt.date(Y - 1, 12, 1), dt.date(Y - 1, 9, 15), dt.date(Y - 1, 10, 31)),
            "read_grade_level_mid": ("mid", dt.date(Y, 2, 1), dt.date(Y, 1, 2), dt.date(Y, 1, 31)),
            "read_grade_level_spring": ("spring", dt.date(Y, 7, 1), dt.date(Y, 4, 15), dt.date(Y, 5, 15)),
        }
        for fid, (name, due, opens, closes) in windows.items():
            if dnum(due) <= A:
                sh.text(fid, np.where(designation(opens, closes), rd[name], b"U").astype("S1"), primary)
        if dnum(dt.date(Y - 1, 12, 1)) <= A:
            sh.text("reading_intervention", rd["intervention"], primary)

    # -- course master (AC) and schedules (AM) --------------------------------------------------------
    def _codes_for(self, grade: int) -> tuple[list[str], list[str], list[str], str | None]:
        """Core codes active for a grade: regular courses, CTE courses, concurrent courses, homeroom."""
        cache = self.__dict__.setdefault("_codes", {})
        if grade not in cache:
            cache[grade] = self._find_codes(grade)
        return cache[grade]

    def _find_codes(self, grade: int) -> tuple[list[str], list[str], list[str], str | None]:
        active = [(c, v) for c, v in sorted(self.ref.core_codes.items()) if v.active and v.grade_low <= grade <= v.grade_high]
        concurrent = [c for c, _ in active if c[6:8] == "13"]
        cte = [c for c, v in active if "CTE" in v.title.upper() and c[6:8] != "13"]
        home = sorted((c for c, v in active if v.grade_low == v.grade_high == grade),
                      key=lambda c: (not c.startswith("22"), c))
        regular = sorted((c for c, v in active if c not in concurrent and c not in cte
                          and (grade <= 6 or not c.startswith("22"))),
                         key=lambda c: (self.ref.core_codes[c].grade_high - self.ref.core_codes[c].grade_low, c))
        if grade >= 6:
            regular = [c for c in regular if c not in home or grade == 6] or regular
        homeroom = home[0] if home else (regular[0] if regular else None)
        return regular, cte, concurrent, homeroom

    def _courses(self, si: int, idx: np.ndarray) -> Courses:
        s = self.info.schools[si]
        h, lea = self.h, self.info.num
        school = int(s.number)
        kinds = self.rows["kind"][idx]
        idx = idx[(kinds != ROW_X) & (kinds != ROW_PVT) & (kinds != ROW_HSC)]
        grades, counts = np.unique(self.grade[self.rows["stu"][idx]], return_counts=True)
        D = s.calendar.length
        parts: list[dict[str, np.ndarray]] = []
        slots: dict[tuple[int, int, str], tuple[int, int]] = {}
        other_hs = [o.number for o in self.info.schools
                    if o.kind == "regular" and o.number != s.number and o.serves(12)]
        setting = "ON" if s.kind == "online" else "FF"
        total = 0

        def add(grade: int, slot: int, term: str, codes: np.ndarray, cte: np.ndarray, conc: np.ndarray) -> None:
            nonlocal total
            n_sec = codes.size
            slots[(grade, slot, term)] = (total, n_sec)
            total += n_sec
            sec = np.arange(n_sec)
            start, end = {"YR": (0, D), "S1": (0, D // 2), "S2": (D // 2, D)}[term]
            gg = "PK" if grade < 0 else "KG" if grade == 0 else f"{grade:02d}"
            label = _base36(sec + 1, 2 if n_sec < 1296 else 3)
            if slot == 0:
                section = np.char.add(f"HR{gg}", label)
                titles = np.full(n_sec, "PRESCHOOL" if grade < 0 else "KINDERGARTEN" if grade == 0 else f"GRADE {grade}")
            else:
                tl = {"YR": "Y", "S1": "F", "S2": "S"}[term]
                section = np.char.add(np.char.add(np.char.ljust(codes, 4).astype("U4"), f"{gg}{slot}{tl}"), label)
                uniq, inv = np.unique(codes, return_inverse=True)
                titles = np.array([self._title(str(c), grade, slot) for c in uniq])[inv]
            parts.append({
                "section": section, "period": np.full(n_sec, max(slot, 1)), "term": np.full(n_sec, term),
                "start": np.full(n_sec, start), "end": np.full(n_sec, end), "core": codes, "title": titles,
                "cte": cte, "concurrent": conc, "grade": np.full(n_sec, grade), "slot": np.full(n_sec, slot),
                "sec": sec,
            })

        for grade, count in zip(grades.tolist(), counts.tolist(), strict=True):
            regular, cte, concurrent, homeroom = self._codes_for(grade)
            if s.homeroom(grade):
                if homeroom is not None:
                    n_sec = max(1, -(-count // 25))
                    no = np.zeros(n_sec, dtype=bool)
                    add(grade, 0, "YR", np.full(n_sec, homeroom), no, no)
                continue
            if not regular:
                continue
            n_sec = max(1, -(-count // 30))
            sec = np.arange(n_sec)
            terms = [(p, "YR") for p in range(1, 6)] + ([(6, "S1"), (6, "S2")] if grade >= 7 else [(6, "YR")])
            for slot, term in terms:
                # subjects rotate with the grade, so a teacher's sections of one subject fall in
                # different periods; the spring half of period 6 is a seventh subject where there is one
                nreg = len(regular)
                pick = regular[(slot - 1 + grade) % nreg] if term != "S2" else regular[(6 + grade) % nreg]
                if term == "S2" and pick == regular[(5 + grade) % nreg] and nreg > 1:
                    pick = regular[(7 + grade) % nreg]
                codes = np.full(n_sec, pick)
                is_cte = np.zeros(n_sec, dtype=bool)
                if cte and grade >= 9:
                    is_cte = ((slot == 5) & ((sec + grade) % 3 == 0)) | \
                        ((term == "S2") & (grade >= 10) & ((sec + grade) % 2 == 0))
                    codes = np.where(is_cte, np.array(cte)[(sec + grade + slot) % len(cte)], codes)
                is_conc = np.zeros(n_sec, dtype=bool)
                if concurrent and grade >= 11 and slot == 4:
                    is_conc = ~is_cte & ((sec + grade) % 2 == 1)
                    codes = np.where(is_conc, np.array(concurrent)[(sec + grade) % len(concurrent)], codes)
                add(grade, slot, term, codes, is_cte, is_conc)
        if not parts:
            return Courses({}, {})
        c = {k: np.concatenate([p[k] for p in parts]) for k in parts[0]}
        cte, conc, grade, slot, sec = c["cte"], c["concurrent"], c["grade"], c["slot"], c["sec"]
        code_int = c["core"].astype(np.int64)
        # a teacher per (subject, section): the same teacher takes section k of a subject in each grade
        t1 = 100_000 + h.below("teacher", 8_900_000, lea, school, code_int, sec, np.where(cte | conc, grade, -1))
        key_ = (lea, school, grade, slot, sec)
        co = (slot > 0) & (h.u("coteach", *key_) < 0.08)
        t2 = np.where(co, 100_000 + h.below("teacher2", 8_900_000, *key_), 0)
        t2 = np.where(t2 == t1, t2 + 1, t2)
        three = co & (h.u("coteach3", *key_) < 0.25)
        t3 = np.where(three, 100_000 + h.below("teacher3", 8_900_000, *key_), 0)
        t3 = np.where(three & ((t3 == t1) | (t3 == t2)), np.maximum(t1, t2) + 1, t3)
        away = cte & (len(other_hs) > 0) & (h.u("where", *key_) < 0.25)
        college = np.array(COLLEGES)[h.below("college", len(COLLEGES), lea, school, grade, sec)]
        c.update({
            "teacher1": t1, "teacher2": t2, "teacher3": t3,
            "cip": np.where(cte, code_int // 10_000_000 * 100 + 1, 0),
            "sem_len": np.where(cte, np.select([c["term"] == "S1", c["term"] == "S2"], [1, 2], 4), 0),
            "college": np.where(conc, college, ""), "campus": np.where(conc, "H", ""),
            "setting": np.full(grade.size, setting),
            "where_dist": np.where(away, self.info.number, ""),
            "where_schl": np.where(away, np.array(other_hs or [""])[sec % max(len(other_hs), 1)], ""),
        })
        return Courses(c, slots)

    def _title(self, code: str, grade: int, slot: int) -> str:
        cache = self.__dict__.setdefault("_titles", {})
        got = cache.get((code, grade, slot))
        if got is None:
            got = cache[(code, grade, slot)] = self._make_title(code, grade, slot)
        return got

    def _make_title(self, code: str, grade: int, slot: int) -> str:
        ref = self.ref.core_codes[code]
        if code.startswith("22"):
            return f"{ELEMENTARY_SUBJECTS[(slot - 1) % 6]} {grade}"
        if "CTE" in ref.title.upper() or code[6:8] == "13" or code[:2] not in SUBJECTS:
            return _clean_title(ref.title)
        return f"{SUBJECTS[code[:2]]} {grade}"

    def _ac(self, s: SchoolInfo, c: Courses) -> Sheet:
        cols = c.cols
        sh = Sheet(self.spec.layout("AC"), c.n)
        sh.text("course_section", cols["section"].astype("S12"))
        sh.digits("period", cols["period"])
        sh.text("where_taught_dist", cols["where_dist"].astype("S2"))
        sh.text("where_taught_schl", cols["where_schl"].astype("S3"))
        sh.ident("teacher1_id", cols["teacher1"])
        sh.ident("teacher2_id", cols["teacher2"], cols["teacher2"] > 0)
        sh.ident("teacher3_id", cols["teacher3"], cols["teacher3"] > 0)
        sh.digits("cip_code", cols["cip"], cols["cte"])
        sh.digits("semester_length", cols["sem_len"], cols["cte"])
        sh.text("course_title", cols["title"].astype("S20"))
        sh.text("core_code", cols["core"].astype("S11"))
        sh.text("college_granting_cr", cols["college"].astype("S2"))
        sh.text("where_taught_campus", cols["campus"].astype("S1"))
        sh.text("instruct_setting", cols["setting"].astype("S2"))
        sh.text("term", cols["term"].astype("S4"))
        sh.text("cycle", "A")
        sh.text("lea_number", self.info.number)
        sh.text("school_number", s.number)
        return sh

    def _am(self, s: SchoolInfo, r: dict[str, np.ndarray], c: Courses
            ) -> tuple[Sheet, np.ndarray, np.ndarray] | None:
        if not c.n:
            return None
        h, A, cal = self.h, self.A, s.calendar
        D = cal.length
        school = int(s.number)
        kind = r["kind"]
        takes = (kind != ROW_X) & (kind != ROW_PVT) & (kind != ROW_HSC)
        pid = self.people["pid"][r["stu"]]
        at_l, course_l, seq_l = [], [], []
        dual = kind == ROW_DUAL
        dual_slot = 1 + h.below("dual.slot", 6, pid, school)
        sem2 = int(cal.days[D // 2])
        for (grade, slot, term), (first, n_sec) in c.slots.items():
            sel = takes & (r["grade"] == grade)
            if slot > 0:
                sel &= ~dual | ((dual_slot == slot) & ((term == "YR") | ((term == "S2") == (r["entry"] >= sem2))))
            who = np.flatnonzero(sel)
            if not who.size:
                continue
            sec = h.below("section", n_sec, pid[who], school, slot, {"YR": 0, "S1": 1, "S2": 2}[term])
            at_l.append(who)
            course_l.append(first + sec)
            seq_l.append(np.full(who.size, slot * 4 + {"YR": 0, "S1": 1, "S2": 2}[term]))
        if not at_l:
            return None
        at = np.concatenate(at_l)
        course = np.concatenate(course_l)
        seq = np.concatenate(seq_l)
        cols = c.cols
        c_start = cal.days[cols["start"][course]]
        c_exit = cal.days[cols["end"][course] - 1] + 1  # the day after the last day of instruction
        entry = np.maximum(r["entry"][at], c_start)
        exit_full = np.minimum(r["exit"][at], c_exit)
        ok = (entry < exit_full) & (entry < A)
        at, course, seq, entry, exit_full, c_exit = at[ok], course[ok], seq[ok], entry[ok], exit_full[ok], c_exit[ok]
        n = at.size
        if not n:
            return None
        days = cal.between(entry, np.minimum(exit_full, A))
        shown = exit_full <= A
        grade = r["grade"][at]
        p = pid[at]
        finished = shown & (exit_full == c_exit) & (grade >= 7)
        base = np.clip(np.searchsorted(-GRADE_MARKS, -self.t["gpa"][r["stu"][at]]) + h.below(
            "mark", 5, p, course, school) - 2, 0, GRADE_MARKS.size - 1)
        mark = GRADE_MARKS[base]
        hs = grade >= 9
        term = cols["term"][course]
        attempted = np.where(term == "YR", 1000, 500)
        earned = np.where(finished & (mark >= 700), attempted, 0)
        sh = Sheet(self.spec.layout("AM"), n)
        sh.text("student_number", self.sn_text[r["stu"][at]])
        sh.text("course_number", cols["section"][course].astype("S12"))
        sh.digits("period", cols["period"][course])
        sh.digits("aggregate_memb", equivalent_days(days, D))
        sh.date("course_entry_date", entry)
        sh.date("course_exit_date", exit_full, shown)
        sh.digits("credits_attempted", attempted, hs)
        sh.digits("grade_earned", mark, finished, width=4)
        cte = cols["cte"][course]
        sh.digits("actual_membership", days, cte)
        conc = cols["concurrent"][course]
        sh.text("concurr_enrolled", np.where(h.u("concurrent", p, course) < 0.75, b"Y", b"N").astype("S1"), conc)
        sh.digits("credit_earned", earned, hs)
        sh.text("lea_number", self.info.number)
        sh.text("school_number", s.number)
        return sh, at, seq

    # -- incidents (I1, I2) -------------------------------------------------------------------------
    def _incidents(self, si: int, s: SchoolInfo, idx: np.ndarray) -> list[Part] | None:
        """Incidents of the whole year at this school (dated within an involved student's enrollment);
        those before the as-of date are reported. Numbering is the LEA's, unique in the year."""
        h, A, cal = self.h, self.A, s.calendar
        lea, school = self.info.num, int(s.number)
        rows = self.rows
        kind = rows["kind"][idx]
        idx = idx[rows["sor"][idx] & (kind != ROW_X) & (kind != ROW_PVT) & (kind != ROW_HSC)]
        grade = self.grade[rows["stu"][idx]]
        idx = idx[grade >= 1]
        grade = grade[grade >= 1]
        first_id = self.incident_base + sum(self._incident_count(k) for k in range(si))
        count = self._incident_count(si, idx, grade)
        if not count:
            return None
        k = np.arange(count)
        n_rows = idx.size
        lo = cal.before(rows["entry"][idx])
        hi = cal.before(rows["exit"][idx])
        prim = h.below("inc.who", n_rows, lea, school, self.year, k)
        day_idx = h.between("inc.day", lo[prim], hi[prim] - 1, lea, school, self.year, k)
        date = cal.day(day_idx)
        types = list(INCIDENT_WEIGHTS)
        itype = np.array(types)[h.choice("inc.type", list(INCIDENT_WEIGHTS.values()), lea, school, self.year, k)]
        pair = np.isin(itype, ["04", "24", "05", "01", "08"]) | (h.u("inc.pair", lea, school, self.year, k) < 0.1)
        other = h.below("inc.other", n_rows, lea, school, self.year, k)
        covers = (rows["entry"][idx[other]] <= date) & (rows["exit"][idx[other]] > date) \
            & (rows["stu"][idx[other]] != rows["stu"][idx[prim]])
        pair &= covers
        visible = date < A
        if not visible.any():
            return None
        k, prim, other, date, itype, pair = (v[visible] for v in (k, prim, other, date, itype, pair))
        ids = first_id + k
        m = k.size
        gang = np.where(h.u("inc.gang", lea, school, self.year, k) < 0.04, b"Y",
                        np.where(h.u("inc.gang2", lea, school, self.year, k) < 0.05, b"U", b"N")).astype("S1")
        desc = np.empty(m, dtype="S250")
        for code in np.unique(itype):
            texts = INCIDENTS[str(code)][1]
            sel = itype == code
            desc[sel] = np.array([d.encode() for d in texts], dtype="S250")[
                h.below("inc.desc", len(texts), lea, school, self.year, k[sel])]
        i1 = Sheet(self.spec.layout("I1"), m)
        i1.ident("incident_id", ids)
        i1.text("gang_related", gang)
        i1.date("incident_date", date)
        i1.text("incident_description", desc)
        i1.text("lea_number", self.info.number)
        i1.text("school_number", s.number)
        parts = [Part("I1", i1, key(GROUP_INCIDENT, 0, 0, k * 8))]

        # associations: the student who caused it, and the other student of fights and bullying
        who = np.concatenate([prim, other[pair]])
        inc = np.concatenate([np.arange(m), np.flatnonzero(pair)])
        member = np.concatenate([np.zeros(m, dtype=np.int64), np.ones(int(pair.sum()), dtype=np.int64)])
        n2 = who.size
        person = rows["stu"][idx[who]]
        it = itype[inc]
        victim = (member == 1) & np.isin(it, ["24", "05", "01", "08"])
        fight = np.isin(it, ["04"])
        role = np.where(victim, b"V", np.where(fight, b"B", b"O")).astype("S1")
        kk = k[inc] * 8 + member
        susp = ~victim & (h.u("inc.susp", lea, school, self.year, kk) < 0.7)
        days = np.where(susp, h.between("inc.days", 1, 5, lea, school, self.year, kk), 0)
        weapon = np.array([INCIDENTS[str(c)][0].encode() for c in it], dtype="S1")
        second = ~victim & (h.u("inc.si1", lea, school, self.year, kk) < 0.2)
        i2 = Sheet(self.spec.layout("I2"), n2)
        i2.ident("incident_id", ids[inc])
        i2.text("student_number", self.sn_text[person])
        i2.text("caused_incident", np.where(victim, b"N", b"Y").astype("S1"))
        i2.text("injured", np.where(victim & (h.u("inc.inj", lea, school, self.year, kk) < 0.3), b"Y", b"N")
                .astype("S1"))
        i2.text("gang_prev_prog", np.where(h.u("inc.gpp", lea, school, self.year, kk) < 0.03, b"Y", b"N").astype("S1"))
        i2.text("discipline_method", b"S", susp)
        i2.digits("number_of_days", days)
        i2.text("in_school", np.where(susp & (h.u("inc.iss", lea, school, self.year, kk) < 0.4), b"Y", b"N")
                .astype("S1"))
        for fid, share in (("services_offered", 0.3), ("referred_police", 0.05), ("referred_court", 0.02),
                           ("referred_program", 0.08), ("alternative_placement", 0.02)):
            yes = ~victim & (h.u("inc." + fid, lea, school, self.year, kk) < share)
            if fid == "services_offered":
                yes |= victim & (h.u("inc.sv", lea, school, self.year, kk) < 0.5)
            i2.text(fid, np.where(yes, b"Y", b"N").astype("S1"))
        i2.text("hearing_officer_removal", b"N")
        i2.text("pi_infraction_type", it.astype("S2"))
        i2.text("pi_weapon", weapon)
        i2.text("pi_role", role)
        i2.text("si1_infraction_type", b"25", second)
        i2.text("si1_weapon", b"9", second)
        i2.text("si1_role", b"O", second)
        i2.text("lea_number", self.info.number)
        i2.text("school_number", s.number)
        i2.text("serious_bodily_injury", np.where(np.isin(it, ["01"]) & (h.u("inc.sbi", lea, school, self.year, kk)
                                                                         < 0.1), b"Y", b"N").astype("S1"))
        parts.append(Part("I2", i2, key(GROUP_INCIDENT, 0, 0, kk)))
        return parts

    def _incident_count(self, si: int, idx: np.ndarray | None = None, grade: np.ndarray | None = None) -> int:
        """Incidents of a school's year, from its full-year enrollment (so every update numbers alike)."""
        cache = self.__dict__.setdefault("_inc_counts", {})
        if si in cache:
            return cache[si]
        if idx is None:
            i = self.school_rows[self.school_bounds[si]:self.school_bounds[si + 1]]
            rows = self.rows
            kind = rows["kind"][i]
            i = i[rows["sor"][i] & (kind != ROW_X) & (kind != ROW_PVT) & (kind != ROW_HSC)]
            grade = self.grade[rows["stu"][i]]
            i = i[grade >= 1]
            grade = grade[grade >= 1]
            idx = i
        assert grade is not None
        rate = np.where(grade >= 6, 0.07, 0.01)
        count = int(np.floor(rate.sum() + 0.5)) if idx.size else 0
        cache[si] = count
        return count


@dataclass
class Plant:
    """A known defect: rule `rule` planted on record `row` of part `part` of a school block."""

    part: int
    row: int
    rule: str
    record_type: str
    field: str | None
    overrides: dict[str, str] = field(default_factory=dict)
    action: str = ""  # line-level: blank, unknown, invalid, di, es
    line: int = 0  # 1-based line in the file, once placed


def assemble(block: Block, plants: list[Plant], di_line: bytes, first_line: int) -> list[bytes]:
    """The lines of a school in file order with the plants applied; sets each plant's line number."""
    for pl in plants:
        if pl.overrides:
            block.parts[pl.part].sheet.override(pl.row, pl.overrides)
    lines: list[bytes] = []
    keys = []
    offsets = []
    for part in block.parts:
        offsets.append(len(lines))
        lines.extend(part.sheet.lines())
        keys.append(np.broadcast_to(part.keys, (part.sheet.n,)))
    for pl in plants:
        i = offsets[pl.part] + pl.row
        body = apply_overrides(lines[i][:-2].decode("latin-1"), pl.overrides).encode("latin-1")
        if pl.action == "blank":
            body = b""
        elif pl.action == "unknown":
            body = b"ZZ=" + body[3:]
        elif pl.action == "invalid":
            body = body[:-1] + b"\xe9"
        elif pl.action == "di":
            body = di_line[:-2]
        elif pl.action == "es":  # an ES record where the update accepts none (the specification's sample)
            body = record("ES", {"lea_number": di_line[3:5].decode()}).encode("ascii")
        lines[i] = body + b"\r\n"
    order = np.argsort(np.concatenate(keys), kind="stable")
    position = np.empty(order.size, dtype=np.int64)
    position[order] = np.arange(order.size)
    for pl in plants:
        pl.line = first_line + int(position[offsets[pl.part] + pl.row])
    return [lines[i] for i in order.tolist()]
