"""What makes a recipient address unusable for SMTP, decided per recipient (issue 12, items 1 and 14).

An address that cannot go into an SMTP command as it is (a control character: CR or LF would inject a
second command; a vertical tab makes the client refuse it) is that recipient's failure, never the
delivery loop's. An address with non-ASCII characters (`jöhn@example.de`, `山田@例え.jp`) needs a server
offering SMTPUTF8 (RFC 6531).
"""

from __future__ import annotations

import unicodedata

CONTROL = frozenset({"Cc", "Cf", "Zl", "Zp"})  # controls (CR, LF, VT, NUL, DEL …), format, line/paragraph


def address_problem(address: str) -> str | None:
    """Why `address` can never be sent to, or None."""
    if any(unicodedata.category(ch) in CONTROL for ch in address):
        return "the address contains a control character (CR, LF, tab or the like); not sent"
    if any(ch.isspace() for ch in address) or address.count("@") != 1:
        return "not a mailbox address; not sent"
    local, domain = address.split("@")
    if not local or not domain or any(ch in address for ch in "<>"):
        return "not a mailbox address; not sent"
    return None


def needs_smtputf8(address: str) -> bool:
    return not address.isascii()
