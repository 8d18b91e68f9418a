"""The wording of a notice draft as the desk edits it: escalation's desk API takes it and hands it to
the notifier's, which stores it (one definition, so the two bounds can never drift apart)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class NoticeWording(BaseModel):
    model_config = ConfigDict(extra="forbid")
    subject: str | None = Field(default=None, min_length=1, max_length=500)  # mail subject; none for a page
    body: str = Field(min_length=1, max_length=100_000)  # Markdown
