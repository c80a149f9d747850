"""Bounds on what one client can make the server do: body size, admission, cancellation.

- :class:`BodyGuard` (ASGI middleware) reads a request body up to a limit, whether it comes
  with a ``Content-Length`` or in chunks, and answers 413 beyond it without buffering more;
  it then watches the connection and sets the request's cancel event when the client goes.
- :func:`checkpoint` is passed as the ``progress`` callback of the model: between chunks of
  replications it stops the computation of a client that has gone.
- :class:`Busy` (429 with ``Retry-After``) is raised when more model requests are admitted
  than the server allows at once (running plus waiting).
- :func:`as_job` (a route dependency) reads ``?async=1``: the model request then runs as a
  background job (web/jobs.py), whose progress :func:`checkpoint` counts.
- :func:`validation_error` answers a request the schema rejects with 422 and a JSON body
  that stays valid JSON even when the client sent ``NaN`` or ``Infinity``.
"""

from __future__ import annotations

import asyncio
import contextvars
import math
import threading
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Annotated, Any

from fastapi import Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

# The cancel event of the request being served (copied into the worker thread with the
# request's context by Starlette's thread pool).
CANCEL: contextvars.ContextVar[threading.Event | None] = contextvars.ContextVar(
    "straitsim_cancel", default=None
)


# The progress counter of the background job being computed (web/jobs.py), if any, and
# whether the request being served asked to run as a job (``?async=1``).
PROGRESS: contextvars.ContextVar[Callable[[int], None] | None] = contextvars.ContextVar(
    "straitsim_progress", default=None
)
AS_JOB: contextvars.ContextVar[bool] = contextvars.ContextVar("straitsim_as_job", default=False)


class Cancelled(Exception):
    """The client went away: stop computing its answer."""


class Busy(Exception):
    """More model requests than the server admits at once (answered 429)."""

    def __init__(
        self, retry_after_s: int, detail: str = "too many model requests at once; retry later"
    ) -> None:
        super().__init__("server busy")
        self.retry_after_s = retry_after_s
        self.detail = detail


def cancelled() -> bool:
    """Return True when the current request's client has disconnected."""
    ev = CANCEL.get()
    return ev is not None and ev.is_set()


def checkpoint(done: int = 0) -> None:
    """Progress callback for the model: raise :class:`Cancelled` once the client has gone.

    In a background job it also counts ``done`` units of work towards the job's progress.
    """
    if cancelled():
        raise Cancelled
    count = PROGRESS.get()
    if count is not None:
        count(done)


async def as_job(
    run_as_job: Annotated[
        bool,
        Query(
            alias="async",
            description="Run as a background job: answer 202 with the job "
            "(poll `GET /api/jobs/{id}`, then fetch `GET /api/jobs/{id}/result`).",
        ),
    ] = False,
) -> None:
    """Route dependency: note whether the request asked to run as a background job."""
    AS_JOB.set(run_as_job)


async def _reply(send: Send, status: int, text: str) -> None:
    body = ('{"detail":"' + text + '"}').encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                (b"connection", b"close"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


class BodyGuard:
    """ASGI middleware: bounded request bodies (also chunked) and a per-request cancel event."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Read the body within the limit, then serve the request and watch the client."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        too_big = f"request body over {self.max_bytes} bytes"
        for name, value in scope.get("headers") or []:
            if name == b"content-length" and value.isdigit() and int(value) > self.max_bytes:
                await _reply(send, 413, too_big)
                return
        chunks: list[bytes] = []
        size = 0
        more = True
        while more:
            msg = await receive()
            if msg["type"] == "http.disconnect":
                return  # the client left before sending its body
            part = msg.get("body", b"")
            size += len(part)
            if size > self.max_bytes:  # stop reading: memory stays under the limit
                await _reply(send, 413, too_big)
                return
            chunks.append(part)
            more = bool(msg.get("more_body", False))
        body = b"".join(chunks)
        cancel = threading.Event()
        gone = asyncio.Event()
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}
            await gone.wait()
            return {"type": "http.disconnect"}

        async def watch() -> None:
            while True:
                msg = await receive()
                if msg["type"] == "http.disconnect":
                    cancel.set()
                    gone.set()
                    return

        token = CANCEL.set(cancel)
        watcher = asyncio.ensure_future(watch())
        try:
            await self.app(scope, replay, send)
        finally:
            watcher.cancel()
            CANCEL.reset(token)


def _finite(x: Any) -> Any:
    if isinstance(x, float) and not math.isfinite(x):
        return str(x)  # 'nan', 'inf': what the client sent, as text
    if isinstance(x, dict):
        return {str(k): _finite(v) for k, v in x.items()}
    if isinstance(x, list | tuple):
        return [_finite(v) for v in x]
    if isinstance(x, str | int | bool) or x is None:
        return x
    return str(x)


async def validation_error(request: Request, exc: Exception) -> JSONResponse:
    """422 for input the schema rejects; NaN and infinity in the echoed input become text."""
    errors = exc.errors() if isinstance(exc, RequestValidationError) else []
    detail = [
        {k: _finite(v) for k, v in e.items() if k in ("type", "loc", "msg", "input", "ctx")}
        for e in errors
    ]
    return JSONResponse({"detail": detail}, status_code=422)
