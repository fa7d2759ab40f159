"""One JSON error body for every error: {"error": {"code", "message", "details"}}."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from frontdesk.errors import FrontdeskError

log = logging.getLogger("frontdesk.api")

_HTTP_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "invalid_input",
    429: "rate_limited",
}


def error_response(status: int, code: str, message: str, details: dict[str, Any] | None = None) -> JSONResponse:
    return JSONResponse({"error": {"code": code, "message": message, "details": details or {}}}, status_code=status)


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(FrontdeskError)
    async def _frontdesk(_: Request, exc: FrontdeskError) -> JSONResponse:
        return error_response(exc.status_code, exc.code, exc.message, exc.details)

    @app.exception_handler(RequestValidationError)
    async def _validation(_: Request, exc: RequestValidationError) -> JSONResponse:
        problems = [
            {"field": ".".join(str(p) for p in e["loc"] if p != "body"), "problem": e["msg"]} for e in exc.errors()[:10]
        ]
        if any(e["type"] == "json_invalid" for e in exc.errors()):
            return error_response(
                400, "invalid_json", "the request body is not valid JSON (UTF-8)", {"problems": problems}
            )
        first = problems[0] if problems else {"field": "", "problem": "invalid request"}
        return error_response(
            422, "invalid_input", f"{first['field'] or 'body'}: {first['problem']}", {"problems": problems}
        )

    @app.exception_handler(StarletteHTTPException)
    async def _http(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        if exc.status_code == 400 and "parsing the body" in str(exc.detail):  # bytes that are not UTF-8 JSON
            return error_response(400, "invalid_json", "the request body is not valid JSON (UTF-8)")
        code = _HTTP_CODES.get(exc.status_code, "http_error")
        return error_response(exc.status_code, code, str(exc.detail))

    @app.exception_handler(Exception)
    async def _unexpected(_: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error")
        return error_response(500, "internal_error", "something went wrong on our side; it has been logged")
