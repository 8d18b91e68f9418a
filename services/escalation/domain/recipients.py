"""Whether a notice recipient can be sent to (issue 12, item 1): checked on the desk before any approval.

Addresses are checked with email-validator (internationalised addresses such as `jöhn@example.de` and
`山田@例え.jp` allowed, no DNS lookup); control characters, CR and LF included, are refused in addresses and
names, so nothing can be smuggled into an SMTP command or a mail header.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable

from email_validator import EmailNotValidError, validate_email

from pidesk.shared.events import NoticeRecipient

CONTROL = frozenset({"Cc", "Cf", "Zl", "Zp"})  # controls (CR, LF, VT, NUL, DEL …), format, line/paragraph


def has_control(text: str) -> bool:
    return any(unicodedata.category(ch) in CONTROL for ch in text)


def address_problem(address: str) -> str | None:
    """Why `address` cannot be a recipient, or None."""
    if has_control(address):
        return "the address contains a control character (CR, LF, tab or the like)"
    try:
        validate_email(address, check_deliverability=False, allow_smtputf8=True)
    except EmailNotValidError as exc:
        return f"not an e-mail address: {exc}"
    return None


def recipient_problems(recipient: NoticeRecipient) -> list[tuple[str, str]]:
    """(field, reason) for each thing wrong with one recipient."""
    problems = []
    reason = address_problem(recipient.email)
    if reason:
        problems.append(("email", reason))
    if has_control(recipient.name):
        problems.append(("name", "the name contains a control character (CR, LF, tab or the like)"))
    return problems


def first_problem(recipients: Iterable[NoticeRecipient]) -> str | None:
    """'recipient n: field: reason' for the first bad recipient (1-based), or None."""
    for number, recipient in enumerate(recipients, start=1):
        for field, reason in recipient_problems(recipient):
            return f"recipient {number}: {field}: {reason}"
    return None
