"""HEAD and OPTIONS on every route of an app, including routes added after it was built, and 405s that
say what is allowed (RFC 9110 sections 9.3.2, 9.3.7, 15.5.6).

FastAPI answers 405 to HEAD and OPTIONS unless each route declares them. This ASGI middleware looks up the
methods the matched path allows at request time: HEAD runs the GET route and drops the body (same status
and headers, conditional requests included), OPTIONS answers 204 with an Allow header, and any other
method the path does not allow gets a 405 with the full Allow list.
"""
from __future__ import annotations

from starlette.responses import JSONResponse, Response
from starlette.routing import Match, Router
from starlette.types import ASGIApp, Message, Receive, Scope, Send

# Probed one by one: routes only say whether they take a given request, not which methods they take (an
# included FastAPI router has no `methods` at all).
METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")


class MethodsMiddleware:
    def __init__(self, app: ASGIApp, router: Router):
        self.app, self.router = app, router

    def declared(self, scope: Scope) -> set[str]:
        """The methods some route of the path declares itself."""
        return {method for method in METHODS
                if any(route.matches({**scope, "method": method})[0] is Match.FULL for route in self.router.routes)}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared, method = self.declared(scope), scope["method"]
        if not declared or method in declared:
            await self.app(scope, receive, send)  # an unknown path (404), or a route that answers itself
            return
        allowed = declared | {"OPTIONS"} | ({"HEAD"} if "GET" in declared else set())
        if method == "OPTIONS":
            await Response(status_code=204, headers={"Allow": _allow(allowed)})(scope, receive, send)
        elif method == "HEAD" and "GET" in declared:
            await self.app({**scope, "method": "GET"}, receive, _without_body(send))
        else:
            response = JSONResponse({"detail": "Method Not Allowed"}, status_code=405,
                                    headers={"Allow": _allow(allowed)})
            await response(scope, receive, _without_body(send) if method == "HEAD" else send)


def _allow(methods: set[str]) -> str:
    return ", ".join(sorted(methods))


def _without_body(send: Send) -> Send:
    async def send_head(message: Message) -> None:
        if message["type"] == "http.response.body":
            if message.get("more_body", False):
                return
            message = {"type": "http.response.body", "body": b"", "more_body": False}
        await send(message)

    return send_head
