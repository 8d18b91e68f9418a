"""Issue 17: every value of the new vocabularies has its Japanese and English label, and the forms' words
are in both languages."""

from __future__ import annotations

from enum import StrEnum

import pytest

from pidesk.services.intake.form.case_messages import CASE_TEXT
from pidesk.shared import labels
from pidesk.shared.vocabulary import (
    CaseKind,
    ComplainantKind,
    ComplaintOutcome,
    ComplaintRequestKind,
    LegalInstrument,
    RequestDecision,
)

pytestmark = pytest.mark.unit


@pytest.mark.parametrize(
    ("vocabulary", "table"),
    [
        (CaseKind, labels.CASE_KIND_LABELS),
        (LegalInstrument, labels.INSTRUMENT_LABELS),
        (RequestDecision, labels.DECISION_LABELS),
        (ComplainantKind, labels.COMPLAINANT_LABELS),
        (ComplaintRequestKind, labels.COMPLAINT_KIND_LABELS),
        (ComplainantKind, labels.COMPLAINANT_COUNT_LABELS),  # as the fiscal-year figures count them
        (ComplaintRequestKind, labels.COMPLAINT_KIND_COUNT_LABELS),
        (ComplaintOutcome, labels.COMPLAINT_OUTCOME_LABELS),
    ],
)
def test_every_value_has_both_labels(vocabulary: type[StrEnum], table: labels.Labels) -> None:
    assert set(table) == {v.value for v in vocabulary}
    assert all(set(label) == {"ja", "en"} and all(label.values()) for label in table.values())


def test_the_case_forms_speak_both_languages() -> None:
    assert all(len(pair) == 2 and all(pair) for pair in CASE_TEXT.values())
