"""POST /v1/webhooks/{source}: authenticate, answer handshakes, map each alert, deduplicate."""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response

from pidesk.services.intake.context import IntakeContext
from pidesk.services.intake.entrypoints.http import ACCEPTED, accepted_response, client_of
from pidesk.services.intake.service.alerts import AlertReporter, receive_alert, submission_for
from pidesk.services.intake.service.deliveries import applied_delivery, delivery_key, remember_delivery
from pidesk.services.intake.webhooks.model import Handshake, UnreadablePayload, WebhookSource
from pidesk.services.intake.webhooks.signatures import SignatureRejected, verify_api_key, verify_pidesk
from pidesk.shared.http.body import require_json
from pidesk.shared.http.errors import ApiError
from pidesk.shared.http.json_limits import MAX_JSON_DEPTH, JsonTooDeep, loads_bounded
from pidesk.shared.http.openapi import documented
from pidesk.shared.vocabulary import ReportSource

MAX_RECORDS_PER_DELIVERY = 500  # one delivery may open at most this many incidents
# the vendor's own payload, exactly as it sends it (CONTRACT.md lists the formats); `generic`: ReportSubmission
VENDOR_PAYLOAD = {"anyOf": [{"type": "object"}, {"type": "array"}], "description": "the vendor's own payload"}
WEBHOOK_DOC = documented(
    body=VENDOR_PAYLOAD,
    errors=[400, 401, 404, 413, 415, 422, 429],
    auth=["pideskSignature", "pideskApiKey", "githubSignature", "nightfallSignature"],
    also={
        202: {"description": "A new incident", "content": {"application/json": {"schema": ACCEPTED}}},
        200: {
            "description": "An incident that already existed, or a vendor's handshake answered as it expects",
            "content": {
                "application/json": {"schema": {"type": "object"}},
                "text/plain": {"schema": {"type": "string"}},
            },
        },
    },
)


def webhook_router(context: IntakeContext, sources: dict[str, WebhookSource]) -> APIRouter:
    router = APIRouter(tags=["webhooks"])
    settings = context.settings
    reporter = AlertReporter(
        email=settings.webhook_reporter_email,
        division=settings.webhook_division,
        entity=settings.webhook_entity,
        entity_country=settings.webhook_entity_country,
    )

    @router.post("/v1/webhooks/{source_name}", status_code=202, **WEBHOOK_DOC)
    async def receive(source_name: str, request: Request) -> Response:
        source = sources.get(source_name)
        if source is None:
            raise ApiError(404, "unknown_source", f"no webhook source {source_name!r}", [{"known": sorted(sources)}])
        await context.webhook_rate.hit("webhook", source_name, client_of(request))
        secret = settings.webhook_secret(source_name)
        if secret is None:
            raise ApiError(401, "source_not_configured", f"webhooks from {source_name} are not enabled here")
        require_json(request)
        body = await request.body()
        headers = {k.lower(): v for k, v in request.headers.items()}
        if source.handshake_before_auth is not None:  # e.g. a vendor's unsigned URL verification
            early = source.handshake_before_auth(_decode_or_none(body), headers)
            if early is not None:
                return _handshake(early)
        try:
            api_key = settings.webhook_api_key(source_name) if source.verify is verify_pidesk else None
            if not (source.verify is verify_pidesk and verify_api_key(api_key, secret, headers)):
                source.verify(secret, headers, body, time.time())
        except SignatureRejected as exc:
            raise ApiError(401, exc.code, exc.message) from None
        payload = _decode(body)
        try:
            outcome = source.parse(payload, headers)
        except UnreadablePayload as exc:
            raise ApiError(422, "unreadable_payload", f"not a {source.display_name} payload: {exc}") from None
        if isinstance(outcome, Handshake):
            return _handshake(outcome)
        if not outcome:
            raise ApiError(422, "unreadable_payload", f"the {source.display_name} payload holds no alert")
        if len(outcome) > MAX_RECORDS_PER_DELIVERY:
            raise ApiError(
                413,
                "too_many_records",
                f"a delivery holds at most {MAX_RECORDS_PER_DELIVERY} alerts; this one holds {len(outcome)}",
            )
        submissions = []
        for alert in outcome:
            try:
                submissions.append((alert, submission_for(alert, source.display_name, reporter)))
            except ValueError as exc:
                raise ApiError(422, "unreadable_payload", f"alert {alert.alert_id} cannot be mapped: {exc}") from None
        delivery = delivery_key(source_name, source.delivery_id_header, headers)
        if delivery is not None and (applied := await applied_delivery(delivery, uow=context.uow())) is not None:
            return accepted_response(context, applied)  # a redelivery: already applied once
        results = await asyncio.gather(  # several records of one delivery go in one batch
            *(
                receive_alert(
                    ReportSource(source_name),
                    alert,
                    submission,
                    uow=context.uow(),
                    cipher=context.cipher,
                    batcher=context.batcher,
                    correlator=context.correlator,
                )
                for alert, submission in submissions
            )
        )
        if delivery is not None:
            await remember_delivery(delivery, results[0].incident_id, uow=context.uow())
        response = accepted_response(context, results[0])
        if len(results) > 1:  # several records in one delivery: the first answers, all are listed
            body_out = json.loads(bytes(response.body))
            body_out["incidents"] = [json.loads(bytes(accepted_response(context, r).body)) for r in results]
            return JSONResponse(body_out, status_code=202 if any(r.created for r in results) else 200)
        return response

    return router


def _decode(body: bytes) -> Any:
    try:
        return loads_bounded(body)
    except JsonTooDeep:
        raise ApiError(400, "json_too_deep", f"the JSON nests deeper than {MAX_JSON_DEPTH} levels") from None
    except (ValueError, UnicodeDecodeError):
        raise ApiError(400, "malformed_json", "the body is not valid JSON") from None


def _decode_or_none(body: bytes) -> Any:
    try:
        return loads_bounded(body)
    except (ValueError, UnicodeDecodeError):
        return None


def _handshake(answer: Handshake) -> Response:
    if answer.media_type == "application/json":
        return JSONResponse(answer.body, status_code=answer.status)
    return Response(answer.body, status_code=answer.status, media_type=answer.media_type)
