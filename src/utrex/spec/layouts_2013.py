"""Record layouts of the 2012-13 Clearinghouse file specification (Revised September 13, 2012).

Columns are 1-based and inclusive. Where the summary table and the field descriptions disagree, the
columns tile the record without gaps or overlaps; every such choice is in docs/spec-decisions.md.
"""

from __future__ import annotations

from . import codes_2013 as c
from .model import ALL_PERIODS, CodeSet, Field, Kind, Period, Privacy, RecordLayout, Specification
from .periods_2013 import POLICY_2013

ALL = ALL_PERIODS
YE = frozenset({Period.YEAR_END})
NONE: frozenset[Period] = frozenset()


def F(  # noqa: N802 - reads like a table row
    id: str,
    name: str,
    start: int,
    end: int,
    kind: Kind,
    req: frozenset[Period] = NONE,
    codes: CodeSet | None = None,
    cond: str = "",
    desc: str = "",
    literal: str | None = None,
    privacy: Privacy = Privacy.OPEN,
) -> Field:
    return Field(id, name, start, end, kind, req, cond, codes, literal, desc, privacy)


def rid(code: str) -> Field:
    return F("record_id", "Record ID", 1, 3, Kind.LITERAL, ALL, literal=f"{code}=", desc=f"Always '{code}='")


def student_number(start: int = 4) -> Field:
    return F("student_number", "Student Number", start, start + 9, Kind.IDENTIFIER, ALL,
             desc="LEA assigned student number, numeric, left justified with trailing blanks, not zero")


def lea(start: int) -> Field:
    return F("lea_number", "LEA Number", start, start + 1, Kind.LEA, ALL, desc="State assigned LEA number")


def school(start: int) -> Field:
    return F("school_number", "School Number", start, start + 2, Kind.SCHOOL, ALL, desc="State assigned school number")


K = Kind

DI = RecordLayout(
    "DI", "District", (
        rid("DI"),
        lea(4),
        F("year_identifier", "Year Identifier", 6, 9, K.LITERAL, ALL, literal=",YR=", desc="The literal ',YR='"),
        F("school_year", "School Year", 10, 13, K.NUMBER, ALL, desc="Century and year the school year ends"),
        F("month_identifier", "Month Identifier", 14, 17, K.LITERAL, ALL, literal=",OK=", desc="The literal ',OK='"),
        F("which_month", "Which Month", 18, 20, K.CODE, ALL, c.WHICH_MONTH, desc="The update period"),
        F("sisasofdate", "SIS As-Of Date", 21, 43, K.DATETIME, ALL,
          desc="Date and time of the extract, 'YYYY-MM-DD HH:MM:SS.fff'"),
    ),
    section="District Record (DI)", school_level=False,
    description="Identifies the school year and LEA of the batch; always the first record.",
    key=(),
)

SC = RecordLayout(
    "SC", "School", (
        rid("SC"),
        school(4),
        F("days_in_school_year", "Days in School Year", 7, 9, K.NUMBER, ALL,
          desc="Days the school is in session with classroom instruction; greater than zero"),
        F("last_day_of_school", "Last Day of School", 10, 13, K.MMDD, ALL, desc="MMDD; month 05, 06 or 07"),
        F("schedule_year_type", "Schedule Year Type", 14, 14, K.CODE, ALL, c.SCHEDULE_YEAR_TYPE),
        F("schedule_day_type", "Schedule Day Type", 15, 15, K.CODE, ALL, c.SCHEDULE_DAY_TYPE),
        lea(16),
    ),
    section="School Record (SC)", school_level=False,
    description="Starts a school; every school-level record that follows belongs to it.",
    key=(),
)

S1 = RecordLayout(
    "S1", "Student", (
        rid("S1"),
        student_number(4),
        F("ssn", "Social Security Number", 14, 22, K.IDENTIFIER, cond="12th-grade CTE students only",
          desc="9 digits; deleted below 12th grade; never stored in the warehouse", privacy=Privacy.LEA_ONLY),
        F("last_name", "Last Name", 23, 42, K.NAME, ALL),
        F("first_name", "First Name", 43, 58, K.NAME, ALL),
        F("middle_name", "Middle Name", 59, 74, K.NAME),
        F("birth_date", "Birth Date", 75, 82, K.DATE, ALL, desc="YYYYMMDD; age 3-23 (migrant may be younger)"),
        F("gender", "Gender", 83, 83, K.CODE, ALL, c.GENDER),
        F("ethnicity", "Ethnicity (Hispanic/Latino)", 84, 84, K.CODE, ALL, c.ETHNICITY),
        F("race_american_indian", "Race American Indian/Alaskan Native", 85, 85, K.CODE, codes=c.YES_BLANK,
          cond="at least one race must be 'Y'"),
        F("race_asian", "Race Asian", 86, 86, K.CODE, codes=c.YES_BLANK, cond="at least one race must be 'Y'"),
        F("race_black", "Race Black or African American", 87, 87, K.CODE, codes=c.YES_BLANK,
          cond="at least one race must be 'Y'"),
        F("race_pacific_islander", "Race Native Hawaiian/Pacific Islander", 88, 88, K.CODE, codes=c.YES_BLANK,
          cond="at least one race must be 'Y'"),
        F("race_white", "Race White", 89, 89, K.CODE, codes=c.YES_BLANK, cond="at least one race must be 'Y'"),
        F("grade_level", "Grade Level", 90, 91, K.CODE, ALL, c.GRADE_LEVEL, desc="PK (or -1), 00-12"),
        F("entry_date", "Entry Date", 92, 99, K.DATE, ALL, desc="First day of this enrollment"),
        F("exit_date", "Exit Date", 100, 107, K.DATE, cond="required with an Exit Code",
          desc="Day after the last day of membership; July 1 - June 30 of the school year"),
        F("exit_code", "Exit Code", 108, 109, K.CODE, codes=c.EXIT_CODE, cond="required with an Exit Date"),
        F("school_membership", "School Membership", 110, 112, K.NUMBER, ALL,
          desc="180-day-equivalent regular membership, right justified zero filled, or PVT / HSC; blank reads 000"),
        F("hs_completion_status", "High School Completion Status", 113, 114, K.CODE, codes=c.HS_COMPLETION,
          cond="seniors at their school of record not exited (Year-End); early graduates; exit code OG"),
        F("part_time", "Part-Time", 115, 115, K.CODE, codes=c.PART_TIME),
        F("concentrator", "CTE Concentrator", 116, 121, K.NUMBER, desc="Six digits: program area + 0000"),
        F("voc_academ_disadv", "Voc. Academically Disadvantaged", 122, 122, K.CODE, codes=c.VOC_DISADV),
        F("tech_prep", "Tech Prep", 123, 123, K.CODE, codes=c.YES_BLANK),
        F("tribal_affiliation", "Tribal Affiliation", 124, 124, K.CODE, codes=c.TRIBAL,
          cond="required when American Indian/Alaskan Native is 'Y'"),
        F("limited_english", "Limited English", 125, 125, K.CODE, codes=c.LIMITED_ENGLISH),
        F("economic_disadv", "Economically Disadvantaged", 126, 126, K.CODE, codes=c.ECONOMIC),
        F("resident_status", "Resident Status", 127, 127, K.CODE, ALL, c.RESIDENT_STATUS),
        F("phone_number", "Phone Number", 128, 137, K.NUMBER, desc="Ten digits; never leaves the store",
          privacy=Privacy.LEA_AND_SPECIAL_EDUCATION),
        F("migrant", "Migrant", 138, 138, K.CODE, codes=c.YES_BLANK, desc="Only the LEAs the state allows"),
        F("days_attended", "Days Attended", 139, 141, K.NUMBER, YE,
          desc="180-day-equivalent days attended, right justified zero filled"),
        F("homeless", "Homeless", 142, 142, K.CODE, YE, c.HOMELESS),
        F("first_enroll_us", "First Enrolled in U.S. School", 143, 150, K.DATE, cond="required when Immigrant is 'Y'"),
        F("ell_native_language", "ELL Native Language", 151, 153, K.CODE,
          cond="required when Limited English is Y, O or F (blank allowed for December 1)",
          desc="State language code; not ENG"),
        F("ell_parent_language", "ELL Parent Language", 154, 156, K.CODE, cond="required when Limited English is Y, O or F",
          desc="State language code"),
        F("ell_monitored_entry_date", "ELL Monitored Entry Date", 157, 164, K.DATE,
          cond="required when Limited English is 'F', blank otherwise"),
        F("zip_code", "Student Zip Code", 165, 169, K.NUMBER, ALL, desc="Five digits starting 84 unless resident status A"),
        F("mesa", "MESA Program", 170, 170, K.CODE, codes=c.MESA),
        F("district_of_residence", "District of Residence", 171, 172, K.CODE, codes=c.DISTRICT_OF_RESIDENCE,
          cond="required for charter schools"),
        F("school_of_record", "School of Record", 173, 173, K.CODE, codes=c.SCHOOL_OF_RECORD),
        F("gifted", "Gifted", 174, 174, K.CODE, codes=c.YES_BLANK),
        F("services_504", "504 Services", 175, 175, K.CODE, codes=c.YES_BLANK),
        F("ell_instruction_type", "ELL Instruction Type", 176, 178, K.CODE, codes=c.ELL_INSTRUCTION,
          cond="required when Limited English is Y or O"),
        F("nclb_school_choice", "NCLB School Choice", 179, 179, K.CODE, codes=c.YES_BLANK),
        F("nclb_supp_serv_lang", "NCLB Supplemental Services Language", 180, 180, K.CODE, codes=c.SUPP_SERVICES),
        F("nclb_supp_serv_math", "NCLB Supplemental Services Math", 181, 181, K.CODE, codes=c.SUPP_SERVICES),
        F("ssid", "Statewide Student ID", 182, 191, K.IDENTIFIER, ALL,
          desc="Numeric, greater than 1,000,000; active with a location row for the LEA"),
        F("cumulative_gpa", "Cumulative GPA", 192, 195, K.NUMBER, cond="required at Year-End for grades 9-12",
          desc="0000-4000 (implied decimal after the first digit) or NGPA"),
        F("special_ed_exit_date", "Special Ed Exit Date", 196, 203, K.DATE,
          cond="when the student has completely exited special education"),
        F("kindergarten_type", "Kindergarten Type", 204, 205, K.CODE, codes=c.KINDERGARTEN_TYPE,
          cond="required when Grade Level is 00, blank otherwise"),
        F("military_child", "Military Child", 206, 206, K.CODE, codes=c.YES_BLANK),
        F("refugee", "Refugee Student", 207, 207, K.CODE, codes=c.YES_BLANK),
        F("immigrant", "Immigrant", 208, 208, K.CODE, codes=c.YES_BLANK),
        F("read_grade_level_mid", "Read Grade Level - Mid-Year", 209, 209, K.CODE, codes=c.READ_GRADE_LEVEL,
          cond="required for grades 1-3 at Year-End"),
        F("reading_intervention", "Reading Intervention", 210, 210, K.CODE, codes=c.READING_INTERVENTION,
          cond="required for grades 1-3 at Year-End"),
        F("race_observer", "Race Observer ID", 211, 211, K.CODE, ALL, c.RACE_OBSERVER),
        F("accompanied", "Accompanied Student", 212, 212, K.CODE, codes=c.ACCOMPANIED,
          cond="required when Homeless is not '0'"),
        lea(213),
        school(215),
        F("early_graduate", "Early Graduate", 218, 218, K.CODE, codes=c.YES_BLANK),
        F("read_grade_level_fall", "Read Grade Level - Fall", 219, 219, K.CODE, codes=c.READ_GRADE_LEVEL,
          cond="required for grades 1-3 from the December submission"),
        F("read_grade_level_spring", "Read Grade Level - Spring", 220, 220, K.CODE, codes=c.READ_GRADE_LEVEL,
          cond="required for grades 1-3 at Year-End"),
    ),
    section="Student Record (S1)",
    description="One record per enrollment of a student in a school during the school year.",
    key=("student_number", "entry_date"),
)

S2 = RecordLayout(
    "S2", "SCRAM (Special Education)", (
        rid("S2"),
        student_number(4),
        F("disability_type", "Disability Type", 14, 15, K.CODE, ALL, c.DISABILITY_TYPE),
        F("time", "Time", 16, 16, K.CODE, ALL, c.SPED_TIME),
        F("scram_entry_date", "SCRAM Entry Date", 17, 24, K.DATE, ALL, desc="First day of special education services"),
        F("scram_exit_date", "SCRAM Exit Date", 25, 32, K.DATE, cond="required with a SCRAM Exit Reason"),
        F("scram_exit_reason", "SCRAM Exit Reason", 33, 33, K.CODE, codes=c.EXIT_REASON,
          cond="required with a SCRAM Exit Date"),
        F("scram_membership", "SCRAM Membership", 34, 36, K.NUMBER, ALL, desc="180-day-equivalent membership in this time code"),
        F("regular_percent", "Regular Percent", 37, 37, K.CODE, codes=c.REGULAR_PERCENT,
          cond="required above Pre-K, blank for Pre-K"),
        F("environment", "Environment", 38, 38, K.CODE, ALL, c.SPED_ENVIRONMENT),
        lea(39),
        school(41),
    ),
    section="Self-Contained Resource Attendance Management (SCRAM) Record (S2)",
    description="Special education membership of a student within one Time code.",
    key=("student_number", "scram_entry_date"),
)

S3 = RecordLayout(
    "S3", "Youth in Custody", (
        rid("S3"),
        student_number(4),
        F("custody_type", "Custody Type", 14, 17, K.CODE, ALL, c.CUSTODY_TYPE),
        F("time", "Time", 18, 18, K.CODE, ALL, c.YIC_TIME),
        F("environment", "Environment", 19, 19, K.CODE, ALL, c.YIC_ENVIRONMENT),
        F("yic_entry_date", "YIC Entry Date", 20, 27, K.DATE, ALL),
        F("yic_exit_date", "YIC Exit Date", 28, 35, K.DATE, cond="required with a YIC Exit Reason"),
        F("yic_exit_reason", "YIC Exit Reason", 36, 36, K.CODE, codes=c.EXIT_REASON, cond="required with a YIC Exit Date"),
        F("yic_membership", "YIC Membership", 37, 39, K.NUMBER, ALL, desc="180-day-equivalent membership"),
        lea(40),
        school(42),
    ),
    section="Youth in Custody (YIC) Record (S3)",
    description="Youth-in-custody services of a student under one custody type and time code.",
    key=("student_number", "yic_entry_date"),
)

AC = RecordLayout(
    "AC", "Course Master", (
        rid("AC"),
        F("course_section", "Course & Section", 4, 15, K.ALPHANUMERIC, ALL, desc="At least 2 characters, left justified"),
        F("period", "Period", 16, 17, K.NUMBER, ALL),
        F("where_taught_dist", "Where Taught Dist", 18, 19, K.LEA, cond="required with Where Taught Schl"),
        F("where_taught_schl", "Where Taught Schl", 20, 22, K.SCHOOL, cond="required with Where Taught Dist"),
        F("teacher1_id", "Teacher 1 ID", 23, 31, K.IDENTIFIER, ALL,
          cond="may be blank only for the Pre-K core code 22-04-00-00-001",
          desc="CACTUS ID, numeric, left justified, not zero, not 9 characters"),
        F("cip_code", "CIP Code Number", 32, 37, K.NUMBER, cond="CTE classes", desc="Six digits"),
        F("semester_length", "Semester Length", 38, 38, K.CODE, codes=c.SEMESTER_LENGTH, cond="CTE classes"),
        F("course_title", "Course Title", 39, 58, K.TEXT, ALL),
        F("core_code", "Core Code", 59, 69, K.NUMBER, ALL, desc="Eleven digits; an active core code"),
        F("teacher2_id", "Teacher 2 ID", 70, 78, K.IDENTIFIER),
        F("teacher3_id", "Teacher 3 ID", 79, 87, K.IDENTIFIER),
        F("college_granting_cr", "College Granting Credit", 88, 89, K.CODE, codes=c.COLLEGES,
          cond="required when the core code has '13' in positions 7-8"),
        F("where_taught_campus", "Where Taught Campus", 90, 90, K.CODE, codes=c.WHERE_TAUGHT_CAMPUS,
          cond="required when the core code has '13' in positions 7-8"),
        F("instruct_setting", "Instructional Setting", 91, 92, K.CODE, codes=c.INSTRUCT_SETTING,
          cond="required when the core code is for grades above 6"),
        F("instruct_hrs_sched", "Instructional Hours Scheduled", 93, 95, K.IGNORED, desc="Not currently used"),
        F("term", "Term", 96, 99, K.CODE, ALL, c.TERM),
        F("cycle", "Cycle", 100, 100, K.ALPHANUMERIC, ALL, desc="A-Z or 0-9"),
        lea(101),
        school(103),
    ),
    section="Course Master Record (AC)",
    description="One class period of a school's course master.",
    key=("course_section", "period"),
)

AM = RecordLayout(
    "AM", "Course Membership", (
        rid("AM"),
        student_number(4),
        F("course_number", "Course Number", 14, 25, K.ALPHANUMERIC, ALL, desc="Course and section, as on the AC record"),
        F("period", "Period", 26, 27, K.NUMBER, ALL),
        F("aggregate_memb", "Aggregate Membership", 28, 30, K.NUMBER,
          desc="Marked 'not currently used' but read by the Year-End AM rule; blank reads 000"),
        F("course_entry_date", "Course Entry Date", 31, 38, K.DATE, ALL),
        F("course_exit_date", "Course Exit Date", 39, 46, K.DATE, YE, desc="Within the school year; required at Year-End"),
        F("days_attended", "Days Attended", 47, 49, K.IGNORED, desc="Not currently used"),
        F("credits_attempted", "Credits Attempted", 50, 53, K.NUMBER, cond="required for grades 9-12",
          desc="Implied decimal after the first digit"),
        F("grade_earned", "Grade Earned", 54, 58, K.TEXT, desc="0000-4000, P/PASS, F/FAIL, N/NG/NOGRD"),
        F("actual_membership", "Actual Membership", 59, 61, K.NUMBER, cond="required for CTE courses",
          desc="Actual days of membership (not 180-day equivalent)"),
        F("concurr_enrolled", "Concurrently Enrolled", 62, 62, K.CODE, codes=c.CONCURRENT),
        F("instruct_hrs_memshp", "Instructional Hours in Membership", 63, 65, K.IGNORED, desc="Not currently used"),
        F("instruct_hrs_attend", "Instructional Hours in Attendance", 66, 68, K.IGNORED, desc="Not currently used"),
        F("credit_earned", "Credit Earned", 69, 72, K.NUMBER, cond="required for grades 9-12",
          desc="Implied decimal after the first digit; not more than credits attempted"),
        lea(73),
        school(75),
    ),
    section="Course Membership Record (AM)",
    description="One class of a student's schedule.",
    key=("student_number", "course_number", "period", "course_entry_date"),
)

I1 = RecordLayout(
    "I1", "Incident", (
        rid("I1"),
        F("incident_id", "Incident ID", 4, 13, K.IDENTIFIER, ALL, desc="1 to 9999999999"),
        F("gang_related", "Gang Related", 14, 14, K.CODE, ALL, c.GANG_RELATED),
        F("incident_date", "Incident Date", 15, 22, K.DATE, ALL),
        F("incident_description", "Incident Description", 23, 272, K.TEXT, ALL),
        lea(273),
        school(275),
    ),
    section="Incident Record (I1)",
    description="One disciplinary incident at the school.",
    key=("incident_id",),
)


def _yn(id: str, name: str, col: int, codes: CodeSet = c.YES_NO) -> Field:
    return F(id, name, col, col, K.CODE, ALL, codes)


def _secondary(k: int, start: int) -> tuple[Field, Field, Field]:
    return (
        F(f"si{k}_infraction_type", f"SI{k} Infraction Type", start, start + 1, K.CODE, codes=c.INFRACTION,
          cond=f"optional; needs SI{k - 1}" if k > 1 else "optional"),
        F(f"si{k}_weapon", f"SI{k} Weapon", start + 2, start + 2, K.CODE, codes=c.WEAPON,
          cond=f"required with SI{k} Infraction Type"),
        F(f"si{k}_role", f"SI{k} Role", start + 3, start + 3, K.CODE, codes=c.ROLE,
          cond=f"required exactly when SI{k} Infraction Type and Weapon are present"),
    )


I2 = RecordLayout(
    "I2", "Incident Association", (
        rid("I2"),
        F("incident_id", "Incident ID", 4, 13, K.IDENTIFIER, ALL, desc="1 to 9999999999; matches a preceding I1"),
        F("student_number", "Student Number", 14, 23, K.IDENTIFIER, ALL),
        _yn("caused_incident", "Caused Incident", 24),
        _yn("injured", "Injured", 25),
        _yn("gang_prev_prog", "Gang Prevention Program", 26, c.YES_NO_UNKNOWN),
        F("discipline_method", "Discipline Method", 27, 27, K.CODE, codes=c.DISCIPLINE_METHOD),
        F("number_of_days", "Number of Days", 28, 30, K.NUMBER, ALL, desc="000-180; 000 only without a discipline method"),
        _yn("in_school", "In School", 31),
        _yn("services_offered", "Services Offered", 32),
        _yn("referred_police", "Referred to Police", 33),
        _yn("referred_court", "Referred to Court", 34),
        _yn("referred_program", "Referred to Program", 35),
        _yn("alternative_placement", "Alternative Placement", 36),
        _yn("hearing_officer_removal", "Hearing Officer Removal", 37),
        F("pi_infraction_type", "PI Infraction Type", 38, 39, K.CODE, ALL, c.INFRACTION),
        F("pi_weapon", "PI Weapon", 40, 40, K.CODE, ALL, c.WEAPON),
        F("pi_role", "PI Role", 41, 41, K.CODE, ALL, c.ROLE),
        *_secondary(1, 42),
        *_secondary(2, 46),
        *_secondary(3, 50),
        *_secondary(4, 54),
        lea(58),
        school(60),
        _yn("serious_bodily_injury", "Serious Bodily Injury", 63),
    ),
    section="Incident Association Record (I2)",
    description="One student involved in an incident.",
    key=("incident_id", "student_number"),
)

ES = RecordLayout(
    "ES", "Exit Status Change", (
        rid("ES"),
        student_number(4),
        F("last_name", "Last Name", 14, 33, K.NAME, ALL),
        F("first_name", "First Name", 34, 49, K.NAME, ALL),
        F("birth_date", "Birth Date", 50, 57, K.DATE, ALL),
        F("gender", "Gender", 58, 58, K.CODE, ALL, c.GENDER),
        F("updated_status", "Updated Status", 59, 60, K.CODE, ALL, c.UPDATED_STATUS),
        F("ssid", "Statewide Student ID", 61, 70, K.IDENTIFIER, ALL),
        lea(71),
    ),
    section="Exit Status Change Record (ES)",
    description="A change of a prior-year student's exit code or completion status (July 15 - October 15).",
    key=("student_number", "ssid"),
)

SPEC_2013 = Specification(
    school_year=2013,
    title="UTREx Clearinghouse File Specification 2012-13",
    revised="2012-09-13",
    record_types=(DI, SC, S1, S2, S3, AC, AM, I1, I2, ES),
    required_record_types={
        Period.OCTOBER: ("DI", "SC", "S1", "AC", "AM"),
        Period.DECEMBER: ("DI", "SC", "S1", "S2"),
        Period.YEAR_END: ("DI", "SC", "S1", "AC", "AM"),
        Period.MONTHLY: ("DI", "SC", "S1", "AC", "AM"),
    },
    which_month={"OCT": Period.OCTOBER, "DEC": Period.DECEMBER, "EOY": Period.YEAR_END}
    | {m: Period.MONTHLY for m in ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "NOV")},
    period_policy=POLICY_2013,
)
