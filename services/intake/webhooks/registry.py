"""The webhook sources intake accepts, by the `{source}` path segment."""

from __future__ import annotations

import importlib

from pidesk.services.intake.webhooks.model import WebhookSource

SOURCE_NAMES = ("github", "nightfall", "aws-macie", "ms-purview", "netskope", "code42", "google-dlp", "generic")


def load_sources() -> dict[str, WebhookSource]:
    sources: dict[str, WebhookSource] = {}
    for name in SOURCE_NAMES:
        try:
            module = importlib.import_module(f"pidesk.services.intake.webhooks.sources.{name.replace('-', '_')}")
        except ModuleNotFoundError:
            continue
        sources[name] = module.SOURCE
    return sources
