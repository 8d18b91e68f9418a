"""The DLP storm's alerts (bench/scenarios/storm.py): real vendor payloads, signed as each vendor signs.

Each alert is one of the vendor payloads the webhook tests post (tests/fixtures/webhooks/, signed by
tests/support/webhooks.py; the `generic` body from tests/unit/factories.report_body), with its ids,
times and the fields that differ from alert to alert of a real storm changed, so every alert has a
vendor alert id of its own. The mix, interleaved in every 20 alerts:

- 12 (60 %) `ms-purview`: one misfiring Exchange DLP rule ("Card or SSN to external recipients",
  DLP.All `DlpRuleMatch` records) over many senders (SENDERS mailboxes, a few card numbers each);
- 5 (25 %) `aws-macie`: one sensitive-data discovery job over one bucket's objects (a `Macie Finding`
  EventBridge event per object, `SensitiveData:S3Object/Multiple`);
- 2 (10 %) `github`: a secret-scanning backfill (`secret_scanning_alert` created) over REPOSITORIES
  repositories, two secret types;
- 1 (5 %) `generic`: distinct low-risk alerts of a mail gateway, each on an asset of its own.

Alert n of a storm is a pure function of (run, n): the bench recomputes the source and alert id of
every answer from its index. Times are "now" when the alert is built (they are sent as built).
"""

from __future__ import annotations

import copy
import hashlib
import json
import uuid
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from functools import cache
from typing import Any, NamedTuple

MIX: tuple[tuple[str, int], ...] = (("ms-purview", 12), ("aws-macie", 5), ("github", 2), ("generic", 1))
SOURCES = tuple(source for source, _ in MIX)
SENDERS = 500  # Purview: mailboxes the misfiring rule matches mail of
BUCKET = "acme-crm-exports-apne1"  # Macie: the one bucket the job scans
REPOSITORIES = 8  # GitHub: repositories of the backfill
SECRET_TYPES = (
    ("github_personal_access_token", "GitHub Personal Access Token", "GitHub", "github"),
    ("aws_access_key_id", "Amazon AWS Access Key ID", "Amazon AWS", "aws"),
)
GITHUB_REPOSITORY_ID = 9007199254745501  # the fixture's; the backfill's repositories follow it


def _pattern() -> tuple[str, ...]:
    """The sources of 20 consecutive alerts, spread evenly by their weights (smooth weighted round robin)."""
    total = sum(weight for _, weight in MIX)
    current = dict.fromkeys(SOURCES, 0)
    order = []
    for _ in range(total):
        for source, weight in MIX:
            current[source] += weight
        chosen = max(SOURCES, key=lambda s: current[s])
        current[chosen] -= total
        order.append(chosen)
    return tuple(order)


PATTERN = _pattern()
PER_PATTERN = {source: PATTERN.count(source) for source in SOURCES}


def source_of(n: int) -> tuple[str, int]:
    """Alert n's source and its index among that source's alerts of the storm."""
    cycle, slot = divmod(n, len(PATTERN))
    source = PATTERN[slot]
    return source, cycle * PER_PATTERN[source] + PATTERN[:slot].count(source)


def counts(total: int) -> dict[str, int]:
    """How many of `total` alerts each source sends."""
    found = dict.fromkeys(SOURCES, 0)
    for n in range(total):
        found[source_of(n)[0]] += 1
    return found


def _hex(run: str, *parts: object, length: int = 32) -> str:
    return hashlib.sha256("\x1f".join([run, *map(str, parts)]).encode()).hexdigest()[:length]


def _uuid(run: str, *parts: object) -> str:
    return str(uuid.UUID(_hex(run, *parts)))


def alert_id(run: str, n: int) -> tuple[str, str]:
    """(source, the vendor alert id intake reads) of alert n, as the source module maps it."""
    source, k = source_of(n)
    if source == "ms-purview":
        return source, _uuid(run, "purview-incident", k)  # IncidentId
    if source == "aws-macie":
        return source, _hex(run, "macie-finding", k)  # detail.id
    if source == "github":
        repository, number = k % REPOSITORIES, k // REPOSITORIES + 1
        return source, f"{GITHUB_REPOSITORY_ID + repository}:{number}"  # repository.id:alert.number
    return source, f"storm-{run}-{k}"  # source_alert_id


@cache
def _fixture(source: str, name: str) -> Any:
    from tests.support.webhooks import fixture_bytes

    return json.loads(fixture_bytes(source, name))


def _purview(run: str, k: int, now: datetime) -> dict[str, Any]:
    record = copy.deepcopy(_fixture("ms-purview", "dlp_rule_match_single.json"))
    sender = f"staff{k % SENDERS:04d}@contoso.co.jp"
    mailbox = _hex(run, "purview-message", k, length=20).upper()
    message_id = f"<TYWPR01MB{mailbox}@TYWPR01MB11243.jpnprd01.prod.outlook.com>"
    record.update(
        CreationTime=now.strftime("%Y-%m-%dT%H:%M:%S.%f") + "0",  # Office 365: no zone, 7 digits
        Id=_uuid(run, "purview-record", k),
        IncidentId=_uuid(run, "purview-incident", k),
        UserId=sender,
        ObjectId=message_id,
    )
    cards = 1 + (k * 7) % 6  # a few card numbers a mail
    for rule in record["PolicyDetails"][0]["Rules"]:
        for found in rule["ConditionsMatched"]["SensitiveInformation"]:
            if found["SensitiveInformationTypeName"] == "Credit Card Number":
                found["Count"] = found["UniqueCount"] = cards
    meta = record["ExchangeMetaData"]
    meta.update(
        From=sender,
        MessageID=message_id,
        Sent=now.strftime("%Y-%m-%dT%H:%M:%S"),
        Subject=f"請求先リスト {k % 97 + 1}",
        To=[f"customer{(k * 31) % 9973}@example.com"],
        RecipientCount=1,
        UniqueID=_uuid(run, "purview-unique", k),
    )
    return record


def _macie(run: str, k: int, now: datetime) -> dict[str, Any]:
    event = copy.deepcopy(_fixture("aws-macie", "finding_personal.json"))
    stamp = now.strftime("%Y-%m-%dT%H:%M:%S.") + f"{now.microsecond // 1000:03d}Z"
    event.update(id=_uuid(run, "macie-event", k), time=now.strftime("%Y-%m-%dT%H:%M:%SZ"))
    finding = event["detail"]
    finding.update(id=_hex(run, "macie-finding", k), createdAt=stamp, updatedAt=stamp)
    obj = finding["resourcesAffected"]["s3Object"]
    obj.update(
        key=f"exports/{now:%Y-%m}/customers_{k:06d}.csv",
        path=f"{BUCKET}/exports/{now:%Y-%m}/customers_{k:06d}.csv",
        eTag=_hex(run, "macie-etag", k),
        size=40_000 + (k * 37) % 20_000,
    )
    rows = 800 + (k * 53) % 900  # customers per export file
    for group in finding["classificationDetails"]["result"]["sensitiveData"]:
        for detection in group["detections"]:
            detection["count"] = rows if detection["type"] == "NAME" else max(1, rows * detection["count"] // 1450)
        group["totalCount"] = sum(d["count"] for d in group["detections"])
    return event


def _github(run: str, k: int, now: datetime) -> dict[str, Any]:
    event = copy.deepcopy(_fixture("github", "secret_scanning_alert_created.json"))
    repository, number = k % REPOSITORIES, k // REPOSITORIES + 1
    name = f"storm-service-{repository}"
    full_name = f"acme-retail/{name}"
    secret_type, display, provider, slug = SECRET_TYPES[(k // REPOSITORIES) % len(SECRET_TYPES)]
    alert = event["alert"]
    alert.update(
        number=number,
        created_at=now.strftime("%Y-%m-%dT%H:%M:%SZ"),
        updated_at=now.strftime("%Y-%m-%dT%H:%M:%SZ"),
        url=f"https://api.github.com/repos/{full_name}/secret-scanning/alerts/{number}",
        html_url=f"https://github.com/{full_name}/security/secret-scanning/{number}",
        locations_url=f"https://api.github.com/repos/{full_name}/secret-scanning/alerts/{number}/locations",
        secret_type=secret_type,
        secret_type_display_name=display,
        provider=provider,
        provider_slug=slug,
    )
    event["repository"].update(
        id=GITHUB_REPOSITORY_ID + repository,
        name=name,
        full_name=full_name,
        html_url=f"https://github.com/{full_name}",
        url=f"https://api.github.com/repos/{full_name}",
    )
    return event


def _generic(run: str, k: int, now: datetime) -> dict[str, Any]:
    from tests.unit.factories import report_body

    people = 1 + (k * 13) % 20
    return {
        **report_body(
            reporter={
                "name": "Mail gateway DLP",
                "email": "dlp-gateway@example.co.jp",
                "division": "Information Security",
                "entity": "Example Holdings (JP)",
                "entity_country": "JP",
            },
            title=f"Customer e-mail addresses in an outgoing mail ({k})",
            description="The mail gateway matched customer names and e-mail addresses in an outgoing mail.",
            incident_kind="unauthorized_provision",
            aware_at=now.isoformat(timespec="seconds"),
            data_categories=["name", "email"],
            affected_count=people,
            subject_regions={"JP": people},
            assets=[f"mail-gateway:{run}:message-{k}"],
        ),
        "source_alert_id": f"storm-{run}-{k}",
    }


BUILDERS: dict[str, Callable[[str, int, datetime], dict[str, Any]]] = {
    "ms-purview": _purview,
    "aws-macie": _macie,
    "github": _github,
    "generic": _generic,
}


class StormAlert(NamedTuple):
    source: str
    alert_id: str
    body: bytes


def build(run: str, n: int, now: datetime | None = None) -> StormAlert:
    """Alert n of the storm `run`, as its vendor posts it (times: `now`)."""
    source, k = source_of(n)
    payload = BUILDERS[source](run, k, now or datetime.now(UTC))
    return StormAlert(source, alert_id(run, n)[1], json.dumps(payload, ensure_ascii=False).encode())


def secret_variable(source: str) -> str:
    """The environment variable intake reads the source's webhook secret from."""
    return f"INTAKE_WEBHOOK_SECRET_{source.upper().replace('-', '_')}"


def signed_headers(source: str, secret: str, body: bytes) -> dict[str, str]:
    """The headers the vendor sends (GitHub: X-Hub-Signature-256; the others: our X-Pidesk headers)."""
    from tests.support.webhooks import signed

    headers = signed(source, secret, body)
    return {("Content-Type" if name.lower() == "content-type" else name): value for name, value in headers.items()}


def secrets_from(environ: Mapping[str, str]) -> dict[str, str]:
    found = {source: environ.get(secret_variable(source), "") for source in SOURCES}
    if missing := [secret_variable(source) for source, secret in found.items() if not secret]:
        raise KeyError(f"set {', '.join(missing)}")
    return found
