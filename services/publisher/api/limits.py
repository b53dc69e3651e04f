"""Request bodies are size-limited: a declared length over the limit is refused before anything is read,
and a body sent without one (chunked) is cut off as soon as it passes the limit. Either way: 413."""
from __future__ import annotations

from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from services.publisher.api.errors import problem


class BodyLimit:
    def __init__(self, app: ASGIApp, max_bytes: int):
        self.app, self.max_bytes = app, max_bytes

    def too_large(self) -> str:
        return f"request bodies are limited to {self.max_bytes} bytes"

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope.get("headers") or []).get(b"content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > self.max_bytes):
            response = problem(413 if declared.isdigit() else 400,
                               self.too_large() if declared.isdigit() else "Content-Length is not a number",
                               instance=scope.get("path"))
            await response(scope, receive, send)
            return
        received = 0

        async def limited() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    # Raised inside the app, so its error handler answers with a problem document.
                    raise HTTPException(413, self.too_large())
            return message

        await self.app(scope, limited, send)
