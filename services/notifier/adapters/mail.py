"""Outgoing mail: composing a notice as a MIME message, and one SMTP connection that sends it in two phases.

`prepare` runs MAIL FROM and RCPT TO: a refusal there means nothing was sent, so it is safe to retry
or to record as failed. `transmit` sends DATA: from its first byte on, the message may have been
accepted, so the caller records the attempt as `sending` before calling it.

Whatever is wrong with one recipient (a control character, an address the client cannot encode, a
non-ASCII address to a server without SMTPUTF8) is that recipient's failure, answered by `prepare` as an
outcome, never raised. STARTTLS (`off`, `opportunistic`: when the server offers it, `required`) and
AUTH (when a user name is set) follow the settings.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid

import aiosmtplib

from pidesk.services.notifier.adapters.rendering import markdown_html
from pidesk.services.notifier.domain.addresses import address_problem, needs_smtputf8


@dataclass(frozen=True)
class Outcome:
    """What became of one attempt: sent, retry (temporary: nothing was delivered), failed, or unconfirmed."""

    status: str
    detail: str = ""


SENT = "sent"
RETRY = "retry"
FAILED = "failed"
UNCONFIRMED = "unconfirmed"
STARTTLS_MODES = ("off", "opportunistic", "required")


@dataclass(frozen=True)
class SmtpSecurity:
    """STARTTLS and AUTH for the SMTP sessions (NOTIFIER_SMTP_STARTTLS, _USERNAME, _PASSWORD)."""

    starttls: str = "off"
    username: str | None = None
    password: str | None = None

    @property
    def start_tls(self) -> bool | None:
        """aiosmtplib's `start_tls`: False never, None when offered, True or the connection fails."""
        return {"off": False, "opportunistic": None, "required": True}[self.starttls]


def compose(
    *,
    sender: str,
    sender_name: str,
    to: str,
    to_name: str,
    subject: str,
    body: str,
    language: str,
    message_id: str,
    html: str | None = None,
    reference: str,
    now: datetime,
) -> EmailMessage:
    """A multipart/alternative message: the Markdown as text/plain and its HTML (`html`, else made here), UTF-8."""
    message = EmailMessage()
    message["From"] = _address(sender_name, sender)
    message["To"] = _address(to_name, to)
    message["Subject"] = subject
    message["Date"] = format_datetime(now)
    message["Message-ID"] = message_id
    message["X-Pidesk-Reference"] = reference
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(body, subtype="plain", charset="utf-8")
    fragment = markdown_html(body) if html is None else html
    page = f'<!doctype html><html lang="{language}"><meta charset="utf-8"><body>{fragment}</body></html>'
    message.add_alternative(page, subtype="html", charset="utf-8")
    message["Content-Language"] = language  # after the content: setting it clears Content-* headers
    return message


def _address(name: str, address: str) -> Address | str:
    try:
        local, domain = address.rsplit("@", 1)
        return Address(display_name=name, username=local, domain=domain)
    except (ValueError, IndexError):
        return address


def message_id_for(key: str, domain: str) -> str:
    """A stable Message-ID per (notice, recipient): a resend, if one ever happens, is recognisably the same mail."""
    return f"<{key}@{domain}>" if key else make_msgid(domain=domain)


class MailConnection:
    """One SMTP session, kept open across messages and reopened when it drops; one worker uses it at a time."""

    def __init__(self, host: str, port: int, timeout: float, sender: str, security: SmtpSecurity | None = None) -> None:
        self.host, self.port, self.timeout, self.sender = host, port, timeout, sender
        self.security = security or SmtpSecurity()
        self._smtp: aiosmtplib.SMTP | None = None

    async def _session(self) -> aiosmtplib.SMTP:
        if self._smtp is None or not self._smtp.is_connected:
            security = self.security
            smtp = aiosmtplib.SMTP(
                hostname=self.host,
                port=self.port,
                timeout=self.timeout,
                start_tls=security.start_tls,
                username=security.username or None,
                password=security.password if security.username else None,
            )
            await smtp.connect()
            self._smtp = smtp
        return self._smtp

    async def prepare(self, recipient: str) -> Outcome | None:
        """MAIL FROM and RCPT TO; None when the server will take the message, else why not (nothing sent)."""
        problem = address_problem(recipient)
        if problem is not None:  # never put into a command
            return Outcome(FAILED, problem)
        try:
            smtp = await self._session()
            utf8 = needs_smtputf8(recipient) or needs_smtputf8(self.sender)
            if utf8:
                if not smtp.esmtp_extensions:
                    await smtp.ehlo()
                if not smtp.supports_extension("smtputf8"):
                    return Outcome(FAILED, "the address is not ASCII and the SMTP server does not offer SMTPUTF8")
            encoding = "utf-8" if utf8 else "ascii"
            await smtp.mail(self.sender, options=["SMTPUTF8"] if utf8 else None, encoding=encoding)
            await smtp.rcpt(recipient, encoding=encoding)
            return None
        except aiosmtplib.SMTPResponseException as exc:
            await self._reset()
            return _refusal(exc.code, exc.message)
        except (TimeoutError, aiosmtplib.SMTPException, OSError) as exc:
            await self.close()
            return Outcome(RETRY, f"{type(exc).__name__}: {exc}"[:500])
        except (UnicodeError, ValueError) as exc:  # this address cannot be put into a command: its failure
            await self._reset()
            return Outcome(FAILED, f"the address cannot be sent to: {type(exc).__name__}: {exc}"[:500])

    async def transmit(self, message: EmailMessage | bytes) -> Outcome:
        """DATA. A refusal is final either way; a lost connection or timeout leaves the message unconfirmed."""
        try:
            smtp = await self._session()
            response = await smtp.data(message if isinstance(message, bytes) else message.as_bytes())
            return Outcome(SENT, f"{response.code} {response.message}"[:500])
        except aiosmtplib.SMTPResponseException as exc:
            await self._reset()
            return _refusal(exc.code, exc.message)
        except (TimeoutError, aiosmtplib.SMTPException, OSError) as exc:
            await self.close()
            return Outcome(UNCONFIRMED, f"{type(exc).__name__}: {exc}"[:500])

    async def abandon(self) -> None:
        """Give up a prepared transaction (RSET), e.g. when recording `sending` failed."""
        await self._reset()

    async def _reset(self) -> None:
        if self._smtp is not None and self._smtp.is_connected:
            try:
                await self._smtp.rset()
            except (TimeoutError, aiosmtplib.SMTPException, OSError):
                await self.close()

    async def close(self) -> None:
        smtp, self._smtp = self._smtp, None
        if smtp is not None:
            try:
                if smtp.is_connected:
                    await smtp.quit()
            except (TimeoutError, aiosmtplib.SMTPException, OSError):
                smtp.close()


def _refusal(code: int, message: str) -> Outcome:
    detail = f"{code} {message}"[:500]
    if 400 <= code < 500:
        return Outcome(RETRY, detail)
    return Outcome(FAILED, detail)
