"""The desk API routes (every call authenticated)."""

import uuid
from typing import Any

from fastapi import APIRouter

from pidesk.services.escalation.adapters.repository import IncidentRepository
from pidesk.services.escalation.context import EscalationContext
from pidesk.services.escalation.entrypoints.deps import Reader
from pidesk.services.escalation.entrypoints.views import incident_detail
from pidesk.shared.http.errors import ApiError


def desk_router(context: EscalationContext) -> APIRouter:
    router = APIRouter(tags=["desk"])

    @router.get("/v1/incidents/{incident_id}")
    async def get_incident(incident_id: uuid.UUID, _principal: Reader) -> dict[str, Any]:
        async with context.uow() as uow:
            incident = await IncidentRepository(uow.session).get(incident_id)
            if incident is None:
                raise ApiError(404, "not_found", "no incident with this id")
            return incident_detail(incident)

    return router
