"""The live stream (`/desk/events`): tells an open page that the board, or its incident, has changed.

The page then fetches what it shows again. The stream polls a change mark once a second and ends once
the session has (signed out, expired or idle), so a signed-out browser stops hearing about incidents.
"""

from __future__ import annotations

import asyncio
import hashlib
import uuid
from collections.abc import AsyncIterator

from fastapi import APIRouter, Request
from fastapi.responses import Response, StreamingResponse

from pidesk.services.escalation.context import EscalationContext
from pidesk.services.escalation.dashboard import streams
from pidesk.services.escalation.dashboard.deps import Streams
from pidesk.services.escalation.dashboard.pages import SIGN_IN, Page
from pidesk.services.escalation.entrypoints.deps import SESSION_COOKIE, Ctx
from pidesk.services.escalation.service import accounts
from pidesk.services.escalation.views import dashboard as views
from pidesk.shared.db.base import utcnow
from pidesk.shared.http.errors import ApiError
from pidesk.shared.http.openapi import documented

EVENTS_POLL_SECONDS = 1.0
HEARTBEAT_SECONDS = 15.0

router = APIRouter(tags=["dashboard"])


@router.get(
    "/desk/events",
    **documented(produces="text/event-stream", errors=[422, 429], auth=["session"], also=SIGN_IN),
)
async def events(page: Page, context: Ctx, live_streams: Streams, incident: uuid.UUID | None = None) -> Response:
    """`changed` whenever the board (or, given `incident`, that incident) changes; `signed-out`, and
    the end of the stream, once the session has ended (signed out, expired or idle)."""
    request = page.request
    await page.signed_in()
    cookie = request.cookies.get(SESSION_COOKIE, "")
    slot = live_streams.acquire(hashlib.sha256(cookie.encode()).hexdigest())
    if slot is None:
        raise ApiError(
            429,
            "too_many_streams",
            f"too many live streams (at most {streams.MAX_STREAMS_PER_SESSION} a session); retry later",
            headers={"Retry-After": "30"},
        )

    async def stream() -> AsyncIterator[bytes]:
        try:
            yield b"retry: 2000\n\n"
            async for chunk in _changes(request, context, incident, cookie):
                yield chunk
        finally:
            slot.release()

    body = stream()
    slot.bind(body)
    headers = {"Cache-Control": "no-store", "X-Accel-Buffering": "no"}
    return StreamingResponse(body, media_type="text/event-stream", headers=headers)


async def _changes(
    request: Request, context: EscalationContext, incident: uuid.UUID | None, cookie: str
) -> AsyncIterator[bytes]:
    """The stream's events after its first line, until the client goes or the session ends."""
    last, quiet = None, 0.0
    while not await request.is_disconnected():
        async with context.sessions() as session:
            if not await accounts.still_signed_in(session, cookie, utcnow()):
                yield b"event: signed-out\ndata: \n\n"
                return
        async with context.sessions() as session:
            version = await views.change_mark(session, incident)
        if version != last:
            if last is not None:
                yield f"event: changed\ndata: {version}\n\n".encode()
            last, quiet = version, 0.0
        elif quiet >= HEARTBEAT_SECONDS:
            yield b": keep-alive\n\n"
            quiet = 0.0
        await asyncio.sleep(EVENTS_POLL_SECONDS)
        quiet += EVENTS_POLL_SECONDS
