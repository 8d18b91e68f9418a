"""What each recipient is sent: their notice in their own language, rendered once per wording.

Notices are read once per claimed batch and kept a few seconds: an approved notice's wording no longer
changes, and a sibling draft's new wording (the other language) applies within seconds. An internal
alert mail that carries other rows (mailings.py) is composed for its person from every alert in it.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import inspect, select
from sqlalchemy.ext.asyncio import AsyncSession

from pidesk.services.notifier.adapters.letters import NAME_SLOT, Letter
from pidesk.services.notifier.adapters.orm import Notice
from pidesk.services.notifier.adapters.rendering import RenderedNotice, markdown_html, render_notice, salutation
from pidesk.services.notifier.config import NotifierSettings
from pidesk.services.notifier.domain.alert_mail import DIGEST, HELD, compose
from pidesk.services.notifier.domain.approval import not_sendable
from pidesk.services.notifier.domain.plan import INTERNAL, template_for
from pidesk.services.notifier.service.drafting import notice_id
from pidesk.services.notifier.service.leases import Claim
from pidesk.shared.db.base import utcnow

log = logging.getLogger(__name__)
NOTICE_CACHE_SECONDS = 5.0
MAX_CACHED = 1024


class Wording:
    def __init__(self, settings: NotifierSettings) -> None:
        self.settings = settings
        self._notices: dict[uuid.UUID, tuple[float, Notice | None]] = {}
        self._letters: dict[tuple[uuid.UUID, int, bool], Letter] = {}

    async def attach(self, session: AsyncSession, claims: Iterable[Claim], now: datetime | None = None) -> None:
        """Give each claim the letter in its recipient's language."""
        now = now or utcnow()
        claims = list(claims)
        await self._load(session, {i for c in claims for i in (c.notice_id, *(r.notice_id for r in c.riders))})
        wanted = {}
        for claim in claims:
            notice = self._cached(claim.notice_id)
            assert notice is not None
            if claim.language != notice.language:  # each person reads the notice in their own language
                wanted[claim.notice_id, claim.language] = notice_id(
                    notice.incident_id, notice.kind, notice.variant, claim.language
                )
        await self._load(session, set(wanted.values()))
        for claim in claims:
            notice = self._cached(claim.notice_id)
            assert notice is not None
            sibling = wanted.get((claim.notice_id, claim.language))
            source = (self._cached(sibling) if sibling else None) or notice
            if notice.kind != INTERNAL and (refusal := not_sendable(source, own=source is notice)):
                claim.problem, claim.refused = f"not sent: {refusal}"[:500], True  # never another wording
                continue
            try:
                if claim.riders or claim.mail in (DIGEST, HELD):
                    claim.letter = self._mail(claim, notice.reference, now)
                else:
                    claim.letter = self._letter(source, notice.reference, bool(claim.name), now)
            except Exception as exc:  # one notice's broken wording must not hold up the others
                log.exception("notice could not be composed", extra={"notice_id": str(source.id)})
                claim.problem = f"the notice could not be composed: {type(exc).__name__}: {exc}"[:500]

    async def _load(self, session: AsyncSession, ids: set[uuid.UUID]) -> None:
        now = time.monotonic()
        stale = [i for i in ids if i not in self._notices or self._notices[i][0] <= now or not _intact(i, self)]
        if not stale:
            return
        found = {n.id: n for n in (await session.scalars(select(Notice).where(Notice.id.in_(stale)))).all()}
        if len(self._notices) + len(stale) > MAX_CACHED:
            self._notices.clear()
        for ident in stale:
            notice = found.get(ident)
            if notice is not None:
                session.expunge(notice)  # kept beyond this session, read only
            self._notices[ident] = (now + NOTICE_CACHE_SECONDS, notice)

    def _cached(self, ident: uuid.UUID) -> Notice | None:
        entry = self._notices.get(ident)
        return entry[1] if entry else None

    def forget(self) -> None:
        """Drop every cached notice (after a crash of the loop: nothing stale is carried into its restart)."""
        self._notices.clear()
        self._letters.clear()

    def _letter(self, source: Notice, reference: str, named: bool, now: datetime) -> Letter:
        """The notice rendered once per (notice, wording, named or not); each person's name goes in after."""
        key = (source.id, hash((source.subject, source.body, source.edited_at, reference)), named)
        letter = self._letters.get(key)
        if letter is None:
            name = NAME_SLOT if named else ""
            if source.edited_at is not None:  # the desk's wording, with the person's name above it
                rendered = RenderedNotice(source.subject, salutation(name, source.language) + source.body)
            elif source.kind == INTERNAL:
                values = compose([source.context], language=source.language, desk_url=self.settings.desk_url, now=now)
                rendered = render_notice("internal_alert", source.language, values | {"recipient_name": name})
            else:
                context = {**source.context, "recipient_name": name}
                rendered = render_notice(template_for(source.kind, source.variant), source.language, context)
            letter = self._made(rendered, source.language, reference)
            if len(self._letters) >= 256:
                self._letters.clear()
            self._letters[key] = letter
        return letter

    def _mail(self, claim: Claim, reference: str, now: datetime) -> Letter:
        """One person's alert mail from every row it carries (made for this mail alone)."""
        main: list[dict[str, Any]] = []
        held: list[dict[str, Any]] = []
        parts = [(claim.notice_id, claim.mail == HELD), *((r.notice_id, r.held) for r in claim.riders)]
        for ident, is_held in parts:
            notice = self._cached(ident)
            if notice is None:
                raise LookupError(f"notice {ident} of a carried alert is gone")
            (held if is_held else main).append(notice.context)
        values = compose(
            main, held, language=claim.language, desk_url=self.settings.desk_url, now=now, digest=claim.mail == DIGEST
        )
        name = NAME_SLOT if claim.name else ""  # sealed: "" only when there is no name
        rendered = render_notice("internal_alert", claim.language, values | {"recipient_name": name})
        return self._made(rendered, claim.language, reference)

    def _made(self, rendered: RenderedNotice, language: str, reference: str) -> Letter:
        return Letter(
            sender=self.settings.mail_from,
            sender_name=self.settings.mail_from_name,
            subject=rendered.subject,
            body=rendered.body,
            body_html=markdown_html(rendered.body),
            language=language,
            reference=reference,
        )


def _intact(ident: uuid.UUID, wording: Wording) -> bool:
    """A cached notice every attribute of which is loaded: reading it can never need the (closed) session.
    An instance expired before it was detached (a rolled-back transaction) would raise DetachedInstanceError."""
    notice = wording._cached(ident)
    return notice is None or not inspect(notice).unloaded
