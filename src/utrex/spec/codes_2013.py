"""Code sets of the 2012-13 Clearinghouse specification (Revised September 13, 2012)."""

from __future__ import annotations

from .model import CodeSet

BLANK = " "


def cs(name: str, pairs: dict[str, str]) -> CodeSet:
    return CodeSet(name, pairs)


YES_BLANK = cs("yes_blank", {"Y": "Yes", BLANK: "No / not applicable"})
YES_NO = cs("yes_no", {"Y": "Yes", "N": "No"})
YES_NO_UNKNOWN = cs("yes_no_unknown", {"Y": "Yes", "N": "No", "U": "Unknown"})

WHICH_MONTH = cs(
    "which_month",
    {
        "OCT": "October 1 update",
        "DEC": "December 1 update",
        "EOY": "Year-End update",
        "JAN": "monthly update",
        "FEB": "monthly update",
        "MAR": "monthly update",
        "APR": "monthly update",
        "MAY": "monthly update",
        "JUN": "monthly update",
        "JUL": "monthly update",
        "AUG": "monthly update",
        "SEP": "monthly update",
        "NOV": "monthly update",
    },
)

SCHEDULE_YEAR_TYPE = cs("schedule_year_type", {"S": "Semester", "T": "Trimester", "Y": "Year Round", "O": "Other"})
SCHEDULE_DAY_TYPE = cs(
    "schedule_day_type",
    {
        "E": "Elementary",
        "S": "7 Period day",
        "X": "6 Period day",
        "F": "5 Period day",
        "B": "4 Period day",
        "M": "Modified Block",
        "O": "Other",
    },
)

GENDER = cs("gender", {"M": "Male", "F": "Female"})
ETHNICITY = cs("ethnicity", {"Y": "Hispanic or Latino", "N": "Not Hispanic or Latino"})

GRADES = ["PK", "-1"] + [f"{g:02d}" for g in range(13)]
GRADE_LEVEL = cs(
    "grade_level",
    {"PK": "Pre-Kindergarten", "-1": "Pre-Kindergarten", "00": "Kindergarten"}
    | {f"{g:02d}": f"Grade {g}" for g in range(1, 13)},
)

EXIT_CODE = cs(
    "exit_code",
    {
        "AE": "Transferred to Adult Education",
        "CH": "Transferred from Charter to Home School",
        "DE": "Death",
        "DO": "Dropout",
        "EX": "Expelled",
        "FE": "Foreign Exchange Student",
        "GE": "GED",
        "HE": "Transferred to Higher Education, Except UCAT",
        "OG": "Other Graduate",
        "Q1": "Early Graduate - 1st Quarter Senior Year",
        "Q2": "Early Graduate - 2nd Quarter Senior Year",
        "Q3": "Early Graduate - 3rd Quarter Senior Year",
        "TC": "Transferred out of the country",
        "TD": "Transferred within the LEA",
        "TH": "Transferred to home schooling",
        "TN": "Transferred to another public school by choice under NCLB",
        "TO": "Transferred out of state",
        "TP": "Transferred to a Private School",
        "TR": "Transferred to a Charter School",
        "TS": "Transferred to another regular school LEA within the State",
        "TT": "Transferred to another Track within the School",
        "T1": "Early Graduate - 1st Trimester Senior Year",
        "T2": "Early Graduate - 2nd Trimester Senior Year",
        "UC": "Transferred to Utah College of Applied Technology (UCAT)",
        "UN": "Unknown",
        "WD": "Withdrawn",
        "WM": "Withdrawn Medical",
        "WP": "Withdrawn from Preschool",
        "11": "Early Graduate - 11th Grade",
    },
)
EARLY_GRADUATE_EXIT_CODES = ("Q1", "Q2", "Q3", "T1", "T2", "11")

HS_COMPLETION = cs(
    "hs_completion_status",
    {
        "GR": "Basic High School Diploma",
        "G3": "Basic High School Diploma - participation in statewide assessment through the UAA",
        "GM": "Basic High School Diploma - military child criteria (Utah Code 53A-11-1404)",
        "GC": "Adult Education Secondary Diploma - Carnegie Units",
        "GG": "Utah High School Completion Diploma - GED",
        "CT": "Certificate of Completion - Awarded by LEA",
        "RT": "Retained Senior",
        "GP": "Graduation Pending",
        "AO": "Aged Out of Special Education",
        "DO": "Dropout",
    },
)

PART_TIME = cs("part_time", {"H": "Home Schooled", "P": "Private School", "S": "Stable", BLANK: "All others"})
VOC_DISADV = cs("voc_academ_disadv", {"D": "Disadvantaged (Cum GPA 1.99 or below, grades 9-12)", BLANK: "All others"})
TRIBAL = cs(
    "tribal_affiliation",
    {
        "G": "Goshute",
        "N": "Navajo",
        "P": "Piute",
        "S": "Northwest Band Shoshone",
        "U": "Ute",
        "O": "Other tribe",
        BLANK: "Other than 'Y' in American Indian/Alaskan Native",
    },
)
LIMITED_ENGLISH = cs(
    "limited_english",
    {
        "Y": "ELL (all UALPA levels)",
        "O": "Refused services offered through NCLB Title III",
        "F": "Fluent - in two-year monitoring",
        "N": "Tested and determined not to be ELL",
        BLANK: "Not tested - not ELL",
    },
)
ECONOMIC = cs(
    "economic_disadv",
    {
        "F": "Eligible for Free Lunch",
        "R": "Eligible for Reduced Price Lunch",
        "Y": "Economically Disadvantaged",
        BLANK: "NOT economically disadvantaged",
    },
)
RESIDENT_STATUS = cs(
    "resident_status",
    {
        "A": "Non-Utah Resident",
        "B": "Utah resident, but NOT district resident",
        "C": "District resident enrolled in another state",
        "F": "Non U.S. resident, F1 Foreign Exchange student with no WPU",
        "J": "Non U.S. resident, J1 Foreign Exchange student with WPU",
        "U": "District Resident",
        "X": "Exit code or High School Completion Status change (not enrolled this year)",
    },
)
HOMELESS = cs(
    "homeless",
    {
        "0": "Not homeless",
        "1": "With another family member because of loss of housing or economic hardship",
        "2": "In a motel or hotel",
        "3": "In a shelter (emergency, transitional, or domestic violence)",
        "4": "In a car, park, campground, or public place",
        "5": "Somewhere without adequate facilities",
    },
)
MESA = cs(
    "mesa",
    {
        "A": "Fully participated in MESA",
        "B": "Participated in at least one MESA program",
        "C": "Joined MESA but did not participate",
        BLANK: "All others",
    },
)
REGULAR_DISTRICTS = [f"{d:02d}" for d in range(1, 41)] + ["42"]
DISTRICT_OF_RESIDENCE = cs(
    "district_of_residence", {d: "Regular Utah school district" for d in REGULAR_DISTRICTS} | {"  ": "not given"}
)
SCHOOL_OF_RECORD = cs("school_of_record", {"N": "NOT the student's school of record", BLANK: "This student's school of record"})
ELL_INSTRUCTION = cs(
    "ell_instruction_type",
    {
        "BIH": "Heritage Language Instructional Programs",
        "BIN": "Native Language Support",
        "BIT": "Transitional Bilingual",
        "BIW": "Two-way Bilingual",
        "DUL": "Dual Language",
        "ESL": "English as a Second Language",
        "IMP": "Partial English Immersion",
        "IMS": "Structured English Immersion",
        "IMT": "Total English Immersion",
        "SEI": "Sheltered English Instruction",
        "   ": "All others",
    },
)
SUPP_SERVICES = cs(
    "nclb_supplemental_provider",
    {
        "A": "Lindamood Bell",
        "B": "Connections After School",
        "C": "SMART",
        "D": "U of U Reading Clinic",
        "E": "HOSTS Learning",
        "F": "Prime Time Academy",
        "G": "Failure Free Reading",
        "H": "International Language Programs",
        "I": "Newton Learning",
        "J": "Utah Alliance of Boys and Girls Clubs",
        "K": "ANC Phonetic Reading",
        "L": "American Preparatory Academy",
        "M": "Catapult Online",
        "N": "Higher Ground Learning",
        "O": "Education 2020",
        BLANK: "Did not receive supplemental services",
    },
)
KINDERGARTEN_TYPE = cs(
    "kindergarten_type",
    {
        "FN": "Full Day, No Extended year",
        "ON": "Full Day Other, No Extended Year",
        "EN": "Extended Hours, No Extended Year",
        "YN": "Extended Year, No Full Day or Extended Hours",
        "FY": "Full Day and Extended Year",
        "OY": "Full Day Other and Extended Year",
        "EY": "Extended Hours and Extended Year",
        "NN": "No Significant Extended Kindergarten Program Participation",
        "  ": "Not Kindergarten",
    },
)
READ_GRADE_LEVEL = cs(
    "read_grade_level",
    {
        "Y": "At or Above Grade Level",
        "N": "Below Grade Level",
        "U": "Untested (not enrolled during the testing window)",
        BLANK: "Not enrolled in grade 1, 2 or 3",
    },
)
READING_INTERVENTION = cs(
    "reading_intervention",
    {"Y": "Received reading intervention", "N": "Did not receive reading intervention", BLANK: "Not grade 1, 2 or 3"},
)
RACE_OBSERVER = cs("race_observer", {"Y": "Race determined by observer ID", "N": "Race self-identified"})
ACCOMPANIED = cs(
    "accompanied",
    {"Y": "In the physical custody of a parent or guardian", "N": "Not in the physical custody of a parent or guardian",
     BLANK: "Homeless is '0'"},
)

DISABILITY_TYPE = cs(
    "disability_type",
    {
        "AU": "Autism",
        "BD": "Emotional Disturbance",
        "CD": "Speech/Language Impairment",
        "DB": "Deaf/Blindness",
        "DD": "Developmental Delay",
        "HI": "Hearing Impairment/Deafness",
        "ID": "Intellectual Disability",
        "MD": "Multiple Disabilities",
        "OH": "Other Health Impairment",
        "OI": "Orthopedic Impairment",
        "SL": "Specific Learning Disability",
        "TB": "Traumatic Brain Injury",
        "VI": "Visual Impairment (including Blindness)",
    },
)
SPED_TIME = cs(
    "sped_time",
    {
        "A": "Resource: 1-59 minutes (grades 1-12) or 1-29 minutes (K)",
        "B": "Resource: 60-179 minutes (grades 1-12) or 30-89 minutes (K)",
        "C": "Self-Contained: 180+ minutes (grades 1-12) or 90+ minutes (K)",
    },
)
EXIT_REASON = cs(
    "program_exit_reason",
    {"A": "Returned to regular placement", "D": "Reached maximum age", "S": "Service Change", "X": "Exited school",
     BLANK: "Exit date is blank"},
)
REGULAR_PERCENT = cs(
    "regular_percent",
    {"1": "At least 80% of the day", "2": "40% to 79% of the day", "3": "Less than 40% of the day", BLANK: "Pre-K"},
)
ENVIRONMENT_PK = {
    "C": "Early Childhood Special Education (federal Special Class)",
    "F": "Regular early childhood program 10+ hours/week, services there",
    "G": "Regular early childhood program 10+ hours/week, services elsewhere",
    "J": "Regular early childhood program under 10 hours/week, services there",
    "K": "Regular early childhood program under 10 hours/week, services elsewhere",
    "P": "Parentally placed in private school",
    "R": "Public Residential",
    "S": "Public Separate School",
    "I": "Itinerant (federal Service Provider Location)",
    "M": "Home",
}
ENVIRONMENT_K12 = {
    "H": "Homebound/Hospitalized",
    "P": "Parentally placed in private school",
    "R": "Public Residential",
    "S": "Public Separate School",
    "T": "Private Residential Facility",
    "U": "Private Separate School",
    "V": "Regular School Setting",
    "Y": "Correctional Facility",
}
SPED_ENVIRONMENT = cs("sped_environment", ENVIRONMENT_PK | {k: v for k, v in ENVIRONMENT_K12.items() if k not in ENVIRONMENT_PK})

CUSTODY_TYPE = cs(
    "custody_type",
    {"DCFS": "Division of Child and Family Services", "DJJS": "Department of Juvenile Justice Services",
     "BOIA": "Bureau of Indian Affairs"},
)
YIC_TIME = cs(
    "yic_time",
    {"A": "1-59 minutes (ISI-1)", "B": "60-179 minutes (ISI-2)", "C": "180 minutes or more (Self-Contained)"},
)
YIC_ENVIRONMENT = cs(
    "yic_environment",
    {"H": "Homebound/Hospitalized", "R": "Public Residential Facility", "T": "Private Residential Facility",
     "V": "Regular School Setting"},
)

SEMESTER_LENGTH = cs(
    "semester_length",
    {"1": "First semester (90 day class)", "2": "Second semester (90 day class)", "3": "Single trimester (60 day class)",
     "4": "All year (180 day class)", "5": "1 quarter (45 day class)", BLANK: "Not a CTE class"},
)
COLLEGES = cs(
    "college_granting_credit",
    {"49": "Salt Lake Community College", "50": "Utah Valley State College", "52": "University of Utah",
     "53": "Utah State University", "54": "Weber State University", "56": "Southern Utah University",
     "57": "College of Eastern Utah", "58": "Dixie College", "59": "Snow College", "  ": "Not concurrent enrollment"},
)
WHERE_TAUGHT_CAMPUS = cs("where_taught_campus", {"C": "College campus", "H": "High School campus", BLANK: "Not concurrent enrollment"})
INSTRUCT_SETTING = cs(
    "instruct_setting",
    {"BC": "Broadcast", "CC": "Correspondence", "ED": "Early College", "AV": "Interactive Audio/Video",
     "ON": "Online (other than EHS / SB 65)", "IS": "Independent Study", "FF": "Face to Face",
     "OP": "Online course for students under SB 65", "  ": "Not given"},
)
TERM = cs(
    "term",
    {
        "YR": "Full Year", "S1": "First Semester", "S2": "Second Semester", "Q1": "First Quarter",
        "Q2": "Second Quarter", "Q3": "Third Quarter", "Q4": "Fourth Quarter", "Q1Q2": "First and Second Quarters",
        "Q2Q3": "Second and Third Quarters", "Q3Q4": "Third and Fourth Quarters", "Q4SU": "Fourth Quarter and Summer",
        "SU": "Summer", "T1": "First Trimester", "T2": "Second Trimester", "T3": "Third Trimester",
        "T4": "Fourth Trimester", "T5": "Fifth Trimester", "T6": "Sixth Trimester",
        "T1T2": "First and Second Trimesters", "T2T3": "Second and Third Trimesters", "T3T1": "First and Third Trimesters",
        "T3T4": "Third and Fourth Trimester", "T4T5": "Fourth and Fifth Trimester", "T5T6": "Fifth and Sixth Trimester",
        "T6T1": "Sixth and First Trimester",
    },
)
GRADE_EARNED_WORDS = ("PASS", "P", "FAIL", "F", "NOGRD", "N", "NG")
CONCURRENT = cs("concurr_enrolled", {"Y": "College and high school credit", "N": "High school credit only",
                                     BLANK: "Not a concurrent enrollment class"})

GANG_RELATED = cs("gang_related", {"Y": "Yes, gang related", "N": "No, not gang related", "U": "Unknown"})
DISCIPLINE_METHOD = cs("discipline_method", {"S": "Suspended", "E": "Expelled", BLANK: "Other or no discipline"})
INFRACTION_ALL = {
    "01": "Physical Assault", "02": "Sexual Assault", "03": "Homicide", "04": "Fighting (mutual altercation)",
    "05": "Harassment, non-sexual", "06": "Harassment, sexual", "07": "Terroristic Threat",
    "08": "Threat/Intimidation", "09": "Robbery", "10": "Alcohol", "11": "Tobacco", "12": "Marijuana",
    "13": "Controlled substance", "14": "Uncontrolled substance", "15": "Distribution", "16": "Handgun",
    "17": "Rifle", "18": "Shotgun", "19": "Other explosive device", "20": "Knife or other sharp object",
    "21": "Other object used as a weapon", "22": "Substance used as a weapon", "23": "Look Alike",
    "24": "Bullying (as per LEA policy)", "25": "Disruption", "26": "Truancy", "27": "Other", "28": "Arson",
    "29": "Weapon",
}
RETIRED_INFRACTIONS = tuple(f"{i}" for i in range(16, 24))  # "Starting in SY 2012, 16-23 are no longer available"
INFRACTION = cs("infraction_type", {k: v for k, v in INFRACTION_ALL.items() if k not in RETIRED_INFRACTIONS})
WEAPON = cs(
    "weapon",
    {"1": "Handgun", "2": "Rifle", "3": "Shotgun", "4": "Other explosive device", "5": "Knife or other sharp object",
     "6": "Other object used as a weapon", "7": "Substance used as a weapon", "8": "Look alike", "9": "None"},
)
ROLE = cs("role", {"O": "Offender", "V": "Victim", "B": "Both"})

UPDATED_STATUS = cs(
    "updated_status",
    {
        "CT": "Certificate of Completion", "CH": "Transfer from Charter to Homeschool", "DE": "Death",
        "DO": "Dropout", "FE": "Foreign Exchange", "GE": "GED (Exit Code)",
        "GC": "Adult Education Secondary Diploma - Carnegie Units",
        "GG": "Utah High School Completion Diploma - GED (HS Comp Code)", "GR": "High school Graduate - Regular Diploma",
        "TC": "Transferred out of the country", "TH": "Transferred to home schooling", "TO": "Transferred out of State",
        "TP": "Transferred to a Private School", "TR": "Transferred to a Charter School",
        "TS": "Transferred to another LEA within the State", "WD": "Withdrawal", "WM": "Withdrawal Medical",
        "11": "Early Graduate - 11th Grade",
    },
)

# "College and ATC 'Teacher' CACTUS IDs" and the college / ATC "LEA" numbers of the AC record notes.
COLLEGE_LEAS = {
    "44": "Ogden Weber ATC", "45": "Bridgerland ATC", "47": "Uintah Basin ATC", "48": "Davis ATC",
    "49": "Salt Lake Community College", "50": "Utah Valley University", "51": "Brigham Young University",
    "52": "University of Utah", "53": "Utah State University", "54": "Weber State University", "55": "Westminster",
    "56": "Southern Utah University", "57": "College of Eastern Utah", "58": "Dixie College", "59": "Snow College",
    "61": "Mountainland ATC", "62": "Southwest ATC", "63": "Southeast ATC", "64": "Salt Lake/Tooele ATC",
    "65": "Dixie ATC",
}

PRE_K_CORE_CODE = "22040000001"  # '22-04-00-00-001', the regular ed Pre-K core code
