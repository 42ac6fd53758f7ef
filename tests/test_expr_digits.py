"""The digit checks read the typed `__int` column instead of running a regex: they must agree exactly."""

from __future__ import annotations

import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st

from utrex.engine.rules import expr as E
from utrex.spec import Field, spec_for

SPEC = spec_for(None)
INTEGER_FIELDS: list[Field] = sorted(
    {f.id: f for code in SPEC.codes for f in SPEC.layout(code).fields if E._typed_as_integer(f.id)}.values(),
    key=lambda f: f.id)


def _checked(field: Field, values: list[str]) -> pl.DataFrame:
    frame = pl.DataFrame({field.id: [v.ljust(field.width)[: field.width] for v in values]}, schema={field.id: pl.Utf8})
    return frame.with_columns(E.derived_columns([field])).select(
        pl.col(field.id),
        E.all_digits(field.id).alias("fast_all"),
        pl.col(field.id).str.contains(r"^[0-9]+$").alias("regex_all"),
        E.left_justified_digits(field.id).alias("fast_left"),
        pl.col(field.id).str.contains(r"^[0-9]+ *$").alias("regex_left"),
    )


def test_the_fast_path_covers_the_numeric_fields() -> None:
    ids = {f.id for f in INTEGER_FIELDS}
    assert {"student_number", "ssid", "period", "credit_earned", "lea_number", "school_number"} <= ids
    assert not E._typed_as_integer("last_name") and not E._typed_as_integer("days_attended")  # ignored in one layout


def test_fast_digit_checks_agree_with_the_regex_on_edge_cases() -> None:
    edge = ["", " ", "0", "12", " 12", "12 ", "1 2", "+1", "-1", "+", "-", "1+", "1e3", "1.0", "0x1", "1_0", "a1",
            "1a", "?", "00000000000", "99999999999", " 0 "]
    for field in INTEGER_FIELDS:
        out = _checked(field, edge)
        assert out["fast_all"].to_list() == out["regex_all"].to_list(), field.id
        assert out["fast_left"].to_list() == out["regex_left"].to_list(), field.id


@settings(max_examples=150, deadline=None)
@given(st.sampled_from(INTEGER_FIELDS), st.lists(st.text(alphabet="0123456789 +-a.", max_size=12), max_size=30))
def test_fast_digit_checks_agree_with_the_regex(field: Field, values: list[str]) -> None:
    out = _checked(field, values)
    assert out["fast_all"].to_list() == out["regex_all"].to_list()
    assert out["fast_left"].to_list() == out["regex_left"].to_list()


@settings(max_examples=200, deadline=None)
@given(value=st.text(alphabet=" AZ09-'", max_size=12), data=st.data())
def test_blank_and_code_on_the_padded_field_agree_with_stripping(value: str, data: st.DataObject) -> None:
    """`blank`, `present` and `code_in` compare the padded field (as the engine's frames hold it) instead of a
    stripped copy; on any value they agree with the stripping tests, and a field id whose width is not one
    across the layouts falls back to stripping, whatever the value's length."""
    code = data.draw(st.sampled_from(SPEC.codes))
    field = data.draw(st.sampled_from([f for f in SPEC.layout(code).fields if f.id != "record_id"]))
    padded = value.ljust(field.width)[: field.width]
    codes = ["A", "Z9", "09", "-"]
    got = pl.DataFrame({field.id: [padded]}).select(
        E.blank(field.id).alias("blank"), E.present(field.id).alias("present"),
        E.code_in(field.id, field.width, codes).alias("code"),
        E.blank_trimmed(field.id).alias("blank_trimmed"),
        pl.col(field.id).str.strip_chars_end(" ").is_in(codes).alias("code_trimmed")).row(0, named=True)
    assert E.field_width(field.id) == field.width
    assert got["blank"] == got["blank_trimmed"] == (padded.strip(" ") == "")
    assert got["present"] == (not got["blank"])
    assert got["code"] == got["code_trimmed"]
    assert E.field_width("no_such_field") is None
    short = pl.DataFrame({"no_such_field": [value]}).select(E.blank("no_such_field")).item()
    assert short == (value.strip(" ") == "")
