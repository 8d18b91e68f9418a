"""`github`: secret scanning alert webhooks (`X-GitHub-Event: secret_scanning_alert`), signed with
`X-Hub-Signature-256`. A leaked secret is a credential: every secret type maps to `credentials`.

The alert is keyed by repository id (an int64, kept exact) and alert number; `created`, `reopened`,
`resolved`, `revoked`, `validated` and `publicly_leaked` move its state. `ping` is answered; other
events are acknowledged and ignored. GitHub signs without a timestamp: replays are made harmless by
the alert deduplication and by `X-GitHub-Delivery` (a redelivery is answered and changes nothing)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from pidesk.services.intake.webhooks.common import (
    Fallbacks,
    actor_key,
    as_id,
    asset_key,
    dig,
    optional_time,
    rule_key,
    typed_asset,
    with_asset,
)
from pidesk.services.intake.webhooks.model import Handshake, UnreadablePayload, VendorAlert, WebhookSource
from pidesk.services.intake.webhooks.signatures import verify_github
from pidesk.shared.vocabulary import AssetType, DataCategory, IncidentKind

STATES = {
    "created": "open",
    "reopened": "reopened",
    "resolved": "resolved",
    "revoked": "resolved",
    "validated": "open",
    "publicly_leaked": "open",
}


def _actor(payload: dict[str, Any], alert: dict[str, Any], action: str) -> str | None:
    """Who put the secret there: the pusher who bypassed push protection, or the sender of the event
    that created the alert. The sender of a later event (resolved, reopened…) is whoever triaged it."""
    return actor_key(
        dig(alert, "push_protection_bypassed_by", "login"),
        dig(payload, "sender", "login") if action == "created" else None,
    )


ALERT_URL_NUMBER = re.compile(r"/secret-scanning(?:/alerts)?/(\d+)/?$")


def _number(alert: dict[str, Any], fallbacks: Fallbacks) -> str:
    """`alert.number`; GitHub's schema marks every alert field optional, so without it the number at
    the end of the alert's `html_url` or `url` stands in. Nothing to number the alert by → refused."""
    if alert.get("number") not in (None, ""):
        return as_id(alert.get("number"), "alert.number")
    for field in ("html_url", "url"):
        if isinstance(alert.get(field), str) and (match := ALERT_URL_NUMBER.search(alert[field].strip())):
            fallbacks.note("alert.number", f"absent: read from alert.{field}")
            return match[1]
    raise UnreadablePayload("alert.number is missing (and no alert url names it)")


def _visibility(repository: dict[str, Any], fallbacks: Fallbacks) -> str | None:
    """`public` or `private` (internal repositories are private to the enterprise), from the required
    `private` flag, else the optional `visibility`; unknown is not taken as public."""
    private = repository.get("private")
    if isinstance(private, bool):
        return "private" if private else "public"
    visibility = str(repository.get("visibility") or "").strip().lower()
    if visibility in {"public", "private", "internal"}:
        fallbacks.note("repository.private", f"absent: visibility {visibility!r} read instead")
        return "public" if visibility == "public" else "private"
    fallbacks.note("repository.private", "absent or not a boolean: visibility unknown, not taken as public")
    return None


def parse(payload: Any, headers: Mapping[str, str]) -> list[VendorAlert] | Handshake:
    event = headers.get("x-github-event", "secret_scanning_alert").strip().lower()
    if event == "ping":
        return Handshake(body={"status": "pong", "zen": dig(payload, "zen")})
    if event != "secret_scanning_alert":
        return Handshake(body={"status": "ignored", "event": event})
    alert = dig(payload, "alert")
    repository = dig(payload, "repository")
    if not isinstance(alert, dict) or not isinstance(repository, dict):
        raise UnreadablePayload("a secret_scanning_alert event needs alert and repository")
    action = str(payload.get("action", "")).strip().lower()
    if action not in STATES:  # assigned, unassigned: nothing the desk must know
        return Handshake(body={"status": "ignored", "action": action})
    secret_type = alert.get("secret_type_display_name") or alert.get("secret_type") or "secret"
    name = repository.get("full_name") or repository.get("name") or "repository"
    fallbacks = Fallbacks()
    visibility = _visibility(repository, fallbacks)
    public = alert.get("publicly_leaked") is True or visibility == "public"
    resolution = alert.get("resolution")
    asset = asset_key(repository.get("full_name"))
    number = _number(alert, fallbacks)
    if rule_key(alert.get("secret_type"), alert.get("secret_type_display_name")) is None:
        fallbacks.note("alert.secret_type", "absent: the secret's type unknown, no correlation rule")
    return [
        VendorAlert(
            alert_id=f"{as_id(repository.get('id'), 'repository.id')}:{number}",
            incident_kind=IncidentKind.PUBLIC_EXPOSURE if public else IncidentKind.OTHER,
            data_categories=[DataCategory.CREDENTIALS],
            aware_at=optional_time(alert.get("created_at"), "alert.created_at"),
            title=f"GitHub secret scanning: {secret_type} in {name}",
            summary=fallbacks.summary(
                f"GitHub secret scanning alert #{number} in {name} "
                f"({visibility or 'unknown visibility'} repository): {secret_type} "
                f"({alert.get('secret_type')}); action {action}; validity {alert.get('validity') or 'unknown'}; "
                f"publicly leaked: {bool(alert.get('publicly_leaked'))}; push protection bypassed: "
                f"{bool(alert.get('push_protection_bypassed'))}"
                f"{f'; resolution: {resolution}' if resolution else ''}; {alert.get('html_url') or ''}"
            ),
            publicly_viewable=public,
            assets=with_asset([str(name)], asset, typed_asset(AssetType.GITHUB, repository.get("full_name"))),
            vendor_state=STATES[action],
            rule=rule_key(alert.get("secret_type"), alert.get("secret_type_display_name")),
            asset=asset,
            actor=_actor(payload, alert, action),
        )
    ]


SOURCE = WebhookSource(
    name="github",
    display_name="GitHub",
    verify=verify_github,
    parse=parse,
    delivery_id_header="x-github-delivery",
)
