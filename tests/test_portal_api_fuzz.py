"""schemathesis against the API's own /openapi.json (in-process, ASGI, a state administrator's token, a
store holding one loaded submission; SQLite and PostgreSQL): no generated request may get a server error (5xx).

Examples per operation: UTREX_API_FUZZ_EXAMPLES (default 200, issue 6's Done-when)."""

from __future__ import annotations

import os

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error

from utrex.portal import accounts, tokens
from utrex.portal.accounts import Role
from utrex.portal.app import create_app
from utrex.portal.audit import Who
from utrex.reference.model import load_reference
from utrex.spec import Period
from utrex.store import Store
from utrex.store import schema as store_schema
from utrex.store.settings import Settings
from utrex.store.submissions import submit
from utrex.synth import generate_lea

EXAMPLES = int(os.environ.get("UTREX_API_FUZZ_EXAMPLES", "200"))
SETUP = Who(None, "test setup")


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def fuzz_app(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    """The portal on each backend with LEA 01's synthetic file loaded (submission 1: ids that exist), and
    the Bearer header of a state administrator (every LEA is theirs: the deepest code paths)."""
    home = tmp_path_factory.mktemp("fuzz")
    url = f"sqlite:///{home / 'store.db'}"
    if request.param == "postgresql":
        url = request.getfixturevalue("pg_database")
        from sqlalchemy import create_engine

        engine = create_engine(url)
        with engine.begin() as conn:
            conn.exec_driver_sql("DROP SCHEMA public CASCADE")
            conn.exec_driver_sql("CREATE SCHEMA public")
        engine.dispose()
    st = Settings(home=home, database_url=url)
    raw = Store(st)
    store_schema.upgrade(raw.engine)
    raw.close()
    store = Store.open(st)
    f = home / "lea01.txt"
    generate_lea(f, ref=load_reference(None), lea="01", students=40, period=Period.OCTOBER, school_year=2013,
                 seed=1, defects=0.03)
    assert submit(f, "01", "setup", store=store).id == 1
    user = accounts.create_user(store, "fuzz@example.org", "lantern basil 47 harbour", Role.STATE_ADMIN, SETUP)
    app = create_app(store)
    yield app, {"Authorization": f"Bearer {tokens.create(store, user.id, 'fuzz', SETUP).secret}"}
    jobs = getattr(app.state, "submission_jobs", None)
    if jobs is not None:
        jobs.close()
    store.close()


OPERATIONS = [("GET", "/api/v1/leas"), ("POST", "/api/v1/leas/{lea}/submissions"),
              ("GET", "/api/v1/submissions/{submission_id}"), ("GET", "/api/v1/submissions/{submission_id}/findings"),
              ("GET", "/api/v1/leas/{lea}/reports/{name}")]


@pytest.mark.parametrize(("method", "path"), OPERATIONS)
def test_no_generated_request_gets_a_server_error(fuzz_app, method: str, path: str) -> None:  # type: ignore[no-untyped-def]
    app, bearer = fuzz_app
    operation = schemathesis.openapi.from_asgi("/openapi.json", app)[path][method]
    statuses: list[int] = []

    @given(case=operation.as_strategy())
    @settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True,
              database=None)
    def check(case) -> None:  # type: ignore[no-untyped-def]
        response = case.call(headers=bearer)
        statuses.append(response.status_code)
        case.validate_response(response, checks=[not_a_server_error])
        assert response.status_code < 500, (case.method, case.formatted_path, response.text[:500])

    check()
    assert len(statuses) >= min(EXAMPLES, 10), statuses  # requests were made (not all filtered away)


def test_the_fuzzed_document_has_the_five_operations(fuzz_app) -> None:  # type: ignore[no-untyped-def]
    from fastapi.testclient import TestClient

    doc = TestClient(fuzz_app[0]).get("/openapi.json").json()
    assert sorted((m.upper(), p) for p, ops in doc["paths"].items() for m in ops) == sorted(OPERATIONS)
