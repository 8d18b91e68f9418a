"""The lines and subjects of internal mails that carry more than one alert, in Japanese and English.

Pure wording: numbers, lists and times go in here; the framing text is in `templates/notices/
internal_alert.*.md.j2`. Times are Japan time, short ("10:05 JST"; with the date when not today's).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from pidesk.shared import labels
from pidesk.shared.japan_time import JST

MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")

# Obligations as a subject line names them; anything not here takes its full label.
SHORT_OBLIGATIONS: dict[str, dict[str, str]] = {
    "internal.report_to_desk": {"ja": "窓口への社内報告", "en": "internal report to the desk"},
    "internal.recurrence_prevention": {"ja": "再発防止策", "en": "recurrence prevention"},
    "appi.ppc_preliminary_report": {"ja": "個人情報保護委員会への速報", "en": "APPI PPC preliminary report"},
    "appi.ppc_final_report": {"ja": "個人情報保護委員会への確報", "en": "APPI PPC final report"},
    "appi.notify_individuals": {"ja": "本人への通知（個情法）", "en": "APPI notice to individuals"},
    "appi.public_announcement": {"ja": "公表（個情法）", "en": "APPI public announcement"},
    "appi.notify_principal": {"ja": "委託元への通知", "en": "APPI notice to the principal"},
    "mynumber.ppc_preliminary_report": {"ja": "番号法の速報", "en": "My Number PPC preliminary report"},
    "mynumber.ppc_final_report": {"ja": "番号法の確報", "en": "My Number PPC final report"},
    "mynumber.notify_individuals": {"ja": "本人への通知（番号法）", "en": "My Number notice to individuals"},
    "gdpr.sa_notification": {"ja": "GDPR監督機関への通知", "en": "GDPR SA notification"},
    "gdpr.notify_data_subjects": {"ja": "GDPRデータ主体への連絡", "en": "GDPR notice to data subjects"},
    "gdpr.public_communication": {"ja": "GDPR公表", "en": "GDPR public communication"},
    "gdpr.notify_controller": {"ja": "GDPR管理者への通知", "en": "GDPR notice to the controller"},
    "gdpr.breach_register": {"ja": "GDPR侵害記録", "en": "GDPR breach register"},
    "ccpa.notify_residents": {"ja": "カリフォルニア州居住者への通知", "en": "California notice to residents"},
    "ccpa.ag_sample_notice": {"ja": "カリフォルニア州司法長官への見本", "en": "California AG sample notice"},
    "pdpa_th.office_notification": {"ja": "タイPDPCへの通知", "en": "Thai PDPC notification"},
    "pdpa_th.notify_data_subjects": {"ja": "タイのデータ主体への通知", "en": "Thai notice to data subjects"},
    "pdpa_sg.commission_notification": {"ja": "シンガポールPDPCへの通知", "en": "Singapore PDPC notification"},
    "pdpa_sg.notify_individuals": {"ja": "シンガポールの本人への通知", "en": "Singapore notice to individuals"},
    "pipa_kr.notify_data_subjects": {"ja": "韓国の情報主体への通知", "en": "Korea notice to data subjects"},
    "pipa_kr.pipc_report": {"ja": "韓国PIPCへの申告", "en": "Korea PIPC report"},
}
SHOWN_REFERENCES = 5  # a held-back line names this many incidents, then "and N more"


def short_obligation(code: str, language: str) -> str:
    entry = SHORT_OBLIGATIONS.get(code)
    return entry[language] if entry else labels.label(labels.OBLIGATION_LABELS, code, language)


def short_time(value: datetime | str, language: str, now: datetime) -> str:
    """`10:05 JST` / `10:05`, with the date when it is not today's (Japan time)."""
    moment = (datetime.fromisoformat(value) if isinstance(value, str) else value).astimezone(JST)
    today = moment.date() == now.astimezone(JST).date()
    if language == "ja":
        return f"{moment:%H:%M}" if today else f"{moment.month}月{moment.day}日 {moment:%H:%M}"
    return f"{moment:%H:%M} JST" if today else f"{moment.day} {MONTHS[moment.month - 1]} {moment:%H:%M} JST"


def plural(count: int, word: str) -> str:
    return f"{count:,} {word}" if count == 1 else f"{count:,} {word}s"


def joined(items: Sequence[str], language: str) -> str:
    """`A`, `A and B`, `A, B and C` / `A、B、C`."""
    if language == "ja":
        return "、".join(items)
    if len(items) <= 1:
        return "".join(items)
    return f"{', '.join(items[:-1])} and {items[-1]}"


def listed(items: Sequence[str], language: str, separator: str = ", ") -> str:
    return "、".join(items) if language == "ja" else separator.join(items)


def reminder_subject(reference: str, codes: Sequence[str], language: str) -> str:
    """`[PI-2026-000123] 2 obligations due: APPI PPC preliminary report, GDPR SA notification`."""
    names = listed([short_obligation(code, language) for code in codes], language)
    if language == "ja":
        return f"[{reference}] 期限の近い義務{len(codes)}件: {names}"
    return f"[{reference}] {plural(len(codes), 'obligation')} due: {names}"


def alert_subject(alert: dict[str, Any], language: str) -> str:
    """`[pidesk] PI-… high risk (escalated: …): promotion bureau and PI administrator, due …`; for a case
    (issue 17) its kind instead of a risk: `[pidesk] GR-… government or law-enforcement request: …`."""
    reason = "" if alert["reason_code"] == "routed" else alert["reason"]
    deadline = alert.get("deadline")
    case = alert.get("case")
    if language == "ja":
        why = f"（{reason}）" if reason else ""
        due = f" 期限 {deadline}" if deadline else ""
        what = case or f"リスク{alert['risk_level']}"
        return f"[pidesk] {alert['reference']} {what}{why} {alert['targets']}{due}"
    why = f" ({reason})" if reason else ""
    due = f", due {deadline}" if deadline else ""
    what = case or f"{alert['risk_level']} risk"
    return f"[pidesk] {alert['reference']} {what}{why}: {alert['targets']}{due}"


def group_subject(reference: str, group: dict[str, Any], language: str) -> str:
    if language == "ja":
        return f"[{reference}] アラート{group['new_alerts']:,}件追加（計{group['total_alerts']:,}件）"
    return f"[{reference}] {group['new_alerts']:,} more alerts, {group['total_alerts']:,} in all"


def group_line(group: dict[str, Any], language: str, now: datetime) -> str:
    """`37 more alerts since 10:05 JST, 412 in all; count now 1,240 people; APPI PPC preliminary report
    now required.`"""
    since = short_time(group["since"], language, now)
    required = [short_obligation(code, language) for code in group.get("new_obligations", [])]
    count = group.get("affected_count")
    if language == "ja":
        line = f"{since}以降にアラートが{group['new_alerts']:,}件追加され、計{group['total_alerts']:,}件になりました。"
        if count is not None:
            line += f"影響を受ける人数は現在{count:,}人です。"
        if required:
            line += f"{listed(required, language)}が新たに必要になりました。"
        return line
    parts = [f"{group['new_alerts']:,} more alerts since {since}, {group['total_alerts']:,} in all"]
    if count is not None:
        parts.append(f"count now {count:,} {'person' if count == 1 else 'people'}")
    if required:
        parts.append(f"{joined(required, language)} now required")
    return "; ".join(parts) + "."


def held_line(count: int, since: datetime | str | None, references: Sequence[str], language: str, now: datetime) -> str:
    """`12 alerts held back since 09:00 JST by the rate limit: PI-2026-000120, … and 3 more`."""
    shown = list(references[:SHOWN_REFERENCES])
    rest = len(references) - len(shown)
    if language == "ja":
        names = "、".join(shown) + (f" ほか{rest:,}件" if rest else "")
        when = f"{short_time(since, language, now)}以降、" if since else ""
        return f"{when}送信数の上限により通知{count:,}件を保留しました: {names}"
    names = ", ".join(shown) + (f" and {rest:,} more" if rest else "")
    when = f" since {short_time(since, language, now)}" if since else ""
    return f"{plural(count, 'alert')} held back{when} by the rate limit: {names}"


def held_subject(count: int, language: str) -> str:
    if language == "ja":
        return f"[pidesk] 送信数の上限により保留した通知{count:,}件"
    return f"[pidesk] {plural(count, 'alert')} held back by the rate limit"


def digest_subject(alerts: int, incidents: int, language: str) -> str:
    if language == "ja":
        return f"[pidesk] 日次ダイジェスト: インシデント{incidents:,}件・通知{alerts:,}件"
    return f"[pidesk] Daily digest: {plural(alerts, 'alert')} on {plural(incidents, 'incident')}"
