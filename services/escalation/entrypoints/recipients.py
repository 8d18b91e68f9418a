"""The recipients of a notice approval, as JSON or `text/csv`: every address checked before anything is sent.

A bad row answers 422 in the contract's error shape, each detail naming the CSV line (`["line", n]`) or
the JSON index (`["recipients", i]`) and the reason (domain/recipients.py); a CSV that cannot be read (a
field over the size limit, a stray quote) answers 422 as well, never 500.
"""

from __future__ import annotations

import csv
import io
from typing import Any

from fastapi import Request
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from pidesk.services.escalation.domain.recipients import recipient_problems
from pidesk.shared.events import NoticeRecipient
from pidesk.shared.http.body import media_type, parse_json_body
from pidesk.shared.http.errors import ApiError, validation_details

MAX_RECIPIENTS = 500_000
MAX_DETAILS = 100  # a list of 10,000 bad rows answers with the first hundred
COLUMNS = {"email", "name", "language"}


class RecipientsBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    recipients: list[NoticeRecipient] = Field(default_factory=list, max_length=MAX_RECIPIENTS)


def check(recipients: list[NoticeRecipient], where: list[Any]) -> None:
    """422 naming each bad recipient by `where[i]` (its CSV line or JSON index) and the reason."""
    details = []
    for position, recipient in zip(where, recipients, strict=True):
        for field, reason in recipient_problems(recipient):
            details.append({"loc": [*position, field], "msg": reason, "type": "recipient_invalid"})
    if details:
        first = details[0]["loc"]
        raise ApiError(
            422,
            "invalid_recipient",
            f"{len(details)} recipient problem(s); the first at {' '.join(str(p) for p in first)}",
            details[:MAX_DETAILS],
        )


async def parse_recipients(request: Request) -> list[NoticeRecipient]:
    """JSON {"recipients": [...]} or the same columns as text/csv (email, name, language), every one checked."""
    sent = media_type(request)
    if sent == "text/csv":
        return _from_csv(await request.body())
    if not sent and not await request.body():
        return []  # a public notice or a regulator draft is approved without a body
    recipients = (await parse_json_body(request, RecipientsBody)).recipients
    check(recipients, [["recipients", i] for i in range(len(recipients))])
    return recipients


def _from_csv(raw: bytes) -> list[NoticeRecipient]:
    text = raw.decode("utf-8-sig", errors="replace")
    reader = csv.DictReader(io.StringIO(text, newline=""))
    recipients: list[NoticeRecipient] = []
    lines: list[list[Any]] = []
    try:
        if not reader.fieldnames or "email" not in [f.strip().lower() for f in reader.fieldnames]:
            raise ApiError(422, "validation_error", "the CSV needs a header row with an 'email' column")
        for row in reader:
            line = reader.line_num
            values = {k.strip().lower(): (v or "").strip() for k, v in row.items() if isinstance(k, str)}
            try:
                recipients.append(NoticeRecipient(**{k: v for k, v in values.items() if k in COLUMNS and v}))
            except ValidationError as exc:
                details = validation_details(list(exc.errors()))
                for detail in details:
                    detail["loc"] = ["line", line, *detail["loc"]]
                raise ApiError(422, "validation_error", f"CSV line {line} is not a recipient", details) from None
            lines.append(["line", line])
            if len(recipients) > MAX_RECIPIENTS:
                raise ApiError(413, "payload_too_large", f"at most {MAX_RECIPIENTS} recipients per approval")
    except csv.Error as exc:
        line = reader.line_num
        raise ApiError(
            422,
            "malformed_csv",
            f"CSV line {line} cannot be read: {exc}",
            [{"loc": ["line", line], "msg": str(exc), "type": "csv_error"}],
        ) from None
    check(recipients, lines)
    return recipients
