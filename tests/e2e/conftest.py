"""Fixtures of the e2e tier."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.support.mail import MailSink


@pytest.fixture
def sink() -> Iterator[MailSink]:
    """A real SMTP server in the test process, keeping every message (tests/support/mail.py)."""
    with MailSink() as running:
        yield running
