"""A notice's mail built once and personalised per recipient is the same message `compose` makes (pure code)."""

from __future__ import annotations

import email
import email.policy
import re
from datetime import UTC, datetime
from email.message import EmailMessage

import pytest

from pidesk.services.notifier.adapters.letters import NAME_SLOT, Letter
from pidesk.services.notifier.adapters.rendering import markdown_html, render_notice, salutation
from pidesk.services.notifier.domain.context import alert_context, notice_context
from pidesk.services.notifier.domain.plan import plan_notices
from tests.unit.test_notice_drafting import ALL, CONTACT, FACTS, NOW

HEADERS = ("From", "To", "Subject", "Date", "Message-ID", "Content-Language", "X-Pidesk-Reference", "Auto-Submitted")


def letter(language: str, body: str, subject: str, sender_name: str = "個人情報お問い合わせ窓口") -> Letter:
    return Letter(
        sender="privacy@example.com",
        sender_name=sender_name,
        subject=subject,
        body=body,
        body_html=markdown_html(body),
        language=language,
        reference="PI-2026-000123",
    )


def data_subject_letter(language: str) -> Letter:
    plan = next(p for p in plan_notices(ALL) if p.kind == "data_subject")
    context = notice_context(
        plan=plan,
        language=language,
        reference="PI-2026-000123",
        company="Example Holdings",
        facts=FACTS,
        assessment={"risk_level": "very_high", "obligations": ALL},
        contact=CONTACT,
        now=NOW,
    )
    rendered = render_notice(plan.template, language, {**context, "recipient_name": NAME_SLOT})
    return letter(language, rendered.body, rendered.subject)


def parsed(raw: bytes) -> EmailMessage:
    message = email.message_from_bytes(raw, policy=email.policy.default)
    assert isinstance(message, EmailMessage)
    return message


def same_message(a: bytes, b: bytes) -> EmailMessage:
    first, second = parsed(a), parsed(b)
    for header in HEADERS:
        assert str(first[header]) == str(second[header]), header
    for kind in ("plain", "html"):
        one, other = first.get_body((kind,)), second.get_body((kind,))
        assert one is not None and other is not None
        assert one.get_content_type() == other.get_content_type() and one.get_content_charset() == "utf-8"
        assert _lines(one.get_content()) == _lines(other.get_content()), kind
    return first


def _lines(content: str) -> str:
    return content.replace("\r\n", "\n")  # an 8bit part read back keeps the CRLF it travelled with


@pytest.mark.parametrize("language", ["ja", "en"])
def test_a_personalised_notice_is_the_message_compose_makes(language: str) -> None:
    notice = data_subject_letter(language)
    now = datetime(2026, 11, 23, 3, 0, tzinfo=UTC)
    fast = notice.mime(to="taro@example.net", name="山田  太郎", message_id="<n1.42@example.com>", now=now)
    slow = notice.composed(to="taro@example.net", name="山田  太郎", message_id="<n1.42@example.com>", now=now)
    message = same_message(fast, slow)
    head = fast.split(b"\r\n\r\n", 1)[0]
    assert head.isascii()  # RFC 2047 encoded words, nothing raw
    assert re.search(rb"[^\r]\n", fast) is None  # CRLF line ends throughout, as DATA carries them
    assert message["To"] == "taro@example.net" and message["Message-ID"] == "<n1.42@example.com>"
    assert message["Content-Language"] == language
    plain = message.get_body(("plain",))
    assert plain is not None
    expected = "山田 太郎 様" if language == "ja" else "Dear 山田 太郎"
    assert expected in plain.get_content() and NAME_SLOT not in fast.decode("ascii", "replace")


def test_each_recipient_gets_their_own_name_address_and_message_id() -> None:
    notice = letter("en", salutation(NAME_SLOT, "en") + "Hello <b>there</b> & more.\n", "Your data")
    first = parsed(notice.mime(to="a@example.net", name="Ann <Lee>", message_id="<1@x>", now=NOW))
    second = parsed(notice.mime(to="b@example.net", name="Bob", message_id="<2@x>", now=NOW))
    assert (first["To"], first["Message-ID"], second["To"], second["Message-ID"]) == (
        "a@example.net",
        "<1@x>",
        "b@example.net",
        "<2@x>",
    )
    first_plain, second_html = first.get_body(("plain",)), second.get_body(("html",))
    assert first_plain is not None and second_html is not None
    assert first_plain.get_content().startswith("Dear Ann <Lee>,")
    assert "Dear Bob," in second_html.get_content() and "Ann" not in second_html.get_content()
    html_part = first.get_body(("html",))
    assert html_part is not None and "Ann &lt;Lee&gt;" in html_part.get_content()  # a name never becomes markup


def test_an_internal_alert_in_plain_english_travels_as_7bit_and_long_lines_as_base64() -> None:
    event = {
        "reference": "PI-2026-000123",
        "target": "promotion_bureau",
        "step": 2,
        "reason": "escalated",
        "risk_level": "high",
        "ack_due_at": None,
        "nearest_obligation": None,
    }
    rendered = render_notice(
        "internal_alert", "en", {**alert_context(event, "en", "https://d/i/1"), "recipient_name": ""}
    )
    alert = letter("en", rendered.body, rendered.subject, sender_name="Privacy Incident Desk")
    raw = alert.mime(to="x@example.com", name="", message_id="<a@x>", now=NOW)
    assert b"Content-Transfer-Encoding: 7bit" in raw
    same_message(raw, alert.composed(to="x@example.com", name="", message_id="<a@x>", now=NOW))
    subject = "[pidesk] PI-2026-000123 high risk (escalated: not acknowledged in time): " + "word  " * 30
    folded = letter("en", "Hello.\n", subject).mime(to="x@example.com", name="", message_id="<f@x>", now=NOW)
    assert parsed(folded)["Subject"] == subject and max(len(line) for line in folded.split(b"\r\n")) <= 78
    long = letter("en", "x" * 2000 + "\n", "Long")
    raw = long.mime(to="x@example.com", name="", message_id="<b@x>", now=NOW)
    assert b"7bit" not in raw and max(len(line) for line in raw.split(b"\r\n")) <= 998
    same_message(raw, long.composed(to="x@example.com", name="", message_id="<b@x>", now=NOW))


def test_an_unusual_address_takes_the_general_path() -> None:
    notice = letter("ja", "本文\n", "件名")
    odd = '"odd address"@example.net'
    raw = notice.mime(to=odd, name="", message_id="<c@x>", now=NOW)
    assert b"=_pidesk_" not in raw  # the email package's own boundary: composed, not filled in
    same_message(raw, notice.composed(to=odd, name="", message_id="<c@x>", now=NOW))
