"""The portal's LEA pages (issue 6, item 3): dashboard, upload in the background, submission log,
findings (filters, pagination, rules explained, downloads, the diff), examine, finalization; and the
isolation of every one of those routes: a person of LEA A gets 404 for LEA B's, also by guessing B's
submission id under A's address; an LEA viewer gets 403 for upload and finalize; a POST without the
CSRF token is refused. Every test runs on SQLite and PostgreSQL (the `store` fixture)."""

from __future__ import annotations

import datetime as dt
import io
import json
import re
from pathlib import Path

import openpyxl
import polars as pl
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from utrex.portal import accounts
from utrex.portal.accounts import Role
from utrex.portal.app import create_app
from utrex.portal.audit import Who
from utrex.portal.models import AuditEntry
from utrex.portal.web import PortalSettings
from utrex.reference.model import load_reference
from utrex.spec import Period
from utrex.store import periods as P
from utrex.store.models import Finalization, Record, Submission
from utrex.store.submissions import receive, submission_findings, submit
from utrex.synth import generate_lea

SETUP = Who(None, "test setup")
PW = "lantern basil 47 harbour"
A_UP, A_VIEW, B_UP, ADMIN = "up@jordan.example.org", "view@jordan.example.org", "up@juab.example.org", "admin@example.org"
TODAY = dt.date(2012, 10, 10)  # before the October 2012-13 due date (October 15, 2012)


pytestmark = pytest.mark.usefixtures("cheap_hashing")  # conftest.py


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Small synthetic October 2012-13 files: LEA 14 with defects (13 findings, 52 records held), LEA 14
    clean (no finding), LEA 15 clean."""
    ref, d = load_reference(None), tmp_path_factory.mktemp("files")
    out = {}
    for key, lea, seed, defects in (("a_bad", "14", 1, 0.03), ("a_clean", "14", 1, 0.0), ("b", "15", 1, 0.0)):
        out[key] = d / f"lea{lea}-{key}.txt"
        generate_lea(out[key], ref=ref, lea=lea, students=40, period=Period.OCTOBER, school_year=2013, seed=seed,
                     defects=defects)
    return out


@pytest.fixture
def people(store) -> None:
    accounts.create_user(store, ADMIN, PW, Role.STATE_ADMIN, SETUP)
    accounts.create_user(store, A_UP, PW, Role.LEA_UPLOADER, SETUP, leas=["14"])
    accounts.create_user(store, A_VIEW, PW, Role.LEA_VIEWER, SETUP, leas=["14"])
    accounts.create_user(store, B_UP, PW, Role.LEA_UPLOADER, SETUP, leas=["15"])


def client(store, **settings) -> TestClient:
    settings.setdefault("extra", {"today": TODAY})
    return TestClient(create_app(store, PortalSettings(**settings)), follow_redirects=False)


def token(c: TestClient, path: str = "/login") -> str:
    m = re.search(r'name="csrf_token" value="([^"]+)"', c.get(path).text)
    assert m
    return m.group(1)


def logged_in(store, email: str, **settings) -> TestClient:
    c = client(store, **settings)
    r = c.post("/login", data={"email": email, "password": PW, "next": "/", "csrf_token": token(c)})
    assert r.status_code == 303, r.text
    return c


def count(store, model, *where) -> int:
    with store.session() as s:
        return int(s.scalar(select(func.count()).select_from(model).where(*where)) or 0)


def audits(store, action: str) -> list[AuditEntry]:
    with store.session() as s:
        return list(s.scalars(select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id)))


def upload(c: TestClient, lea: str, path: Path, validate_only: bool = False, with_token: bool = True):
    data = {"csrf_token": token(c, "/")} if with_token else {}
    if validate_only:
        data["validate_only"] = "1"
    return c.post(f"/leas/{lea}/upload", data=data, files={"file": (path.name, path.read_bytes(), "text/plain")})


def wait(c: TestClient, submission_id: int) -> Submission:
    return c.app.state.submission_jobs.wait(submission_id, timeout=120)  # type: ignore[attr-defined]


def finding_lines(html: str) -> list[str]:
    return re.findall(r'<tr><td class="num">(\d+|file)</td><td>(?:error|warning)</td>', html)


def sub_routes(lea: str, sid: int) -> list[str]:
    base = f"/leas/{lea}/submissions/{sid}"
    return [base, f"{base}/status", *(f"{base}/report.{f}" for f in ("csv", "html", "json", "xlsx")),
            f"{base}/diff", f"{base}/diff.csv", f"{base}/examine.csv", f"{base}/examine.html"]


# --- isolation ------------------------------------------------------------------------------------

def test_a_person_of_lea_a_gets_404_for_every_route_of_lea_b(store, people, files) -> None:
    old_b = submit(files["b"], "15", user=B_UP, store=store).id
    b = submit(files["b"], "15", user=B_UP, store=store).id  # B has a previous one: its diff exists
    mine = submit(files["a_clean"], "14", user=A_UP, store=store).id
    c = logged_in(store, A_UP)
    nowhere = c.get("/leas/98").text
    theirs = ["/lea/15", "/leas/15", "/leas/15/upload", "/leas/15/submissions", "/leas/15/submissions?page=2",
              "/leas/15/finalize", "/leas/15/examine.csv", "/leas/15/examine.html", *sub_routes("15", b)]
    guessed = sub_routes("14", b) + sub_routes("14", old_b)  # B's ids under A's own address
    for path in theirs + guessed:
        r = c.get(path)
        assert r.status_code == 404, path
        assert "Juab" not in r.text and r.text == nowhere, path
    # the same routes of A's own LEA answer (the 404s above are not a broken route)
    for path in ["/leas/14", "/leas/14/upload", "/leas/14/submissions", "/leas/14/finalize", *sub_routes("14", mine)]:
        assert c.get(path).status_code in (200, 409), path  # 409: the diff.csv, no previous submission
    before = count(store, Submission)
    t = token(c, "/")
    r = c.post("/leas/15/upload", data={"csrf_token": t}, files={"file": ("x.txt", files["b"].read_bytes())})
    assert r.status_code == 404 and count(store, Submission) == before
    for lea, sid in (("15", b), ("14", b)):  # B's LEA, and B's submission under A's LEA
        r = c.post(f"/leas/{lea}/finalize", data={"csrf_token": t, "period": "october", "submission": str(sid),
                                                  "confirm": str(sid)})
        assert r.status_code == 404, (lea, sid)
    assert count(store, Finalization) == 0
    # only A's own downloads were served (4 report formats, 2 examine): none of B's
    assert [(d.lea, d.detail["submission"]) for d in audits(store, "download")] == [("14", mine)] * 6
    assert audits(store, "finalize") == [] and audits(store, "upload") == []


def test_an_lea_viewer_gets_403_for_upload_and_finalize(store, people, files) -> None:
    sid = submit(files["a_clean"], "14", user=A_UP, store=store).id
    c = logged_in(store, A_VIEW)
    page = c.get("/leas/14")
    assert page.status_code == 200 and "view only" in page.text and "/leas/14/upload" not in page.text
    assert c.get("/leas/14/upload").status_code == 403
    assert c.get("/leas/14/finalize").status_code == 403
    assert upload(c, "14", files["a_clean"]).status_code == 403
    r = c.post("/leas/14/finalize", data={"csrf_token": token(c, "/"), "period": "october", "submission": str(sid),
                                          "confirm": str(sid)})
    assert r.status_code == 403
    assert count(store, Submission) == 1 and count(store, Finalization) == 0
    assert c.get(f"/leas/14/submissions/{sid}").status_code == 200  # reading stays open to a viewer


def test_posts_without_the_csrf_token_are_refused(store, people, files) -> None:
    sid = submit(files["a_clean"], "14", user=A_UP, store=store).id
    c = logged_in(store, A_UP)
    assert upload(c, "14", files["a_clean"], with_token=False).status_code == 403
    r = c.post("/leas/14/finalize", data={"period": "october", "submission": str(sid), "confirm": str(sid)})
    assert r.status_code == 403
    r = c.post("/leas/14/finalize", data={"csrf_token": "forged", "period": "october", "submission": str(sid),
                                          "confirm": str(sid)})
    assert r.status_code == 403
    assert count(store, Submission) == 1 and count(store, Finalization) == 0 and audits(store, "upload") == []


# --- upload ---------------------------------------------------------------------------------------

def test_validate_only_upload_loads_nothing_and_a_load_does(store, people, files) -> None:
    with TestClient(create_app(store, PortalSettings(extra={"today": TODAY})), follow_redirects=False) as c:
        c.post("/login", data={"email": A_UP, "password": PW, "next": "/", "csrf_token": token(c)})
        r = upload(c, "14", files["a_bad"], validate_only=True)
        assert r.status_code == 303
        sid = int(re.fullmatch(r"/leas/14/submissions/(\d+)/status", r.headers["location"]).group(1))
        sub = wait(c, sid)
        assert (sub.status, sub.records, sub.accepted, sub.held, sub.errors, sub.warnings) == (
            "validated", 283, 231, 52, 10, 3)
        assert count(store, Record, Record.lea == "14") == 0  # validate only: nothing loaded
        page = c.get(r.headers["location"])
        assert page.status_code == 200 and 'http-equiv="refresh"' not in page.text
        assert "Validated only: nothing was loaded." in page.text and "283 records" in page.text
        r2 = upload(c, "14", files["a_bad"])
        sid2 = int(r2.headers["location"].split("/")[4])
        assert wait(c, sid2).status == "loaded"
        assert count(store, Record, Record.lea == "14") == 231
        assert sub.file_name == files["a_bad"].name  # the browser's file name, not the temporary one
        ups = audits(store, "upload")
        assert [(u.lea, u.detail["submission"], u.detail["load"], u.detail["bytes"]) for u in ups] == [
            ("14", sid, False, files["a_bad"].stat().st_size), ("14", sid2, True, files["a_bad"].stat().st_size)]
        jobs = c.app.state.submission_jobs
    assert jobs._pool._shutdown  # closed with the app


def test_a_refused_upload_is_audited_and_explained(store, people, files) -> None:
    c = logged_in(store, A_UP)
    r = upload(c, "14", files["b"])  # LEA 15's file sent as LEA 14's
    assert r.status_code == 400 and "names LEA 15" in r.text
    (u,) = audits(store, "upload")
    assert u.lea == "14" and "names LEA 15" in u.detail["refused"] and u.detail["submission"] is not None
    assert upload(c, "14", files["b"]).status_code == 400
    r = c.post("/leas/14/upload", data={"csrf_token": token(c, "/")})
    assert r.status_code == 400 and "Choose the Clearinghouse file" in r.text


def test_the_status_page_refreshes_itself_while_the_job_runs(store, people, files) -> None:
    sub, _ = receive(store, files["a_clean"], "14", A_UP)  # received, not yet validated: in flight
    c = logged_in(store, A_UP)
    page = c.get(f"/leas/14/submissions/{sub.id}/status")
    assert page.status_code == 200
    assert '<meta http-equiv="refresh" content="2">' in page.text
    assert "Status: <strong>received</strong>" in page.text and f"{files['a_clean'].stat().st_size:,} bytes" in page.text


# --- the log, findings, downloads, diff, examine ---------------------------------------------------

def test_the_submission_log_is_paginated_newest_first(store, people, files) -> None:
    ids = [submit(files["a_clean"], "14", user=A_UP, load=False, store=store).id for _ in range(3)]
    c = logged_in(store, A_UP, page_size=2)
    first, second = c.get("/leas/14/submissions"), c.get("/leas/14/submissions?page=2")
    listed = [[int(x) for x in re.findall(r'<tr><td><a href="/leas/14/submissions/(\d+)">', p.text)]
              for p in (first, second)]
    assert listed == [[ids[2], ids[1]], [ids[0]]]
    assert "1–2 of 3" in first.text and "3–3 of 3" in second.text


def test_findings_filter_and_paginate_and_explain_their_rules(store, people, files) -> None:
    sid = submit(files["a_bad"], "14", user=A_UP, store=store).id
    expected = submission_findings(store, sid).with_row_index("order")
    assert expected.height == 13
    c = logged_in(store, A_UP, page_size=5)
    base = f"/leas/14/submissions/{sid}"

    def lines(frame: pl.DataFrame) -> list[str]:
        return ["file" if v is None else str(v) for v in frame["line"].to_list()]

    page1, page3 = c.get(base), c.get(base + "?page=3")
    assert finding_lines(page1.text) == lines(expected[:5]) and "1–5 of 13" in page1.text
    assert finding_lines(page3.text) == lines(expected[10:]) and "11–13 of 13" in page3.text
    errors = c.get(base + "?severity=error&page=2")
    assert finding_lines(errors.text) == lines(expected.filter(pl.col("severity") == "error")[5:10])
    assert "6–10 of 10" in errors.text
    assert f'href="/leas/14/submissions/{sid}?severity=error&amp;page=1" rel="prev"' in errors.text  # filters kept
    rule = expected["rule"][0]
    by_rule = c.get(base, params={"rule": rule})
    assert finding_lines(by_rule.text) == lines(expected.filter(pl.col("rule") == rule)[:5])
    school = expected.drop_nulls("school")["school"][0]
    by_school = c.get(base, params={"school": school})
    want = expected.filter(pl.col("school") == school)
    assert finding_lines(by_school.text) == lines(want[:5]) and f"of {want.height} " in by_school.text
    student = expected.drop_nulls("student_number")["student_number"][0]
    by_student = c.get(base, params={"student": student, "severity": "error"})
    want = expected.filter((pl.col("student_number") == student) & (pl.col("severity") == "error"))
    assert want.height >= 1 and finding_lines(by_student.text) == lines(want[:5])
    none = c.get(base, params={"student": "no-such-student"})
    assert finding_lines(none.text) == [] and "No finding matches these filters" in none.text
    # each rule on the page explained from the rule registry
    from utrex.report.common import rule_info

    info = rule_info(rule)
    assert f'id="rule-{rule}"' in by_rule.text and info.title in by_rule.text
    assert info.citation and info.citation in by_rule.text


def test_reports_download_in_every_format_and_are_audited(store, people, files) -> None:
    sid = submit(files["a_bad"], "14", user=A_UP, store=store).id
    c = logged_in(store, A_UP)
    base = f"/leas/14/submissions/{sid}/report"
    csv = c.get(base + ".csv")
    assert csv.status_code == 200 and "attachment" in csv.headers["content-disposition"]
    assert pl.read_csv(io.BytesIO(csv.content)).height == 13
    body = c.get(base + ".json").json()
    assert len(body["findings"]) == 13 and body["summary"]["errors"] == 10 and body["id"] == sid
    html = c.get(base + ".html")
    assert html.status_code == 200 and "<html" in html.text and html.headers["content-type"].startswith("text/html")
    xlsx = c.get(base + ".xlsx")
    wb = openpyxl.load_workbook(io.BytesIO(xlsx.content), read_only=True)
    assert "Student" in wb.sheetnames
    assert c.get(base + ".pdf").status_code == 404
    got = [(d.lea, d.detail["what"], d.detail["format"], d.detail["submission"]) for d in audits(store, "download")]
    assert got == [("14", "findings", f, sid) for f in ("csv", "json", "html", "xlsx")]


def test_the_diff_against_the_previous_submission(store, people, files) -> None:
    bad = submit(files["a_bad"], "14", user=A_UP, store=store).id
    clean = submit(files["a_clean"], "14", user=A_UP, store=store).id
    c = logged_in(store, A_UP)
    first = c.get(f"/leas/14/submissions/{bad}/diff")
    assert first.status_code == 200 and "no earlier validated submission" in first.text
    page = c.get(f"/leas/14/submissions/{clean}/diff")
    counts = {k: int(v) for k, v in re.findall(r'<dd id="count-(\w+)">(\d+)</dd>', page.text)}
    assert counts == {"new": 0, "resolved": 13, "open": 0}  # the clean file resolves every finding
    rows = pl.read_csv(io.BytesIO(c.get(f"/leas/14/submissions/{clean}/diff.csv").content))
    assert rows.height == 13 and set(rows["status"]) == {"resolved"}
    back = c.get(f"/leas/14/submissions/{bad}/diff.csv")
    assert back.status_code == 409
    (d,) = audits(store, "download")
    assert d.detail == {"what": "diff", "submission": clean, "previous": bad, "format": "csv"}


def test_examine_downloads_what_the_lea_submitted(store, people, files) -> None:
    sid = submit(files["a_bad"], "14", user=A_UP, store=store).id
    c = logged_in(store, A_UP)
    in_force = pl.read_csv(io.BytesIO(c.get("/leas/14/examine.csv").content), infer_schema_length=0)
    assert in_force.height == count(store, Record, Record.lea == "14") == 231
    sub_csv = pl.read_csv(io.BytesIO(c.get(f"/leas/14/submissions/{sid}/examine.csv").content), infer_schema_length=0)
    assert sub_csv.height == 231 and set(sub_csv["submission"]) == {str(sid)}
    html = c.get(f"/leas/14/submissions/{sid}/examine.html")
    assert html.status_code == 200 and "accepted records" in html.text
    assert c.get("/leas/14/examine.pdf").status_code == 404
    got = [(d.detail["what"], d.detail["format"], d.detail["submission"], d.detail["audience"], d.detail["records"])
           for d in audits(store, "download")]
    assert got == [("examine", "csv", None, "lea", 231), ("examine", "csv", sid, "lea", 231),
                   ("examine", "html", sid, "lea", 231)]


# --- dashboard and finalization ---------------------------------------------------------------------

def test_the_dashboard_shows_the_last_submission_and_the_periods(store, people, files) -> None:
    submit(files["a_clean"], "14", user=A_UP, store=store)
    sid = submit(files["a_bad"], "14", user=A_UP, load=False, store=store).id
    c = logged_in(store, A_UP)
    page = c.get("/leas/14")
    assert page.status_code == 200 and "Jordan District" in page.text
    assert f'href="/leas/14/submissions/{sid}">Submission {sid}</a>' in page.text
    counts = dict(re.findall(r"<dt>([A-Za-z ]+)</dt><dd>(\d+)</dd>", page.text))
    assert counts == {"Errors": "10", "Warnings": "3", "Held records": "52", "Accepted records": "231",
                      "Records": "283"}
    assert "validated only: nothing loaded" in page.text
    assert "2012-10-15" in page.text and page.text.count("not finalized") == 3  # due dates; nothing finalized
    assert c.get("/lea/14").text == page.text  # the first address of the page shows the same


def test_finalize_shows_the_counts_and_needs_the_typed_submission_id(store, people, files) -> None:
    sid = submit(files["a_bad"], "14", user=A_UP, store=store).id
    want = P.prepare(store, "14", "october", sid, TODAY).counts
    c = logged_in(store, A_UP)
    page = c.get("/leas/14/finalize")
    assert page.status_code == 200
    october = page.text.split('id="period-october"')[1].split("</section>")[0]
    assert f'<tr><th>Accepted records</th><td class="num">{want["accepted"]}</td></tr>' in october
    assert f'<tr><th>Held records (not frozen)</th><td class="num">{want["held"]}</td></tr>' in october
    assert f'<tr><th>Students</th><td class="num">{want["students"]}</td></tr>' in october
    assert (want["accepted"], want["held"]) == (231, 52)
    t = token(c, "/")
    wrong = c.post("/leas/14/finalize", data={"csrf_token": t, "period": "october", "submission": str(sid),
                                              "confirm": str(sid + 1)})
    assert wrong.status_code == 400 and f"type the submission id {sid}" in wrong.text
    assert count(store, Finalization) == 0
    ok = c.post("/leas/14/finalize", data={"csrf_token": t, "period": "october", "submission": str(sid),
                                           "confirm": f" {sid} "})
    assert ok.status_code == 303
    fin = P.current_finalization(store, "14", 2013, "october")
    assert fin is not None and fin.submission_id == sid and fin.user == A_UP and fin.counts["accepted"] == 231
    (a,) = audits(store, "finalize")
    assert a.lea == "14" and a.detail["submission"] == sid and a.detail["finalization"] == fin.id
    assert f"finalized: submission {sid} by {A_UP}" in c.get("/leas/14").text
    late = logged_in(store, A_UP, extra={"today": dt.date(2013, 1, 5)})
    text = late.get("/leas/14/finalize").text
    assert "cannot be finalized now" in text and "deadline was 2012-10-15" in text
    r = late.post("/leas/14/finalize", data={"csrf_token": token(late, "/"), "period": "october",
                                             "submission": str(sid), "confirm": str(sid)})
    assert r.status_code == 400 and "refused after it" in r.text and count(store, Finalization) == 1


def test_json_report_is_the_submission_with_its_findings(store, people, files) -> None:
    """The json download is what `utrex submission ID --format json` writes."""
    sid = submit(files["a_clean"], "14", user=A_UP, store=store).id
    c = logged_in(store, ADMIN)  # a state administrator reads every LEA
    body = json.loads(c.get(f"/leas/14/submissions/{sid}/report.json").content)
    assert (body["status"], body["records"], body["findings"]) == ("loaded", 282, [])
    got = pl.read_csv(io.BytesIO(c.get("/leas/14/examine.csv").content), infer_schema_length=0)
    lea = pl.read_csv(io.BytesIO(logged_in(store, A_UP).get("/leas/14/examine.csv").content), infer_schema_length=0)
    assert got.height == lea.height == 282
    assert lea["ssn"].drop_nulls().len() > 0 and got["ssn"].null_count() == 282  # the LEA's own SSNs, not the state's
