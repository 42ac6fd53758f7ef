"""Password pages: "forgot password" (a one-time link by e-mail), the reset page the link opens, a person's
change of their own password, and a state administrator's reset of someone's password (a link, mailed,
or shown once to hand over when the portal has no mail settings).

The forgot-password answer is the same page whether or not the address has an account, and the mail is
sent after the answer (a background task), so neither the page nor its timing tells who has an account.
Links point at the portal's configured address (`UTREX_PORTAL_URL` or settings `extra["base_url"]`), else
at the address the server listens on; never at the request's Host header, which the asker controls.
"""

from __future__ import annotations

import logging
import os
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response
from starlette.background import BackgroundTask

from .. import mail
from ..store.db import Store
from . import accounts, audit, resets
from .accounts import AccountError
from .audit import Action, Who
from .web import admin, client_of, me, render, settings_of, start_session, store_of, who

router = APIRouter(include_in_schema=False)
log = logging.getLogger(__name__)


def mail_settings(request: Request) -> mail.MailSettings | None:
    """The SMTP settings (portal settings `extra["mail"]` for tests, else the environment); None: no mail."""
    given = settings_of(request).extra.get("mail")
    if isinstance(given, mail.MailSettings):
        return given
    try:
        return mail.MailSettings.from_env()
    except mail.MailError as e:
        log.error("mail settings: %s", e)
        return None


def base_url(request: Request) -> str:
    configured = settings_of(request).extra.get("base_url") or os.environ.get("UTREX_PORTAL_URL")
    if configured:
        return str(configured).rstrip("/")
    host, port = request.scope.get("server") or ("127.0.0.1", 8000)
    scheme = "https" if settings_of(request).secure_cookies else "http"
    default = 443 if scheme == "https" else 80
    return f"{scheme}://{host}" + (f":{port}" if port and port != default else "")


def reset_link(request: Request, token: str) -> str:
    return f"{base_url(request)}/password/reset?" + urlencode({"token": token})


def _body(issued: resets.Issued, link: str, hours: int, by_admin: bool) -> str:
    why = ("A state administrator issued a link to set a new password for your UTREx portal account "
           if by_admin else "Someone (we hope you) asked to reset the password of your UTREx portal account ")
    return (f"{why}{issued.email}.\n\nOpen this link within {hours} hour{'s' if hours != 1 else ''} to choose "
            f"a new password. It works once:\n\n{link}\n\nIf you did not expect this message, ignore it: your "
            "password stays as it is. Setting a new password logs the account out everywhere.\n")


def _send(store: Store, settings: mail.MailSettings, issued: resets.Issued, link: str, hours: int,
          by_admin: bool, client: str | None) -> str | None:
    """Send the link; on failure the reason (also audited: the asker is told nothing either way)."""
    try:
        mail.send(settings, issued.email, "UTREx portal: set a new password", _body(issued, link, hours, by_admin))
        return None
    except mail.MailError as e:
        log.error("password-reset mail to user %s: %s", issued.user_id, e)
        audit.write(store, Action.PASSWORD_RESET_REQUESTED, Who(issued.user_id, issued.email, client),
                    detail={"mail_failed": str(e)[:500]})
        return str(e)


# --- forgot password ------------------------------------------------------------------------------

@router.get("/password/forgot")
def forgot_page(request: Request) -> Response:
    return render(request, "password_forgot.html", mail_on=mail_settings(request) is not None, sent=False)


@router.post("/password/forgot")
def forgot(request: Request, email: Annotated[str, Form(max_length=320)]) -> Response:
    settings = mail_settings(request)
    page = render(request, "password_forgot.html", mail_on=settings is not None, sent=settings is not None)
    if settings is None:
        return page
    store = store_of(request)
    issued = resets.request_link(store, email, client_of(request))
    if issued is not None:  # after the answer: the same page, in the same time, for every address
        page.background = BackgroundTask(_send, store, settings, issued, reset_link(request, issued.token),
                                         resets.LINK_HOURS, False, client_of(request))
    return page


# --- the page a link opens ------------------------------------------------------------------------

@router.get("/password/reset")
def reset_page(request: Request, token: str = "") -> Response:
    user = resets.link_user(store_of(request), token)
    if user is None:
        return render(request, "password_reset.html", status_code=400, dead=resets.EXPIRED, token="", email="")
    return render(request, "password_reset.html", dead=None, token=token, email=user.email, error=None)


@router.post("/password/reset")
def reset(request: Request, token: Annotated[str, Form(max_length=resets.MAX_TOKEN)],
          password: Annotated[str, Form(max_length=accounts.MAX_PASSWORD)],
          confirm: Annotated[str, Form(max_length=accounts.MAX_PASSWORD)]) -> Response:
    store = store_of(request)
    user = resets.link_user(store, token)
    if user is None:
        return render(request, "password_reset.html", status_code=400, dead=resets.EXPIRED, token="", email="")
    if password != confirm:
        return render(request, "password_reset.html", status_code=400, dead=None, token=token, email=user.email,
                      error="The two passwords differ: type the same new password twice.")
    try:
        resets.use_link(store, token, password, client_of(request))
    except resets.ResetRefused as e:
        return render(request, "password_reset.html", status_code=400, dead=str(e), token="", email="")
    except AccountError as e:
        return render(request, "password_reset.html", status_code=400, dead=None, token=token, email=user.email,
                      error=str(e))
    request.session.clear()  # whoever was logged in in this browser: log in again with the new password
    return RedirectResponse("/login?reset=1", status_code=303)


# --- change one's own password --------------------------------------------------------------------

@router.get("/account/password")
def password_page(request: Request, done: str = "") -> Response:
    me(request)
    return render(request, "password_change.html", error=None, done=bool(done))


@router.post("/account/password")
def change_password(request: Request, current: Annotated[str, Form(max_length=accounts.MAX_PASSWORD)],
                    password: Annotated[str, Form(max_length=accounts.MAX_PASSWORD)],
                    confirm: Annotated[str, Form(max_length=accounts.MAX_PASSWORD)]) -> Response:
    a = me(request)
    if password != confirm:
        return render(request, "password_change.html", status_code=400, done=False,
                      error="The two new passwords differ: type the same new password twice.")
    try:
        epoch = resets.change_own(store_of(request), a.user.id, current, password, who(request, a))
    except AccountError as e:
        return render(request, "password_change.html", status_code=400, done=False, error=str(e))
    start_session(request, a.user.id, epoch)  # this session goes on; every other one has ended
    return RedirectResponse("/account/password?done=1", status_code=303)


# --- a state administrator resets someone's password ----------------------------------------------

@router.post("/admin/users/{user_id}/reset-password")
def admin_reset(request: Request, user_id: int) -> Response:
    a = admin(request)
    store = store_of(request)
    try:
        issued = resets.issue_by_admin(store, user_id, who(request, a))
    except AccountError as e:
        return render(request, "password_admin_reset.html", status_code=400, error=str(e), issued=None)
    link = reset_link(request, issued.token)
    settings = mail_settings(request)
    failure = (_send(store, settings, issued, link, resets.ADMIN_LINK_HOURS, True, client_of(request))
               if settings is not None else "this portal has no mail settings (UTREX_SMTP_HOST)")
    # shown only when it was not mailed: the administrator hands it over (it works once)
    return render(request, "password_admin_reset.html", error=None, issued=issued, mailed=failure is None,
                  failure=failure, link=None if failure is None else link, hours=resets.ADMIN_LINK_HOURS)
