"""When the desk is reminded of a pending obligation (docs/rules.md §4: "an obligation not done 24 h before
it is due escalates to pi_administrator")."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime, timedelta

SHORT_WINDOW = timedelta(hours=12)
LAST_HOUR = timedelta(hours=1)


def reminder_times(due_at: datetime, received_at: datetime, lead: timedelta) -> tuple[datetime, ...]:
    """The reminders of one obligation, earliest first.

    v1 rule: `lead` (24 h) before the deadline, but never in the first half of the time the desk had
    (from the report's arrival to the deadline), so a duty due within a day is not escalated the moment
    it arrives; an overdue duty reminds at once.

    Reading for short deadlines (docs/rules.md §4: CAC 4 h or less, CERT-In 6 h): "24 h before" is
    already past when the desk has 12 h or less, so such a duty reminds
    twice, at half time and again one hour before it is due (only the first when the hour before falls
    in the first half, as with a 1 h or 2 h CAC report). Longer windows keep the v1 single reminder."""
    window = due_at - received_at
    half_time = received_at + window / 2
    if window > SHORT_WINDOW:
        return (max(due_at - lead, half_time),)
    last_hour = due_at - LAST_HOUR
    return (half_time, last_hour) if last_hour > half_time else (half_time,)


def next_reminder(times: Sequence[datetime], fired: Collection[datetime], now: datetime) -> datetime | None:
    """The reminder to schedule next: none after the last one has fired; of several already past (the
    desk was down, or the report came late), only the latest, so a reminder is never sent twice in a row."""
    done = [t for t in times if t in fired]
    waiting = [t for t in times if t not in fired and (not done or t > max(done))]
    past = [t for t in waiting if t <= now]
    if past:
        return past[-1]
    return waiting[0] if waiting else None
