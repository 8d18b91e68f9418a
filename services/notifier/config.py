"""Notifier settings (environment variables; see the README's configuration table)."""

from __future__ import annotations

from pydantic import AliasChoices, Field, model_validator

from pidesk.shared.settings import CommonSettings


class NotifierSettings(CommonSettings):
    database_url: str = Field(default="", validation_alias=AliasChoices("NOTIFIER_DATABASE_URL"))
    host: str = Field(default="127.0.0.1", validation_alias=AliasChoices("NOTIFIER_HOST"))
    port: int = Field(default=8003, validation_alias=AliasChoices("NOTIFIER_PORT"))
    smtp_host: str = Field(default="127.0.0.1", validation_alias=AliasChoices("NOTIFIER_SMTP_HOST"))
    smtp_port: int = Field(default=1025, validation_alias=AliasChoices("NOTIFIER_SMTP_PORT"))

    @model_validator(mode="after")
    def _notifier_defaults(self) -> NotifierSettings:
        if not self.database_url:
            self.database_url = self.sqlite_url("notifier")
        return self
