"""Escalation settings (environment variables; see the README's configuration table)."""

from __future__ import annotations

from pydantic import AliasChoices, Field, model_validator

from pidesk.shared.settings import TokenSettings


class EscalationSettings(TokenSettings):
    database_url: str = Field(default="", validation_alias=AliasChoices("ESCALATION_DATABASE_URL"))
    host: str = Field(default="127.0.0.1", validation_alias=AliasChoices("ESCALATION_HOST"))
    port: int = Field(default=8002, validation_alias=AliasChoices("ESCALATION_PORT"))

    routing_policy: str | None = Field(default=None, validation_alias=AliasChoices("PIDESK_ROUTING_POLICY"))
    directory: str | None = Field(default=None, validation_alias=AliasChoices("PIDESK_DIRECTORY"))
    timer_interval_seconds: float = Field(default=1.0, gt=0, validation_alias=AliasChoices("ESCALATION_TIMER_INTERVAL"))
    notifier_url: str = Field(default="http://127.0.0.1:8003", validation_alias=AliasChoices("ESCALATION_NOTIFIER_URL"))
    desk_url: str = Field(default="http://127.0.0.1:8002/desk", validation_alias=AliasChoices("ESCALATION_DESK_URL"))
    # a growing group of DLP alerts tells the people on its incident at most once per this many seconds
    group_update_seconds: float = Field(
        default=300.0, gt=0, validation_alias=AliasChoices("ESCALATION_GROUP_UPDATE_SECONDS")
    )

    @model_validator(mode="after")
    def _escalation_defaults(self) -> EscalationSettings:
        if not self.database_url:
            self.database_url = self.sqlite_url("escalation")
        return self
