"""`code42`: Code42 Incydr alerts (the alert object of the Incydr alerts API, as Incydr Flows or a
SOAR forwarder posts it; one object, an array, or {"alerts": [...]}).

Incydr watches files leaving (removable media, cloud shares, uploads); it does not read their content,
so the data categories are `other` and the count is unknown — file counts are not people. Observation
`data` arrives as a JSON string and is decoded. Authenticated with our X-Pidesk headers."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pidesk.services.intake.webhooks.common import (
    Fallbacks,
    actor_key,
    as_id,
    as_list,
    asset_key,
    dig,
    optional_time,
    rule_key,
    text_or_none,
    typed_asset,
    with_asset,
)
from pidesk.services.intake.webhooks.model import UnreadablePayload, VendorAlert, WebhookSource
from pidesk.services.intake.webhooks.signatures import verify_pidesk
from pidesk.shared.http.json_limits import loads_bounded
from pidesk.shared.vocabulary import AssetType, DataCategory, IncidentKind

PUBLIC_EXPOSURES = {"ispublic", "publiclinkshare", "publicsearchableshare", "publicsharedvialink"}
SHARED_EXPOSURES = {"sharedvialink", "outsidetrusteddomains", "sharedtotrusteddomain", "ispublic"}


def _observations(alert: dict[str, Any], fallbacks: Fallbacks) -> list[dict[str, Any]]:
    decoded = []
    for observation in fallbacks.objects(alert, "observations"):
        data = observation.get("data")
        if isinstance(data, str):
            try:
                data = loads_bounded(data)
            except ValueError:
                data = None
        if isinstance(data, dict):
            decoded.append(data)
        elif data is not None:
            fallbacks.note("observations[].data", "unreadable: exposure unknown")
    return decoded


def _exposures(observations: list[dict[str, Any]]) -> set[str]:
    return {
        str(e).replace("_", "").lower()
        for o in observations
        for e in as_list(o.get("exposureTypes"))
        if isinstance(e, str)
    }


def _source(observations: list[dict[str, Any]]) -> str | None:
    """Where the files left from, as Incydr names it: the cloud service of a share (`OneDrive`,
    `GoogleDrive`, `Box`…) or `Endpoint`; an alert names no device. The first source observed."""
    return asset_key(*(s for o in observations for s in as_list(o.get("sources"))))


def _kind(alert: dict[str, Any], exposures: set[str]) -> tuple[IncidentKind, bool]:
    if exposures & PUBLIC_EXPOSURES:
        return IncidentKind.PUBLIC_EXPOSURE, True
    if str(alert.get("type", "")).upper() == "FED_CLOUD_SHARE_PERMISSIONS" or exposures & SHARED_EXPOSURES:
        return IncidentKind.UNAUTHORIZED_PROVISION, False
    return IncidentKind.INSIDER_TAKEOUT, False


def parse(payload: Any, headers: Mapping[str, str]) -> list[VendorAlert]:
    if isinstance(payload, dict) and isinstance(payload.get("alerts"), list):
        items = payload["alerts"]
    else:
        items = payload if isinstance(payload, list) else [payload]
    alerts = []
    for alert in items:
        if not isinstance(alert, dict) or "id" not in alert:
            raise UnreadablePayload("an Incydr alert needs an id")
        fallbacks = Fallbacks()
        observations = _observations(alert, fallbacks)
        if not observations:
            fallbacks.note("observations", "none readable: exposure unknown, taken as files leaving")
        exposures = _exposures(observations)
        kind, public = _kind(alert, exposures)
        departing = any(
            str(dig(w, "type", default="")).upper() == "DEPARTING_EMPLOYEE"
            for w in fallbacks.objects(alert, "watchlists")
        )
        files = sum(int(o.get("fileCount") or 0) for o in observations if isinstance(o.get("fileCount"), int))
        tenant = text_or_none(alert.get("tenantId"))
        alert_id = as_id(alert.get("id"), "id")
        source = _source(observations)
        alerts.append(
            VendorAlert(
                alert_id=f"{tenant}:{alert_id}" if tenant else alert_id,
                incident_kind=kind,
                data_categories=[DataCategory.OTHER],
                aware_at=optional_time(alert.get("createdAt"), "createdAt"),
                title=f"Code42 Incydr: {alert.get('name') or alert.get('type')} — {alert.get('actor')}",
                summary=fallbacks.summary(
                    f"Incydr alert {alert_id} ({alert.get('type')}), rule {alert.get('name')!r}; actor "
                    f"{alert.get('actor')}; risk severity {alert.get('riskSeverity') or alert.get('severity')}; "
                    f"exposure: {', '.join(sorted(exposures)) or 'unknown'}; files observed: {files or 'unknown'}"
                    f"{'; actor is on the departing-employee watchlist' if departing else ''}."
                ),
                publicly_viewable=public,
                malicious=True if departing and kind is IncidentKind.INSIDER_TAKEOUT else None,
                assets=with_asset(
                    [str(alert["actor"])] if alert.get("actor") else [],
                    source,
                    # the cloud service the files left from (an endpoint is a device, not a holding)
                    typed_asset(AssetType.APP, source) if (source or "").lower() != "endpoint" else None,
                ),
                vendor_state=(text_or_none(alert.get("state")) or "").lower() or None,
                rule=rule_key(alert.get("name"), alert.get("ruleId"), alert.get("type")),  # name: the rule's name
                asset=source,
                actor=actor_key(alert.get("actor")),
            )
        )
    if not alerts:
        raise UnreadablePayload("no alert in the delivery")
    return alerts


SOURCE = WebhookSource(name="code42", display_name="Code42 Incydr", verify=verify_pidesk, parse=parse)
