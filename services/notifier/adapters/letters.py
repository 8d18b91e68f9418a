"""A notice's mail built once, personalised per recipient.

The headers every copy shares (From, Subject: folded and RFC 2047-encoded by the email package) and the
MIME boundary are made once per (notice, wording, named or not); each message then only fills in the
address, the person's name, the Message-ID and the Date, and encodes its two bodies. Composing an
`EmailMessage` per recipient cost ~2 ms of CPU, more than everything else per message together.
`compose` (adapters/mail.py) stays the general path and the reference the tests compare against.
"""

from __future__ import annotations

import binascii
import html
import re
import secrets
from datetime import datetime
from email.header import Header
from email.message import EmailMessage
from email.policy import SMTP, SMTPUTF8
from email.utils import format_datetime
from functools import lru_cache

from pidesk.services.notifier.adapters.mail import _address, compose

NAME_SLOT = "PIDESKRECIPIENTNAME0SLOT"  # survives Jinja and Markdown untouched; replaced per person
# an address that can go into the To header as it is; anything else takes the general path
PLAIN_ADDRESS = re.compile(r"[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9.-]+")
CRLF = b"\r\n"
LONGEST_7BIT_LINE = 900  # RFC 5322 allows 998; longer lines are base64-encoded


class Letter:
    """One notice's wording in one language (Markdown and its HTML, `NAME_SLOT` where a name goes), ready
    to be mailed to each of its recipients."""

    def __init__(
        self, *, sender: str, sender_name: str, subject: str, body: str, body_html: str, language: str, reference: str
    ) -> None:
        self.sender, self.sender_name, self.subject = sender, sender_name, subject
        self.body, self.body_html, self.language, self.reference = body, body_html, language, reference
        self._boundary = f"=_pidesk_{secrets.token_hex(12)}".encode()
        self._headers = b"".join(
            (
                _sender(sender_name, sender),
                _folded("Subject", subject),
                _folded("Content-Language", language),
                _folded("X-Pidesk-Reference", reference),
                b"Auto-Submitted: auto-generated\r\nMIME-Version: 1.0\r\n",
                b'Content-Type: multipart/alternative;\r\n boundary="' + self._boundary + b'"\r\n',
            )
        )
        named = NAME_SLOT in body or NAME_SLOT in body_html
        self._unnamed = None if named else self._bodies("")  # the same bodies for everyone: encoded once

    def text(self, name: str) -> str:
        return self.body.replace(NAME_SLOT, " ".join(name.split()))

    def html(self, name: str) -> str:
        return self.body_html.replace(NAME_SLOT, html.escape(" ".join(name.split())))

    def mime(self, *, to: str, name: str, message_id: str, now: datetime) -> bytes:
        """The message to `to` as DATA carries it (CRLF line ends)."""
        plain, page = self._unnamed or self._bodies(name)
        boundary = self._boundary
        if not PLAIN_ADDRESS.fullmatch(to) or not message_id.isascii() or boundary in plain or boundary in page:
            return self.composed(to=to, name=name, message_id=message_id, now=now)
        return b"".join(
            (
                b"To: " + to.encode() + CRLF,
                b"Date: " + format_datetime(now).encode() + CRLF,
                b"Message-ID: " + message_id.encode() + CRLF,
                self._headers,
                CRLF,
                b"--" + boundary + CRLF,
                b'Content-Type: text/plain; charset="utf-8"' + CRLF,
                plain,
                b"--" + boundary + CRLF,
                b'Content-Type: text/html; charset="utf-8"' + CRLF,
                page,
                b"--" + boundary + b"--" + CRLF,
            )
        )

    def composed(self, *, to: str, name: str, message_id: str, now: datetime) -> bytes:
        """The same message through the email package: for unusual addresses, and as the tests' reference."""
        message = compose(
            sender=self.sender,
            sender_name=self.sender_name,
            to=to,
            to_name="",
            subject=self.subject,
            body=self.text(name),
            html=self.html(name),
            language=self.language,
            message_id=message_id,
            reference=self.reference,
            now=now,
        )
        return message.as_bytes(policy=SMTP if to.isascii() else SMTPUTF8)  # SMTPUTF8: RFC 6532 headers

    def _bodies(self, name: str) -> tuple[bytes, bytes]:
        page = f'<!doctype html><html lang="{self.language}"><meta charset="utf-8"><body>{self.html(name)}</body>'
        page += "</html>"
        return _part(self.text(name)), _part(page)


@lru_cache(maxsize=16)
def _sender(name: str, address: str) -> bytes:
    """The From header (the same on every message), folded and RFC 2047-encoded by the email package."""
    head = EmailMessage(policy=SMTP)
    head["From"] = _address(name, address)
    return b"".join(SMTP.fold_binary(key, value) for key, value in head.items())


def _folded(name: str, value: str) -> bytes:
    """An unstructured header: as it is when short ASCII, else RFC 2047 encoded words on folded lines."""
    value = value.replace("\r", " ").replace("\n", " ")  # a header is one logical line
    if value.isascii():  # folded at spaces (each fold unfolds back to the space it replaced)
        lines, line = [], f"{name}:"
        for word in value.split(" "):
            if len(line) + 1 + len(word) > 76 and line.strip() and not line.endswith(":"):
                lines.append(line)
                line = ""
            line += " " + word
        return ("\r\n".join([*lines, line]) + "\r\n").encode()
    return f"{name}: {Header(value, 'utf-8', header_name=name).encode(linesep=CRLF.decode())}\r\n".encode("ascii")


def _part(content: str) -> bytes:
    """A body part's transfer encoding, blank line and content: 7bit when plain ASCII, else base64."""
    data = content.encode("utf-8") if content.endswith("\n") else (content + "\n").encode("utf-8")
    lines = data.replace(b"\r\n", b"\n").split(b"\n")
    if data.isascii() and max(len(line) for line in lines) <= LONGEST_7BIT_LINE:
        return b"Content-Transfer-Encoding: 7bit\r\n\r\n" + CRLF.join(lines[:-1]) + CRLF + CRLF
    encoded = b"".join(binascii.b2a_base64(data[i : i + 57]) for i in range(0, len(data), 57))
    return b"Content-Transfer-Encoding: base64\r\n\r\n" + encoded.replace(b"\n", CRLF)
