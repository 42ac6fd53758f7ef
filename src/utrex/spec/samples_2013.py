"""A valid record of every type for school year 2012-13: the base that rule examples override.

Together they pass every Level 1 rule in every period against the sample reference (LEA 14 is a
district allowed to report migrant students; school 790 serves grades 00-12). DI's as-of date lies
inside the ES window (July 15 - October 15) of the October 2012 submission.
"""

from __future__ import annotations

BASE: dict[str, dict[str, str]] = {
    "DI": {
        "lea_number": "14", "year_identifier": ",YR=", "school_year": "2013", "month_identifier": ",OK=",
        "which_month": "OCT", "sisasofdate": "2012-10-01 10:14:46.000",
    },
    "SC": {
        "school_number": "790", "days_in_school_year": "180", "last_day_of_school": "0605",
        "schedule_year_type": "S", "schedule_day_type": "S", "lea_number": "14",
    },
    "S1": {
        "student_number": "7171717", "ssn": "", "last_name": "DOE", "first_name": "JOHN", "middle_name": "Q",
        "birth_date": "19970315", "gender": "M", "ethnicity": "N", "race_white": "Y", "grade_level": "10",
        "entry_date": "20120820", "exit_date": "", "exit_code": "", "school_membership": "045",
        "hs_completion_status": "", "part_time": "", "concentrator": "", "voc_academ_disadv": "", "tech_prep": "",
        "tribal_affiliation": "", "limited_english": "", "economic_disadv": "", "resident_status": "U",
        "phone_number": "8015551234", "migrant": "", "days_attended": "040", "homeless": "0",
        "first_enroll_us": "", "ell_native_language": "", "ell_parent_language": "", "ell_monitored_entry_date": "",
        "zip_code": "84095", "mesa": "", "district_of_residence": "", "school_of_record": "", "gifted": "",
        "services_504": "", "ell_instruction_type": "", "nclb_school_choice": "", "nclb_supp_serv_lang": "",
        "nclb_supp_serv_math": "", "ssid": "1234567", "cumulative_gpa": "3250", "special_ed_exit_date": "",
        "kindergarten_type": "", "military_child": "", "refugee": "", "immigrant": "", "read_grade_level_mid": "",
        "reading_intervention": "", "race_observer": "N", "accompanied": "", "lea_number": "14",
        "school_number": "790", "early_graduate": "", "read_grade_level_fall": "", "read_grade_level_spring": "",
    },
    "S2": {
        "student_number": "7171717", "disability_type": "SL", "time": "A", "scram_entry_date": "20100905",
        "scram_exit_date": "", "scram_exit_reason": "", "scram_membership": "040", "regular_percent": "1",
        "environment": "V", "lea_number": "14", "school_number": "790",
    },
    "S3": {
        "student_number": "7171717", "custody_type": "DCFS", "time": "A", "environment": "V",
        "yic_entry_date": "20120901", "yic_exit_date": "", "yic_exit_reason": "", "yic_membership": "030",
        "lea_number": "14", "school_number": "790",
    },
    "AC": {
        "course_section": "MATH1001", "period": "01", "where_taught_dist": "", "where_taught_schl": "",
        "teacher1_id": "123456", "cip_code": "", "semester_length": "", "course_title": "ALGEBRA I",
        "core_code": "02020000001", "teacher2_id": "", "teacher3_id": "", "college_granting_cr": "",
        "where_taught_campus": "", "instruct_setting": "FF", "instruct_hrs_sched": "", "term": "YR", "cycle": "A",
        "lea_number": "14", "school_number": "790",
    },
    "AM": {
        "student_number": "7171717", "course_number": "MATH1001", "period": "01", "aggregate_memb": "040",
        "course_entry_date": "20120820", "course_exit_date": "20130605", "days_attended": "",
        "credits_attempted": "0500", "grade_earned": "3500", "actual_membership": "", "concurr_enrolled": "",
        "instruct_hrs_memshp": "", "instruct_hrs_attend": "", "credit_earned": "0500", "lea_number": "14",
        "school_number": "790",
    },
    "I1": {
        "incident_id": "10001", "gang_related": "N", "incident_date": "20120920",
        "incident_description": "FIGHT IN HALLWAY", "lea_number": "14", "school_number": "790",
    },
    "I2": {
        "incident_id": "10001", "student_number": "7171717", "caused_incident": "Y", "injured": "N",
        "gang_prev_prog": "N", "discipline_method": "S", "number_of_days": "003", "in_school": "N",
        "services_offered": "Y", "referred_police": "N", "referred_court": "N", "referred_program": "N",
        "alternative_placement": "N", "hearing_officer_removal": "N", "pi_infraction_type": "04", "pi_weapon": "9",
        "pi_role": "O", "lea_number": "14", "school_number": "790", "serious_bodily_injury": "N",
    },
    "ES": {
        "student_number": "7272727", "last_name": "ROE", "first_name": "JANE", "birth_date": "19940612",
        "gender": "F", "updated_status": "GR", "ssid": "2345678", "lea_number": "14",
    },
}

PERIOD_MONTH = {"october": "OCT", "december": "DEC", "year-end": "EOY", "monthly": "FEB"}
PERIOD_AS_OF = {
    "october": "2012-10-01 10:14:46.000",
    "december": "2012-12-03 09:00:00.000",
    "year-end": "2013-07-10 09:00:00.000",
    "monthly": "2013-02-04 09:00:00.000",
}
