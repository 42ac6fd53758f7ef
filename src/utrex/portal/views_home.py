"""The home page (the LEAs this person may see); `/lea/{lea}` is the LEA's dashboard (views_lea.py)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from .leas import known_leas
from .web import me, render, store_of

router = APIRouter(include_in_schema=False)


@router.get("/")
def home(request: Request) -> Response:
    a = me(request)
    names = known_leas(store_of(request))
    leas = [(code, names.get(code, f"LEA {code}")) for code in sorted(a.leas)]
    return render(request, "home.html", leas=leas)


@router.get("/lea/{lea}")
def lea_page(request: Request, lea: str) -> Response:
    """The first address of an LEA's page, kept: the dashboard (views_lea.py)."""
    from .views_lea import dashboard

    return dashboard(request, lea)
