"""What an approval approves: the notifier's wording of each language draft it covers, by hash.

The desk asks the notifier when the approval is given (no row lock held) and sends the hashes with
pidesk.notice.requested.v1; the notifier sends nothing whose wording differs (it fails the notice instead).
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from typing import Any

NoticeLookup = Callable[[uuid.UUID], Awaitable[dict[str, Any] | None]]


class WordingUnknown(LookupError):
    """The notifier has no such notice: nothing can be approved."""


async def approved_wording(notice_id: uuid.UUID, lookup: NoticeLookup | None) -> dict[str, str] | None:
    """{language: hash} of the drafts an approval of the notice covers, as the notifier has them now. None
    without a notifier to ask, or from a notifier of before the hashes (it then locks what it finds).
    NotifierUnavailable (from `lookup`) when it does not answer: the desk approves nothing unseen."""
    if lookup is None:
        return None
    found = await lookup(notice_id)
    if found is None:
        raise WordingUnknown(f"the notifier has no notice {notice_id}")
    covers = found.get("approval_covers")
    if not isinstance(covers, dict):
        return None
    return {str(language): str(digest) for language, digest in covers.items()}
