"""POST /v1/webhooks/{source}: authenticate, answer handshakes, map each alert, deduplicate."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Mapping
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response

from pidesk.services.intake.context import IntakeContext
from pidesk.services.intake.domain.report import ReportSubmission
from pidesk.services.intake.entrypoints.answers import AcceptedDelivery, HandshakeAnswer
from pidesk.services.intake.entrypoints.deps import client_of, intake_context
from pidesk.services.intake.entrypoints.http import accepted_body, accepted_response
from pidesk.services.intake.service.alerts import receive_alert, submission_for
from pidesk.services.intake.service.deliveries import applied_delivery, delivery_key, remember_delivery
from pidesk.services.intake.service.reports import ReportAccepted
from pidesk.services.intake.webhooks.model import Handshake, UnreadablePayload, VendorAlert, WebhookSource
from pidesk.services.intake.webhooks.signatures import SignatureRejected, verify_api_key, verify_pidesk
from pidesk.shared.http.body import require_json
from pidesk.shared.http.errors import ApiError
from pidesk.shared.http.json_limits import MAX_JSON_DEPTH, JsonTooDeep, loads_bounded
from pidesk.shared.http.openapi import documented
from pidesk.shared.vocabulary import ReportSource

MAX_RECORDS_PER_DELIVERY = 500  # one delivery may open at most this many incidents
# the vendor's own payload, exactly as it sends it (docs/webhooks.md lists the formats); `generic`: ReportSubmission
VENDOR_PAYLOAD = {"anyOf": [{"type": "object"}, {"type": "array"}], "description": "the vendor's own payload"}
WEBHOOK_DOC = documented(
    body=VENDOR_PAYLOAD,
    errors=[400, 401, 404, 413, 415, 422, 429],
    auth=["pideskSignature", "pideskApiKey", "githubSignature", "nightfallSignature"],
    also={
        202: {"model": AcceptedDelivery, "description": "A new incident"},
        200: {
            "model": AcceptedDelivery | HandshakeAnswer,
            "description": "An incident that already existed, or a vendor's handshake answered as it expects",
            "content": {"text/plain": {"schema": {"type": "string"}}},  # a URL verification's challenge
        },
    },
)

router = APIRouter(tags=["webhooks"])


@router.post("/v1/webhooks/{source_name}", status_code=202, response_model=None, **WEBHOOK_DOC)
async def receive(source_name: str, request: Request) -> Response:
    """The answer is built here and returned as is: the models in WEBHOOK_DOC only document it."""
    context = intake_context(request)  # not a declared dependency: this route is the hot path
    source = context.sources.get(source_name)
    if source is None:
        known = [{"known": sorted(context.sources)}]
        raise ApiError(404, "unknown_source", f"no webhook source {source_name!r}", known)
    await context.webhook_rate.hit("webhook", source_name, client_of(request))
    secret = context.settings.webhook_secret(source_name)
    if secret is None:
        raise ApiError(401, "source_not_configured", f"webhooks from {source_name} are not enabled here")
    require_json(request)
    body = await request.body()
    headers = {k.lower(): v for k, v in request.headers.items()}
    if source.handshake_before_auth is not None:  # e.g. a vendor's unsigned URL verification
        early = source.handshake_before_auth(_decode_or_none(body), headers)
        if early is not None:
            return _handshake(early)
    _authenticate(context, source_name, source, secret, headers, body)
    outcome = _parse(source, _decode(body), headers)
    if isinstance(outcome, Handshake):
        return _handshake(outcome)
    submissions = _submissions(context, source, outcome)
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
    return _delivery_response(context, results)


def _authenticate(
    context: IntakeContext,
    source_name: str,
    source: WebhookSource,
    secret: str,
    headers: Mapping[str, str],
    body: bytes,
) -> None:
    """The source's signature, or for pidesk's own format the source's API key where one is enabled."""
    try:
        api_key = context.settings.webhook_api_key(source_name) if source.verify is verify_pidesk else None
        if not (source.verify is verify_pidesk and verify_api_key(api_key, secret, headers)):
            source.verify(secret, headers, body, time.time())
    except SignatureRejected as exc:
        raise ApiError(401, exc.code, exc.message) from None


def _parse(source: WebhookSource, payload: Any, headers: Mapping[str, str]) -> Handshake | list[VendorAlert]:
    """The vendor's alerts (at least one, at most MAX_RECORDS_PER_DELIVERY), or a handshake to answer."""
    try:
        outcome = source.parse(payload, headers)
    except UnreadablePayload as exc:
        raise ApiError(422, "unreadable_payload", f"not a {source.display_name} payload: {exc}") from None
    if isinstance(outcome, Handshake):
        return outcome
    if not outcome:
        raise ApiError(422, "unreadable_payload", f"the {source.display_name} payload holds no alert")
    if len(outcome) > MAX_RECORDS_PER_DELIVERY:
        raise ApiError(
            413,
            "too_many_records",
            f"a delivery holds at most {MAX_RECORDS_PER_DELIVERY} alerts; this one holds {len(outcome)}",
        )
    return outcome


def _submissions(
    context: IntakeContext, source: WebhookSource, alerts: list[VendorAlert]
) -> list[tuple[VendorAlert, ReportSubmission]]:
    """Each alert with the report it stands for; one that cannot be mapped refuses the whole delivery."""
    submissions = []
    for alert in alerts:
        try:
            submissions.append((alert, submission_for(alert, source.display_name, context.reporter)))
        except ValueError as exc:
            raise ApiError(422, "unreadable_payload", f"alert {alert.alert_id} cannot be mapped: {exc}") from None
    return submissions


def _delivery_response(context: IntakeContext, results: list[ReportAccepted]) -> JSONResponse:
    """The first alert's incident answers; when the delivery held several, all of them are listed."""
    if len(results) == 1:
        return accepted_response(context, results[0])
    body = accepted_body(context, results[0])
    body["incidents"] = [accepted_body(context, result) for result in results]
    return JSONResponse(body, status_code=202 if any(r.created for r in results) else 200)


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
