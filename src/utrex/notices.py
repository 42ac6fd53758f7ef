"""The store's default hooks (store/hooks.py): the e-mail notices of issue 7 item 7 on every path.

- after a submission is processed (validated, or validated and loaded): its LEA's people are told of error
  findings the previous submission did not have (`collector.notify.new_errors`);
- around a load (a submission or a rollback): the other LEAs' people are told of new cross-LEA findings on
  their students (`collector.cross_lea_notice.watch`).
Both do nothing unless SMTP is configured (`UTREX_SMTP_HOST`); neither ever raises.
"""

from __future__ import annotations

import logging
from contextlib import AbstractContextManager, nullcontext

from . import mail
from .store.db import Store

log = logging.getLogger("utrex.notices")


def around_load(store: Store, submission_id: int) -> AbstractContextManager[None]:
    settings = mail.MailSettings.from_env()
    if settings is None:
        return nullcontext()
    from .collector.cross_lea_notice import watch

    return watch(store, submission_id, settings)


def after_process(store: Store, submission_id: int) -> None:
    settings = mail.MailSettings.from_env()
    if settings is None:
        return
    from .collector.notify import new_errors

    try:
        new_errors(store, settings, submission_id)
    except Exception:
        log.exception("new-errors notice for submission %s not sent", submission_id)
