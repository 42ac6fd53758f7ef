"""Sending e-mail through an SMTP server (the portal's password-reset links; the collector's notices).

Settings from the environment: `UTREX_SMTP_HOST` (unset: mail is not configured), `UTREX_SMTP_PORT`
(default 25, or 465 with `UTREX_SMTP_SSL`), `UTREX_SMTP_FROM` (default `utrex@<host>`), and optionally
`UTREX_SMTP_USER` / `UTREX_SMTP_PASSWORD` (log in), `UTREX_SMTP_STARTTLS` (1: upgrade the connection
with STARTTLS before logging in) and `UTREX_SMTP_SSL` (1: TLS from the start, "SMTPS").
"""

from __future__ import annotations

import os
import smtplib
import ssl
from collections.abc import Mapping
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import make_msgid

TRUE = frozenset({"1", "true", "yes", "on"})


class MailError(Exception):
    """The message could not be handed to the SMTP server; the message says why (never the password)."""


@dataclass(frozen=True)
class MailSettings:
    host: str
    port: int = 25
    sender: str = ""
    user: str | None = None
    password: str | None = None
    starttls: bool = False
    use_ssl: bool = False
    timeout: float = 20.0

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> MailSettings | None:
        """The settings of the environment, or None when `UTREX_SMTP_HOST` is not set."""
        env = os.environ if env is None else env
        host = (env.get("UTREX_SMTP_HOST") or "").strip()
        if not host:
            return None
        use_ssl = env.get("UTREX_SMTP_SSL", "").strip().lower() in TRUE
        port_text = (env.get("UTREX_SMTP_PORT") or "").strip()
        if port_text and not port_text.isdigit():
            raise MailError(f"UTREX_SMTP_PORT={port_text!r} is not a port number")
        return cls(host=host, port=int(port_text) if port_text else (465 if use_ssl else 25),
                   sender=(env.get("UTREX_SMTP_FROM") or "").strip() or f"utrex@{host}",
                   user=env.get("UTREX_SMTP_USER") or None, password=env.get("UTREX_SMTP_PASSWORD") or None,
                   starttls=env.get("UTREX_SMTP_STARTTLS", "").strip().lower() in TRUE, use_ssl=use_ssl)


def message(settings: MailSettings, to: str, subject: str, body: str) -> EmailMessage:
    msg = EmailMessage()
    msg["From"], msg["To"], msg["Subject"] = settings.sender, to, subject
    msg["Message-ID"] = make_msgid(domain=settings.sender.rpartition("@")[2] or None)
    msg.set_content(body)  # plain text: links are readable and nothing runs in the reader's mail program
    return msg


def send(settings: MailSettings, to: str, subject: str, body: str) -> None:
    """Hand one plain-text message to the SMTP server; MailError when it cannot be."""
    msg = message(settings, to, subject, body)
    context = ssl.create_default_context()
    try:
        smtp: smtplib.SMTP = (smtplib.SMTP_SSL(settings.host, settings.port, timeout=settings.timeout,
                                               context=context) if settings.use_ssl
                              else smtplib.SMTP(settings.host, settings.port, timeout=settings.timeout))
        with smtp:
            if settings.starttls and not settings.use_ssl:
                smtp.starttls(context=context)
            if settings.user:
                smtp.login(settings.user, settings.password or "")
            smtp.send_message(msg)
    except (OSError, smtplib.SMTPException) as e:  # refused, unreachable, TLS or login failure
        raise MailError(f"cannot send mail through {settings.host}:{settings.port}: {type(e).__name__}: {e}") from None
