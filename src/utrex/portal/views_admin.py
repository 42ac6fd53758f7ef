"""State administrator pages: people and their LEA authorisations, and the audit log (with CSV export).
Anyone else gets 404 for these addresses."""

from __future__ import annotations

import datetime as dt
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from . import accounts, audit
from .accounts import AccountError, Role
from .audit import Action
from .leas import known_leas
from .web import admin, render, settings_of, store_of, who

router = APIRouter(prefix="/admin", include_in_schema=False)


def _users_page(request: Request, status_code: int = 200, error: str | None = None,
                notice: str | None = None, form: dict[str, str] | None = None) -> Response:
    store = store_of(request)
    return render(request, "users.html", status_code=status_code, users=accounts.users(store),
                  grants=accounts.authorisations(store), leas=known_leas(store), roles=list(Role),
                  error=error, notice=notice, form=form or {})


@router.get("/users")
def users_page(request: Request) -> Response:
    admin(request)
    return _users_page(request)


@router.post("/users")
def create_user(request: Request, email: Annotated[str, Form(max_length=320)],
                password: Annotated[str, Form(max_length=accounts.MAX_PASSWORD)], role: Annotated[str, Form()],
                name: Annotated[str, Form(max_length=200)] = "", lea: Annotated[str, Form()] = "") -> Response:
    a = admin(request)
    try:
        user = accounts.create_user(store_of(request), email, password, role, who(request, a), name=name,
                                    leas=[lea] if lea else [])
    except AccountError as e:
        return _users_page(request, 400, error=str(e), form={"email": email, "name": name, "role": role, "lea": lea})
    return _users_page(request, notice=f"Account {user.email} created.")


def _change(request: Request, user_id: int, do: str, lea: str = "", role: str = "") -> Response:
    a = admin(request)
    store, by = store_of(request), who(request, a)
    try:
        if do == "grant":
            accounts.grant(store, user_id, lea, by)
        elif do == "revoke":
            accounts.revoke(store, user_id, lea, by)
        elif do in ("disable", "enable"):
            accounts.set_disabled(store, user_id, do == "disable", by)
        elif do == "role":
            accounts.set_role(store, user_id, role, by)
    except (AccountError, ValueError) as e:
        return _users_page(request, 400, error=str(e))
    return RedirectResponse("/admin/users", status_code=303)


@router.post("/users/{user_id}/grant")
def grant(request: Request, user_id: int, lea: Annotated[str, Form(max_length=8)]) -> Response:
    return _change(request, user_id, "grant", lea=lea)


@router.post("/users/{user_id}/revoke")
def revoke(request: Request, user_id: int, lea: Annotated[str, Form(max_length=8)]) -> Response:
    return _change(request, user_id, "revoke", lea=lea)


@router.post("/users/{user_id}/disable")
def disable(request: Request, user_id: int) -> Response:
    return _change(request, user_id, "disable")


@router.post("/users/{user_id}/enable")
def enable(request: Request, user_id: int) -> Response:
    return _change(request, user_id, "enable")


@router.post("/users/{user_id}/role")
def role(request: Request, user_id: int, role: Annotated[str, Form(max_length=32)]) -> Response:
    return _change(request, user_id, "role", role=role)


def _query(action: str, lea: str, actor: str, since: str, until: str) -> audit.Query:
    def day(v: str) -> dt.date | None:
        try:
            return dt.date.fromisoformat(v) if v else None
        except ValueError:
            return None

    return audit.Query(action=action or None, lea=lea or None, actor=actor or None, since=day(since),
                       until=day(until))


@router.get("/audit")
def audit_page(request: Request, action: str = "", lea: str = "", actor: str = "", since: str = "",
               until: str = "", page: int = 1) -> Response:
    admin(request)
    size = settings_of(request).page_size
    page = max(1, page)
    rows, total = audit.entries(store_of(request), _query(action, lea, actor, since, until), limit=size,
                                offset=(page - 1) * size)
    filters = {"action": action, "lea": lea, "actor": actor, "since": since, "until": until}
    qs = urlencode({k: v for k, v in filters.items() if v})
    return render(request, "audit.html", rows=[audit.as_dict(e) for e in rows], total=total, page=page,
                  pages=max(1, -(-total // size)), filters=filters, qs=qs, actions=[x.value for x in Action])


@router.get("/audit.csv")
def audit_csv(request: Request, action: str = "", lea: str = "", actor: str = "", since: str = "",
              until: str = "") -> Response:
    a = admin(request)
    body = audit.to_csv(store_of(request), _query(action, lea, actor, since, until))
    audit.write(store_of(request), Action.DOWNLOAD, who(request, a), detail={"what": "audit log csv"})
    return Response(body, media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": 'attachment; filename="utrex-audit-log.csv"',
                             "Cache-Control": "no-store"})
