"""One line under a timeline entry saying what it did, in Japanese or English (pure).

Entries about groups of DLP alerts, splits, merges, snoozes and linked incidents carry their numbers in
`detail`; the page shows them as a sentence. Other entries need no line (None)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any


def _n(value: Any, language: str) -> str:
    if value is None:
        return "不明" if language == "ja" else "unknown"
    return f"{value:,}" if isinstance(value, int) else str(value)


def _facts(detail: Mapping[str, Any], language: str) -> str:
    """'; count 980 -> 1,240' from a detail's `changes` (empty when the count did not change)."""
    count = (detail.get("changes") or {}).get("affected_count")
    if not count:
        return ""
    before, after = _n(count.get("from"), language), _n(count.get("to"), language)
    return f"、人数 {before} → {after}" if language == "ja" else f"; count {before} -> {after}"


def _grouped(d: Mapping[str, Any], lang: str) -> str:
    new, total = _n(d.get("new_alerts", 0), lang), _n(d.get("total_alerts", 0), lang)
    updated = _n(d.get("alerts_updated"), lang) if d.get("alerts_updated") else None
    if updated and not d.get("new_alerts"):
        head = (
            f"アラート{updated}件がベンダーにより更新（計{total}件）"
            if lang == "ja"
            else (f"{updated} alerts updated by the vendor, {total} in all")
        )
    elif lang == "ja":
        head = f"アラート{new}件を集約（計{total}件）" + (f"、{updated}件がベンダーにより更新" if updated else "")
    else:
        head = f"{new} alerts grouped, {total} in all" + (f" ({updated} updated by the vendor)" if updated else "")
    return head + _facts(d, lang)


def _group_update(d: Mapping[str, Any], lang: str) -> str:
    new, people = _n(d.get("new_alerts", 0), lang), _n(d.get("recipients", 0), lang)
    gained = ", ".join(d.get("new_obligations") or [])
    if lang == "ja":
        return f"集約の続報を{people}人へ（新しいアラート{new}件）" + (f"、新たな義務: {gained}" if gained else "")
    return f"group update to {people} people ({new} new alerts)" + (f"; new obligations: {gained}" if gained else "")


def _unsnoozed(d: Mapping[str, Any], lang: str) -> str:
    why, snooze = d.get("why"), d.get("snooze_id")
    if why == "alert":
        alert = (d.get("alert") or {}).get("alert_id")
        return (
            f"どのスヌーズにも一致しないアラート {alert} が加わったため解除"
            if lang == "ja"
            else f"opened: alert {alert} matches no running snooze"
        )
    if why == "snooze_ended":
        ended = d.get("ended_snooze_id")
        return f"スヌーズ #{ended} の早期終了により解除" if lang == "ja" else f"opened: snooze #{ended} was ended early"
    if why == "merged":
        return (
            f"対応中の {d.get('reference')} を統合したため解除"
            if lang == "ja"
            else f"opened: the open incident {d.get('reference')} was merged into it"
        )
    return f"デスクがスヌーズ #{snooze} を解除" if lang == "ja" else f"opened by the desk (snooze #{snooze})"


def _closed(d: Mapping[str, Any], lang: str) -> str:
    """The duties the close dated (the CAC incident summary: 30 days after it); empty when none."""
    dated = ", ".join(
        f"{o.get('code')} ({str(o.get('due_at', ''))[:10]})" for o in d.get("obligations_rescheduled") or []
    )
    if not dated:
        return ""
    return f"クローズ日から期限を再計算: {dated}" if lang == "ja" else f"due dates counted from the close: {dated}"


def _opened(d: Mapping[str, Any], lang: str) -> str:
    code, after, due = d.get("code"), d.get("after"), str(d.get("due_at", ""))[:10]
    if lang == "ja":
        return f"{after} を一部のみの報告として提出したため {code} を追加（期限 {due}）"
    return f"{code} opened: {after} was filed as partial (due {due})"


def _ledger_changed(d: Mapping[str, Any], lang: str) -> str:
    entry, version, change = d.get("entry_id"), d.get("version"), d.get("change")
    if lang == "ja":
        what = {"created": "登録", "updated": "更新", "retired": "廃止", "restored": "再開"}.get(str(change), change)
        return f"台帳の項目 {entry} が第{version}版に{what}されたため再評価"
    return f"ledger entry {entry} changed to version {version} ({change}): re-assessed"


NOTES: dict[str, Callable[[Mapping[str, Any], str], str]] = {
    "ledger_changed": _ledger_changed,
    "closed": _closed,
    "obligation_opened": _opened,
    "snoozed": lambda d, lang: (
        f"スヌーズ #{d.get('snooze_id')}（{d.get('reason')}）に一致: 連絡・メールなし"
        if lang == "ja"
        else f"snoozed by snooze #{d.get('snooze_id')} ({d.get('reason')}): not routed, no mail"
    ),
    "snooze_overridden": lambda d, lang: (
        f"スヌーズ #{d.get('snooze_id')} に一致したが、法定の義務を優先: {', '.join(d.get('obligations') or [])}"
        if lang == "ja"
        else f"matched snooze #{d.get('snooze_id')}, but a statutory obligation overrides it: "
        + ", ".join(d.get("obligations") or [])
    ),
    "unsnoozed": _unsnoozed,
    "alerts_grouped": _grouped,
    "group_update": _group_update,
    "alert_split": lambda d, lang: (
        (f"アラートを {d.get('reference')} に分離" if lang == "ja" else f"an alert split out into {d.get('reference')}")
        + _facts(d, lang)
    ),
    "split_from": lambda d, lang: (
        f"{d.get('reference')} から分離" if lang == "ja" else f"split out of {d.get('reference')}"
    ),
    "merged_into": lambda d, lang: (
        f"{d.get('reference')} に統合（アラート{_n(d.get('alerts_moved', 0), lang)}件を移動）"
        if lang == "ja"
        else f"merged into {d.get('reference')} ({_n(d.get('alerts_moved', 0), lang)} alerts moved)"
    ),
    "merged_from": lambda d, lang: (
        (
            f"{d.get('reference')} を統合（アラート{_n(d.get('alerts_moved', 0), lang)}件）"
            if lang == "ja"
            else f"{d.get('reference')} merged into this one ({_n(d.get('alerts_moved', 0), lang)} alerts)"
        )
        + _facts(d, lang)
    ),
    "follows": lambda d, lang: (
        f"クローズ済みの {d.get('reference') or d.get('incident_id')} の続き"
        if lang == "ja"
        else f"follows {d.get('reference') or d.get('incident_id')}, which was closed"
    ),
    "followed_by": lambda d, lang: (
        f"後続のインシデント {d.get('reference')}" if lang == "ja" else f"followed by {d.get('reference')}"
    ),
    "forwarded": lambda d, lang: (
        f"統合先の {d.get('reference')} へ転送" if lang == "ja" else f"passed on to {d.get('reference')}, its survivor"
    ),
}


def timeline_note(kind: str, detail: Mapping[str, Any] | None, language: str) -> str | None:
    note = NOTES.get(kind)
    return (note(detail or {}, language) or None) if note else None
