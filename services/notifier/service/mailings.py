"""What goes in each internal alert mail, decided in the transaction that claims rows (issue 11, item 3).

An alert's mail rows carry a `mail_key` (incident, reason, step; group updates per incident). For each
person among the rows just claimed, in risk order:

- **one mail per person, incident and step**: the person's rows with the same key that have not been
  handed to SMTP yet (claimed together, or pending and free) ride in the first one's mail — two roles at
  one step are named together, reminders due together are listed together, group updates fold;
- **group updates**: when the person's last group-update mail about the incident went out less than the
  window ago, the rows wait (`hold` group_window) until it ends and then go, folded, as one mail;
- **rate limit**: a person who had the hour's alert mails gets no more; the rows wait (`hold` rate_limit)
  until a slot frees. Rows held so ride, named in one line, in the next mail that does go to the person
  (a very_high first routing, which is never held; a digest; or, once a slot frees, their own mail);
- **daily digest**: rows held for it when recorded (`hold` digest) go, when due, as one mail.

Rows that wait are given back with their new time, so a riskier row never waits behind them; every row
keeps its own status and says in `note` what became of it. A carried row is marked `sending` and
recorded with its carrier (ledger.py), so a redelivered event or a second instance sends nothing twice.
A person is their address's blind index (adapters/people.py): every comparison here is on it, never on
the address itself.
"""

from __future__ import annotations

import functools
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Integer, Select, bindparam, func, or_, select, true, update
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.ext.asyncio import AsyncConnection

from pidesk.services.notifier.adapters.orm import ALERT_MAIL_HELD_ROWS, ALERT_MAIL_LEASED_ROWS, OWN_ALERT_MAIL_ROWS
from pidesk.services.notifier.domain.alert_mail import DIGEST, HELD
from pidesk.services.notifier.domain.pacing import GROUP_UPDATE, HOUR, Pacing
from pidesk.services.notifier.service.issuing import PENDING, SENDING, SENT, UNCONFIRMED
from pidesk.services.notifier.service.leases import COLUMNS, DELIVERIES, Claim, Rider, among, dialect_of, ids_in
from pidesk.shared.japan_time import JST
from pidesk.shared.vocabulary import DeliveryChannel

ALERT = "alert"
RATE_LIMIT, GROUP_WINDOW = "rate_limit", "group_window"  # and DIGEST: why a row waits (`hold`)
CHANGE = (  # executemany: each row's new pacing state
    update(DELIVERIES)
    .where(COLUMNS.id == bindparam("row"), COLUMNS.status == PENDING)
    .values(
        hold=bindparam("new_hold"),
        next_attempt_at=bindparam("new_due"),
        note=bindparam("new_note"),
        carried_by=bindparam("new_carrier"),
        lease_owner=bindparam("new_owner"),
        lease_until=bindparam("new_until"),
    )
)


@dataclass(eq=False)
class Waiting:
    """A pending row of the same person nobody holds: it may ride in a mail being assembled."""

    id: int
    notice_id: uuid.UUID
    address: str
    mail_key: str
    hold: str | None
    priority: int
    due_at: datetime
    exempt: bool


Row = Claim | Waiting


@dataclass(eq=False)
class Bundle:
    """One prospective mail: its claimed rows (the first carries it) and the waiting rows joining them."""

    mail: str  # alert, digest or held
    key: str | None
    claims: list[Claim]
    waiting: list[Waiting] = field(default_factory=list)

    @property
    def rows(self) -> list[Row]:
        return [*self.claims, *self.waiting]

    @property
    def exempt(self) -> bool:
        return any(row.exempt for row in self.rows)

    @property
    def group_update(self) -> bool:
        return self.mail == ALERT and (self.key or "").endswith(f"/{GROUP_UPDATE}")


def mail_of(claim: Claim) -> tuple[str, str | None]:
    if claim.hold == DIGEST:
        return DIGEST, None
    if claim.hold == RATE_LIMIT:
        return HELD, None
    return ALERT, claim.mail_key


async def assemble(
    db: AsyncConnection, claims: list[Claim], *, owner: str, now: datetime, until: datetime, pacing: Pacing
) -> list[Claim]:
    """The claims to attempt now, each alert mail with the rows riding in it; the rest given back to wait."""
    alerts = [c for c in claims if c.mail_key is not None and c.channel == DeliveryChannel.EMAIL]
    if not alerts:
        return claims
    people: dict[str, dict[tuple[str, str | None], Bundle]] = {}
    for claim in alerts:  # in risk order: the first of each bundle carries it
        mail, key = mail_of(claim)
        people.setdefault(claim.address, {}).setdefault((mail, key), Bundle(mail, key, [])).claims.append(claim)
    keys = sorted({key for bundles in people.values() for (mail, key) in bundles if mail == ALERT and key})
    digests = sorted(address for address, bundles in people.items() if any(mail == DIGEST for mail, _ in bundles))
    joins = []
    if keys:  # the same mail's rows (not held by the rate limit, nor for the digest)
        joins.append(among(db, COLUMNS.mail_key, keys) & (COLUMNS.hold.is_(None) | (COLUMNS.hold == GROUP_WINDOW)))
    if digests:  # the digest's rows due now
        joins.append(among(db, COLUMNS.address, digests) & (COLUMNS.hold == DIGEST) & (COLUMNS.next_attempt_at <= now))
    waiting = await _free_rows(db, sorted(people), now, or_(*joins)) if joins else []
    mine = [c.id for c in claims]
    mailed = await _mailed(db, sorted(people), now, mine, pacing, keys)
    plan = Plan(owner=owner, now=now, until=until, pacing=pacing)
    decided = {
        address: plan.decide(
            list(bundles.values()), [w for w in waiting if w.address == address], mailed.get(address, [])
        )
        for address, bundles in people.items()
    }
    # what the rate limit held, only for the people a mail goes to now or whose held rows came due: in a
    # storm, most claimed rows of a person at the limit are held again, and their held rows stay untouched
    wanted = sorted(address for address, person in decided.items() if person.sent or person.held)
    held = await _free_rows(db, wanted, now, ALERT_MAIL_HELD_ROWS) if wanted else []  # hold = RATE_LIMIT
    for address, person in decided.items():
        plan.finish(person, [w for w in held if w.address == address])
    if plan.changes:
        await db.execute(CHANGE, plan.changes)
    others = [c for c in claims if c.mail_key is None or c.channel != DeliveryChannel.EMAIL]
    return sorted([*others, *plan.going], key=lambda c: c.order)


# a person's alert mails that go or went as mails of their own, not riding in another's (the partial index's
# predicate as a literal: a generic plan uses it too), and those handed to SMTP
OWN_ALERT_MAILS = (OWN_ALERT_MAIL_ROWS, COLUMNS.channel == DeliveryChannel.EMAIL)
WENT = COLUMNS.status.in_((SENT, UNCONFIRMED))


@functools.cache
def _latest(dialect: str) -> Select[Any]:
    """Each person's (`people`) `per_hour` latest alert mails sent after `since` that went as mails of their own
    (rows that rode in another's are not counted, however many a folded storm left): on PostgreSQL read per
    person down the (address, sent_at, id) index and stopped after `per_hour`, however many the hour holds; on
    SQLite (one process, a small database) numbered and cut."""
    own = (*OWN_ALERT_MAILS, WENT, COLUMNS.sent_at > bindparam("since", type_=COLUMNS.sent_at.type))
    newest = (COLUMNS.sent_at.desc(), COLUMNS.id.desc())
    if dialect == "postgresql":
        people = bindparam("people", type_=ARRAY(COLUMNS.address.type))
        person = func.unnest(people).table_valued("address").render_derived(name="person")
        latest = (
            select(COLUMNS.id, COLUMNS.address, COLUMNS.mail_key, COLUMNS.sent_at)
            .where(*own, COLUMNS.address == person.c.address)
            .order_by(*newest)
            .limit(bindparam("per_hour", type_=Integer()))
            .lateral("latest")
        )
        return select(latest.c.id, latest.c.address, latest.c.mail_key, latest.c.sent_at).select_from(
            person.join(latest, true())
        )
    numbered = (
        select(
            COLUMNS.id,
            COLUMNS.address,
            COLUMNS.mail_key,
            COLUMNS.sent_at,
            func.row_number().over(partition_by=COLUMNS.address, order_by=newest).label("n"),
        )
        .where(*own, ids_in(COLUMNS.address, dialect, "people"))
        .subquery()
    )
    return select(numbered.c.id, numbered.c.address, numbered.c.mail_key, numbered.c.sent_at).where(
        numbered.c.n <= bindparam("per_hour", type_=Integer())
    )


async def _free_rows(db: AsyncConnection, addresses: list[str], now: datetime, which: Any) -> list[Waiting]:
    """The persons' pending alert mail rows nobody holds that meet `which`: locked for this transaction,
    rows another instance has locked skipped."""
    statement = (
        select(
            COLUMNS.id,
            COLUMNS.notice_id,
            COLUMNS.address,
            COLUMNS.mail_key,
            COLUMNS.hold,
            COLUMNS.priority,
            COLUMNS.next_attempt_at,
            COLUMNS.exempt,
        )
        .where(
            COLUMNS.status == PENDING,
            COLUMNS.mail_key.is_not(None),
            COLUMNS.channel == DeliveryChannel.EMAIL,
            among(db, COLUMNS.address, addresses),
            or_(COLUMNS.lease_until.is_(None), COLUMNS.lease_until < now),
            which,
        )
        .order_by(COLUMNS.id)
        .with_for_update(skip_locked=True)
    )
    return [Waiting(*row) for row in (await db.execute(statement)).all()]


async def _mailed(
    db: AsyncConnection, addresses: list[str], now: datetime, deciding: Sequence[int], pacing: Pacing, keys: list[str]
) -> dict[str, list[Any]]:
    """Per person, the alert mails that count for this claim's decisions: (mail key, when). Bounded, however
    many a person had: for the rate limit only the `per_hour` latest of the hour (the one that frees a slot
    is among them), for the group window only the group updates of this claim's incidents, and every mail
    claimed but not handed to SMTP yet (as if now: without them two quick claims would both see room).
    The rows of the claim being decided (`deciding`) are not counted; a carried row went in another's mail."""
    alert_mails = (*OWN_ALERT_MAILS, among(db, COLUMNS.address, addresses))
    found: dict[int, tuple[str, str, datetime]] = {}
    # first what is on its way: claimed and going (leased), whatever hold it had (a held row whose slot
    # came, or a group update whose window ended, keeps its `hold` as it goes); a row told to wait has no
    # lease, so it is not counted
    # (the partial index's predicate, as a literal, so a generic plan uses it too: a scan of every pending
    # row, or of a person's whole history, would grow with the backlog and with time)
    in_flight = or_(
        COLUMNS.status == SENDING,
        (COLUMNS.status == PENDING) & (COLUMNS.lease_until > now) & COLUMNS.id.not_in(deciding),
    )
    flying = select(COLUMNS.id, COLUMNS.address, COLUMNS.mail_key).where(
        ALERT_MAIL_LEASED_ROWS, *alert_mails, in_flight
    )
    for ident, address, key in (await db.execute(flying)).all():
        found[ident] = (address, key, now)
    # then what went: a mail handed to SMTP between the two statements (each sees what was committed when
    # it began) is found by one or the other, or by both (once: by row); asked the other way round, it
    # would be in neither, and its person could get a mail past the limit
    if pacing.per_hour > 0:
        values = {"people": addresses, "since": now - HOUR, "per_hour": pacing.per_hour}
        for row in (await db.execute(_latest(dialect_of(db)), values)).all():
            found[row.id] = (row.address, row.mail_key, row.sent_at)
    updates = [key for key in keys if key.endswith(f"/{GROUP_UPDATE}")]
    if updates:
        window = (*alert_mails, WENT, among(db, COLUMNS.mail_key, updates))
        statement = select(COLUMNS.id, COLUMNS.address, COLUMNS.mail_key, COLUMNS.sent_at).where(
            *window, COLUMNS.sent_at > now - pacing.group_window
        )
        for row in (await db.execute(statement)).all():
            found[row.id] = (row.address, row.mail_key, row.sent_at)
    mailed: dict[str, list[Any]] = {}
    for address, key, when in found.values():
        mailed.setdefault(address, []).append((key, when))
    return mailed


@dataclass
class Person:
    """One person's part of a claim: the mails that go, the held rows that came due, what they were sent."""

    mailed: list[tuple[str, datetime]]
    sent: list[Bundle] = field(default_factory=list)
    held: list[Claim] = field(default_factory=list)


@dataclass
class Plan:
    """The decisions of one claim: the carriers that go, and every row's new pacing state."""

    owner: str
    now: datetime
    until: datetime
    pacing: Pacing
    going: list[Claim] = field(default_factory=list)
    changes: list[dict[str, Any]] = field(default_factory=list)

    def decide(self, bundles: list[Bundle], waiting: list[Waiting], mailed: list[tuple[str, datetime]]) -> Person:
        """Which of one person's mails of this claim go now, riskiest first; the others wait."""
        person = Person(mailed=mailed)
        for bundle in bundles:
            if bundle.mail == ALERT:
                bundle.waiting = [w for w in waiting if w.mail_key == bundle.key and w.hold in (None, GROUP_WINDOW)]
            elif bundle.mail == DIGEST:
                bundle.waiting = [w for w in waiting if w.hold == DIGEST]
            else:  # held rows whose slot came: they go in the next mail, or in their own
                person.held = sorted(bundle.claims, key=lambda c: c.order)
        sent = person.sent
        for bundle in sorted((b for b in bundles if b.mail != HELD), key=lambda b: b.claims[0].order):
            if bundle.group_update:
                last = max((when for key, when in mailed if key == bundle.key), default=None)
                opens = self.pacing.group_opens_at(last, self.now)
                if opens is not None:
                    minutes = self.pacing.group_window.total_seconds() / 60
                    note = f"folded into the next group update, due at {_jst(opens)} (one mail per person and"
                    self.wait(bundle.rows, GROUP_WINDOW, opens, f"{note} incident every {minutes:g} min)")
                    continue
            if bundle.mail == ALERT and not bundle.exempt and self._limited(bundle.rows, mailed):
                continue
            mailed.append((bundle.key or "", self.now))
            sent.append(bundle)
        return person

    def finish(self, person: Person, waiting_held: list[Waiting]) -> None:
        """The person's mails that go, the first naming everything the rate limit held back."""
        held: list[Row] = [*person.held, *waiting_held]
        rest = person.sent
        if held and person.sent:  # the next mail that goes names what was held back
            self.go(person.sent[0], held)
            rest = person.sent[1:]
        elif person.held and not self._limited(person.held, person.mailed):  # a slot came: their own mail
            person.mailed.append(("", self.now))
            self.go(Bundle(HELD, None, person.held[:1]), [*person.held[1:], *waiting_held])
        for bundle in rest:
            self.go(bundle, [])

    def _limited(self, rows: Sequence[Row], mailed: list[tuple[str, datetime]]) -> bool:
        """Held by the rate limit: the rows wait for a free slot (True), or may go (False)."""
        free = self.pacing.rate_free_at([when for _, when in mailed], self.now)
        if free is None:
            return False
        note = (
            f"held back by the rate limit ({self.pacing.per_hour} alert mails an hour); named in the next mail"
            f" to this person, at the latest at {_jst(free)}"
        )
        self.wait(rows, RATE_LIMIT, free, note)
        return True

    def wait(self, rows: Sequence[Row], hold: str, due: datetime, note: str) -> None:
        for row in rows:
            self._change(row, hold=hold, due=due, note=note[:500], carrier=None, leased=False)

    def go(self, bundle: Bundle, held: Sequence[Row]) -> None:
        """The bundle's first row carries the mail; its other rows ride as its alerts, `held` as held back."""
        carrier, alerts = bundle.claims[0], bundle.rows[1:]
        carrier.mail = bundle.mail
        carrier.priority = min(row.priority for row in [carrier, *alerts])
        carrier.riders = [Rider(r.id, r.notice_id) for r in alerts] + [Rider(r.id, r.notice_id, True) for r in held]
        why = "in the daily digest mail of" if bundle.mail == DIGEST else "in one mail with"
        for row in alerts:
            self._change(row, note=f"{why} delivery {carrier.id}", carrier=carrier.id)
        for row in held:
            note = f"held back by the rate limit; named in the mail of delivery {carrier.id}"
            self._change(row, note=note, carrier=carrier.id)
        if carrier.riders or carrier.carried_by is not None:
            if bundle.mail == HELD:
                note = "held back by the rate limit; its mail names every alert held back"
            else:
                note = f"one mail: {len(alerts) + 1} alerts" + (f", naming {len(held)} held back" if held else "")
            self._change(carrier, note=note, carrier=None)
        self.going.append(carrier)

    def _change(
        self,
        row: Row,
        *,
        note: str,
        carrier: int | None,
        hold: str | None = None,
        due: datetime | None = None,
        leased: bool = True,
    ) -> None:
        self.changes.append(
            {
                "row": row.id,
                "new_hold": hold if hold is not None else row.hold,
                "new_due": due if due is not None else row.due_at,
                "new_note": note[:500],
                "new_carrier": carrier,
                "new_owner": self.owner if leased else None,
                "new_until": self.until if leased else None,
            }
        )


def _jst(moment: datetime) -> str:
    return f"{moment.astimezone(JST):%Y-%m-%d %H:%M} JST"
