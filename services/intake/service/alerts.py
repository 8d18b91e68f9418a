"""Use case: a vendor alert becomes an incident once; a later delivery with changed facts updates it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.exc import IntegrityError

from pidesk.services.intake.adapters.cipher import FieldCipher
from pidesk.services.intake.adapters.orm import Report
from pidesk.services.intake.adapters.repository import IntakeUnitOfWork
from pidesk.services.intake.domain.correlation import AlertKeys, group_key
from pidesk.services.intake.domain.report import ReportSubmission
from pidesk.services.intake.service.correlation import AlertCorrelator
from pidesk.services.intake.service.report_batches import ReportBatcher
from pidesk.services.intake.service.reports import (
    PRODUCER,
    AlertAlreadyKnown,
    BatchNotWritten,
    ReportAccepted,
    SubmitReport,
    create_report,
)
from pidesk.services.intake.webhooks.common import without_nul
from pidesk.services.intake.webhooks.model import VendorAlert
from pidesk.shared.db.base import utcnow
from pidesk.shared.events import MAX_ASSETS, REPORT_FACTS, AlertRecord, AssetRef, IncidentUpdated, asset_values
from pidesk.shared.vocabulary import ReportSource


@dataclass(frozen=True)
class AlertReporter:
    """Who stands as reporter of an incident a DLP tool raised."""

    email: str
    division: str
    entity: str
    entity_country: str


RECEIPT_TIME_NOTE = (
    "The alert carried no usable time of detection: the time intake received it ({received}) is taken as "
    "the time of awareness."
)


def submission_for(
    alert: VendorAlert, display_name: str, reporter: AlertReporter, received_at: datetime | None = None
) -> ReportSubmission:
    """The report a vendor alert stands for. An alert without a usable time is still accepted: the
    receipt time stands for the time of awareness, and the description says so (it is on the timeline)."""
    if alert.report is not None:
        return alert.report
    aware_at, summary = alert.aware_at, alert.summary
    if aware_at is None:
        aware_at = received_at or utcnow()
        note = RECEIPT_TIME_NOTE.format(received=aware_at.isoformat(timespec="seconds"))
        summary = f"{summary[: 20_000 - len(note) - 2]}\n\n{note}"
    return ReportSubmission.model_validate(
        {
            "reporter": {
                "name": f"{display_name} (automated alert)",
                "email": reporter.email,
                "division": reporter.division,
                "entity": reporter.entity,
                "entity_country": reporter.entity_country,
            },
            "title": without_nul(alert.title[:300]),
            "description": without_nul(summary[:20_000]),
            "incident_kind": alert.incident_kind,
            "aware_at": aware_at,
            "data_categories": alert.data_categories,
            "affected_count": alert.affected_count,
            "publicly_viewable": alert.publicly_viewable,
            "malicious": alert.malicious,
            "recovered_before_access": alert.recovered_before_access,
            "assets": [a if isinstance(a, AssetRef) else without_nul(a[:200]) for a in alert.assets[:MAX_ASSETS]],
        }
    )


def alert_record(
    source: ReportSource, alert: VendorAlert, submission: ReportSubmission, received_at: datetime
) -> AlertRecord:
    """The alert as escalation keeps it in the incident's group: keys, counts, never content."""
    return AlertRecord(
        source=source,
        alert_id=alert.alert_id,
        received_at=received_at,
        aware_at=submission.aware_at,
        rule=_clip(alert.rule, 300),
        asset=_clip(alert.asset or next((a for a in submission.assets if isinstance(a, str)), None), 500),
        actor=_clip(alert.actor, 300),
        detections={without_nul(name[:200]): count for name, count in alert.detections.items() if count >= 0},
        data_categories=submission.data_categories,
        affected_count=submission.affected_count,
        vendor_state=_clip(alert.vendor_state, 30),
    )


def _clip(value: str | None, limit: int) -> str | None:
    value = without_nul(value or "").strip()
    return value[:limit] or None


async def receive_alert(
    source: ReportSource,
    alert: VendorAlert,
    submission: ReportSubmission,
    *,
    uow: IntakeUnitOfWork,
    cipher: FieldCipher,
    clock: Callable[[], datetime] = utcnow,
    batcher: ReportBatcher | None = None,
    correlator: AlertCorrelator | None = None,
) -> ReportAccepted:
    """202-worthy (created) when an alert opens an incident; its group's incident when it joins one
    (`grouped`); the existing incident when the alert id was seen before."""
    record = alert_record(source, alert, submission, clock())
    command = SubmitReport(submission=submission, source=source, source_alert_id=alert.alert_id, alert=record)
    key = None
    if correlator is not None:
        keys = AlertKeys(rule=record.rule, asset=record.asset, actor=record.actor)
        key = group_key(correlator.policy.grouping(source), source, keys)
    if key is not None and correlator is not None:
        try:
            return await correlator.submit(command, key, alert.vendor_state)
        except AlertAlreadyKnown:
            known = await _update_known(source, alert, submission, uow=uow, clock=clock)
            if known is not None:
                return known
        except BatchNotWritten:
            pass
    elif batcher is not None:  # a storm is mostly new alerts: try the insert first, in the next batch
        try:
            return await batcher.submit(command, alert.vendor_state)
        except AlertAlreadyKnown:
            known = await _update_known(source, alert, submission, uow=uow, clock=clock)
            if known is not None:
                return known
        except BatchNotWritten:
            pass
    known = await _update_known(source, alert, submission, uow=uow, clock=clock)
    if known is not None:
        return known
    try:
        return await create_report(command, uow=uow, cipher=cipher, clock=clock, vendor_state=alert.vendor_state)
    except IntegrityError:  # the same alert arrived concurrently and won
        known = await _update_known(source, alert, submission, uow=uow, clock=clock)
        if known is None:
            raise
        return known


async def _update_known(
    source: ReportSource,
    alert: VendorAlert,
    submission: ReportSubmission,
    *,
    uow: IntakeUnitOfWork,
    clock: Callable[[], datetime],
) -> ReportAccepted | None:
    async with uow:
        reports = uow.reports
        report = await reports.by_source_alert(source.value, alert.alert_id)
        grouped = None
        if report is None:  # an alert that joined a group after its first: the group's incident
            grouped = await reports.grouped_alert(source.value, alert.alert_id)
            report = await reports.get(grouped[1]) if grouped is not None else None
        if report is None:
            return None
        changes = changed_facts(report, submission)
        known_state = grouped[0].vendor_state if grouped is not None else report.vendor_state
        state_changed = alert.vendor_state is not None and alert.vendor_state != known_state
        if changes or state_changed:
            now = clock()
            for name, value in changes.items():
                setattr(report, name, value)
            if grouped is not None:
                grouped[0].vendor_state = alert.vendor_state or grouped[0].vendor_state
            else:
                report.vendor_state = alert.vendor_state or report.vendor_state
            report.last_alert_at = now
            event = IncidentUpdated(
                reference=report.reference,
                source=source,
                source_alert_id=alert.alert_id,
                reason="vendor_update",
                changes=changes,
                vendor_state=alert.vendor_state,
                updated_at=now,
                updated_by=f"webhook:{source.value}",
                alerts=[alert_record(source, alert, submission, now)],
            )
            reports.publish(event.envelope(incident_id=report.id, producer=PRODUCER, occurred_at=now))
            await uow.commit()
        return ReportAccepted(report.id, report.reference, report.received_at, created=False)


def changed_facts(report: Report, update: ReportSubmission) -> dict[str, Any]:
    """Facts a later delivery adds. Knowledge only grows: categories are united, counts never shrink,
    and an exposure once seen stays seen (a vendor's partial re-send must not lower the risk)."""
    stored: dict[str, Any] = {name: getattr(report, name) for name in REPORT_FACTS}
    new = update.model_dump(mode="json", include=set(REPORT_FACTS))
    changes: dict[str, Any] = {}
    categories = list(dict.fromkeys([*stored["data_categories"], *new["data_categories"]]))
    if categories != stored["data_categories"]:
        changes["data_categories"] = categories
    if new["affected_count"] is not None and (stored["affected_count"] or 0) < new["affected_count"]:
        changes["affected_count"] = new["affected_count"]
    regions = dict(stored["subject_regions"])
    for region, count in new["subject_regions"].items():
        if count > regions.get(region, -1):
            regions[region] = count
    if regions != stored["subject_regions"]:
        changes["subject_regions"] = regions
    for flag in ("publicly_viewable",):
        if new[flag] and not stored[flag]:
            changes[flag] = True
    if new["malicious"] is True and stored["malicious"] is not True:
        changes["malicious"] = True
    assets = asset_values([*stored["assets"], *new["assets"]])[:MAX_ASSETS]
    if assets != stored["assets"]:
        changes["assets"] = assets
    return changes
