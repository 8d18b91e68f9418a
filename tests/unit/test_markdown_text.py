"""Text interpolated into a notice's Markdown stays text (issue 12, item 3)."""

from __future__ import annotations

import dataclasses

from pidesk.services.notifier.adapters.rendering import markdown_html, render_notice
from pidesk.services.notifier.domain.companies import GroupCompanies, GroupCompany
from pidesk.services.notifier.domain.markdown_text import escape_markdown
from pidesk.services.notifier.domain.plan import plan_notices
from tests.unit.test_notice_drafting import ALL, CONTACT, FACTS, NOW, notice_context

LURE = "Acme\n\n[Reset your password](https://evil.example) <img src=x> **now**"


def test_escaped_text_is_one_line_of_literal_text() -> None:
    html = markdown_html(escape_markdown(LURE))
    assert html == "<p>Acme [Reset your password](https://evil.example) &lt;img src=x&gt; **now**</p>\n"
    for opener in ("# Title", "> quoted", "- item", "+ item", "1. item", "2) item"):
        assert markdown_html(escape_markdown(opener)).startswith("<p>")
    assert escape_markdown("Example (Thailand) Co., Ltd.") == "Example (Thailand) Co., Ltd."


def test_every_outside_value_in_every_notice_is_escaped() -> None:
    """The company (even a directory name), the contact point and the DPO from settings: no link, no markup."""
    contact = dataclasses.replace(
        CONTACT,
        name={"ja": LURE, "en": LURE},
        email=LURE,
        phone=LURE,
        hours={"ja": LURE, "en": LURE},
        url=LURE,
        dpo_name={"ja": LURE, "en": LURE},
    )
    for plan in plan_notices(ALL):
        for language in ("ja", "en"):
            context = notice_context(
                plan=plan,
                language=language,
                reference="PI-2026-000123",
                company=LURE,
                facts=FACTS,
                assessment={"risk_level": "very_high", "obligations": ALL},
                contact=contact,
                now=NOW,
            )
            html = markdown_html(render_notice(plan.template, language, context).body)
            assert "<a " not in html and "<img" not in html and "<strong>now" not in html, (plan, language)


def test_a_company_resolves_by_id_or_any_name_and_an_unknown_one_is_not_named() -> None:
    companies = GroupCompanies((GroupCompany("de-gmbh", ("Example GmbH", "Example Deutschland")),))
    assert companies.name_for("DE-GMBH", "en") == companies.name_for(" example\n deutschland", "ja") == "Example GmbH"
    assert companies.name_for(LURE, "en") == "The company" and companies.name_for("Acme", "ja") == "当社"
