"""The portal's foundation (issue 6): accounts, log-in with lock-out, sessions, CSRF, LEA-scoped access
that 404s, the audit log, and the first state administrator of `utrex serve`. Every test runs on SQLite
and on PostgreSQL (the `store` fixture of conftest.py)."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import inspect, select, update

from utrex.portal import accounts
from utrex.portal.accounts import AccountError, Role
from utrex.portal.app import create_app
from utrex.portal.audit import Who
from utrex.portal.models import AuditEntry, User
from utrex.portal.serve import ensure_admin
from utrex.portal.web import PortalSettings

ADMIN, ADMIN_PW = "admin@example.org", "quiet otter mends nine kites"
VIEWER, VIEWER_PW = "coordinator@alpine.example.org", "lantern basil 47 harbour"
SETUP = Who(None, "test setup")
PRODUCTION_HASHER = accounts._hasher


pytestmark = pytest.mark.usefixtures("cheap_hashing")  # conftest.py


def test_production_hashing_is_argon2id_at_owasp_cost() -> None:
    h = PRODUCTION_HASHER
    assert h.type.name == "ID" and h.memory_cost >= 19456 and h.time_cost >= 2
    assert PRODUCTION_HASHER.hash("lantern basil 47 harbour").startswith("$argon2id$")


@pytest.fixture
def people(store) -> dict[str, int]:
    admin = accounts.create_user(store, ADMIN, ADMIN_PW, Role.STATE_ADMIN, SETUP)
    viewer = accounts.create_user(store, VIEWER, VIEWER_PW, Role.LEA_VIEWER, SETUP, leas=["01"])
    return {"admin": admin.id, "viewer": viewer.id}


def client(store, **settings) -> TestClient:
    return TestClient(create_app(store, PortalSettings(**settings)), follow_redirects=False)


def csrf(c: TestClient, path: str = "/login") -> str:
    page = c.get(path)
    m = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert m, page.text
    return m.group(1)


def login(c: TestClient, email: str, password: str):
    return c.post("/login", data={"email": email, "password": password, "next": "/", "csrf_token": csrf(c)})


def audit_rows(store, action: str | None = None) -> list[AuditEntry]:
    with store.session() as s:
        q = select(AuditEntry).order_by(AuditEntry.id)
        if action:
            q = q.where(AuditEntry.action == action)
        return list(s.scalars(q))


def test_the_migration_creates_the_portal_tables(store) -> None:
    assert {"users", "authorisations", "audit_log", "api_tokens", "password_resets"} <= set(
        inspect(store.engine).get_table_names())


def test_password_policy_rejects_weak_passwords(store) -> None:
    assert accounts.password_problems("short pass", "a@b.org") == ["it must be at least 12 characters long"]
    assert "e-mail" in accounts.password_problems("jane.doe@district.org", "jane.doe@district.org")[0]
    assert "e-mail" in accounts.password_problems("jane.doe2024!", "Jane.Doe@district.org")[0]
    assert "common" in accounts.password_problems("Password2024!", "x@y.org")[0]
    assert "common" in accounts.password_problems("qwerty123456", "x@y.org")[0]
    assert "common" in accounts.password_problems("zzzzzzzzzzzzzz", "x@y.org")[0]
    assert accounts.password_problems("lantern basil 47 harbour", "x@y.org") == []
    with pytest.raises(AccountError, match="at least 12"):
        accounts.create_user(store, "x@y.org", "tooshort", Role.LEA_VIEWER, SETUP)
    assert accounts.find_user(store, "x@y.org") is None
    stored = accounts.create_user(store, "X@Y.org ", "lantern basil 47 harbour", Role.LEA_VIEWER, SETUP)
    assert stored.email == "x@y.org" and stored.password_hash.startswith("$argon2id$")
    with pytest.raises(AccountError, match="already an account"):
        accounts.create_user(store, "x@y.org", "another fine passphrase", Role.LEA_VIEWER, SETUP)


def test_login_ok_and_bad_are_audited(store, people) -> None:
    c = client(store)
    bad = login(c, VIEWER, "wrong wrong wrong")
    assert bad.status_code == 401 and "The e-mail address or the password is wrong." in bad.text
    unknown = login(c, "nobody@example.org", "wrong wrong wrong")
    assert unknown.status_code == 401 and "The e-mail address or the password is wrong." in unknown.text
    assert c.get("/").status_code == 303  # still not logged in
    ok = login(c, VIEWER.upper(), VIEWER_PW)  # e-mail is case-insensitive
    assert ok.status_code == 303 and ok.headers["location"] == "/"
    home = c.get("/")
    assert home.status_code == 200 and "/lea/01" in home.text and "/lea/02" not in home.text
    failed = audit_rows(store, "login_failed")
    assert [(r.actor, r.user_id, r.detail["reason"]) for r in failed] == [
        (VIEWER, people["viewer"], "wrong password"), ("nobody@example.org", None, "unknown e-mail")]
    good = audit_rows(store, "login_ok")
    assert [(r.actor, r.user_id, r.client) for r in good] == [(VIEWER, people["viewer"], "testclient")]
    assert accounts.get_user(store, people["viewer"]).failed_logins == 0  # reset by the good log-in


def test_five_failures_lock_the_account_for_15_minutes(store, people) -> None:
    c = client(store)
    for i in range(4):
        r = login(c, VIEWER, f"wrong password {i}")
        assert r.status_code == 401 and "locked" not in r.text
    fifth = login(c, VIEWER, "wrong password 5")
    assert fifth.status_code == 401 and "locked for 15 more minutes" in fifth.text
    right = login(c, VIEWER, VIEWER_PW)  # the right password does not open a locked account
    assert right.status_code == 401 and "this account is locked" in right.text
    assert c.get("/").status_code == 303
    locked = audit_rows(store, "account_locked")
    assert len(locked) == 1 and locked[0].user_id == people["viewer"]
    assert [r.detail["reason"] for r in audit_rows(store, "login_failed")] == ["wrong password"] * 5 + ["locked"]
    with store.session(write=True) as s:  # fifteen minutes later
        s.execute(update(User).where(User.id == people["viewer"])
                  .values(locked_until=dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1)))
    assert login(c, VIEWER, VIEWER_PW).status_code == 303


def test_a_disabled_user_is_refused_at_once(store, people) -> None:
    user = client(store)
    assert login(user, VIEWER, VIEWER_PW).status_code == 303
    assert user.get("/lea/01").status_code == 200
    admin = client(store)
    assert login(admin, ADMIN, ADMIN_PW).status_code == 303
    r = admin.post(f"/admin/users/{people['viewer']}/disable", data={"csrf_token": csrf(admin, "/admin/users")})
    assert r.status_code == 303
    gone = user.get("/lea/01")  # the open session ends with the next request
    assert gone.status_code == 303 and gone.headers["location"].startswith("/login")
    again = login(user, VIEWER, VIEWER_PW)
    assert again.status_code == 401 and "This account is disabled" in again.text
    change = audit_rows(store, "permission_change")[-1]
    assert (change.user_id, change.detail) == (people["admin"], {"user": VIEWER, "change": "disable"})
    assert audit_rows(store, "login_failed")[-1].detail == {"reason": "disabled"}


def test_session_cookie_is_signed_httponly_samesite_and_expires(store, people) -> None:
    c = client(store, session_idle_minutes=30)
    r = login(c, VIEWER, VIEWER_PW)
    cookie = r.headers["set-cookie"]
    assert cookie.startswith("utrex_session=")
    assert "httponly" in cookie.lower() and "samesite=lax" in cookie.lower() and "Max-Age=1800" in cookie
    value = cookie.split(";")[0].split("=", 1)[1]
    forged = TestClient(create_app(store), follow_redirects=False)
    forged.cookies.set("utrex_session", value[:-2] + ("AA" if not value.endswith("AA") else "BB"))
    assert forged.get("/").status_code == 303  # a changed signature is no session
    # a session older than session_max_hours ends, however recently it was used
    short = client(store, session_max_hours=0)
    assert login(short, VIEWER, VIEWER_PW).status_code == 303
    assert short.get("/").status_code == 303


def test_a_post_without_the_csrf_token_is_refused(store, people) -> None:
    c = client(store)
    r = c.post("/login", data={"email": VIEWER, "password": VIEWER_PW})
    assert r.status_code == 403 and "did not come from this site" in r.text
    assert audit_rows(store, "login_ok") == []
    admin = client(store)
    assert login(admin, ADMIN, ADMIN_PW).status_code == 303
    token = csrf(admin, "/admin/users")
    form = {"email": "new@example.org", "password": "lantern basil 47 harbour", "role": "lea_viewer"}
    assert admin.post("/admin/users", data=form).status_code == 403
    assert admin.post("/admin/users", data={**form, "csrf_token": "x" + token}).status_code == 403
    other = client(store)  # another browser's token is not this session's
    assert admin.post("/admin/users", data={**form, "csrf_token": csrf(other)}).status_code == 403
    assert admin.post("/logout").status_code == 403
    assert accounts.find_user(store, "new@example.org") is None
    ok = admin.post("/admin/users", data={**form, "csrf_token": token})
    assert ok.status_code == 200 and "Account new@example.org created." in ok.text
    assert accounts.find_user(store, "new@example.org").role == "lea_viewer"
    assert audit_rows(store, "user_created")[-1].detail == {"user": "new@example.org", "role": "lea_viewer"}


def test_logout_ends_the_session_and_a_copy_of_the_cookie(store, people) -> None:
    c = client(store)
    assert login(c, VIEWER, VIEWER_PW).status_code == 303
    saved = c.cookies.get("utrex_session")
    r = c.post("/logout", data={"csrf_token": csrf(c, "/")})
    assert r.status_code == 303 and r.headers["location"] == "/login"
    assert c.get("/").status_code == 303
    replay = TestClient(create_app(store), follow_redirects=False)
    replay.cookies.set("utrex_session", saved)
    assert replay.get("/lea/01").status_code == 303
    out = audit_rows(store, "logout")
    assert [(r.user_id, r.actor) for r in out] == [(people["viewer"], VIEWER)]


def test_an_lea_viewer_sees_only_their_lea_and_gets_404_elsewhere(store, people) -> None:
    c = client(store)
    assert login(c, VIEWER, VIEWER_PW).status_code == 303
    mine = c.get("/lea/01")
    assert mine.status_code == 200 and "Alpine District" in mine.text and "view only" in mine.text
    theirs, nowhere = c.get("/lea/02"), c.get("/lea/98")
    assert theirs.status_code == nowhere.status_code == 404
    assert "Beaver" not in theirs.text
    assert theirs.text == nowhere.text  # not a word more for an LEA that exists
    for path in ("/admin/users", "/admin/audit", "/admin/audit.csv"):
        assert c.get(path).status_code == 404, path
    grant = c.post(f"/admin/users/{people['viewer']}/grant", data={"lea": "02", "csrf_token": csrf(c, "/")})
    assert grant.status_code == 404 and accounts.authorised_leas(store, people["viewer"]) == ["01"]
    viewer = accounts.get_user(store, people["viewer"])
    assert accounts.visible_leas(store, viewer) == ["01"]
    assert not accounts.can_upload(store, viewer, "01") and not accounts.can_finalize(store, viewer, "01")
    admin_user = accounts.get_user(store, people["admin"])
    assert len(accounts.visible_leas(store, admin_user)) > 40  # every LEA of the sample reference
    assert accounts.can_upload(store, admin_user, "02") and accounts.can_finalize(store, admin_user, "02")


def test_grant_and_revoke_by_the_state_administrator_are_audited(store, people) -> None:
    uploader = accounts.create_user(store, "up@example.org", "copper violin 19 meadow", Role.LEA_UPLOADER, SETUP)
    u = accounts.get_user(store, uploader.id)
    assert accounts.visible_leas(store, u) == [] and not accounts.can_upload(store, u, "03")
    admin = client(store)
    assert login(admin, ADMIN, ADMIN_PW).status_code == 303
    token = csrf(admin, "/admin/users")
    assert admin.post(f"/admin/users/{uploader.id}/grant", data={"lea": "3", "csrf_token": token}).status_code == 303
    assert accounts.can_upload(store, u, "03") and accounts.can_finalize(store, u, "03")
    assert not accounts.can_upload(store, u, "04")
    person = client(store)
    assert login(person, "up@example.org", "copper violin 19 meadow").status_code == 303
    assert person.get("/lea/03").status_code == 200
    assert admin.post(f"/admin/users/{uploader.id}/revoke", data={"lea": "03", "csrf_token": token}).status_code == 303
    assert person.get("/lea/03").status_code == 404  # at once, in the open session
    bad = admin.post(f"/admin/users/{uploader.id}/grant", data={"lea": "97", "csrf_token": token})
    assert bad.status_code == 400 and "not a known LEA" in bad.text
    changes = [(r.user_id, r.lea, r.detail["change"]) for r in audit_rows(store, "permission_change") if r.lea == "03"]
    assert changes == [(people["admin"], "03", "grant"), (people["admin"], "03", "revoke")]


def test_the_audit_log_page_and_csv_export(store, people) -> None:
    c = client(store)
    login(c, VIEWER, "not the password at all")
    admin = client(store)
    assert login(admin, ADMIN, ADMIN_PW).status_code == 303
    page = admin.get("/admin/audit", params={"action": "login_failed"})
    assert page.status_code == 200 and "1 entry" in page.text and VIEWER in page.text
    csv_ = admin.get("/admin/audit.csv")
    assert csv_.status_code == 200 and csv_.headers["content-type"].startswith("text/csv")
    lines = csv_.text.strip().split("\r\n")
    assert lines[0] == "id,at,actor,user_id,action,lea,client,detail"
    actions = [line.split(",")[4] for line in lines[1:]]
    assert actions.count("login_failed") == 1 and actions.count("login_ok") == 1
    assert audit_rows(store, "download")[-1].detail == {"what": "audit log csv"}


def test_first_state_administrator_from_the_environment_or_generated(store) -> None:
    with pytest.raises(AccountError, match="at least 12"):
        ensure_admin(store, {"UTREX_ADMIN_EMAIL": "boss@example.org", "UTREX_ADMIN_PASSWORD": "short"})
    first = ensure_admin(store, {"UTREX_ADMIN_EMAIL": "Boss@example.org",
                                 "UTREX_ADMIN_PASSWORD": "granite pelican 88 river"})
    assert first is not None and (first.email, first.password) == ("boss@example.org", None)
    assert accounts.authenticate(store, "boss@example.org", "granite pelican 88 river").role == "state_admin"
    assert ensure_admin(store, {}) is None  # once only


def test_a_generated_first_password_is_returned_once_and_works(store) -> None:
    first = ensure_admin(store, {})
    assert first is not None and first.email == "admin@localhost" and len(first.password) >= 20
    assert accounts.authenticate(store, "admin@localhost", first.password).role == "state_admin"
    with store.session() as s:
        assert first.password not in (s.scalar(select(User.password_hash)) or "")


def test_an_unknown_page_gets_the_html_error_page_and_an_unknown_api_path_the_json_error(tmp_path) -> None:
    from fastapi.testclient import TestClient

    from utrex.portal.app import create_app
    from utrex.store import Store

    store = Store.open(url=f"sqlite:///{tmp_path / 'portal.db'}")
    with TestClient(create_app(store)) as client:
        page = client.get("/no-such-page")
        assert page.status_code == 404 and page.headers["content-type"].startswith("text/html")
        assert "There is no such page" in page.text
        api = client.get("/api/v1/no-such-route")
        assert api.status_code == 404 and api.json()["error"]["status"] == 404
