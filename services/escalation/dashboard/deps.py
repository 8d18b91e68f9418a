"""What the dashboard's routers take from the app (bootstrap.py sets it on `app.state`)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from pidesk.services.escalation.dashboard.streams import EventStreams
from pidesk.shared.http.csrf import CsrfProtector
from pidesk.shared.http.ratelimit import RateLimits


def csrf_protector(request: Request) -> CsrfProtector:
    """The sign-in form's CSRF protection (the form comes before there is a session)."""
    csrf: CsrfProtector = request.app.state.csrf
    return csrf


def rate_limits(request: Request) -> RateLimits:
    """This process's rate-limit counts, shared with the other processes."""
    rates: RateLimits = request.app.state.rate_limits
    return rates


def event_streams(request: Request) -> EventStreams:
    """The app's open live streams, counted per app (made with the first stream)."""
    state = request.app.state
    streams: EventStreams | None = getattr(state, "event_streams", None)
    if streams is None:
        streams = state.event_streams = EventStreams()
    return streams


Csrf = Annotated[CsrfProtector, Depends(csrf_protector)]
Rates = Annotated[RateLimits, Depends(rate_limits)]
Streams = Annotated[EventStreams, Depends(event_streams)]
