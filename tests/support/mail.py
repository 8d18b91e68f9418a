"""A real SMTP server (aiosmtpd) in the test process, keeping every message it accepts.

Addresses can be told to refuse: `temporary[address] = n` answers 451 to the first n attempts,
`permanent` answers 550 at RCPT TO; `data_delay` seconds pass before a message is accepted (a slow relay).
"""

from __future__ import annotations

import asyncio
import email
import email.policy
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from email.message import EmailMessage
from typing import Any

from aiosmtpd.controller import Controller

from tests.support.infra import free_port


@dataclass
class Received:
    recipients: list[str]
    raw: bytes
    at: float = field(default_factory=time.monotonic)

    @property
    def message(self) -> EmailMessage:
        parsed = email.message_from_bytes(self.raw, policy=email.policy.default)
        assert isinstance(parsed, EmailMessage)
        return parsed

    def text(self) -> str:
        part = self.message.get_body(("plain",))
        assert part is not None
        return str(part.get_content()).replace("\r\n", "\n")


@dataclass
class RecordingHandler:
    messages: list[Received] = field(default_factory=list)
    temporary: dict[str, int] = field(default_factory=dict)
    permanent: set[str] = field(default_factory=set)
    refusals: Counter[str] = field(default_factory=Counter)
    data_delay: float = 0.0
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_RCPT(  # noqa: N802 - aiosmtpd calls handle_<VERB>
        self, server: Any, session: Any, envelope: Any, address: str, options: list[str]
    ) -> str:
        with self.lock:
            if address in self.permanent:
                self.refusals[address] += 1
                return "550 5.1.1 mailbox unavailable"
            if self.temporary.get(address, 0) > 0:
                self.temporary[address] -= 1
                self.refusals[address] += 1
                return "451 4.3.0 try again later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(  # noqa: N802
        self, server: Any, session: Any, envelope: Any
    ) -> str:
        if self.data_delay:
            await asyncio.sleep(self.data_delay)
        with self.lock:
            self.messages.append(
                Received(list(envelope.rcpt_tos), bytes(envelope.original_content or envelope.content))
            )
        return "250 Message accepted"

    def count(self) -> int:
        with self.lock:
            return len(self.messages)

    def by_recipient(self) -> Counter[str]:
        with self.lock:
            return Counter(r for m in self.messages for r in m.recipients)

    def to(self, address: str) -> list[Received]:
        with self.lock:
            return [m for m in self.messages if address in m.recipients]


class MailSink:
    """`with MailSink() as sink:` — a running SMTP server on a free port (`smtputf8`: offering SMTPUTF8)."""

    def __init__(self, smtputf8: bool = False) -> None:
        self.handler = RecordingHandler()
        self.port = free_port()
        self.controller = Controller(
            self.handler, hostname="127.0.0.1", port=self.port, decode_data=False, enable_SMTPUTF8=smtputf8
        )

    def __enter__(self) -> MailSink:
        self.controller.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.controller.stop()

    def wait_for(self, predicate: Any, timeout: float = 60.0, every: float = 0.1) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if predicate():
                return True
            time.sleep(every)
        return bool(predicate())
