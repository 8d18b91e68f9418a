"""Duties the desk's actions date or open (docs/legal-codes.md): the CAC incident summary, due 30 days
after the close and never holding the close up; the ANPD supplement, opened by a partial first
communication and due 20 Brazilian working days after it; and re-assessments that keep both."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from pidesk.services.escalation.adapters.orm import Incident, ObligationRecord
from pidesk.services.escalation.dashboard.timeline_notes import timeline_note
from pidesk.services.escalation.domain.assessment import assess
from pidesk.services.escalation.domain.closing import as_of_close, blocks_close, close_detail, due_on_close, reminds
from pidesk.services.escalation.domain.facts import IncidentFacts
from pidesk.services.escalation.domain.follow_ups import can_be_partial, opened_by_filing, partial_follow_up
from pidesk.services.escalation.domain.workdays import SAO_PAULO
from pidesk.services.escalation.service.assessing import DONE, PENDING, WITHDRAWN, _sync_obligations
from pidesk.shared.vocabulary import ObligationCode, TriggerCodeV2
from tests.unit.test_regimes_v2 import FOUND, SCENARIOS, SE_2, run

T0 = datetime(2026, 11, 24, 3, 0, tzinfo=UTC)
D = timedelta(days=1)
CN_1M = {"affected_count": 1_000_000, "subject_regions": {"CN": 1_000_000}, "incident_kind": "unauthorized_access"}
BR_FINANCIAL = {"data_categories": ["name", "credit_card"], "subject_regions": {"BR": 10}}


def facts(entity_country: str, **overrides: Any) -> IncidentFacts:
    report: dict[str, Any] = {
        "incident_kind": "misdelivery",
        "data_categories": ["name"],
        "aware_at": T0,
        "affected_count": 10,
        **overrides,
    }
    return IncidentFacts.from_report(report, entity_country, pmark=False)


# ---------------------------------------------------------------- the close


@pytest.mark.parametrize(
    ("code", "regime", "blocks"),
    [
        ("cn_cac.incident_summary", "cn_cac", False),  # due only after the close: the close starts it
        ("cn_cac.incident_report", "cn_cac", True),
        ("lgpd.anpd_supplement", "lgpd", True),  # owed to the ANPD whatever the desk's handling
        ("appi.ppc_final_report", "appi", True),
        ("internal.recurrence_prevention", "internal", False),  # internal duties never held it up
    ],
)
def test_which_pending_duties_refuse_the_close(code: str, regime: str, blocks: bool) -> None:
    assert blocks_close(code, regime) is blocks


@pytest.mark.parametrize(
    "closed_at",
    [
        T0 + timedelta(hours=1),  # closed at once: still 30 days from the close, not from T0
        T0 + 45 * D,  # closed after the placeholder passed: due later than it, not overdue
        datetime(2027, 2, 28, 23, 59, 59, tzinfo=UTC),  # across a month end: 30 calendar days
    ],
)
def test_the_close_dates_the_cac_summary_thirty_days_after_it(closed_at: datetime) -> None:
    pending = ["cn_cac.incident_report", "cn_cac.incident_summary", "internal.recurrence_prevention"]
    assert due_on_close(pending, closed_at) == {"cn_cac.incident_summary": closed_at + 30 * D}
    assert due_on_close(["appi.ppc_final_report"], closed_at) == {}


@pytest.mark.parametrize(
    ("code", "closed_at", "silenced", "expected"),
    [
        ("cn_cac.incident_summary", None, False, False),  # open: the placeholder is no deadline to remind of
        ("cn_cac.incident_summary", T0, True, True),  # closed: its real deadline reminds
        ("cn_cac.incident_report", None, False, True),
        ("cn_cac.incident_report", None, True, False),  # snoozed
        ("internal.recurrence_prevention", T0, True, False),  # closed: as before
    ],
)
def test_which_pending_duties_remind_the_desk(
    code: str, closed_at: datetime | None, silenced: bool, expected: bool
) -> None:
    assert reminds(code, closed_at, silenced=silenced) is expected


def test_the_closed_entry_says_which_duty_the_close_dated_and_why() -> None:
    closed = datetime(2027, 1, 5, 9, 0, tzinfo=UTC)
    detail = close_detail(due_on_close(["cn_cac.incident_summary"], closed))
    (entry,) = detail["obligations_rescheduled"]
    assert entry["code"] == "cn_cac.incident_summary"
    assert datetime.fromisoformat(entry["due_at"]) == closed + 30 * D
    assert "30 days after handling ends" in entry["reason"] and "CAC Measures Art. 8" in entry["reason"]
    assert close_detail({}) == {}  # an incident without such a duty: the entry as before


def test_the_cac_assessment_explains_the_placeholder_and_the_close() -> None:
    a = assess(facts("CN", **CN_1M))
    summary = next(o for o in a.obligations if o.code == "cn_cac.incident_summary")
    assert summary.due_at == T0 + 30 * D  # the placeholder until the close
    assert any(line.startswith("cn_cac.incident_summary:") and "close + 30 days" in line for line in a.explanation)


def test_a_reassessment_after_the_close_keeps_the_summary_dated_from_it() -> None:
    obligations = assess(facts("CN", **CN_1M)).obligations
    closed = T0 + 10 * D
    kept = {o.code: o for o in as_of_close(obligations, closed)}
    assert kept["cn_cac.incident_summary"].due_at == closed + 30 * D
    assert kept["cn_cac.incident_report"] == next(o for o in obligations if o.code == "cn_cac.incident_report")
    assert as_of_close(obligations, None) == list(obligations)  # an open incident: the placeholder


# ---------------------------------------------------------------- the ANPD supplement


@pytest.mark.parametrize(
    ("filed", "due"),
    [
        # Thursday 1 Apr 2027 15:00 local: 20 working days, Tiradentes (Wednesday 21 Apr) skipped
        (datetime(2027, 4, 1, 15, 0, tzinfo=SAO_PAULO), datetime(2027, 4, 30, 23, 59, tzinfo=SAO_PAULO)),
        # filed on a Saturday: counting starts on Monday; Christmas and New Year's Day skipped
        (datetime(2026, 12, 5, 10, 0, tzinfo=SAO_PAULO), datetime(2027, 1, 5, 23, 59, tzinfo=SAO_PAULO)),
        # 01:30 UTC on Friday 4 Dec is Thursday 3 Dec 22:30 in São Paulo: the local day is not counted
        (datetime(2026, 12, 4, 1, 30, tzinfo=UTC), datetime(2027, 1, 4, 23, 59, tzinfo=SAO_PAULO)),
        # Carnival (15–16 Feb 2027) is optional, not a national holiday: it counts
        (datetime(2027, 2, 10, 12, 0, tzinfo=SAO_PAULO), datetime(2027, 3, 10, 23, 59, tzinfo=SAO_PAULO)),
    ],
)
def test_the_supplement_is_due_twenty_working_days_after_the_partial_communication(
    filed: datetime, due: datetime
) -> None:
    supplement = partial_follow_up("lgpd.anpd_communication", filed)
    assert (supplement.code, supplement.regime) == ("lgpd.anpd_supplement", "lgpd")
    assert supplement.basis == "Res. CD/ANPD 15/2024 (supplementary information)"
    assert supplement.due_at == due


def test_only_the_first_anpd_communication_can_be_filed_as_partial() -> None:
    assert can_be_partial("lgpd.anpd_communication")
    for code in ("lgpd.notify_data_subjects", "lgpd.anpd_supplement", "appi.ppc_preliminary_report"):
        assert not can_be_partial(code)
    assert opened_by_filing("lgpd.anpd_supplement") and not opened_by_filing("lgpd.anpd_communication")


def test_every_v2_contract_code_is_produced_by_a_rule_or_a_filing() -> None:
    """The assessment produces all but the supplement, which the partial filing opens (test_regimes_v2)."""
    v2 = {"ukgdpr", "pipl", "cn_cac", "ndb_au", "dpdp_in", "certin", "lgpd", "dpa_ph", "pmark"}
    opened = {partial_follow_up(code, T0).code for code in ("lgpd.anpd_communication",)}
    assert {c.value for c in ObligationCode if c.value.split(".")[0] in v2} - set(FOUND) == opened


def test_every_v2_trigger_code_of_the_contract_is_produced_by_a_rule() -> None:
    more = [("CN", {**SE_2, "affected_count": n, "subject_regions": {"CN": n}}) for n in (10_000_000, 100_000_000)] + [
        ("AU", {**SE_2}),
        ("IN", {**SE_2}),
    ]
    produced = {t.code for region, overrides in [*SCENARIOS, *more] for t in run(region, **overrides).triggers}
    assert {c.value for c in TriggerCodeV2} - produced == set()


# ---------------------------------------------------------------- re-assessment keeps both


def incident(entity_country: str, *, closed_at: datetime | None = None, **report: Any) -> Incident:
    values = {"incident_kind": "misdelivery", "data_categories": ["name"], "affected_count": 10, **report}
    return Incident(
        reporter={"entity": "X", "entity_country": entity_country},
        facts={**values, "aware_at": T0.isoformat()},
        obligations=[],
        closed_at=closed_at,
    )


def record(code: str, regime: str, due_at: datetime, status: str = PENDING) -> ObligationRecord:
    return ObligationRecord(code=code, regime=regime, duty="regulator_report", due_at=due_at, basis="b", status=status)


def test_a_reassessment_keeps_the_supplement_a_partial_filing_opened() -> None:
    brazil = incident("BR", **BR_FINANCIAL)
    result = assess(facts("BR", **BR_FINANCIAL))
    _sync_obligations(brazil, result)
    communication = next(o for o in brazil.obligations if o.code == "lgpd.anpd_communication")
    communication.status = DONE
    brazil.obligations.append(record("lgpd.anpd_supplement", "lgpd", T0 + 30 * D))
    changes = _sync_obligations(brazil, result)
    assert "lgpd.anpd_supplement" not in changes["obligations_withdrawn"]
    statuses = {o.code: o.status for o in brazil.obligations}
    assert statuses["lgpd.anpd_supplement"] == PENDING and statuses["lgpd.anpd_communication"] == DONE
    _sync_obligations(brazil, result, duties=False)  # merged into another incident: its duties go there
    assert {o.code: o.status for o in brazil.obligations}["lgpd.anpd_supplement"] == WITHDRAWN


def test_a_reassessment_of_a_closed_incident_keeps_the_due_time_the_close_gave() -> None:
    closed = T0 + 3 * D
    china = incident("CN", closed_at=closed, **CN_1M)
    china.obligations.append(record("cn_cac.incident_summary", "cn_cac", closed + 30 * D))
    changes = _sync_obligations(china, assess(facts("CN", **CN_1M)))
    summary = next(o for o in china.obligations if o.code == "cn_cac.incident_summary")
    assert summary.due_at == closed + 30 * D and "cn_cac.incident_summary" not in changes["obligations_rescheduled"]


# ---------------------------------------------------------------- the dashboard's timeline says so


def test_the_dashboard_timeline_says_what_the_close_and_the_partial_filing_did() -> None:
    closed = close_detail(due_on_close(["cn_cac.incident_summary"], datetime(2027, 1, 5, 9, 0, tzinfo=UTC)))
    assert (
        timeline_note("closed", closed, "en")
        == "due dates counted from the close: cn_cac.incident_summary (2027-02-04)"
    )
    assert timeline_note("closed", closed, "ja") == "クローズ日から期限を再計算: cn_cac.incident_summary (2027-02-04)"
    assert timeline_note("closed", {}, "en") is None  # a close that dated nothing: no line, as before
    opened = {"code": "lgpd.anpd_supplement", "after": "lgpd.anpd_communication", "due_at": "2027-04-30T23:59:00-03:00"}
    assert timeline_note("obligation_opened", opened, "en") == (
        "lgpd.anpd_supplement opened: lgpd.anpd_communication was filed as partial (due 2027-04-30)"
    )
    assert "一部のみの報告" in (timeline_note("obligation_opened", opened, "ja") or "")
