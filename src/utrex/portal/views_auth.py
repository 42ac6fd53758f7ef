"""Log-in and log-out pages."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from . import accounts
from .web import client_of, current, render, safe_next, start_session, store_of, who

router = APIRouter(include_in_schema=False)


@router.get("/login")
def login_page(request: Request, next: str = "/") -> Response:
    if current(request) is not None:
        return RedirectResponse(safe_next(next), status_code=303)
    return render(request, "login.html", next=safe_next(next), email="", error=None)


@router.post("/login")
def login(request: Request, email: Annotated[str, Form(max_length=320)],
          password: Annotated[str, Form(max_length=accounts.MAX_PASSWORD)], next: Annotated[str, Form()] = "/") -> Response:
    try:
        user = accounts.authenticate(store_of(request), email, password, client_of(request))
    except accounts.LoginRefused as e:
        return render(request, "login.html", status_code=401, next=safe_next(next), email=email, error=str(e))
    start_session(request, user.id, user.session_epoch)
    return RedirectResponse(safe_next(next), status_code=303)


@router.post("/logout")
def logout(request: Request) -> Response:
    a = current(request)
    if a is not None:
        accounts.log_out(store_of(request), a.user.id, who(request, a))
    request.session.clear()
    return RedirectResponse("/login", status_code=303)
