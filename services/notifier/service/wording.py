"""What each recipient is sent: their notice in their own language, rendered once per wording.

Notices are read once per claimed batch and kept a few seconds: an approved notice's wording no longer
changes, and a sibling draft's new wording (the other language) applies within seconds.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from pidesk.services.notifier.adapters.letters import NAME_SLOT, Letter
from pidesk.services.notifier.adapters.orm import Notice
from pidesk.services.notifier.adapters.rendering import RenderedNotice, markdown_html, render_notice, salutation
from pidesk.services.notifier.config import NotifierSettings
from pidesk.services.notifier.domain.plan import template_for
from pidesk.services.notifier.service.drafting import notice_id
from pidesk.services.notifier.service.leases import Claim

log = logging.getLogger(__name__)
NOTICE_CACHE_SECONDS = 5.0
MAX_CACHED = 1024


class Wording:
    def __init__(self, settings: NotifierSettings) -> None:
        self.settings = settings
        self._notices: dict[uuid.UUID, tuple[float, Notice | None]] = {}
        self._letters: dict[tuple[uuid.UUID, int, bool], Letter] = {}

    async def attach(self, session: AsyncSession, claims: Iterable[Claim]) -> None:
        """Give each claim the letter in its recipient's language."""
        claims = list(claims)
        await self._load(session, {c.notice_id for c in claims})
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
            try:
                claim.letter = self._letter(source, notice.reference, bool(claim.name.strip()))
            except Exception as exc:  # one notice's broken wording must not hold up the others
                log.exception("notice could not be composed", extra={"notice_id": str(source.id)})
                claim.problem = f"the notice could not be composed: {type(exc).__name__}: {exc}"[:500]

    async def _load(self, session: AsyncSession, ids: set[uuid.UUID]) -> None:
        now = time.monotonic()
        stale = [i for i in ids if i not in self._notices or self._notices[i][0] <= now]
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

    def _letter(self, source: Notice, reference: str, named: bool) -> Letter:
        """The notice rendered once per (notice, wording, named or not); each person's name goes in after."""
        key = (source.id, hash((source.subject, source.body, source.edited_at, reference)), named)
        letter = self._letters.get(key)
        if letter is None:
            name = NAME_SLOT if named else ""
            if source.edited_at is not None:  # the desk's wording, with the person's name above it
                rendered = RenderedNotice(source.subject, salutation(name, source.language) + source.body)
            else:
                context = {**source.context, "recipient_name": name}
                rendered = render_notice(template_for(source.kind, source.variant), source.language, context)
            letter = Letter(
                sender=self.settings.mail_from,
                sender_name=self.settings.mail_from_name,
                subject=rendered.subject,
                body=rendered.body,
                body_html=markdown_html(rendered.body),
                language=source.language,
                reference=reference,
            )
            if len(self._letters) >= 256:
                self._letters.clear()
            self._letters[key] = letter
        return letter
