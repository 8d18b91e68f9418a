"""Kafka topic names from the public contract (docs/events.md, "Topics")."""

from typing import Final

INCIDENT_REPORTED: Final = "pidesk.incident.reported.v1"
INCIDENT_UPDATED: Final = "pidesk.incident.updated.v1"
INCIDENT_ASSESSED: Final = "pidesk.incident.assessed.v1"
ESCALATION_REQUESTED: Final = "pidesk.escalation.requested.v1"
NOTICE_REQUESTED: Final = "pidesk.notice.requested.v1"
NOTICE_ISSUED: Final = "pidesk.notice.issued.v1"
# added after v1 of the contract (add, never rename): a notice draft exists or changed
NOTICE_DRAFTED: Final = "pidesk.notice.drafted.v1"
# issue 17 (add, never rename): cases other than incidents, received by intake for escalation's desk
GOVERNMENT_REQUEST_RECEIVED: Final = "pidesk.government_request.received.v1"
COMPLAINT_RECEIVED: Final = "pidesk.complaint.received.v1"

ALL: Final = (
    INCIDENT_REPORTED,
    INCIDENT_UPDATED,
    INCIDENT_ASSESSED,
    ESCALATION_REQUESTED,
    NOTICE_REQUESTED,
    NOTICE_ISSUED,
    NOTICE_DRAFTED,
    GOVERNMENT_REQUEST_RECEIVED,
    COMPLAINT_RECEIVED,
)

DLQ_SUFFIX: Final = ".dlq"


def dead_letter_topic(topic: str) -> str:
    return f"{topic}{DLQ_SUFFIX}"


def is_dead_letter_topic(topic: str) -> bool:
    return topic.endswith(DLQ_SUFFIX)


def topic_for(event_type: str, schema_version: int) -> str:
    """`pidesk.incident.reported` version 1 travels on `pidesk.incident.reported.v1`."""
    return f"{event_type}.v{schema_version}"
