"""Loading the correlation policy (YAML), with errors that name the file and line."""

from __future__ import annotations

from pidesk.services.intake.domain.correlation import CorrelationPolicy
from pidesk.shared.policy_files import load, read_policy_text

BUNDLED = "correlation.yaml"


def load_correlation_policy(path: str | None = None) -> CorrelationPolicy:
    text, source = read_policy_text(path, "pidesk.services.intake.policy", BUNDLED)
    return load(text, source, CorrelationPolicy)
