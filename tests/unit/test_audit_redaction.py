"""The audit log keeps which query parameters a call had, never the value of a credential among them."""

from __future__ import annotations

import pytest

from pidesk.shared.http.audit import redacted_query


@pytest.mark.parametrize(
    ("query", "kept"),
    [
        ("code=abc123&state=xyz", "code=[redacted]&state=[redacted]"),
        ("state=s1&code=c1&session_state=q", "state=[redacted]&code=[redacted]&session_state=[redacted]"),
        (
            "incident_id=5d0e8a8e-0000-4000-8000-000000000001&Token=t",
            "incident_id=5d0e8a8e-0000-4000-8000-000000000001&Token=[redacted]",
        ),
        ("fy=2025&format=csv", "fy=2025&format=csv"),
        ("code=&next=/desk", "code=&next=/desk"),  # nothing to hide
        ("error=access_denied&error_description=no", "error=access_denied&error_description=no"),
        ("zipcode=100-0001", "zipcode=100-0001"),  # a parameter whose name only ends in one
    ],
)
def test_credential_values_are_redacted_and_everything_else_kept(query: str, kept: str) -> None:
    assert redacted_query(query) == kept
