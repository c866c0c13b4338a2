"""The codes of the engine's notes: each member has a sentence in dialogs/templates/notes.j2
(`note_<code>`), except DATA, whose sentences live in the policy data; a test checks both ways.
"""

from __future__ import annotations

from enum import StrEnum


class NoteCode(StrEnum):
    DATA = "data"  # a data-defined note: its sentence per language is in the policy file
    BACK_PAYMENT = "back_payment"
    BIRTH_BEFORE_YEAR = "birth_before_year"
    CLOSED = "closed"
    COMBINATION_HIGHEST = "combination_highest"
    COMBINATION_NOT_STATED = "combination_not_stated"
    COVERAGE_NOT_BEFORE_BIRTH = "coverage_not_before_birth"
    COVERAGE_START_NOT_STATED = "coverage_start_not_stated"
    FISCAL_SUBSIDY_NATIONAL = "fiscal_subsidy_national"
    FISCAL_SUBSIDY_NATIONAL_MINIMUM = "fiscal_subsidy_national_minimum"
    FISCAL_SUBSIDY_NOT_STATED = "fiscal_subsidy_not_stated"
    IDENTITY_NOT_IN_NOTICE = "identity_not_in_notice"
    LAPSE_BEFORE_RULES_UNCERTAIN = "lapse_before_rules_uncertain"
    LAPSE_YEARS_READING = "lapse_years_reading"
    NEWBORN_COVERAGE_NOT_STATED = "newborn_coverage_not_stated"
    NEWBORN_LATE_NOT_STATED = "newborn_late_not_stated"
    NEWBORN_NEEDS_BIRTH_DATE = "newborn_needs_birth_date"
    NEWBORN_WAITING_NOT_STATED = "newborn_waiting_not_stated"
    NEXT_YEAR_NOT_ON_FILE = "next_year_not_on_file"
    NO_POLICY_FOR_DATE = "no_policy_for_date"
    NO_WAITING_RULES = "no_waiting_rules"
    OTHER_INSURANCE_YEAR = "other_insurance_year"
    REPAIR_MORE_THAN_NEEDED = "repair_more_than_needed"
    REPAIR_NOT_STATED = "repair_not_stated"
    REPAIR_PRICE = "repair_price"
    SAME_AS_ORDINARY = "same_as_ordinary"
    SUBSIDIES_IN_WINDOW_NOT_STATED = "subsidies_in_window_not_stated"
    SUBSIDIES_NOT_IN_WINDOW = "subsidies_not_in_window"
    SUBSIDY_AGE_NOT_MET = "subsidy_age_not_met"
    SUBSIDY_AMOUNT_NOT_STATED = "subsidy_amount_not_stated"
    SUBSIDY_NEEDS_AGE = "subsidy_needs_age"
    TIER_ASSUMED = "tier_assumed"
    TIER_NOT_APPLICABLE = "tier_not_applicable"
    TIER_PLACED = "tier_placed"
    VARIABLE_WAITING_NATIONAL = "variable_waiting_national"
    WAITING_NOT_STATED = "waiting_not_stated"
    WAITING_PAST_YEAR_END = "waiting_past_year_end"
    WINDOW_END_NOT_STATED = "window_end_not_stated"
    WINDOW_PRICE_NOT_STATED = "window_price_not_stated"
