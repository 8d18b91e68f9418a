"""One internal mail from the alerts it carries (issue 11, "less noise, nothing hidden"): pure folding.

Each alert notice keeps the values of its event (`alert_context`, in its language). A mail to one person
carries one or more of them:

- `main`, what the mail is about: the alerts of one incident and step — a person's roles at that step
  named together, reminders due together listed together, the group updates of one window folded into
  one — or, in a daily digest, every alert it gathers, one line per incident and step;
- `held`, the alerts the rate limit held back from this person: named in one line at the top.

`compose` gives the template (`templates/notices/internal_alert.*.md.j2`) its values, subject included.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from pidesk.services.notifier.domain import alert_lines as lines

RISK_ORDER = {"very_high": 0, "high": 1, "medium": 2, "low": 3}
ALERT, REMINDER, GROUP, DIGEST, HELD = "alert", "reminder", "group", "digest", "held"
Context = dict[str, Any]


def compose(
    main: Sequence[Context],
    held: Sequence[Context] = (),
    *,
    language: str,
    desk_url: str,
    now: datetime,
    digest: bool = False,
) -> Context:
    """The template's values for a mail about `main` (a digest when `digest`) naming `held` at the top."""
    base: Context = {
        "language": language,
        "recipient_name": "",
        "desk": desk_url,
        "held": held_summary(held, language, now) if held else None,
    }
    if not main:
        return base | {"mode": HELD, "headline": lines.held_subject(len(held), language)}
    if digest:
        items = digest_items(main, language, now)
        incidents = len({part["reference"] for part in main})
        return base | {"mode": DIGEST, "items": items, "headline": lines.digest_subject(len(main), incidents, language)}
    return base | fold(main, language, now)


def fold(parts: Sequence[Context], language: str, now: datetime) -> Context:
    """The alerts of one incident and step, for one person, as one."""
    first = parts[0]
    riskiest = min(parts, key=lambda part: RISK_ORDER.get(part.get("risk_code", ""), 2))
    soonest = min(parts, key=lambda part: _moment(part.get("deadline_iso")) or datetime.max.replace(tzinfo=now.tzinfo))
    obligations = merged_obligations(parts, now)
    group = fold_groups([part["group"] for part in parts if part.get("group")])
    alert: Context = {
        "reference": first["reference"],
        "case": first.get("case"),  # issue 17: the kind of case, for a case's tier (else None)
        "targets": lines.joined(_unique(part["target"] for part in parts), language),
        "step": first["step"],
        "reason_code": first["reason_code"],
        "reason": first["reason"],
        "risk_level": riskiest["risk_level"],
        "risk_code": riskiest.get("risk_code", ""),
        "ack_due_at": soonest.get("ack_due_at"),
        "deadline": soonest.get("deadline"),
        "obligation": first.get("obligation"),
        "obligations": obligations if first["reason_code"] == "obligation_reminder" else [],
        "group_line": lines.group_line(group, language, now) if group else None,
        "link": first["desk_url"],
        "alerts": len(parts),
    }
    if alert["obligations"]:
        codes = [o["code"] or o["label"] for o in obligations]
        return alert | {"mode": REMINDER, "headline": lines.reminder_subject(alert["reference"], codes, language)}
    if group:
        return alert | {"mode": GROUP, "headline": lines.group_subject(alert["reference"], group, language)}
    return alert | {"mode": ALERT, "headline": lines.alert_subject(alert, language)}


def merged_obligations(parts: Sequence[Context], now: datetime) -> list[Context]:
    """Every obligation the parts remind of, once each, soonest due first, overdue ones marked."""
    found: dict[str, Context] = {}
    for part in parts:
        listed = part.get("obligations")
        if listed is None and part.get("obligation"):  # stored before reminders listed their obligations
            listed = [{"code": None, **part["obligation"], "due_iso": None}]
        for obligation in listed or []:
            found.setdefault(obligation["code"] or obligation["label"], obligation)
    merged = []
    for obligation in found.values():
        due = _moment(obligation.get("due_iso"))
        merged.append({**obligation, "overdue": due is not None and due <= now})
    return sorted(merged, key=lambda o: (_moment(o.get("due_iso")) is None, o.get("due_iso") or "", o["label"]))


def fold_groups(groups: Sequence[Context]) -> Context | None:
    """Group updates folded into one: new alerts since the earliest update's `since`, the latest total
    and count, every obligation gained (each update's `new_alerts` counts from its own `since`)."""
    if not groups:
        return None
    latest = max(groups, key=lambda g: (g["total_alerts"], _moment(g["since"])))
    baseline = min(g["total_alerts"] - g["new_alerts"] for g in groups)
    counted = [g for g in sorted(groups, key=lambda g: g["total_alerts"]) if g.get("affected_count") is not None]
    return {
        "since": min((str(g["since"]) for g in groups), key=datetime.fromisoformat),
        "new_alerts": max(latest["total_alerts"] - baseline, 0),
        "total_alerts": latest["total_alerts"],
        "affected_count": counted[-1]["affected_count"] if counted else None,
        "new_obligations": _unique(code for g in groups for code in g.get("new_obligations", [])),
    }


def held_summary(held: Sequence[Context], language: str, now: datetime) -> str:
    """The line naming what the rate limit held back: how many, since when, which incidents."""
    ordered = sorted(held, key=lambda part: part.get("requested_at") or "")
    since = next((part["requested_at"] for part in ordered if part.get("requested_at")), None)
    references = _unique(part["reference"] for part in ordered)
    return lines.held_line(len(held), since, references, language, now)


def digest_items(parts: Sequence[Context], language: str, now: datetime) -> list[Context]:
    """One line per incident and step, riskiest first, then oldest."""
    steps: dict[tuple[str, str, str], list[Context]] = {}
    for part in parts:
        step = "group" if part["reason_code"] == "group_update" else str(part["step"])
        steps.setdefault((part["reference"], part["reason_code"], step), []).append(part)
    items = []
    for together in steps.values():
        alert = fold(together, language, now)
        items.append(
            {
                "reference": alert["reference"],
                "risk_level": alert["risk_level"],
                "line": _digest_line(alert, language, now),
                "link": alert["link"],
                "order": (RISK_ORDER.get(alert["risk_code"], 2), min(p.get("requested_at") or "" for p in together)),
            }
        )
    return sorted(items, key=lambda item: item["order"])


def _digest_line(alert: Context, language: str, now: datetime) -> str:
    if alert["mode"] == GROUP:
        return str(alert["group_line"])
    if alert["mode"] == REMINDER:
        due = []
        for o in alert["obligations"]:
            name = lines.short_obligation(o["code"], language) if o["code"] else o["label"]
            when = lines.short_time(o["due_iso"], language, now) if o.get("due_iso") else ""
            due.append((f"{name}（{when}まで）" if language == "ja" else f"{name} (by {when})") if when else name)
        if language == "ja":
            return f"期限の近い義務{len(due)}件: {lines.listed(due, language)}"
        return f"{lines.plural(len(due), 'obligation')} due: {', '.join(due)}"
    if language == "ja":
        return f"{alert['reason']} — {alert['targets']}（第{alert['step']}段階）"
    return f"{alert['reason']} — {alert['targets']} (step {alert['step']})"


def _unique(items: Any) -> list[Any]:
    return list(dict.fromkeys(items))


def _moment(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None
