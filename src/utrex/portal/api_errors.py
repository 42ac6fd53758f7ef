"""The API's one error shape, for every error under /api/: raised by the API (`ApiError`), by routing
(404, 405), by FastAPI's parameter checks (422), by the body parser (400) or unexpected (500).

Pages keep their own handling: each handler here answers only for /api/ paths and hands anything else
to FastAPI's default, as before the API existed."""

from __future__ import annotations

import logging
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exception_handlers import http_exception_handler, request_validation_exception_handler
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, PlainTextResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

API_PREFIX = "/api/"
NOT_FOUND = "There is no such thing, or it is not yours to see."  # one text: a guessed id learns nothing
CODES = {400: "bad_request", 401: "unauthenticated", 403: "forbidden", 404: "not_found",
         405: "method_not_allowed", 413: "too_large", 415: "unsupported_media_type", 422: "invalid_request",
         429: "too_many_requests", 500: "server_error"}
BEARER = 'Bearer realm="utrex"'
log = logging.getLogger("utrex.portal.api")


class ApiError(Exception):
    def __init__(self, status: int, message: str, code: str | None = None,
                 details: list[dict[str, Any]] | None = None, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status, self.message, self.code = status, message, code or CODES.get(status, "error")
        self.details, self.headers = details, headers


def not_found() -> ApiError:
    return ApiError(404, NOT_FOUND)


def error_response(status: int, message: str, code: str | None = None, details: list[dict[str, Any]] | None = None,
                   headers: dict[str, str] | None = None) -> JSONResponse:
    body: dict[str, Any] = {"status": status, "code": code or CODES.get(status, "error"), "message": message}
    if details is not None:
        body["details"] = details
    headers = dict(headers or {})
    if status == 401:
        headers.setdefault("WWW-Authenticate", BEARER)
    headers.setdefault("Cache-Control", "no-store")
    return JSONResponse({"error": body}, status_code=status, headers=headers)


def is_api(request: Request) -> bool:
    return request.url.path.startswith(API_PREFIX)


async def api_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, ApiError)
    return error_response(exc.status, exc.message, exc.code, exc.details, exc.headers)


def http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
    """An HTTPException raised on an API path (routing, the body parser, a shared dependency)."""
    status = exc.status_code
    if status == 404:
        message = NOT_FOUND
    elif isinstance(exc.detail, str) and exc.detail:
        message = exc.detail
    else:
        message = HTTPStatus(status).phrase if status in HTTPStatus._value2member_map_ else "Error"
    return error_response(status, message, headers=dict(exc.headers or {}))


async def _starlette_http(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)
    if is_api(request):
        return http_error(request, exc)
    return await http_exception_handler(request, exc)


async def _validation(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    if not is_api(request):
        return await request_validation_exception_handler(request, exc)
    # loc and msg only: the raw input and ctx may be large or not JSON at all
    details = [{"loc": [str(p) for p in e.get("loc", ())], "msg": str(e.get("msg", ""))} for e in exc.errors()]
    return error_response(422, "A parameter is missing or not acceptable; see details.", details=details)


async def _unexpected(request: Request, exc: Exception) -> Response:
    if not is_api(request):
        return PlainTextResponse("Internal Server Error", status_code=500)  # Starlette's own answer
    log.exception("API error on %s %s", request.method, request.url.path, exc_info=exc)
    return error_response(500, "The server failed to answer this request; it has been logged.")


def install_handlers(app: FastAPI) -> None:
    app.add_exception_handler(ApiError, api_error)
    app.add_exception_handler(StarletteHTTPException, _starlette_http)
    app.add_exception_handler(RequestValidationError, _validation)
    app.add_exception_handler(Exception, _unexpected)
