"""Small helpers of the LEA pages: numbers from the address, paging, who may change things, downloads.

Who may change: an LEA viewer (or state viewer) who may see the LEA gets 403 for its upload and
finalization pages, with a message that says so; the LEA is theirs to see, so the answer discloses
nothing. A person who may not see the LEA gets 404, as for every other page of that LEA.
"""

from __future__ import annotations

import datetime as dt
import math
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from fastapi import HTTPException, Request
from fastapi.responses import FileResponse, Response
from starlette.background import BackgroundTask

from ..store.privacy import Audience
from . import audit
from .accounts import Access
from .audit import Action
from .web import settings_of, store_of, who

MAX_PAGE = 1_000_000


def number(value: str) -> int:
    """A positive id from the address; anything else is a page that does not exist (404)."""
    if not value.isdigit() or len(value) > 12:
        raise HTTPException(404)
    return int(value)


def page_number(value: str | None) -> int:
    return min(int(value), MAX_PAGE) if value and value.isdigit() and int(value) > 0 else 1


def page_size(request: Request) -> int:
    return max(1, settings_of(request).page_size)


def pager(path: str, query: dict[str, str], page: int, size: int, total: int) -> dict[str, Any]:
    """Page links that keep the filters."""
    pages = max(1, math.ceil(total / size))

    def link(p: int) -> str:
        return path + "?" + urlencode({**query, "page": str(p)})

    return {"page": page, "pages": pages, "total": total, "first": (page - 1) * size + 1 if total else 0,
            "last": min(page * size, total), "prev": link(page - 1) if page > 1 else None,
            "next": link(page + 1) if page < pages else None}


def require_upload(a: Access, lea: str) -> None:
    if not a.can_upload(lea):
        raise HTTPException(403, "You may view this LEA's data but not upload or finalize: that needs an "
                                 "LEA uploader's authorisation from the state administrator.")


def audience(a: Access) -> Audience:
    """Examine shows an LEA's people their own data; state staff see it as the state does (no SSN, no
    phone number: store/privacy.py)."""
    return Audience.STATE if a.is_state else Audience.LEA


def today(request: Request) -> dt.date:
    """Today, or the date the portal settings fix (`extra["today"]`: tests of deadlines)."""
    fixed = settings_of(request).extra.get("today")
    return fixed if isinstance(fixed, dt.date) else dt.date.today()


MEDIA = {"csv": "text/csv; charset=utf-8", "html": "text/html; charset=utf-8",
         "json": "application/json", "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}


def download(request: Request, a: Access, lea: str, content: str | bytes | Path, fmt: str, filename: str,
             detail: dict[str, Any]) -> Response:
    """An attachment (audited: who downloaded what of which LEA). A Path is streamed and then deleted."""
    audit.write(store_of(request), Action.DOWNLOAD, who(request, a), lea=lea, detail={**detail, "format": fmt})
    headers = {"Content-Disposition": f'attachment; filename="{filename}"', "Cache-Control": "no-store"}
    if isinstance(content, Path):
        return FileResponse(content, media_type=MEDIA[fmt], headers=headers,
                            background=BackgroundTask(content.unlink, missing_ok=True))
    return Response(content, media_type=MEDIA[fmt], headers=headers)
