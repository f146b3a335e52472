"""The access log: one JSON line per request (method, path, status, milliseconds, client).

A plain ASGI middleware: Starlette's ``@app.middleware("http")`` runs each request through an extra
task and memory streams, a large part of the service's own time per request (issue 19)."""

from __future__ import annotations

import json
import logging
import time

log = logging.getLogger("plankg.access")


class AccessLog:
    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http" or not log.isEnabledFor(logging.INFO):
            return await self.app(scope, receive, send)
        started = time.perf_counter()
        status = 500  # what the server answers if the application fails before it starts a response

        async def watch(message):
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, watch)
        finally:
            client = scope.get("client")
            log.info(json.dumps({"method": scope["method"], "path": scope["path"], "status": status,
                                 "ms": round((time.perf_counter() - started) * 1000, 1),
                                 "client": client[0] if client else None}))
