"""The portal's state pages and password reset (issue 6, items 2-3): reports (state and LEA-scoped, the
charter summary of a district's residents), the LEAs list, reference upload, deadlines and extensions,
"forgot password" through a real SMTP server (aiosmtpd), the reset link, an administrator's reset and a
change of one's own password. Isolation: an LEA person gets 404 for every state page and for another
LEA's reports, by URL and by guessed parameters; every POST without the CSRF token is refused. Every test
runs on SQLite and PostgreSQL (the `store` fixture)."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
import socket
import zipfile
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path

import openpyxl
import polars as pl
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select, update

from utrex import mail
from utrex.portal import accounts
from utrex.portal.accounts import Role
from utrex.portal.app import create_app
from utrex.portal.audit import Who
from utrex.portal.leas import known_leas
from utrex.portal.models import AuditEntry, PasswordReset
from utrex.portal.web import PortalSettings
from utrex.reference.model import load_reference
from utrex.reports.registry import run
from utrex.spec import Period
from utrex.store import periods as P
from utrex.store import reference as store_reference
from utrex.store.models import Extension, ReferenceVersion
from utrex.store.submissions import submit
from utrex.synth import generate_lea

SETUP = Who(None, "test setup")
PW, NEW_PW = "lantern basil 47 harbour", "copper meadow 83 violin"
ADMIN, VIEWER = "admin@example.org", "viewer@usoe.example.org"
A_UP, B_UP = "up@jordan.example.org", "up@juab.example.org"
TODAY = dt.date(2012, 10, 10)
YEAR = 2013
SAMPLE = Path(__file__).resolve().parents[1] / "src" / "utrex" / "reference" / "data" / "sample"


pytestmark = pytest.mark.usefixtures("cheap_hashing")  # conftest.py


@pytest.fixture(autouse=True)
def no_mail_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("UTREX_SMTP_HOST", "UTREX_SMTP_PORT", "UTREX_SMTP_FROM", "UTREX_PORTAL_URL"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """October 2012-13 files: district 14, district 15, charter 70 (its students reside in districts)."""
    ref, d = load_reference(None), tmp_path_factory.mktemp("files")
    out = {}
    for lea, students in (("14", 40), ("15", 30), ("70", 60)):
        out[lea] = d / f"lea{lea}.txt"
        generate_lea(out[lea], ref=ref, lea=lea, students=students, period=Period.OCTOBER, school_year=YEAR, seed=3,
                     defects=0.0)
    return out


@pytest.fixture
def people(store) -> dict[str, int]:
    ids = {}
    for key, email, role, leas in (("admin", ADMIN, Role.STATE_ADMIN, []), ("viewer", VIEWER, Role.STATE_VIEWER, []),
                                   ("a", A_UP, Role.LEA_UPLOADER, ["14"]), ("b", B_UP, Role.LEA_UPLOADER, ["15"])):
        ids[key] = accounts.create_user(store, email, PW, role, SETUP, leas=leas).id
    return ids


@pytest.fixture
def smtp():
    """A real SMTP server on loopback; yields (its MailSettings, the messages it received)."""
    from aiosmtpd.controller import Controller

    received: list[EmailMessage] = []

    class Keep:
        async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's hook name)
            received.append(message_from_bytes(envelope.content, policy=policy.default))  # type: ignore[arg-type]
            return "250 OK"

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    controller = Controller(Keep(), hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield mail.MailSettings(host="127.0.0.1", port=port, sender="utrex@usoe.example.org"), received
    finally:
        controller.stop()


def client(store, **extra) -> TestClient:
    return TestClient(create_app(store, PortalSettings(extra={"today": TODAY, **extra})), follow_redirects=False)


def token(c: TestClient, path: str = "/login") -> str:
    m = re.search(r'name="csrf_token" value="([^"]+)"', c.get(path).text)
    assert m, path
    return m.group(1)


def logged_in(store, email: str, password: str = PW, **extra) -> TestClient:
    c = client(store, **extra)
    r = c.post("/login", data={"email": email, "password": password, "next": "/", "csrf_token": token(c)})
    assert r.status_code == 303, r.text
    return c


def audits(store, action: str) -> list[AuditEntry]:
    with store.session() as s:
        return list(s.scalars(select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id)))


def count(store, model, *where) -> int:
    with store.session() as s:
        return int(s.scalar(select(func.count()).select_from(model).where(*where)) or 0)


def link_of(msg: EmailMessage) -> str:
    body = msg.get_content()
    m = re.search(r"http://\S+/password/reset\?token=(\S+)", body)
    assert m, body
    return "/password/reset?token=" + m.group(1)


def reference_zip(leas_extra: str = "", schools_extra: str = "") -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for name in ("leas.csv", "schools.csv", "core_codes.csv"):
            text = (SAMPLE / name).read_text(encoding="utf-8")
            text += {"leas.csv": leas_extra, "schools.csv": schools_extra}.get(name, "")
            z.writestr(f"reference/{name}", text)
    return buf.getvalue()


# --- isolation ------------------------------------------------------------------------------------

STATE_GETS = ["/reports", "/reports?report=october-1&lea=14", "/reports/october-1.csv",
              "/reports/october-1.csv?lea=14", "/reports/october-1.html?view=1", "/reports/charter-summary.json",
              "/state/leas", "/state/reference", "/state/periods", "/state/periods?school_year=2013"]


def test_lea_people_get_404_for_state_pages_and_other_leas_reports(store, people, files) -> None:
    for lea in ("14", "15"):
        submit(files[lea], lea, user=A_UP, store=store)
    a = logged_in(store, A_UP)
    for path in STATE_GETS + ["/leas/15/reports", "/leas/15/reports?report=october-1",
                              "/leas/15/reports/october-1.csv", "/leas/15/reports/october-1.html?view=1",
                              "/leas/15/reports/year-end.xlsx", "/leas/15/reports/charter-summary.json",
                              "/leas/99/reports/october-1.csv", "/leas/14/reports/no-such-report.csv",
                              "/leas/14/reports/october-1.exe", "/leas/14/reports/october-1.csv?part=nothing"]:
        r = a.get(path)
        assert r.status_code == 404, path
        assert "lea=" not in r.text and "Juab" not in r.text
    t = token(a, "/")
    for path, data in (("/state/reference", {}), ("/state/periods/extensions", {
            "lea": "14", "period": "october", "until": "2012-12-01", "reason": "mine", "school_year": "2013"}),
            (f"/admin/users/{people['b']}/reset-password", {})):
        assert a.post(path, data={**data, "csrf_token": t}).status_code == 404, path
    assert count(store, Extension) == 0 and count(store, PasswordReset) == 0
    # guessed parameters on its own LEA's address: the scope stays LEA 14
    own = a.get("/leas/14/reports/october-1.csv?lea=15&school_year=2013")
    assert own.status_code == 200
    rows = list(csv.DictReader(io.StringIO(own.text)))
    assert rows and {r["lea_number"] for r in rows} == {"14"}
    assert own.text == run("october-1", store, YEAR, "14", None, False)[0].write_csv()
    # a state viewer reads the state pages but cannot upload reference data or grant an extension
    v = logged_in(store, VIEWER)
    for path in STATE_GETS:
        assert v.get(path).status_code == 200, path
    t = token(v, "/")
    assert v.post("/state/periods/extensions", data={"lea": "14", "period": "october", "until": "2012-12-01",
                                                     "reason": "x", "school_year": "2013", "csrf_token": t}).status_code == 404
    assert v.post("/state/reference", data={"csrf_token": t},
                  files={"files": ("ref.zip", reference_zip(), "application/zip")}).status_code == 404
    assert count(store, Extension) == 0 and count(store, ReferenceVersion) == 0
    assert 'href="/state/periods"' in v.get("/").text and 'href="/state/periods"' not in a.get("/").text
    # not logged in: to the log-in page
    anon = client(store)
    for path in ["/reports", "/state/leas", "/leas/14/reports/october-1.csv", "/account/password"]:
        assert anon.get(path).status_code == 303, path


def test_every_post_needs_the_csrf_token(store, people, smtp) -> None:
    settings, received = smtp
    admin = logged_in(store, ADMIN, mail=settings)
    anon = client(store, mail=settings)
    posts = [(admin, "/state/reference", {}, {"files": ("ref.zip", reference_zip(), "application/zip")}),
             (admin, "/state/periods/extensions", {"lea": "14", "period": "october", "until": "2012-12-01",
                                                   "reason": "flood", "school_year": "2013"}, None),
             (admin, f"/admin/users/{people['a']}/reset-password", {}, None),
             (admin, "/account/password", {"current": PW, "password": NEW_PW, "confirm": NEW_PW}, None),
             (anon, "/password/forgot", {"email": A_UP}, None),
             (anon, "/password/reset", {"token": "x" * 43, "password": NEW_PW, "confirm": NEW_PW}, None)]
    for c, path, data, upload in posts:
        for sent in ({}, {"csrf_token": "forged"}):
            r = c.post(path, data={**data, **sent}, files=upload)
            assert r.status_code == 403, path
            assert "did not come from this site" in r.text
    assert count(store, Extension) == 0 and count(store, ReferenceVersion) == 0 and count(store, PasswordReset) == 0
    assert received == [] and logged_in(store, ADMIN)  # the password did not change


# --- password reset by e-mail ---------------------------------------------------------------------

def test_forgot_password_through_smtp_link_works_once(store, people, smtp, monkeypatch) -> None:
    settings, received = smtp
    monkeypatch.setenv("UTREX_SMTP_HOST", settings.host)  # the portal reads the environment, as in production
    monkeypatch.setenv("UTREX_SMTP_PORT", str(settings.port))
    monkeypatch.setenv("UTREX_SMTP_FROM", "utrex@usoe.example.org")
    elsewhere = logged_in(store, A_UP)  # a session of the account in another browser
    assert elsewhere.get("/").status_code == 200
    c = client(store)
    page = c.get("/login")
    assert 'href="/password/forgot"' in page.text
    unknown = c.post("/password/forgot", data={"email": "nobody@example.org", "csrf_token": token(c, "/password/forgot")})
    known = c.post("/password/forgot", data={"email": A_UP.upper(), "csrf_token": token(c, "/password/forgot")})
    assert unknown.status_code == known.status_code == 200
    strip = (lambda t: re.sub(r'name="csrf_token" value="[^"]+"', "", t))  # noqa: E731
    assert strip(unknown.text) == strip(known.text) and "If there is an account for that address" in known.text
    assert len(received) == 1  # only the known address got mail
    msg = received[0]
    assert msg["To"] == A_UP and msg["From"] == "utrex@usoe.example.org" and "new password" in msg["Subject"]
    link = link_of(msg)
    with store.session() as s:
        stored = s.scalar(select(PasswordReset))
        assert stored.token_sha256 != link.split("=", 1)[1] and len(stored.token_sha256) == 64  # hashed
        left = stored.expires_at.replace(tzinfo=dt.UTC) - dt.datetime.now(dt.UTC)
        assert dt.timedelta(minutes=58) < left <= dt.timedelta(hours=1)
    form = c.get(link)
    assert form.status_code == 200 and A_UP in form.text
    t = token(c, link)
    weak = c.post("/password/reset", data={"token": link.split("=", 1)[1], "password": "short", "confirm": "short",
                                           "csrf_token": t})
    assert weak.status_code == 400 and "at least 12 characters" in weak.text
    differ = c.post("/password/reset", data={"token": link.split("=", 1)[1], "password": NEW_PW,
                                             "confirm": NEW_PW + "x", "csrf_token": t})
    assert differ.status_code == 400 and "differ" in differ.text
    done = c.post("/password/reset", data={"token": link.split("=", 1)[1], "password": NEW_PW, "confirm": NEW_PW,
                                           "csrf_token": t})
    assert done.status_code == 303 and done.headers["location"] == "/login?reset=1"  # the weak try did not use it
    assert "Your new password is set" in c.get("/login?reset=1").text
    assert elsewhere.get("/").status_code == 303  # the other session has ended
    again = c.get(link)
    assert again.status_code == 400 and "expired or was already used" in again.text
    reuse = c.post("/password/reset", data={"token": link.split("=", 1)[1], "password": "another fine passphrase",
                                            "confirm": "another fine passphrase", "csrf_token": token(c)})
    assert reuse.status_code == 400 and "expired or was already used" in reuse.text
    bad = client(store)
    assert bad.post("/login", data={"email": A_UP, "password": PW, "csrf_token": token(bad)}).status_code == 401
    assert logged_in(store, A_UP, NEW_PW).get("/").status_code == 200
    requested = audits(store, "password_reset_requested")
    assert [(r.actor, r.user_id, r.detail["sent"]) for r in requested] == [
        ("nobody@example.org", None, False), (A_UP, people["a"], True)]
    assert [(r.user_id, r.detail["issued_by"]) for r in audits(store, "password_reset")] == [(people["a"], None)]


def test_an_expired_link_is_refused(store, people, smtp) -> None:
    settings, received = smtp
    c = client(store, mail=settings)
    c.post("/password/forgot", data={"email": B_UP, "csrf_token": token(c, "/password/forgot")})
    assert len(received) == 1
    link = link_of(received[0])
    with store.session(write=True) as s:  # an hour and a second later
        s.execute(update(PasswordReset).values(expires_at=dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1)))
    assert c.get(link).status_code == 400
    r = c.post("/password/reset", data={"token": link.split("=", 1)[1], "password": NEW_PW, "confirm": NEW_PW,
                                        "csrf_token": token(c)})
    assert r.status_code == 400 and "expired" in r.text
    assert logged_in(store, B_UP, PW)  # the password is unchanged
    # a disabled account gets no mail, and the page reads the same
    accounts.set_disabled(store, people["b"], True, SETUP)
    r = c.post("/password/forgot", data={"email": B_UP, "csrf_token": token(c, "/password/forgot")})
    assert r.status_code == 200 and "If there is an account" in r.text and len(received) == 1


# --- an administrator's reset and one's own change ------------------------------------------------

def test_admin_reset_mails_a_link_or_shows_it_once(store, people, smtp) -> None:
    settings, received = smtp
    admin = logged_in(store, ADMIN, mail=settings)
    b_form = 'action="/admin/users/' + str(people["b"]) + '/reset-password"'
    assert b_form in admin.get("/admin/users").text
    r = admin.post(f"/admin/users/{people['b']}/reset-password", data={"csrf_token": token(admin, "/admin/users")})
    assert r.status_code == 200 and "e-mailed to up@juab.example.org" in r.text and "/password/reset?token=" not in r.text
    assert len(received) == 1 and received[0]["To"] == B_UP and "state administrator" in received[0].get_content()
    assert logged_in(store, B_UP, PW)  # the current password works until the link is used
    c = client(store)
    link = link_of(received[0])
    t = token(c, link)
    assert c.post("/password/reset", data={"token": link.split("=", 1)[1], "password": NEW_PW, "confirm": NEW_PW,
                                           "csrf_token": t}).status_code == 303
    assert logged_in(store, B_UP, NEW_PW)
    # without mail settings the link is shown once, to hand over
    plain = logged_in(store, ADMIN)
    shown = plain.post(f"/admin/users/{people['a']}/reset-password", data={"csrf_token": token(plain, "/admin/users")})
    m = re.search(r"http://testserver/password/reset\?token=([\w-]+)", shown.text)
    assert shown.status_code == 200 and m and "no mail settings" in shown.text
    assert client(store).get(f"/password/reset?token={m.group(1)}").status_code == 200
    missing = plain.post("/admin/users/99999/reset-password", data={"csrf_token": token(plain, "/admin/users")})
    assert missing.status_code == 400 and "no such account" in missing.text
    issued = audits(store, "password_reset_requested")
    assert [(r.user_id, r.detail["user"], r.detail["via"]) for r in issued] == [
        (people["admin"], B_UP, "administrator"), (people["admin"], A_UP, "administrator")]
    with store.session() as s:
        links = list(s.scalars(select(PasswordReset).order_by(PasswordReset.id)))
    assert [(x.user_id, x.created_by, x.used_at is not None) for x in links] == [
        (people["b"], people["admin"], True), (people["a"], people["admin"], False)]


def test_changing_ones_password_needs_the_current_one(store, people) -> None:
    other = logged_in(store, A_UP)
    c = logged_in(store, A_UP)
    t = token(c, "/account/password")
    wrong = c.post("/account/password", data={"current": "not my password", "password": NEW_PW, "confirm": NEW_PW,
                                              "csrf_token": t})
    assert wrong.status_code == 400 and "The current password is wrong." in wrong.text
    assert [r.detail["reason"] for r in audits(store, "login_failed")] == ["wrong current password (password change)"]
    weak = c.post("/account/password", data={"current": PW, "password": "up@jordan", "confirm": "up@jordan",
                                             "csrf_token": t})
    assert weak.status_code == 400 and "not accepted" in weak.text
    ok = c.post("/account/password", data={"current": PW, "password": NEW_PW, "confirm": NEW_PW, "csrf_token": t})
    assert ok.status_code == 303
    assert "Your password is changed" in c.get(ok.headers["location"]).text  # this session goes on
    assert other.get("/").status_code == 303  # the other one has ended
    assert logged_in(store, A_UP, NEW_PW)
    changed = audits(store, "password_changed")
    assert [(r.user_id, r.detail["via"]) for r in changed] == [(people["a"], "own change")]


# --- reference data -------------------------------------------------------------------------------

def test_reference_upload_accepted_and_malformed_refused(store, people) -> None:
    admin = logged_in(store, ADMIN)
    t = token(admin, "/state/reference")
    bad = reference_zip(schools_extra="99,101,Nowhere Elementary,00,05,,regular\n")
    line = len((SAMPLE / "schools.csv").read_text().splitlines()) + 1
    r = admin.post("/state/reference", data={"csrf_token": t}, files={"files": ("ref.zip", bad, "application/zip")})
    assert r.status_code == 400
    assert f"schools.csv, line {line}, column lea_number: LEA 99 is not in leas.csv" in r.text
    assert "/tmp" not in r.text and count(store, ReferenceVersion) == 0
    other = admin.post("/state/reference", data={"csrf_token": t},
                       files={"files": ("students.csv", b"a,b\n", "text/csv")})
    assert other.status_code == 400 and "students.csv is not a reference file" in other.text
    assert "80" not in known_leas(store)
    good = reference_zip(leas_extra="80,Prairie Charter,charter,N\n",
                         schools_extra="80,701,Prairie Charter School,00,08,300,regular\n")
    ok = admin.post("/state/reference", data={"csrf_token": t}, files={"files": ("ref.zip", good, "application/zip")})
    assert ok.status_code == 303 and ok.headers["location"].startswith("/state/reference?done=")
    vid, ref = store_reference.current(store)
    assert ref is not None and ref.leas["80"].name == "Prairie Charter" and ref.schools[("80", "701")].grade_high == 8
    assert known_leas(store)["80"] == "Prairie Charter"
    page = admin.get(ok.headers["location"]).text
    assert f"Reference version {vid} is stored" in page and f"leas.csv ({52})" in page
    # the csv files themselves, several in one upload, make the next version
    csvs = [("files", (n, (SAMPLE / n).read_bytes(), "text/csv")) for n in ("leas.csv", "schools.csv", "core_codes.csv")]
    again = admin.post("/state/reference", data={"csrf_token": t}, files=csvs)
    assert again.status_code == 303
    assert [v.current for v in store_reference.versions(store)] == [False, True]
    assert "80" not in known_leas(store)
    loaded = audits(store, "reference_loaded")
    assert [("refused" in r.detail, r.detail.get("version")) for r in loaded] == [
        (True, None), (True, None), (False, vid), (False, vid + 1)]


# --- deadlines and extensions ---------------------------------------------------------------------

def test_extension_granted_with_reason_and_refused_when_invalid(store, people) -> None:
    admin = logged_in(store, ADMIN)
    t = token(admin, "/state/periods?school_year=2013")
    base = {"lea": "14", "period": "october", "school_year": "2013", "csrf_token": t}
    early = admin.post("/state/periods/extensions", data={**base, "until": "2012-10-01", "reason": "flood"})
    assert early.status_code == 400 and "must go past the october 2013 deadline 2012-10-15" in early.text
    nodate = admin.post("/state/periods/extensions", data={**base, "until": "soon", "reason": "flood"})
    assert nodate.status_code == 400 and "is not a date" in nodate.text
    noreason = admin.post("/state/periods/extensions", data={**base, "until": "2012-11-30", "reason": " "})
    assert noreason.status_code == 400 and "give the reason" in noreason.text
    unknown = admin.post("/state/periods/extensions", data={**base, "lea": "98", "until": "2012-11-30", "reason": "x"})
    assert unknown.status_code == 400 and "not a known LEA" in unknown.text
    assert count(store, Extension) == 0
    ok = admin.post("/state/periods/extensions", data={**base, "until": "2012-11-30", "reason": "server flood"})
    assert ok.status_code == 303
    granted = P.list_extensions(store, "14", YEAR)  # what `utrex extensions --lea 14` lists
    assert [(e.lea, e.period, e.until, e.user) for e in granted] == [("14", "october", dt.date(2012, 11, 30), ADMIN)]
    assert P.extension_in_force(store, "14", YEAR, Period.OCTOBER).id == granted[0].id
    page = admin.get(ok.headers["location"]).text
    assert f"Extension {granted[0].id} is granted" in page and "server flood" in page and "2012-11-30" in page
    logged = audits(store, "extension_granted")
    assert [(r.lea, r.detail["reason"], r.detail["until"]) for r in logged] == [("14", "server flood", "2012-11-30")]
    dash = logged_in(store, A_UP).get("/leas/14").text  # the LEA sees it on its dashboard
    assert "through 2012-11-30" in dash


# --- reports --------------------------------------------------------------------------------------

def test_report_downloads_equal_registry_run(store, people, files) -> None:
    for lea in ("14", "15"):
        submit(files[lea], lea, user=A_UP, store=store)
    state = logged_in(store, VIEWER)
    counts, detail, facts = run("october-1", store, YEAR, None, None, False)
    assert counts.height > 5 and {"14", "15"} <= set(counts["lea_number"])
    got = state.get("/reports/october-1.csv?school_year=2013")
    assert got.status_code == 200 and "attachment" in got.headers["content-disposition"]
    assert got.text == counts.write_csv()
    with_detail = state.get("/reports/october-1.csv?school_year=2013&detail=1")
    assert with_detail.text == detail.write_csv() and detail.height == int(counts["students"].sum())
    doc = state.get("/reports/october-1.json?school_year=2013").json()
    assert doc["counts"] == json.loads(json.dumps(counts.to_dicts(), default=str)) and doc["students"] == facts["students"]
    x = state.get("/reports/october-1.xlsx?school_year=2013")
    sheet = openpyxl.load_workbook(io.BytesIO(x.content))["counts"]
    rows = list(sheet.iter_rows(values_only=True))
    assert list(rows[0]) == counts.columns and sum(r[counts.columns.index("students")] for r in rows[1:]) == \
        int(counts["students"].sum())
    view = state.get("/reports/october-1.html?school_year=2013&view=1")
    assert view.headers["content-disposition"].startswith("inline") and "frame-ancestors 'none'" in \
        view.headers["content-security-policy"] and "<svg" in view.text
    # one LEA's reports: the state's numbers for its scope
    lea14, _, _ = run("october-1", store, YEAR, "14", None, False)
    assert state.get("/reports/october-1.csv?school_year=2013&lea=14").text == lea14.write_csv()
    a = logged_in(store, A_UP)
    assert a.get("/leas/14/reports/october-1.csv?school_year=2013").text == lea14.write_csv()
    page = a.get("/leas/14/reports?report=october-1&school_year=2013")
    assert page.status_code == 200 and 'href="/leas/14/reports/october-1.xlsx?school_year=2013"' in page.text
    ye, _, _ = run("year-end", store, YEAR, "14", None, False)
    assert a.get("/leas/14/reports/year-end.csv?school_year=2013").text == ye.write_csv()
    part = a.get("/leas/14/reports/year-end.csv?school_year=2013&part=discipline")
    assert part.status_code == 200 and part.text.startswith("lea_number,school_number,infraction_type,action")
    # nothing finalized yet: the finalized report is empty, then the snapshot's numbers after finalizing
    fin_empty = a.get("/leas/14/reports/october-1.csv?school_year=2013&finalized=1")
    assert fin_empty.text == run("october-1", store, YEAR, "14", None, True)[0].write_csv()
    assert len(fin_empty.text.splitlines()) <= 1
    downloads = [r for r in audits(store, "download") if r.detail["what"] == "report october-1"]
    assert [(r.lea, r.detail["format"], r.detail["inline"]) for r in downloads] == [
        (None, "csv", False), (None, "csv", False), (None, "json", False), (None, "xlsx", False),
        (None, "html", True), ("14", "csv", False), ("14", "csv", False), ("14", "csv", False)]


def test_a_district_sees_the_charter_summary_of_its_own_residents_only(store, people, files) -> None:
    for lea in ("14", "70"):
        submit(files[lea], lea, user=A_UP, store=store)
    everyone, _, _ = run("charter-summary", store, YEAR, None, None, False)
    by_district = everyone.group_by("district_of_residence").agg(pl.col("students").sum()).sort("students")
    home = by_district["district_of_residence"][-1]  # the district most of the charter's students live in
    accounts.create_user(store, "office@home.example.org", PW, Role.LEA_VIEWER, SETUP, leas=[home])
    d = logged_in(store, "office@home.example.org")
    got = d.get(f"/leas/{home}/reports/charter-summary.csv?school_year=2013&detail=1")  # detail is not given
    rows = list(csv.DictReader(io.StringIO(got.text)))
    expected = everyone.filter(pl.col("district_of_residence") == home)
    assert got.status_code == 200 and len(rows) == expected.height > 0
    assert {r["district_of_residence"] for r in rows} == {home} and {r["lea_number"] for r in rows} == {"70"}
    assert sum(int(r["students"]) for r in rows) == int(expected["students"].sum()) < int(everyone["students"].sum())
    assert "student_number" not in rows[0] and "ssid" not in rows[0]
    page = d.get(f"/leas/{home}/reports?report=charter-summary&school_year=2013").text
    assert "who reside in the district: counts only" in page
    # the charter's own reports and the other reports of LEA 70 stay the charter's
    for path in ("/leas/70/reports/charter-summary.csv", "/leas/70/reports/october-1.csv",
                 "/leas/14/reports/charter-summary.csv"):
        assert d.get(path).status_code == 404, path


# --- the LEAs list --------------------------------------------------------------------------------

def test_leas_page_shows_last_submission_and_finalization(store, people, files) -> None:
    first = submit(files["14"], "14", user=A_UP, store=store)
    last14 = submit(files["14"], "14", user=A_UP, store=store)
    last15 = submit(files["15"], "15", user=B_UP, store=store)
    fin = P.finalize(store, P.prepare(store, "14", "october", last14.id, TODAY), A_UP, TODAY)
    page = logged_in(store, VIEWER).get("/state/leas?school_year=2013")
    assert page.status_code == 200
    rows = {m.group(1): m.group(0) for m in re.finditer(r'<tr>\s*<td><a href="/leas/(\d+)">.*?</tr>', page.text, re.S)}
    assert len(rows) == len(known_leas(store)) == 51
    assert f'/leas/14/submissions/{last14.id}"' in rows["14"] and f"/submissions/{first.id}\"" not in rows["14"]
    assert f"finalized (submission {fin.submission_id})" in rows["14"] and rows["14"].count("not finalized") == 2
    assert f'/leas/15/submissions/{last15.id}"' in rows["15"] and rows["15"].count("not finalized") == 3
    assert ">none<" in rows["01"]


def test_mail_settings_from_the_environment() -> None:
    assert mail.MailSettings.from_env({}) is None
    s = mail.MailSettings.from_env({"UTREX_SMTP_HOST": "smtp.example.org", "UTREX_SMTP_STARTTLS": "1",
                                    "UTREX_SMTP_USER": "u", "UTREX_SMTP_PASSWORD": "p"})
    assert (s.host, s.port, s.sender, s.starttls, s.use_ssl, s.user) == ("smtp.example.org", 25,
                                                                          "utrex@smtp.example.org", True, False, "u")
    assert mail.MailSettings.from_env({"UTREX_SMTP_HOST": "h", "UTREX_SMTP_SSL": "yes"}).port == 465
    with pytest.raises(mail.MailError, match="not a port number"):
        mail.MailSettings.from_env({"UTREX_SMTP_HOST": "h", "UTREX_SMTP_PORT": "twenty-five"})
    with pytest.raises(mail.MailError, match="cannot send mail through 127.0.0.1:9"):
        mail.send(mail.MailSettings(host="127.0.0.1", port=9, sender="a@b.org", timeout=2), "x@y.org", "s", "b")
