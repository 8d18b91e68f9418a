"""The consumer group id: `pidesk-<service>`, plus PIDESK_CONSUMER_GROUP_SUFFIX when one is set."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from pidesk.shared.messaging.wiring import consumer_group_id
from pidesk.shared.settings import CommonSettings


def test_no_suffix_by_default(tmp_path: Path) -> None:
    assert consumer_group_id("escalation", CommonSettings(env="test", var_dir=tmp_path)) == "pidesk-escalation"


def test_the_suffix_is_appended(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PIDESK_CONSUMER_GROUP_SUFFIX", "-bench-e2e")
    assert consumer_group_id("notifier", CommonSettings(env="test", var_dir=tmp_path)) == "pidesk-notifier-bench-e2e"


def test_a_suffix_that_is_not_a_plain_name_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValidationError):
        CommonSettings(env="test", var_dir=tmp_path, consumer_group_suffix="-a b")
