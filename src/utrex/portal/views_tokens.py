"""The API tokens page of the logged-in person: create a named token (shown once), list, revoke."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import RedirectResponse, Response

from . import tokens
from .accounts import AccountError
from .web import me, render, store_of, who

router = APIRouter(prefix="/tokens", include_in_schema=False)


def _page(request: Request, status_code: int = 200, **context: object) -> Response:
    a = me(request)
    return render(request, "tokens.html", status_code=status_code,
                  tokens=tokens.of_user(store_of(request), a.user.id), **context)


@router.get("")
def tokens_page(request: Request) -> Response:
    return _page(request)


@router.post("")
def create_token(request: Request, name: Annotated[str, Form(max_length=tokens.MAX_NAME)] = "") -> Response:
    a = me(request)
    try:
        created = tokens.create(store_of(request), a.user.id, name, who(request, a))
    except AccountError as e:
        return _page(request, 400, error=str(e))
    return _page(request, created=created)  # the page, not a redirect: the token exists only in this answer


@router.post("/{token_id}/revoke")
def revoke_token(request: Request, token_id: int) -> Response:
    a = me(request)
    if not tokens.revoke(store_of(request), a.user.id, token_id, who(request, a)):
        raise HTTPException(404)  # not theirs, already revoked or no such token: the same answer
    return RedirectResponse("/tokens", status_code=303)
