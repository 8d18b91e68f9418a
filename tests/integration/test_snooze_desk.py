"""The desk API on snoozes, on PostgreSQL: validation naming the field, roles, listing what a snooze
matched, ending one early (its incidents opened and routed unless another snooze still covers them),
un-snoozing an incident, and the audit log of every change."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from pidesk.services.escalation.adapters.repository import IncidentRepository
from pidesk.services.escalation.service.incidents import record_reported_incident
from pidesk.shared.events import AlertRecord
from pidesk.shared.vocabulary import Role
from tests.integration.test_alert_desk import AUDITOR, OPERATOR, RULES, Desk, desk, token
from tests.support.alert_groups import dlp_alert, webhook_incident
from tests.support.snoozes import alert_marks, escalations, timers

__all__ = ["desk"]


async def make_snooze(client: httpx.AsyncClient, **body: Any) -> dict[str, Any]:
    response = await client.post("/v1/snoozes", headers=OPERATOR, json={"reason": "rule misfires", **body})
    assert response.status_code == 201, response.text
    made: dict[str, Any] = response.json()
    return made


async def incident_now(desk: Desk, n: int, *alerts: AlertRecord) -> str:
    """An incident whose alerts arrive now (after the snoozes made so far)."""
    incident_id = uuid.uuid4()
    event = webhook_incident(n, list(alerts), at=datetime.now(UTC))
    async with desk.sessions() as session, session.begin():
        await record_reported_incident(IncidentRepository(session), RULES, incident_id=incident_id, event=event)
    return str(incident_id)


def now_alert(alert_id: str, asset: str, **detections: int) -> AlertRecord:
    return dlp_alert(alert_id, asset, at=datetime.now(UTC), **detections)


async def audited(client: httpx.AsyncClient, path: str) -> list[tuple[str, str, int]]:
    log = (await client.get("/v1/audit", headers=token(Role.AUDITOR), params={"limit": 500})).json()["items"]
    return [(e["actor"], e["method"], e["status"]) for e in reversed(log) if e["path"] == path]


async def test_a_snooze_is_validated_field_by_field(desk: Desk) -> None:
    async def refused(body: dict[str, Any]) -> list[list[str]]:
        response = await desk.client.post("/v1/snoozes", headers=OPERATOR, json=body)
        assert response.status_code == 422, (body, response.text)
        error = response.json()["error"]
        assert error["code"] == "validation_error" and error["message"]
        return [d["loc"] for d in error["details"]]

    filters = [["source"], ["rule"], ["asset"], ["actor"]]
    assert await refused({"reason": "r", "minutes": 60}) == filters
    assert await refused({"rule": "*", "asset": " ** ", "reason": "r", "minutes": 60}) == filters
    assert await refused({"rule": "x", "reason": "r"}) == [["minutes"], ["until"]]
    both = {"rule": "x", "reason": "r", "minutes": 5, "until": "2099-01-01T00:00:00Z"}
    assert await refused(both) == [["minutes"], ["until"]]
    assert await refused({"rule": "x", "reason": "r", "minutes": 0}) == [["minutes"]]
    assert await refused({"rule": "x", "reason": "r", "minutes": 30 * 24 * 60 + 1}) == [["minutes"]]
    past = (datetime.now(UTC) - timedelta(minutes=1)).isoformat()
    assert await refused({"rule": "x", "reason": "r", "until": past}) == [["until"]]
    far = (datetime.now(UTC) + timedelta(days=31)).isoformat()
    assert await refused({"rule": "x", "reason": "r", "until": far}) == [["until"]]
    assert await refused({"rule": "x", "reason": "r", "until": "2099-01-01T00:00:00"}) == [["until"]]
    assert await refused({"rule": "x", "minutes": 5}) == [["reason"]]
    assert await refused({"rule": "x", "reason": " ", "minutes": 5}) == [["reason"]]
    assert await refused({"rule": "x" * 301, "reason": "r", "minutes": 5}) == [["rule"]]
    assert await refused({"rule": "x", "reason": "r", "minutes": 5, "team": "a"}) == [["team"]]
    listed = await desk.client.get("/v1/snoozes", headers=AUDITOR)
    assert listed.status_code == 200 and listed.json()["items"] == []

    made = await make_snooze(desk.client, source=" aws-macie ", rule="Card*", minutes=90)
    assert made["filter"] == {"source": "aws-macie", "rule": "Card*", "asset": None, "actor": None}
    assert made["state"] == "running" and made["created_by"] == "desk_operator:token:desk_operator-tester"
    expires = datetime.fromisoformat(made["expires_at"]) - datetime.fromisoformat(made["created_at"])
    assert expires == timedelta(minutes=90)
    assert made["history"] == [{"at": made["created_at"], "what": "created", "by": made["created_by"]}]


async def test_the_auditor_reads_snoozes_and_changes_none(desk: Desk) -> None:
    made = await make_snooze(desk.client, rule="dlp-rule-7", minutes=60)
    quiet = await incident_now(desk, 1, now_alert("a1", "s3://a", email=5))
    body = {"rule": "x", "reason": "r", "minutes": 5}
    for role in (Role.AUDITOR, Role.OFFICER):
        assert (await desk.client.post("/v1/snoozes", headers=token(role), json=body)).status_code == 403
    assert (await desk.client.post(f"/v1/snoozes/{made['snooze_id']}/end", headers=AUDITOR)).status_code == 403
    assert (await desk.client.post(f"/v1/incidents/{quiet}/unsnooze", headers=AUDITOR)).status_code == 403
    assert (await desk.client.post("/v1/snoozes", json=body)).status_code == 401
    assert (await desk.client.get(f"/v1/snoozes/{made['snooze_id']}", headers=AUDITOR)).json()["state"] == "running"
    assert (await desk.get(quiet))["status"] == "snoozed"
    assert (await desk.client.get("/v1/snoozes/999", headers=AUDITOR)).status_code == 404
    assert await audited(desk.client, "/v1/snoozes") == [
        ("token:desk_operator-tester", "POST", 201),
        ("token:auditor-tester", "POST", 403),
        ("token:officer-tester", "POST", 403),
        ("anonymous", "POST", 401),
    ]


async def test_snoozed_incidents_are_listed_counted_and_shown(desk: Desk) -> None:
    made = await make_snooze(desk.client, rule="dlp-rule-7", asset="s3://staging-*", minutes=60)
    snooze_id = made["snooze_id"]
    quiet = await incident_now(
        desk, 1, now_alert("a1", "s3://staging-a", email=5), now_alert("a2", "s3://staging-b", email=1)
    )
    loud = await incident_now(desk, 2, now_alert("b1", "s3://staging-c", email=1500))
    other = await incident_now(desk, 3, now_alert("c1", "s3://prod", email=5))

    snoozed = (await desk.client.get("/v1/incidents", headers=AUDITOR, params={"status": "snoozed"})).json()
    assert [i["incident_id"] for i in snoozed["items"]] == [quiet]
    assert snoozed["items"][0]["risk_level"] == "medium"
    assert snoozed["items"][0]["snooze"] == {"snooze_id": snooze_id, "state": "snoozed"}
    open_ = (await desk.client.get("/v1/incidents", headers=AUDITOR, params={"status": "open"})).json()["items"]
    assert {i["incident_id"] for i in open_} == {loud, other}

    detail = await desk.get(quiet)
    assert detail["status"] == "snoozed" and detail["routes"] == []
    assert detail["snooze"] == {
        "snooze_id": snooze_id,
        "state": "snoozed",
        "reason": "rule misfires",
        "expires_at": made["expires_at"],
        "ended_at": None,
    }
    assert (await desk.get(loud))["snooze"]["state"] == "overridden"
    assert (await desk.get(other))["snooze"] is None
    assert (await desk.client.post(f"/v1/incidents/{quiet}/escalate", headers=OPERATOR)).status_code == 409

    listed = (await desk.client.get("/v1/snoozes", headers=AUDITOR, params={"active": "true"})).json()["items"]
    assert [(s["snooze_id"], s["matched_alerts"], s["matched_incidents"], s["snoozed_incidents"]) for s in listed] == [
        (snooze_id, 3, 2, 1)
    ]
    assert (await desk.client.get("/v1/snoozes", headers=AUDITOR, params={"active": "false"})).json()["items"] == []
    one = (await desk.client.get(f"/v1/snoozes/{snooze_id}", headers=AUDITOR, params={"limit": 1})).json()
    assert one["reason"] == "rule misfires" and [i["incident_id"] for i in one["incidents"]] == [loud]
    rest = await desk.client.get(
        f"/v1/snoozes/{snooze_id}", headers=AUDITOR, params={"limit": 1, "cursor": one["next_cursor"]}
    )
    assert [i["incident_id"] for i in rest.json()["incidents"]] == [quiet] and rest.json()["next_cursor"] is None


async def test_ending_a_snooze_early_opens_what_it_no_longer_covers(desk: Desk) -> None:
    rule = await make_snooze(desk.client, rule="dlp-rule-7", minutes=120)
    keep = await make_snooze(desk.client, asset="s3://keep-*", minutes=60)
    only_rule = await incident_now(desk, 1, now_alert("x1", "s3://tmp-1", email=5))
    both = await incident_now(desk, 2, now_alert("z1", "s3://keep-1", email=5))
    assert {(await desk.get(i))["status"] for i in (only_rule, both)} == {"snoozed"}
    # an alert both cover names the one ending last: once that is ended, the other still covers it
    assert await alert_marks(desk.sessions, uuid.UUID(both)) == {"z1": rule["snooze_id"]}

    ended = await desk.client.post(f"/v1/snoozes/{rule['snooze_id']}/end", headers=OPERATOR)
    assert ended.status_code == 200
    body = ended.json()
    assert body["state"] == "ended" and body["ended_by"] == "desk_operator:token:desk_operator-tester"
    assert body["opened"] == [only_rule], "the other is still covered by the snooze on s3://keep-*"
    assert [h["what"] for h in body["history"]] == ["created", "ended"]
    opened = await desk.get(only_rule)
    assert opened["status"] == "open" and opened["snooze"]["state"] == "opened" and opened["routes"]
    assert {e["reason"] for e in await escalations(desk.sessions, uuid.UUID(only_rule))} == {"routed"}
    assert "ack_deadline" in await timers(desk.sessions, uuid.UUID(only_rule))
    woken = [e for e in opened["timeline"] if e["kind"] == "unsnoozed"]
    assert [(e["by"], e["detail"]["why"], e["detail"]["ended_snooze_id"]) for e in woken] == [
        ("desk_operator:token:desk_operator-tester", "snooze_ended", rule["snooze_id"])
    ]
    assert (await desk.get(both))["status"] == "snoozed"
    assert await escalations(desk.sessions, uuid.UUID(both)) == []
    # an alert now matching only the ended snooze opens an incident as usual
    fresh = await incident_now(desk, 3, now_alert("y1", "s3://tmp-2", email=5))
    assert (await desk.get(fresh))["status"] == "open" and (await desk.get(fresh))["snooze"] is None

    again = await desk.client.post(f"/v1/snoozes/{rule['snooze_id']}/end", headers=OPERATOR)
    assert again.status_code == 409 and again.json()["error"]["code"] == "snooze_ended"
    last = await desk.client.post(f"/v1/snoozes/{keep['snooze_id']}/end", headers=token(Role.PI_ADMINISTRATOR))
    assert last.json()["opened"] == [both]
    assert (await desk.get(both))["status"] == "open"
    assert (await desk.client.post("/v1/snoozes/999/end", headers=OPERATOR)).status_code == 404
    assert await audited(desk.client, f"/v1/snoozes/{rule['snooze_id']}/end") == [
        ("token:desk_operator-tester", "POST", 200),
        ("token:desk_operator-tester", "POST", 409),
    ]


async def test_the_desk_unsnoozes_an_incident_and_it_is_routed_at_once(desk: Desk) -> None:
    await make_snooze(desk.client, rule="dlp-rule-7", minutes=60)
    quiet = await incident_now(desk, 1, now_alert("u1", "s3://a", email=5))
    assert await escalations(desk.sessions, uuid.UUID(quiet)) == []

    response = await desk.client.post(f"/v1/incidents/{quiet}/unsnooze", headers=token(Role.PROMOTION_BUREAU))
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "open" and body["snooze"]["state"] == "opened" and body["routes"]
    assert [(e["by"], e["detail"]["why"]) for e in body["timeline"] if e["kind"] == "unsnoozed"] == [
        ("promotion_bureau:token:promotion_bureau-tester", "desk")
    ]
    assert {e["reason"] for e in await escalations(desk.sessions, uuid.UUID(quiet))} == {"routed"}
    assert "ack_deadline" in await timers(desk.sessions, uuid.UUID(quiet))

    again = await desk.client.post(f"/v1/incidents/{quiet}/unsnooze", headers=OPERATOR)
    assert again.status_code == 409 and again.json()["error"]["code"] == "not_snoozed"
    missing = await desk.client.post(f"/v1/incidents/{uuid.uuid4()}/unsnooze", headers=OPERATOR)
    assert missing.status_code == 404
    log = (await desk.client.get("/v1/audit", headers=AUDITOR, params={"incident_id": quiet})).json()["items"]
    assert [(e["actor"], e["path"], e["status"]) for e in reversed(log) if e["method"] == "POST"] == [
        ("token:promotion_bureau-tester", f"/v1/incidents/{quiet}/unsnooze", 200),
        ("token:desk_operator-tester", f"/v1/incidents/{quiet}/unsnooze", 409),
    ]


async def test_merging_an_open_incident_into_a_snoozed_one_opens_it(desk: Desk) -> None:
    await make_snooze(desk.client, asset="s3://staging-*", minutes=60)
    quiet = await incident_now(desk, 1, now_alert("m1", "s3://staging-a", email=5))
    other_quiet = await incident_now(desk, 2, now_alert("m2", "s3://staging-b", email=5))
    loud = await incident_now(desk, 3, now_alert("m3", "s3://prod", email=5))

    # two snoozed ones merged: still noise
    merged = await desk.client.post(f"/v1/incidents/{other_quiet}/merge", headers=OPERATOR, json={"into": quiet})
    assert merged.status_code == 200 and merged.json()["status"] == "snoozed"
    assert await escalations(desk.sessions, uuid.UUID(quiet)) == []

    merged = await desk.client.post(f"/v1/incidents/{loud}/merge", headers=OPERATOR, json={"into": quiet})
    body = merged.json()
    assert merged.status_code == 200 and body["status"] == "open" and body["snooze"]["state"] == "opened"
    assert body["alerts"]["count"] == 3 and body["routes"]
    assert [e["detail"]["why"] for e in body["timeline"] if e["kind"] == "unsnoozed"] == ["merged"]
    assert {e["reason"] for e in await escalations(desk.sessions, uuid.UUID(quiet))} == {"routed"}
