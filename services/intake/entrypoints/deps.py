"""What intake's routes take from the request: the app's context and the client's address.

The report API and the webhooks are intake's throughput path, so their handlers call `intake_context`
themselves instead of declaring it with `Depends`: FastAPI resolves every declared dependency on every
request, and these two routes take none. The other routes declare `Intake`."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from pidesk.services.intake.context import IntakeContext


def intake_context(request: Request) -> IntakeContext:
    """The context bootstrap.py built for this app (kept on `app.state`, read by module-level routers)."""
    context: IntakeContext = request.app.state.context
    return context


Intake = Annotated[IntakeContext, Depends(intake_context)]


def client_of(request: Request) -> str:
    """The client's address, as the rate limits count it (the proxy headers are resolved before)."""
    return request.client.host if request.client else "unknown"
