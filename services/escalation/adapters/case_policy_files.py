"""Loading the case policy (issue 17) from YAML, with errors that name the file and line."""

from __future__ import annotations

from pidesk.services.escalation.domain.case_policy import CasePolicy
from pidesk.shared.policy_files import load, read_policy_text

BUNDLED_CASE_POLICY = "cases.yaml"
PACKAGE = "pidesk.services.escalation.policy"


def load_case_policy(path: str | None = None) -> CasePolicy:
    text, source = read_policy_text(path, PACKAGE, BUNDLED_CASE_POLICY)
    return load(text, source, CasePolicy)
