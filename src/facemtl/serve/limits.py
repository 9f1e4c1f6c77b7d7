"""The two guards that keep a service up under load and bad input.

``BodyLimit`` refuses a request body over the size limit with 413 before the application
parses it (multipart parsing would otherwise spool it to disk). ``WorkQueue`` admits at most
``threads + waiting`` requests at a time and runs inference on its own threads, off the
event loop, so ``/health`` answers while the model works and a burst is told 503 at once.
"""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import Awaitable, Callable, MutableMapping
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any, TypeVar

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
T = TypeVar("T")


class _TooLarge(Exception):
    pass


class BodyLimit:
    """ASGI wrapper: 413 with a JSON error for bodies over ``max_bytes``.

    The declared ``Content-Length`` is checked first; a body sent without one (chunked) is
    counted as it arrives. The rest of the body is read and dropped (up to a bound) before
    answering, because a client still sending when the connection closes never sees the
    answer.
    """

    def __init__(self, app: Callable[..., Awaitable[None]], max_bytes: int,
                 drain_bytes: int = 256 * 1024 * 1024) -> None:
        self.app, self.max_bytes, self.drain_bytes = app, max_bytes, drain_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope.get("headers", [])).get(b"content-length", b"")
        if declared.isdigit() and int(declared) > self.max_bytes:
            await self._drain(receive, 0)
            await self._reject(send)
            return
        state = {"received": 0, "exceeded": False, "started": False}

        async def counted() -> Message:
            message = await receive()
            if message["type"] == "http.request":
                state["received"] += len(message.get("body", b""))
                if state["received"] > self.max_bytes:
                    state["exceeded"] = True
                    if message.get("more_body"):
                        await self._drain(receive, state["received"])
                    raise _TooLarge
            return message

        async def guarded(message: Message) -> None:
            if state["exceeded"]:
                return  # the application's own error answer is replaced by the 413
            if message["type"] == "http.response.start":
                state["started"] = True
            await send(message)

        try:
            await self.app(scope, counted, guarded)
        except Exception:
            if not state["exceeded"]:
                raise
        if state["exceeded"] and not state["started"]:
            await self._reject(send)

    async def _drain(self, receive: Receive, seen: int) -> None:
        while seen <= self.drain_bytes:
            message = await receive()
            if message["type"] != "http.request":
                return
            seen += len(message.get("body", b""))
            if not message.get("more_body"):
                return

    async def _reject(self, send: Send) -> None:
        limit = self.max_bytes / (1024 * 1024)
        body = json.dumps({"error": f"upload too large: the limit is {limit:g} MB",
                           "file": None}).encode()
        await send({"type": "http.response.start", "status": 413,
                    "headers": [(b"content-type", b"application/json"),
                                (b"content-length", str(len(body)).encode()),
                                (b"connection", b"close")]})
        await send({"type": "http.response.body", "body": body})


class Busy(Exception):
    """The work queue is full: answer 503 and ask the client to retry."""


class WorkQueue:
    """A bounded queue in front of a thread pool.

    ``reserve()`` takes a place or raises ``Busy``; the place is given back when the work
    itself ends, not when the client stops waiting, so a request that timed out still counts
    until its thread is free and the bound on work in memory holds.
    """

    def __init__(self, threads: int, waiting: int) -> None:
        self.executor = ThreadPoolExecutor(threads, thread_name_prefix="facemtl-inference")
        self.capacity = threads + waiting
        self.active = 0
        self._lock = threading.Lock()

    def reserve(self) -> None:
        with self._lock:
            if self.active >= self.capacity:
                raise Busy
            self.active += 1

    def release(self) -> None:
        with self._lock:
            self.active -= 1

    async def run(self, timeout: float, fn: Callable[..., T], *args: Any) -> T:
        """Run ``fn(*args)`` on a reserved place; the place is released when it ends.
        Raises ``TimeoutError`` after ``timeout`` seconds (the work may still be running)."""
        future: Future[T] = self.executor.submit(fn, *args)
        future.add_done_callback(lambda _: self.release())
        return await asyncio.wait_for(asyncio.wrap_future(future), timeout)

    async def step(self, fn: Callable[..., T], *args: Any) -> T:
        """One step of a longer job (a video's next frame) that holds its place itself."""
        return await asyncio.wrap_future(self.executor.submit(fn, *args))

    def shutdown(self) -> None:
        self.executor.shutdown(wait=False, cancel_futures=True)
