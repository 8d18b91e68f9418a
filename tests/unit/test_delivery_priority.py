"""Delivery order: riskiest first; at one risk level a person's report before a tool's alert; notices last."""

from __future__ import annotations

from pidesk.services.notifier.domain.priority import NOTICE_PRIORITY, alert_priority


def test_risk_first_then_people_before_tools_then_notices() -> None:
    order = [
        alert_priority("very_high", "form"),
        alert_priority("very_high", "api"),
        alert_priority("very_high", "ms-purview"),
        alert_priority("very_high", None),
        alert_priority("high", "api"),
        alert_priority("high", "github"),
        alert_priority("medium", "api"),
        alert_priority("low", "generic"),
        NOTICE_PRIORITY,
    ]
    assert order == sorted(order)
    person, tool = alert_priority("very_high", "api"), alert_priority("very_high", "ms-purview")
    assert person < tool < alert_priority("high", "api")
    assert alert_priority("unheard-of", "api") < alert_priority("low", "api"), "an unknown risk is never last"
