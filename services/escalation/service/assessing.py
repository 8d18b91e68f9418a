"""Use case step: (re-)assess an incident from its current facts, keep the history, announce it.

Runs inside the transaction of whatever changed the facts (a reported or updated event, new facts
from the desk). Obligations already done stay done; ones no longer required become `withdrawn`."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pidesk.services.escalation.adapters.orm import AssessmentRecord, Incident, ObligationRecord, TimelineEntry
from pidesk.services.escalation.adapters.repository import IncidentStore
from pidesk.services.escalation.domain.alert_groups import GROUP_FACTS
from pidesk.services.escalation.domain.assessment import Assessment, assess
from pidesk.services.escalation.domain.closing import as_of_close
from pidesk.services.escalation.domain.directory import Directory
from pidesk.services.escalation.domain.facts import IncidentFacts
from pidesk.services.escalation.domain.follow_ups import opened_by_filing
from pidesk.services.escalation.domain.ledger_facts import LedgerFill, fill
from pidesk.shared.events import IncidentAssessed, ObligationRef

PRODUCER = "escalation"
PENDING, DONE, WITHDRAWN = "pending", "done", "withdrawn"


def ledger_fill(incident: Incident) -> LedgerFill:
    """The incident's facts with what they lack filled from its best matched ledger entry (docs/rules.md §1c)."""
    return fill(incident.facts, incident.ledger, source=incident.source)


def facts_of(incident: Incident, directory: Directory | None = None, filled: LedgerFill | None = None) -> IncidentFacts:
    """The incident's facts (`filled`: as the ledger fills them), with the directory attributes of the
    reporting entity — of the holding's owner, when the ledger names it (docs/rules.md §2b) — when known."""
    filled = filled or ledger_fill(incident)
    owner = directory.find(filled.owner[0]) if directory and filled.owner else None
    entity = owner or (directory.find(incident.reporter.get("entity", "")) if directory else None)
    return IncidentFacts.from_report(
        filled.facts,
        owner.country if owner else incident.reporter.get("entity_country", "JP"),
        pmark=entity.pmark if entity else None,
        cn_cac_deadline_h=entity.cn_cac_deadline_h if entity else None,
    )


def _sync_obligations(incident: Incident, result: Assessment, *, duties: bool = True) -> dict[str, list[str]]:
    current = {o.code: o for o in incident.obligations}
    wanted = {o.code: o for o in as_of_close(result.obligations, incident.closed_at)} if duties else {}
    added, withdrawn, rescheduled = [], [], []
    for code, obligation in wanted.items():
        record = current.get(code)
        if record is None:
            incident.obligations.append(
                ObligationRecord(
                    code=code,
                    regime=obligation.regime,
                    duty=obligation.duty.value,
                    due_at=obligation.due_at,
                    target_at=obligation.target_at,
                    basis=obligation.basis,
                    status=PENDING,
                )
            )
            added.append(code)
        elif record.status != DONE:
            if record.status == WITHDRAWN:
                added.append(code)
            elif record.due_at != obligation.due_at:
                rescheduled.append(code)
            record.status = PENDING
            record.due_at, record.target_at, record.basis = obligation.due_at, obligation.target_at, obligation.basis
    for code, record in current.items():
        if code not in wanted and record.status == PENDING and not (duties and opened_by_filing(code)):
            record.status = WITHDRAWN
            withdrawn.append(code)
    return {"obligations_added": added, "obligations_withdrawn": withdrawn, "obligations_rescheduled": rescheduled}


def reassess(
    store: IncidentStore,
    incident: Incident,
    *,
    reason: str,
    by: str,
    now: datetime,
    duties: bool = True,
    directory: Directory | None = None,
) -> Assessment:
    """`duties=False`: the incident was merged into another, which carries its duties from now on:
    it is assessed as ever, and every obligation not done is withdrawn here. The rules are those in
    force at the incident's awareness time (domain/rulebook.py), whenever it is re-assessed."""
    filled = ledger_fill(incident)
    result = assess(facts_of(incident, directory, filled))
    summary = result.summary()
    if incident.ledger is not None:
        # the facts the ledger filled, each with its entry and version; the owner routes (docs/rules.md §1c)
        summary["ledger"] = filled.summary(incident.ledger)
        summary["explanation"] = [*summary["explanation"], *filled.explanation()]
        owner = filled.owner or (
            incident.reporter.get("entity", incident.entity),
            incident.reporter.get("division", incident.division),
        )
        incident.entity, incident.division = owner
    previous: dict[str, Any] = incident.assessment or {}
    changes: dict[str, Any] = {k: v for k, v in _sync_obligations(incident, result, duties=duties).items() if v}
    if previous and previous.get("rules_version") != summary["rules_version"]:
        # the rules in force at T0 changed (a new aware_at, or an assessment made before versions were kept)
        changes["rules_version"] = {"from": previous.get("rules_version"), "to": summary["rules_version"]}
    if previous.get("risk_level") != summary["risk_level"]:
        changes["risk_level"] = {"from": previous.get("risk_level"), "to": summary["risk_level"]}
    new_triggers = sorted(set(summary["legal_triggers"]) - set(previous.get("legal_triggers", [])))
    if new_triggers:
        changes["legal_triggers_added"] = new_triggers
    incident.assessment_version += 1
    incident.assessment = summary
    incident.risk_level = summary["risk_level"]
    obligations = [
        {
            "code": o.code,
            "due_at": o.due_at.isoformat(),
            "target_at": o.target_at.isoformat() if o.target_at else None,
            "status": o.status,
            "basis": o.basis,
        }
        for o in incident.obligations
    ]
    store.add(
        AssessmentRecord(
            incident=incident,
            version=incident.assessment_version,
            assessed_at=now,
            reason=reason,
            risk_level=summary["risk_level"],
            summary=summary,
            obligations=obligations,
            facts=dict(incident.facts),
            changes=changes,
        )
    )
    incident.timeline.append(
        TimelineEntry(
            at=now,
            kind="assessed",
            by=by,
            detail={
                "version": incident.assessment_version,
                "reason": reason,
                "risk_level": summary["risk_level"],
                "rules_version": summary["rules_version"],
                "changes": changes,
            },
        )
    )
    event = IncidentAssessed(
        reference=incident.reference,
        version=incident.assessment_version,
        reason=reason,
        risk_level=summary["risk_level"],
        severity_score=summary["severity_score"],
        enisa=summary["enisa"],
        legal_triggers=summary["legal_triggers"],
        obligations=[ObligationRef(**o) for o in obligations],
        assessed_at=now,
        facts={name: filled.facts.get(name) for name in GROUP_FACTS if name in filled.facts},
        rules_version=summary["rules_version"],
    )
    store.publish(event.envelope(incident_id=incident.id, producer=PRODUCER, occurred_at=now))
    return result
