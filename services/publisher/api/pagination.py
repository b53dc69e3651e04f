"""Cursor pagination: a page ends with an opaque cursor naming its last row's sort key, and the link to
the next page. Cursors are base64url JSON; one this service did not hand out is a 422 naming `cursor`."""
from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable
from typing import Annotated, Any, Generic, TypeVar

from fastapi import Query, Request, Response
from pydantic import BaseModel

from services.publisher.api.errors import BadParameter

T = TypeVar("T")
MAX_LIMIT = 200
DEFAULT_LIMIT = 50
MAX_CURSOR_CHARS = 400
CURSOR_PATTERN = r"^[A-Za-z0-9_-]+$"  # base64url, as encode_cursor writes it
Limit = Annotated[int, Query(ge=1, le=MAX_LIMIT, description="Items per page")]
Cursor = Annotated[str | None, Query(max_length=MAX_CURSOR_CHARS, pattern=CURSOR_PATTERN,
                                     description="From the previous page's `next` link")]


class Page(BaseModel, Generic[T]):
    items: list[T]
    next: str | None = None  # the next page's path and query; absent on the last page


def encode_cursor(kind: str, key: list[Any]) -> str:
    raw = json.dumps({"k": kind, "v": key}, separators=(",", ":"), default=str).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str | None, kind: str, parse: Callable[[list[Any]], T]) -> T | None:
    """The key inside `cursor`, checked by `parse` (which raises ValueError, TypeError or KeyError on
    anything it does not expect)."""
    if cursor is None:
        return None
    try:
        if len(cursor) > MAX_CURSOR_CHARS:
            raise ValueError("too long")
        data = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        if not isinstance(data, dict) or data.get("k") != kind or not isinstance(data.get("v"), list):
            raise ValueError("not a cursor of this list")
        return parse(data["v"])
    except (ValueError, TypeError, KeyError, IndexError, binascii.Error, UnicodeDecodeError):
        raise BadParameter("cursor", "query", "not a cursor this list handed out (use the `next` link)") from None


def paginate(request: Request, response: Response, rows: list[T], limit: int, kind: str,
             key: Callable[[T], list[Any]]) -> tuple[list[T], str | None]:
    """The rows of this page (fetched with limit + 1, to know whether more follow) and the path of the next
    one, also sent as a `Link: <...>; rel="next"` header."""
    if len(rows) <= limit:
        return rows, None
    rows = rows[:limit]
    query = dict(request.query_params)
    query["cursor"] = encode_cursor(kind, key(rows[-1]))
    link = request.url.path + "?" + str(request.url.replace(query="").include_query_params(**query).query)
    response.headers["Link"] = f'<{link}>; rel="next"'
    return rows, link
