"""Notifier's composition root."""

from __future__ import annotations

from fastapi import FastAPI

from pidesk.services.notifier.adapters.orm import OutboxMessage
from pidesk.services.notifier.config import NotifierSettings
from pidesk.shared import topics
from pidesk.shared.http.app import create_service_app
from pidesk.shared.runtime import service_runtime

SERVICE = "notifier"
TOPICS = [topics.ESCALATION_REQUESTED, topics.NOTICE_REQUESTED, topics.NOTICE_ISSUED]


def build_app(settings: NotifierSettings | None = None) -> FastAPI:
    settings = settings or NotifierSettings()
    runtime = service_runtime(SERVICE, settings, settings.database_url, OutboxMessage, TOPICS)
    return create_service_app(runtime, [], title="pidesk notifier")
