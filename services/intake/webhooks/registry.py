"""The webhook sources intake accepts, by the `{source}` path segment.

Imported by name, not discovered: a source module that is missing or broken stops intake at start-up
instead of leaving its vendor's deliveries to a 404."""

from __future__ import annotations

from pidesk.services.intake.webhooks.model import WebhookSource
from pidesk.services.intake.webhooks.sources import (
    aws_macie,
    code42,
    generic,
    github,
    google_dlp,
    ms_purview,
    netskope,
    nightfall,
)

SOURCES: tuple[WebhookSource, ...] = (
    github.SOURCE,
    nightfall.SOURCE,
    aws_macie.SOURCE,
    ms_purview.SOURCE,
    netskope.SOURCE,
    code42.SOURCE,
    google_dlp.SOURCE,
    generic.SOURCE,
)
SOURCE_NAMES = tuple(source.name for source in SOURCES)


def load_sources() -> dict[str, WebhookSource]:
    return {source.name: source for source in SOURCES}
