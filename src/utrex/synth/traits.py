"""Student traits of the S1 record (language, lunch status, special programs, special education...),
hashed from the person id so a student keeps them in every school, period and LEA of the year."""

from __future__ import annotations

import datetime as dt

import numpy as np

from ..spec.codes_2013 import REGULAR_DISTRICTS
from .calendar import dnum
from .fixed import table
from .hashing import Hasher
from .people import AMIND, ASIAN, BLACK, PACIFIC, age_on

LANGUAGES_BY_GROUP = {
    "hispanic": ["SPA"] * 9 + ["POR"],
    "asian": ["VIE", "CHI", "KOR", "JPN", "TGL", "HMN", "LAO", "KHM", "THA", "HIN", "NEP", "BUR", "KAR"],
    "pacific": ["TON", "SMO", "MAH", "CHK"],
    "native": ["NAV", "NAV", "UTE", "SHO", "PAI", "GOS"],
    "african": ["SOM", "SWA", "AMH", "ARA", "KIN", "TIR", "ORM", "FRE"],
    "other": ["RUS", "UKR", "BOS", "ARA", "FAS", "POR", "GER", "PRS", "POL", "ROM", "SPA"],
}
ELL_INSTRUCTION = {"ESL": 45, "SEI": 25, "IMS": 10, "DUL": 8, "BIT": 4, "IMP": 4, "BIN": 2, "IMT": 2}
KINDERGARTEN = {"NN": 45, "FN": 25, "EN": 15, "ON": 5, "YN": 3, "FY": 3, "EY": 3, "OY": 1}
DISABILITY = {"SL": 40, "CD": 20, "OH": 12, "AU": 8, "ID": 5, "BD": 4, "MD": 2, "HI": 1.5, "VI": 0.6,
              "OI": 0.5, "TB": 0.3, "DB": 0.1}
ENV_PK = {"C": 35, "F": 15, "G": 10, "J": 10, "K": 10, "I": 10, "M": 4, "S": 4, "R": 2}
ENV_K12 = {"V": 92, "S": 4, "H": 2, "R": 1, "T": 0.5, "U": 0.5}
TRIBES = {"N": 55, "U": 15, "G": 5, "P": 5, "S": 5, "O": 15}
HOMELESS = {"1": 70, "2": 10, "3": 10, "4": 5, "5": 5}
SUPPLIERS = list("ABCDEFGHIJKLMNO")


def _lookup(h: Hasher, tag: str, weights: dict[str, float], width: int, *keys: object) -> np.ndarray:
    return table(list(weights), width)[h.choice(tag, list(weights.values()), *keys)]


def traits(h: Hasher, pid: np.ndarray, grade: np.ndarray, ident: dict[str, np.ndarray], year: int,
           lea: int, is_charter: bool, migrant_allowed: bool, languages: set[str], cte_areas: list[str],
           first_day: int) -> dict[str, np.ndarray]:
    """Columns, one value per person; b"" means blank."""
    n = pid.size
    races = ident["races"]
    hisp = ident["hispanic"]
    kind = ident["surname_kind"]
    t: dict[str, np.ndarray] = {}

    # English learners and their languages
    group = np.full(n, "other", dtype="U8")
    group[races[AMIND]] = "native"
    group[(races[BLACK]) & (kind == 5)] = "african"
    group[races[PACIFIC]] = "pacific"
    group[races[ASIAN]] = "asian"
    group[hisp] = "hispanic"
    p_ell = np.select([group == "hispanic", group == "asian", group == "pacific", group == "african",
                       group == "native"], [0.28, 0.32, 0.22, 0.4, 0.10], 0.015)
    r = h.u("ell", pid)
    ell = np.full(n, b" ", dtype="S1")
    sub = h.choice("ell.kind", [0.62, 0.03, 0.35], pid)
    ell[r < p_ell] = np.array([b"Y", b"O", b"F"])[sub[r < p_ell]]
    ell[(r >= p_ell) & (r < 1.5 * p_ell)] = b"N"
    t["limited_english"] = ell
    native = np.full(n, b"", dtype="S3")
    fallback = sorted(c for c in languages if c != "ENG") or ["SPA"]
    for g, langs in LANGUAGES_BY_GROUP.items():
        ok = [c for c in langs if c in languages] or fallback
        sel = group == g
        native[sel] = np.array([c.encode() for c in ok], dtype="S3")[h.below("lang." + g, len(ok), pid[sel])]
    learner = np.isin(ell, [b"Y", b"O", b"F"])
    t["native_language"] = np.where(learner, native, b"")
    parent_eng = (h.u("lang.parent", pid) < 0.15) & ("ENG" in languages)
    t["parent_language"] = np.where(learner, np.where(parent_eng, b"ENG", native), b"")
    t["ell_instruction"] = np.where(np.isin(ell, [b"Y", b"O"]),
                                    _lookup(h, "ell.instr", ELL_INSTRUCTION, 3, pid), b"")
    # monitored since June 30 of one of the two previous school years (the spec's YYYY0630 form)
    t["ell_monitored"] = np.where(ell == b"F", np.array([dnum(dt.date(year - 1, 6, 30)),
                                                         dnum(dt.date(year - 2, 6, 30))])[h.below("ell.mon", 2, pid)],
                                  0)
    age = age_on(ident["birth"], dt.date(year - 1, 9, 1))
    immigrant = (ell == b"Y") & (group != "native") & (h.u("immigrant", pid) < 0.35) & (age >= 3) & (age <= 21)
    t["immigrant"] = immigrant
    # first enrolled in a U.S. school within the last three years, never before age 4
    earliest = np.maximum(ident["birth"] + 4 * 365 + 30, dnum(dt.date(year - 3, 8, 20)))
    t["first_enroll_us"] = np.minimum(earliest + h.below("us.first", 900, pid), first_day)
    t["refugee"] = immigrant & (h.u("refugee", pid) < 0.35)

    # economic status, homelessness, migrants, military
    p_free = np.where(hisp | races[PACIFIC] | (group == "african"), 0.55, 0.24)
    e = h.u("econ", pid)
    econ = np.full(n, b" ", dtype="S1")
    econ[e < p_free] = b"F"
    econ[(e >= p_free) & (e < p_free + 0.07)] = b"R"
    econ[(e >= p_free + 0.07) & (e < p_free + 0.10)] = b"Y"
    t["economic"] = econ
    t["homeless"] = np.where(h.u("homeless", pid, year) < 0.025, _lookup(h, "homeless.kind", HOMELESS, 1, pid, year),
                             b"0")
    t["accompanied"] = np.where(t["homeless"] != b"0", np.where(h.u("accompanied", pid, year) < 0.85, b"Y", b"N"),
                                b" ")
    t["migrant"] = migrant_allowed & (h.u("migrant", pid) < np.where(hisp, 0.05, 0.003))
    t["military"] = h.u("military", pid) < 0.012
    t["gifted"] = (grade >= 1) & (h.u("gifted", pid) < 0.05)
    t["s504"] = (grade >= 0) & (h.u("504", pid) < 0.025)
    t["mesa"] = np.where((grade >= 4) & (h.u("mesa", pid) < 0.02), np.array([b"A", b"B", b"C"])[
        h.below("mesa.kind", 3, pid)], b" ")
    t["tech_prep"] = (grade >= 11) & (h.u("techprep", pid) < 0.05)
    t["school_choice"] = (grade >= 0) & (h.u("choice", pid) < 0.004)
    sup = table(SUPPLIERS, 1)
    t["supp_lang"] = np.where((grade >= 0) & (h.u("supp.lang", pid) < 0.004), sup[h.below("supp.l", 15, pid)], b" ")
    t["supp_math"] = np.where((grade >= 0) & (h.u("supp.math", pid) < 0.004), sup[h.below("supp.m", 15, pid)], b" ")
    t["early_intent"] = (grade >= 11) & (h.u("early.intent", pid) < 0.02)
    t["kindergarten"] = np.where(grade == 0, _lookup(h, "kinder", KINDERGARTEN, 2, pid, year), b"")

    # residence: district residents, a few from other districts and other states, exchange students
    rr = h.u("resident", pid)
    if is_charter:
        res = np.where(rr < 0.01, b"A", b"U").astype("S1")
    else:
        res = np.where(rr < 0.008, b"A", np.where(rr < 0.043, b"B", b"U")).astype("S1")
    exchange = (grade >= 10) & (grade <= 11) & (h.u("exchange", pid) < 0.004)
    res[exchange] = np.where(h.u("exchange.kind", pid[exchange]) < 0.5, b"F", b"J")
    t["resident"] = res
    districts = [d for d in REGULAR_DISTRICTS if int(d) != lea]
    dist_tbl = table(districts, 2)
    if is_charter:
        home = dist_tbl[h.below("charter.home", len(districts), lea, np.arange(3))]
        near = home[h.choice("dor", [0.5, 0.3, 0.2], pid)]
        far = dist_tbl[h.below("dor.any", len(districts), pid)]
        t["district_of_residence"] = np.where(h.u("dor.far", pid) < 0.1, far, near)
    else:
        t["district_of_residence"] = np.where(res == b"B", dist_tbl[h.below("dor", len(districts), pid)], b"")
    zip_base = 84000 + (lea * 37) % 700
    out_state = np.array([83200, 89000, 85200, 81500, 82900])[h.below("zip.state", 5, pid)]
    t["zip"] = np.where(res == b"A", out_state + h.below("zip.o", 99, pid), zip_base + h.below("zip", 40, pid))
    area = np.array([801, 385, 435])[h.choice("phone.area", [0.6, 0.2, 0.2], pid)]
    t["phone"] = area * 10_000_000 + h.between("phone", 2_000_000, 9_999_999, pid)
    t["has_phone"] = h.u("phone.has", pid) < 0.93

    # grades 9-12: GPA; the weakest are vocationally academically disadvantaged
    gpa = np.clip(np.round((3.1 + 0.6 * h.normal("gpa", pid)) * 1000), 0, 4000).astype(np.int64)
    t["gpa"] = gpa
    t["voc_disadv"] = (grade >= 9) & (gpa <= 1990) & (h.u("voc", pid) < 0.6)
    t["concentrator"] = np.full(n, b"", dtype="S6")
    if cte_areas:
        conc = (grade >= 11) & (h.u("concentrator", pid) < 0.06)
        areas = table([a + "0000" for a in cte_areas], 6)
        t["concentrator"][conc] = areas[h.below("conc.area", len(cte_areas), pid[conc])]
    t["ssn"] = 900_000_000 + h.below("ssn", 99_999_999, pid)  # 9xx: never issued as a real SSN

    # special education
    sped_age = age_on(ident["birth"], dt.date(year - 1, 12, 1))
    dis = _lookup(h, "disability", DISABILITY, 2, pid)
    young = sped_age <= 6
    dis = np.where(young & (h.u("dd", pid) < 0.4), b"DD", dis)
    t["disability"] = dis
    t["ngpa"] = np.isin(dis, [b"ID", b"MD", b"DB"]) & (h.u("ngpa", pid) < 0.5)
    t["sped_age"] = sped_age
    t["age"] = age
    return t


def reading(h: Hasher, pid: np.ndarray, year: int) -> dict[str, np.ndarray]:
    """Reading on grade level (fall, mid-year, spring) and reading intervention, before windows."""
    fall = np.where(h.u("read.fall", pid, year) < 0.68, b"Y", b"N")
    mid = np.where(h.u("read.mid", pid, year) < 0.70, b"Y", b"N")
    spring = np.where(h.u("read.spring", pid, year) < 0.73, b"Y", b"N")
    below = (fall == b"N") | (mid == b"N")
    interv = np.where(below & (h.u("read.int", pid, year) < 0.8) | (h.u("read.int2", pid, year) < 0.1), b"Y", b"N")
    return {"fall": fall.astype("S1"), "mid": mid.astype("S1"), "spring": spring.astype("S1"),
            "intervention": interv.astype("S1")}
