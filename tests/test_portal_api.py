"""The portal's API (issue 6, item 4): Bearer tokens only, LEA isolation by 404, one error shape, and a
synthetic file through submit -> poll -> findings pages -> report. Every test runs on SQLite and on
PostgreSQL (the `store` fixture of conftest.py)."""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from utrex.portal import accounts, tokens
from utrex.portal.accounts import Role
from utrex.portal.api_errors import NOT_FOUND
from utrex.portal.app import create_app
from utrex.portal.audit import Who
from utrex.portal.models import ApiToken, AuditEntry
from utrex.reference.model import load_reference
from utrex.reports.registry import run
from utrex.spec import Period
from utrex.store.models import Finding, Record, Submission
from utrex.synth import generate_lea

SETUP = Who(None, "test setup")
PW = "lantern basil 47 harbour"
REF = load_reference(None)


pytestmark = pytest.mark.usefixtures("cheap_hashing")  # conftest.py


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Small synthetic October files of LEA 01 (seed 1: 43 errors, 92 of 484 records held, the rest
    loaded) and LEA 02 (no defects)."""
    d = tmp_path_factory.mktemp("api-files")
    out = {}
    for lea, defects in (("01", 0.03), ("02", 0.0)):
        out[lea] = d / f"lea{lea}.txt"
        generate_lea(out[lea], ref=REF, lea=lea, students=80, period=Period.OCTOBER, school_year=2013, seed=1,
                     defects=defects)
    return out


class World:
    """An app, its people (uploader and viewer of LEA 01, uploader of LEA 02, a state administrator) and
    a live token of each."""

    def __init__(self, store) -> None:  # type: ignore[no-untyped-def]
        self.store = store
        self.app = create_app(store)
        self.client = TestClient(self.app, follow_redirects=False)
        self.users = {
            "up_a": accounts.create_user(store, "up@alpine.example.org", PW, Role.LEA_UPLOADER, SETUP, leas=["01"]),
            "view_a": accounts.create_user(store, "view@alpine.example.org", PW, Role.LEA_VIEWER, SETUP, leas=["01"]),
            "up_b": accounts.create_user(store, "up@beaver.example.org", PW, Role.LEA_UPLOADER, SETUP, leas=["02"]),
            "admin": accounts.create_user(store, "admin@example.org", PW, Role.STATE_ADMIN, SETUP),
        }
        self.tokens = {k: tokens.create(store, u.id, f"{k} script", SETUP).secret for k, u in self.users.items()}

    def auth(self, who: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[who]}"}

    def submit(self, who: str, lea: str, path: Path, validate_only: bool = False):  # type: ignore[no-untyped-def]
        with path.open("rb") as fh:
            return self.client.post(f"/api/v1/leas/{lea}/submissions", headers=self.auth(who),
                                    files={"file": (path.name, fh, "text/plain")},
                                    data={"validate_only": "true" if validate_only else "false"})

    def done(self, who: str, sid: int) -> dict:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            r = self.client.get(f"/api/v1/submissions/{sid}", headers=self.auth(who))
            assert r.status_code == 200, r.text
            if r.json()["done"]:
                return r.json()
            time.sleep(0.2)
        raise AssertionError(f"submission {sid} not done in 120 s")

    def close(self) -> None:
        jobs = getattr(self.app.state, "submission_jobs", None)
        if jobs is not None:
            jobs.close()


@pytest.fixture
def world(store):  # type: ignore[no-untyped-def]
    w = World(store)
    yield w
    w.close()


@pytest.fixture
def loaded(world: World, files: dict[str, Path]) -> dict[str, int]:
    """LEA 01's and LEA 02's files submitted through the API and loaded: their submission ids."""
    out = {}
    for who, lea in (("up_a", "01"), ("up_b", "02")):
        r = world.submit(who, lea, files[lea])
        assert r.status_code == 202, r.text
        state = world.done(who, r.json()["id"])
        assert state["status"] == "loaded", state
        out[lea] = state["id"]
    return out


def routes(sid: int) -> list[tuple[str, str]]:
    return [("GET", "/api/v1/leas"), ("POST", "/api/v1/leas/01/submissions"), ("GET", f"/api/v1/submissions/{sid}"),
            ("GET", f"/api/v1/submissions/{sid}/findings"), ("GET", "/api/v1/leas/01/reports/october-1")]


def call(c: TestClient, method: str, path: str, headers: dict[str, str] | None = None, file: Path | None = None):  # type: ignore[no-untyped-def]
    if method == "POST":
        assert file is not None
        with file.open("rb") as fh:
            return c.post(path, headers=headers or {}, files={"file": (file.name, fh, "text/plain")})
    return c.get(path, headers=headers or {})


def assert_error(r, status: int, code: str | None = None) -> dict:  # type: ignore[no-untyped-def]
    assert r.status_code == status, (r.status_code, r.text)
    assert r.headers["content-type"] == "application/json"
    body = r.json()
    assert set(body) == {"error"} and body["error"]["status"] == status and body["error"]["message"]
    if code is not None:
        assert body["error"]["code"] == code
    return body["error"]


def submissions_count(store) -> int:  # type: ignore[no-untyped-def]
    with store.session() as s:
        return int(s.scalar(select(func.count()).select_from(Submission)) or 0)


# --- tokens: the page -------------------------------------------------------------------------------

def login(c: TestClient, email: str) -> str:
    page = c.get("/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)  # type: ignore[union-attr]
    assert c.post("/login", data={"email": email, "password": PW, "next": "/", "csrf_token": token}).status_code == 303
    return re.search(r'name="csrf_token" value="([^"]+)"', c.get("/tokens").text).group(1)  # type: ignore[union-attr]


def test_a_token_is_created_shown_once_stored_hashed_and_revoked_on_the_page(world: World) -> None:
    c = TestClient(world.app, follow_redirects=False)
    csrf = login(c, "view@alpine.example.org")
    assert c.post("/tokens", data={"name": "nightly"}).status_code == 403  # CSRF-protected
    made = c.post("/tokens", data={"name": "  SIS   nightly ", "csrf_token": csrf})
    assert made.status_code == 200 and made.headers["cache-control"] == "no-store"
    secret = re.search(r'value="(utrex_[A-Za-z0-9_-]{40,})"', made.text).group(1)  # type: ignore[union-attr]
    uid = world.users["view_a"].id
    with world.store.session() as s:
        rows = list(s.scalars(select(ApiToken).where(ApiToken.user_id == uid).order_by(ApiToken.id)))
    assert [r.name for r in rows] == ["view_a script", "SIS nightly"]
    assert rows[1].token_sha256 == tokens.token_hash(secret) and secret not in rows[1].token_sha256
    listing = c.get("/tokens")
    assert listing.status_code == 200 and "SIS nightly" in listing.text and secret not in listing.text
    api = {"Authorization": f"Bearer {secret}"}
    assert [x["lea"] for x in c.get("/api/v1/leas", headers=api).json()] == ["01"]
    # another person's token id is 404 and stays live
    other = next(t.id for t in tokens.of_user(world.store, world.users["up_b"].id))
    assert c.post(f"/tokens/{other}/revoke", data={"csrf_token": csrf}).status_code == 404
    assert world.client.get("/api/v1/leas", headers=world.auth("up_b")).status_code == 200
    assert c.post(f"/tokens/{rows[1].id}/revoke", data={"csrf_token": csrf}).status_code == 303
    assert_error(c.get("/api/v1/leas", headers=api), 401, "invalid_token")
    assert c.post(f"/tokens/{rows[1].id}/revoke", data={"csrf_token": csrf}).status_code == 404  # already
    blank = c.post("/tokens", data={"name": "   ", "csrf_token": csrf})
    assert blank.status_code == 400 and "give the token a name" in blank.text
    with world.store.session() as s:
        acts = [(a.action, a.detail) for a in s.scalars(select(AuditEntry).where(AuditEntry.user_id == uid)
                                                        .where(AuditEntry.action.like("token_%")))]
    assert acts == [("token_created", {"token": rows[1].id, "name": "SIS nightly"}),
                    ("token_revoked", {"token": rows[1].id})]


def test_the_token_page_needs_a_login(world: World) -> None:
    r = world.client.get("/tokens")
    assert r.status_code == 303 and r.headers["location"].startswith("/login")


# --- authentication: every route -------------------------------------------------------------------

def test_every_route_refuses_no_token_a_bad_one_a_revoked_one_a_disabled_users_and_a_cookie(
        world: World, loaded: dict[str, int], files: dict[str, Path]) -> None:
    before = submissions_count(world.store)
    revoked = tokens.create(world.store, world.users["up_a"].id, "old", SETUP)
    assert tokens.revoke(world.store, world.users["up_a"].id, revoked.token.id, SETUP)
    accounts.set_disabled(world.store, world.users["up_b"].id, True, SETUP)
    browser = TestClient(world.app, follow_redirects=False)
    login(browser, "up@alpine.example.org")  # a logged-in session: its cookie must not open the API
    cases = {"no token": {}, "basic auth": {"Authorization": "Basic dXBAYWxwaW5lOnB3"},
             "unknown token": {"Authorization": "Bearer utrex_" + "x" * 43},
             "revoked token": {"Authorization": f"Bearer {revoked.secret}"},
             "disabled user's token": world.auth("up_b")}
    for method, path in routes(loaded["01"]):
        for case, headers in cases.items():
            r = call(world.client, method, path, headers, files["01"])
            err = assert_error(r, 401)
            assert r.headers["www-authenticate"].startswith('Bearer realm="utrex"'), (case, path)
            assert err["code"] == ("unauthenticated" if case in ("no token", "basic auth") else "invalid_token")
        r = call(browser, method, path, None, files["01"])
        assert_error(r, 401, "unauthenticated")
        assert browser.get("/tokens").status_code == 200  # the session itself is fine
    assert submissions_count(world.store) == before  # nothing was received


def test_a_disabled_users_token_stops_at_once_and_works_again_when_enabled(world: World) -> None:
    assert world.client.get("/api/v1/leas", headers=world.auth("up_a")).status_code == 200
    accounts.set_disabled(world.store, world.users["up_a"].id, True, SETUP)
    assert_error(world.client.get("/api/v1/leas", headers=world.auth("up_a")), 401, "invalid_token")
    accounts.set_disabled(world.store, world.users["up_a"].id, False, SETUP)
    assert world.client.get("/api/v1/leas", headers=world.auth("up_a")).status_code == 200


# --- isolation --------------------------------------------------------------------------------------

def test_a_token_of_lea_a_gets_404_for_lea_b_by_guessed_id(world: World, loaded: dict[str, int],
                                                           files: dict[str, Path]) -> None:
    b, missing = loaded["02"], loaded["02"] + 1000
    c, me = world.client, world.auth("up_a")
    assert [x["lea"] for x in c.get("/api/v1/leas", headers=me).json()] == ["01"]
    bodies = set()
    for path in (f"/api/v1/submissions/{b}", f"/api/v1/submissions/{b}/findings",
                 f"/api/v1/submissions/{b}/findings?severity=error", f"/api/v1/submissions/{missing}",
                 f"/api/v1/submissions/{missing}/findings", "/api/v1/leas/02/reports/october-1",
                 "/api/v1/leas/2/reports/october-1", "/api/v1/leas/97/reports/october-1"):
        r = c.get(path, headers=me)
        assert_error(r, 404, "not_found")
        bodies.add(r.text)
    before = submissions_count(world.store)
    for lea in ("02", "97"):
        r = call(c, "POST", f"/api/v1/leas/{lea}/submissions", me, files["02"])
        assert_error(r, 404, "not_found")
        bodies.add(r.text)
    assert bodies == {'{"error":{"status":404,"code":"not_found","message":"' + NOT_FOUND + '"}}'}
    assert submissions_count(world.store) == before
    # and the other way round; the state administrator sees both
    assert_error(c.get(f"/api/v1/submissions/{loaded['01']}", headers=world.auth("up_b")), 404)
    for sid in loaded.values():
        assert c.get(f"/api/v1/submissions/{sid}", headers=world.auth("admin")).status_code == 200
    with world.store.session() as s:  # nothing refused was logged as a download
        downloads = list(s.scalars(select(AuditEntry).where(AuditEntry.action == "download",
                                                            AuditEntry.lea == "02")))
    assert [d.user_id for d in downloads] == []


def test_an_lea_viewers_token_reads_but_cannot_submit(world: World, loaded: dict[str, int],
                                                      files: dict[str, Path]) -> None:
    c, me = world.client, world.auth("view_a")
    before = submissions_count(world.store)
    for validate_only in (False, True):
        err = assert_error(world.submit("view_a", "01", files["01"], validate_only), 403, "forbidden")
        assert "not submit" in err["message"]
    assert submissions_count(world.store) == before
    assert c.get("/api/v1/leas", headers=me).json() == [{"lea": "01", "name": "Alpine District", "can_upload": False}]
    assert c.get(f"/api/v1/submissions/{loaded['01']}", headers=me).status_code == 200
    assert c.get(f"/api/v1/submissions/{loaded['01']}/findings", headers=me).status_code == 200
    assert c.get("/api/v1/leas/01/reports/october-1", headers=me).status_code == 200


# --- the happy path ---------------------------------------------------------------------------------

def test_submit_poll_page_through_findings_and_fetch_the_report(world: World, files: dict[str, Path]) -> None:
    c, me = world.client, world.auth("up_a")
    r = world.submit("up_a", "01", files["01"])
    assert r.status_code == 202, r.text
    sid = r.json()["id"]
    assert r.headers["location"] == f"/api/v1/submissions/{sid}"
    assert r.json()["file_name"] == "lea01.txt" and r.json()["lea"] == "01"
    state = world.done("up_a", sid)
    assert state["status"] == "loaded" and not state["validate_only"] and state["user"] == "up@alpine.example.org"
    with world.store.session() as s:
        stored = int(s.scalar(select(func.count()).select_from(Finding).where(Finding.submission_id == sid)) or 0)
        errors = int(s.scalar(select(func.count()).select_from(Finding).where(
            Finding.submission_id == sid, Finding.severity == "error")) or 0)
        in_force = int(s.scalar(select(func.count()).select_from(Record).where(Record.lea == "01")) or 0)
    assert stored == state["errors"] + state["warnings"] and stored > 20  # the defects were found
    assert errors == state["errors"] > 0 and in_force == state["accepted"] > 0
    url = f"/api/v1/submissions/{sid}/findings"

    # by offset, 7 at a time: every finding exactly once, in id order
    seen: list[int] = []
    offset = 0
    while True:
        page = c.get(url, headers=me, params={"limit": 7, "offset": offset}).json()
        assert page["total"] == stored and page["limit"] == 7 and page["offset"] == offset
        seen += [f["id"] for f in page["findings"]]
        if len(page["findings"]) < 7:
            break
        offset += 7
    assert len(seen) == len(set(seen)) == stored and seen == sorted(seen)

    # by cursor: the same findings, and the last page says so
    by_cursor: list[int] = []
    cursor = None
    pages = 0
    while True:
        page = c.get(url, headers=me, params={"limit": 9, **({"cursor": cursor} if cursor else {})}).json()
        pages += 1
        by_cursor += [f["id"] for f in page["findings"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert by_cursor == seen and pages == -(-stored // 9)

    # filters: counts match the store
    assert c.get(url, headers=me, params={"severity": "error", "limit": 1}).json()["total"] == errors
    first = c.get(url, headers=me, params={"limit": 1000}).json()["findings"]
    assert len(first) == stored
    rule = first[0]["rule"]
    by_rule = c.get(url, headers=me, params={"rule": rule, "limit": 1000}).json()
    assert by_rule["total"] == sum(f["rule"] == rule for f in first) == len(by_rule["findings"])
    with_student = next(f for f in first if f["student_number"])
    by_student = c.get(url, headers=me, params={"student": with_student["student_number"], "limit": 1000}).json()
    assert by_student["total"] == sum(with_student["student_number"] in (f["student_number"], f["ssid"]) for f in first)
    with_school = next(f for f in first if f["school"])
    by_school = c.get(url, headers=me, params={"school": with_school["school"], "severity": "error"}).json()
    assert by_school["total"] == sum(f["school"] == with_school["school"] and f["severity"] == "error" for f in first)
    assert isinstance(first[0]["fields"], list)

    # the October 1 report of LEA 01: the numbers of the report itself
    rep = c.get("/api/v1/leas/01/reports/october-1", headers=me, params={"detail": "true"})
    assert rep.status_code == 200, rep.text
    body = rep.json()
    counts, students, facts = run("october-1", world.store, 2013, "01", None, False)
    assert body["school_year"] == 2013 and body["lea"] == "01" and body["facts"]["students"] == facts["students"]
    assert len(body["counts"]) == counts.height > 0 and len(body["detail"]) == students.height > 0
    assert {row["lea_number"] for row in body["detail"]} == {"01"}
    assert c.get("/api/v1/leas/01/reports/year-end", headers=me).json()["parts"]["discipline"]["counts"] is not None

    with world.store.session() as s:
        rows = list(s.scalars(select(AuditEntry).where(AuditEntry.user_id == world.users["up_a"].id)
                              .order_by(AuditEntry.id)))
    uploads = [r for r in rows if r.action == "upload"]
    assert [(u.lea, u.detail["submission"], u.detail["via"], u.detail["token"]) for u in uploads] == [
        ("01", sid, "api", "up_a script")]
    downloads = [r.detail["what"] for r in rows if r.action == "download"]
    assert downloads.count("report october-1 json") == 1 and downloads.count("report year-end json") == 1
    assert downloads.count("findings json") >= pages + 4


def test_validate_only_loads_nothing(world: World, files: dict[str, Path]) -> None:
    r = world.submit("up_a", "01", files["01"], validate_only=True)
    assert r.status_code == 202, r.text
    state = world.done("up_a", r.json()["id"])
    assert state["status"] == "validated" and state["validate_only"] and state["records"] > 0
    with world.store.session() as s:
        assert s.scalar(select(func.count()).select_from(Record)) == 0
    assert world.client.get(f"/api/v1/submissions/{state['id']}/findings", headers=world.auth("up_a")
                            ).json()["total"] == state["errors"] + state["warnings"]


def test_another_leas_file_is_refused_at_once(world: World, files: dict[str, Path]) -> None:
    err = assert_error(world.submit("admin", "01", files["02"]), 422, "refused")
    assert "names LEA 02" in err["message"]
    sid = err["details"][0]["submission"]
    state = world.client.get(f"/api/v1/submissions/{sid}", headers=world.auth("admin")).json()
    assert state["status"] == "failed" and state["done"] and "names LEA 02" in state["reason"]
    with world.store.session() as s:
        up = s.scalars(select(AuditEntry).where(AuditEntry.action == "upload")).one()
    assert up.detail["submission"] == sid and up.detail["refused"].startswith("refused")


# --- the error shape and the OpenAPI document --------------------------------------------------------

def test_every_error_has_the_one_shape(world: World, files: dict[str, Path]) -> None:
    c, me = world.client, world.auth("admin")
    err = assert_error(c.get("/api/v1/submissions/1/findings", headers=me, params={"limit": 0}), 422,
                       "invalid_request")
    assert err["details"][0]["loc"] == ["query", "limit"]
    assert_error(c.get("/api/v1/submissions/0", headers=me), 422, "invalid_request")
    assert_error(c.get("/api/v1/submissions/99999999999", headers=me), 422, "invalid_request")
    assert_error(c.get("/api/v1/submissions/1/findings", headers=me, params={"offset": 1, "cursor": "5"}), 422)
    assert_error(c.get("/api/v1/submissions/1/findings", headers=me, params={"rule": "a\x00b"}), 422)
    assert_error(c.get("/api/v1/leas/01/reports/no-such-report", headers=me), 422)
    assert_error(c.get("/api/v1/no-such-thing", headers=me), 404, "not_found")
    assert_error(c.delete("/api/v1/leas", headers=me), 405, "method_not_allowed")
    no_file = c.post("/api/v1/leas/01/submissions", headers=me, data={"validate_only": "true"})
    assert assert_error(no_file, 422)["details"] == [{"loc": ["body", "file"], "msg": "Field required"}]
    with files["01"].open("rb") as fh:
        bad_flag = c.post("/api/v1/leas/01/submissions", headers=me, files={"file": ("a.txt", fh)},
                          data={"validate_only": "maybe"})
    assert_error(bad_flag, 422)
    broken = c.post("/api/v1/leas/01/submissions", headers={**me, "Content-Type": "multipart/form-data; boundary=x"},
                    content=b"--x\r\nnot a part")
    assert_error(broken, 400)
    assert submissions_count(world.store) == 0
    page = c.get("/no-such-page")  # pages keep their own handling
    assert page.status_code == 404 and not page.text.startswith('{"error"')


def test_an_unexpected_failure_is_a_500_in_the_one_shape(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    import utrex.portal.api as api

    def broken(store):  # type: ignore[no-untyped-def]
        raise RuntimeError("the database went away")

    monkeypatch.setattr(api, "known_leas", broken)
    c = TestClient(world.app, raise_server_exceptions=False)
    err = assert_error(c.get("/api/v1/leas", headers=world.auth("up_a")), 500, "server_error")
    assert "database" not in err["message"]  # the cause is logged, not told


def test_the_openapi_document_describes_the_api_only(world: World) -> None:
    doc = world.client.get("/openapi.json").json()
    assert sorted(doc["paths"]) == ["/api/v1/leas", "/api/v1/leas/{lea}/reports/{name}",
                                    "/api/v1/leas/{lea}/submissions", "/api/v1/submissions/{submission_id}",
                                    "/api/v1/submissions/{submission_id}/findings"]
    scheme = doc["components"]["securitySchemes"]["token"]
    assert (scheme["type"], scheme["scheme"]) == ("http", "bearer")
    error_ref = "#/components/schemas/Error"
    for path, ops in doc["paths"].items():
        for method, op in ops.items():
            assert op["security"] == [{"token": []}], (path, method)
            for status in ("401", "404", "422"):
                assert op["responses"][status]["content"]["application/json"]["schema"]["$ref"] == error_ref
            ok = next(s for s in op["responses"] if s.startswith("2"))
            assert "schema" in op["responses"][ok]["content"]["application/json"], (path, method)
    upload = doc["paths"]["/api/v1/leas/{lea}/submissions"]["post"]
    assert upload["responses"]["403"]["content"]["application/json"]["schema"]["$ref"] == error_ref
    form = upload["requestBody"]["content"]["multipart/form-data"]["schema"]
    assert form["required"] == ["file"] and form["properties"]["file"]["format"] == "binary"
    assert "HTTPValidationError" not in doc["components"]["schemas"]
    assert set(doc["components"]["schemas"]["ErrorBody"]["properties"]) == {"status", "code", "message", "details"}

