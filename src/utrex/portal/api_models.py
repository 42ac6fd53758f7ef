"""What the API sends, declared for the OpenAPI document: the response bodies and the one error shape
`{"error": {"status", "code", "message", "details"}}` every API error has (401, 403, 404, 405, 413, 422,
500 alike)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field


class ErrorBody(BaseModel):
    status: int = Field(description="The HTTP status, repeated")
    code: str = Field(description="Stable, machine-readable: unauthenticated, forbidden, not_found, "
                                  "invalid_request, refused, method_not_allowed, server_error, ...")
    message: str = Field(description="What went wrong, for a person")
    details: list[dict[str, Any]] | None = Field(None, description="invalid_request: one entry per bad "
                                                 "parameter (loc, msg); refused: the submission logged")


class Error(BaseModel):
    error: ErrorBody


def error_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """`responses=` of a route: these statuses answer with the error shape."""
    what = {400: "Bad request", 401: "No valid token (WWW-Authenticate: Bearer)",
            403: "The token's person may see this LEA but not do this", 404: "No such thing, or not yours to see",
            413: "The upload is too large", 422: "A parameter or the file is not acceptable"}
    return {s: {"model": Error, "description": what.get(s, "Error")} for s in statuses}


class Lea(BaseModel):
    lea: str = Field(examples=["01"])
    name: str
    can_upload: bool = Field(description="The token's person may submit files for this LEA")


class SubmissionStatus(BaseModel):
    """A submission's log entry while it runs and after; poll until `done`."""

    id: int
    lea: str
    school_year: int | None
    period: str | None
    user: str
    status: str = Field(description="received, validating, validated, loading, loaded or failed")
    done: bool = Field(description="False while received, validating or loading")
    validate_only: bool = Field(description="Validated only: its records were not loaded")
    reason: str | None = Field(description="Why it failed or was refused")
    received_at: str | None
    validated_at: str | None
    finished_at: str | None
    seconds: float | None
    file_name: str
    sha256: str
    size: int
    records: int | None
    accepted: int | None
    held: int | None
    errors: int | None
    warnings: int | None
    records_by_type: dict[str, int] = Field(default_factory=dict)
    accepted_by_type: dict[str, int] = Field(default_factory=dict)
    held_by_type: dict[str, int] = Field(default_factory=dict)
    kind: str
    restores: int | None = Field(description="A rollback: the submission it made current again")
    links: dict[str, str] = Field(description="status and findings of this submission")


class FindingItem(BaseModel):
    id: int = Field(description="Stable; the cursor of the next page is the last id of a page")
    rule: str
    level: int
    severity: str
    line: int | None
    record_type: str | None
    fields: list[str]
    school: str | None
    student_number: str | None
    ssid: str | None
    message: str
    record_key: str | None


class FindingsPage(BaseModel):
    submission: int
    total: int = Field(description="Findings matching the filters, over every page")
    limit: int
    offset: int | None = Field(description="The offset of this page (null when paged by cursor)")
    next_cursor: str | None = Field(description="Pass as `cursor` for the next page; null on the last")
    findings: list[FindingItem]


class Report(BaseModel):
    """A state report scoped to one LEA, as `utrex report NAME --lea NN --format json` writes it."""

    report: str
    lea: str
    school_year: int
    finalized: bool
    facts: dict[str, Any] = Field(description="Title, count date, scope and totals")
    counts: list[dict[str, Any]] = Field(description="One row per key (LEA, school, grade, ...)")
    detail: list[dict[str, Any]] | None = Field(description="The students behind the counts (detail=true)")
    parts: dict[str, dict[str, Any]] = Field(description="Further tables (year-end: discipline), each "
                                                        "with its facts, counts and detail")
