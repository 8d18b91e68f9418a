"""What an approval covers: the wording of each language draft, by hash. Pure: no I/O.

A data-subject notice is mailed to each person in their own language, so approving it approves every
language draft of it; a public notice or a regulator draft is issued in its own language only.
"""

from __future__ import annotations

import hashlib
from typing import Protocol

from pidesk.services.notifier.domain.plan import DATA_SUBJECT


class Worded(Protocol):
    kind: str
    language: str
    subject: str
    body: str


class Locked(Worded, Protocol):
    approved_wording: str | None


def wording_hash(subject: str, body: str) -> str:
    """SHA-256 (hex) of a draft's subject and Markdown body: what the desk approves, what is sent."""
    return hashlib.sha256(f"{subject}\n\x00\n{body}".encode()).hexdigest()


def hash_of(notice: Worded) -> str:
    return wording_hash(notice.subject, notice.body)


def covers_every_language(kind: str) -> bool:
    """Whether approving one language draft of a notice of `kind` approves the others with it."""
    return kind == DATA_SUBJECT


def mismatch(covered: dict[str, str], approved: dict[str, str]) -> list[str]:
    """The languages whose current wording (`covered`) is not the approved one; a draft the approval did
    not name, or one it named that is not here, counts too."""
    return sorted(lang for lang in covered.keys() | approved.keys() if covered.get(lang) != approved.get(lang))


def not_sendable(source: Locked, own: bool) -> str | None:
    """Why the wording of `source` must not be sent to a recipient of an approved notice (`own`: `source` is
    that notice, not its other language draft), or None. An approval of before the lock (none recorded on
    the approved notice itself) is sent as it stands; another language draft must carry the lock."""
    if source.approved_wording is None:
        return None if own else f"the {source.language} draft was not covered by the approval"
    if hash_of(source) != source.approved_wording:
        return f"the {source.language} draft is not the wording approved"
    return None
