"""Reading and answering HTTP requests: JSON bodies and responses, the API key, and the
guard of the internal endpoints."""

from __future__ import annotations

import hmac
import ipaddress
from collections.abc import Iterable
from typing import Annotated, Any, TypeVar
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, ValidationError
from pydantic_core import to_json
from starlette.requests import Request
from starlette.responses import Response

from ._config import Settings
from ._database import MAX_ROW
from ._errors import HttpError

JSON = "application/json"
MAX_ECHO = 200
"""Error details quote at most this many characters of what a client sent."""
LOOPBACK_NAMES = frozenset({"localhost", "127.0.0.1", "::1"})
KEY_COOKIE = "stepflow_key"
"""Where a browser keeps the API key the Workbench was opened with (`?key=`)."""
SESSION_HEADER = "x-stepflow-session"
"""Sent (as `1`) by the Workbench's request forms to call an API step with the key its
cookie holds. A page of another origin cannot send a custom header without a CORS
preflight, which nothing here answers: the cookie alone never authorizes an API step."""


def json_response(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return Response(to_json(body), status_code=status, headers=headers, media_type=JSON)


def quoted(text: str, limit: int = MAX_ECHO) -> str:
    """`repr(text)`, cut to `limit` characters of the text: safe to echo back."""
    if len(text) <= limit:
        return repr(text)
    return repr(text[:limit]) + f"… ({len(text) - limit} more characters)"


def key_matches(given: str, api_key: str) -> bool:
    """`given` is `api_key`, compared in constant time."""
    return hmac.compare_digest(given.encode(), api_key.encode())


def has_api_key(request: Request, api_key: str | None) -> bool:
    """Whether the request carries `api_key` in `x-api-key`."""
    return api_key is not None and key_matches(request.headers.get("x-api-key", ""), api_key)


def has_session_key(request: Request, api_key: str | None) -> bool:
    """Whether the request is the Workbench's, asking (`x-stepflow-session: 1`) for the key
    its same-site cookie holds, and the cookie holds `api_key`."""
    return (
        api_key is not None
        and request.headers.get(SESSION_HEADER) == "1"
        and has_key_cookie(request, api_key)
    )


def is_json(content_type: str) -> bool:
    media = content_type.split(";", 1)[0].strip().lower()
    return media == JSON or (media.startswith("application/") and media.endswith("+json"))


async def read_body(request: Request, limit: int) -> bytes:
    """The request body, refusing more than `limit` bytes without reading them all.

    A client that goes away mid-body raises `ClientDisconnect` (answered by nobody)."""
    declared = request.headers.get("content-length")
    if declared is not None:
        if not declared.isdigit():
            raise HttpError(400, "invalid Content-Length header")
        if int(declared) > limit:
            raise HttpError(413, f"request body over the limit of {limit} bytes")
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise HttpError(413, f"request body over the limit of {limit} bytes")
        chunks.append(chunk)
    return b"".join(chunks)


async def read_json(request: Request, model: type[BaseModel], limit: int) -> BaseModel:
    """The body parsed and validated as `model`: 400 for a wrong content type or
    malformed JSON, 413 over `limit`, 422 in FastAPI's shape when it does not validate."""
    return parse_body(model, await read_json_body(request, limit))


async def read_json_body(request: Request, limit: int) -> bytes:
    """The body of a JSON request, unparsed: 400 for a wrong content type, 413 over
    `limit`."""
    if not is_json(request.headers.get("content-type", "")):
        raise HttpError(400, "expected Content-Type: application/json")
    return await read_body(request, limit)


def parse_body(model: type[BaseModel], raw: bytes) -> BaseModel:
    try:
        return model.model_validate_json(raw)
    except ValidationError as exc:
        errors = exc.errors(include_url=False, include_context=False, include_input=False)
        if any(error["type"] == "json_invalid" for error in errors):
            raise HttpError(400, f"malformed JSON: {errors[0]['msg']}") from None
        raise HttpError(422, validation_detail(errors)) from None


def validation_detail(
    errors: Iterable[Any], where: tuple[str, ...] = ("body",)
) -> list[dict[str, Any]]:
    """Pydantic's errors in FastAPI's shape, each `loc` starting with `where`."""
    return [
        {"loc": [*where, *error["loc"]], "msg": error["msg"][:500], "type": error["type"]}
        for error in errors
    ]


RowNumber = Annotated[int, Field(ge=0, le=MAX_ROW)]
"""An offset or row number from a client: one the database can hold, or a 422."""


class Page(BaseModel):
    """`?limit=&offset=` of a listing."""

    model_config = ConfigDict(extra="ignore")

    limit: int = Field(default=100, ge=1, le=1_000)
    offset: RowNumber = 0


Q = TypeVar("Q", bound=BaseModel)


def read_query(request: Request, model: type[Q]) -> Q:
    """The query string validated as `model`; 422 (`loc: ["query", …]`) otherwise."""
    try:
        return model.model_validate(dict(request.query_params))
    except ValidationError as exc:
        errors = exc.errors(include_url=False, include_context=False, include_input=False)
        raise HttpError(422, validation_detail(errors, where=("query",))) from None


# -- the internal endpoints' guard --------------------------------------------------------


def is_loopback_client(request: Request) -> bool:
    host = request.client.host if request.client else ""
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _hostname(value: str) -> str:
    """The host name of a `Host` header or an `Origin`, lower-case, without the port."""
    return _authority(value)[0]


def _authority(value: str) -> tuple[str, int | None]:
    """The host name (lower-case) and port of a `Host` header or an `Origin`; the port is
    None when left out, as browsers and clients leave out a scheme's default."""
    parts = urlsplit(value if "://" in value else f"//{value}")
    try:
        port = parts.port
    except ValueError:  # not a number: no authority we could match
        return "", None
    return (parts.hostname or "").lower(), port


def trusted_name(name: str, settings: Settings) -> bool:
    """A loopback name (`localhost`, `*.localhost`, a loopback address) or one of
    `allowed_hosts`: what a page reached through DNS rebinding cannot present."""
    if name in LOOPBACK_NAMES or name.endswith(".localhost"):
        return True
    try:
        if ipaddress.ip_address(name).is_loopback:
            return True
    except ValueError:
        pass
    return name in {host.lower() for host in settings.allowed_hosts}


def has_key_cookie(request: Request, api_key: str) -> bool:
    """The Workbench's same-site cookie holding the key, sent from the page itself: an
    `Origin`, when sent, names this server's host and port (a browser sends the cookie to
    every port of the host, a page on another port included)."""
    cookie = request.cookies.get(KEY_COOKIE)
    if cookie is None or not key_matches(cookie, api_key):
        return False
    origin = request.headers.get("origin")
    return origin is None or _authority(origin) == _authority(request.headers.get("host", ""))


def guard_internal(request: Request, settings: Settings) -> None:
    """The internal endpoints (`/_stepflow/…`): with an API key configured, only a request
    that presents it (the `x-api-key` header, or the Workbench's same-site cookie from
    its own page); without one, only a loopback client whose `Host` (and `Origin`,
    when sent) is a loopback name or one of `allowed_hosts`, so that a web page reached
    through DNS rebinding cannot use them."""
    if settings.api_key is not None:
        if has_api_key(request, settings.api_key) or has_key_cookie(request, settings.api_key):
            return
        raise HttpError(401, "missing or invalid API key")
    if not is_loopback_client(request):
        raise HttpError(403, "internal endpoints answer loopback clients only")
    host = _hostname(request.headers.get("host", ""))
    origin = request.headers.get("origin")
    if not trusted_name(host, settings) or (
        origin is not None and not trusted_name(_hostname(origin), settings)
    ):
        raise HttpError(
            403, "internal endpoints answer a loopback Host and Origin (or allowed_hosts) only"
        )
