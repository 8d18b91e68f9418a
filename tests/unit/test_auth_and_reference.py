from datetime import UTC, datetime, timedelta

import pytest

from pidesk.services.intake.domain.reference import format_reference, reference_year
from pidesk.shared.http.auth import issue_token, require_role, token_key, verify_token
from pidesk.shared.http.errors import ApiError
from pidesk.shared.vocabulary import Role

SECRET = "x" * 40
DESK_KEY = token_key(SECRET, "escalation")


def test_token_round_trip() -> None:
    token = issue_token(SECRET, name="alice", role=Role.AUDITOR)
    principal = verify_token(DESK_KEY, f"Bearer {token}", audience="escalation")
    assert (principal.name, principal.role) == ("token:alice", Role.AUDITOR)


@pytest.mark.parametrize(
    "header",
    [
        None,
        "",
        "Bearer",
        "Basic abc",
        "Bearer not-a-jwt",
        f"Bearer {issue_token('y' * 40, name='a', role=Role.OFFICER)}",
        f"Bearer {issue_token(SECRET, name='a', role=Role.OFFICER, ttl=timedelta(seconds=-1))}",
    ],
)
def test_missing_or_bad_tokens_are_401(header: str | None) -> None:
    with pytest.raises(ApiError) as caught:
        verify_token(DESK_KEY, header, audience="escalation")
    assert caught.value.status == 401
    assert caught.value.headers and "WWW-Authenticate" in caught.value.headers


def test_role_not_allowed_is_403() -> None:
    principal = verify_token(
        DESK_KEY, f"Bearer {issue_token(SECRET, name='a', role=Role.AUDITOR)}", audience="escalation"
    )
    with pytest.raises(ApiError) as caught:
        require_role(principal, frozenset({Role.DESK_OPERATOR}))
    assert caught.value.status == 403


def test_reference_format_and_japan_year() -> None:
    assert format_reference(2026, 123) == "PI-2026-000123"
    # 31 Dec 2026 16:00 UTC is already 1 Jan 2027 in Tokyo
    assert reference_year(datetime(2026, 12, 31, 16, 0, tzinfo=UTC)) == 2027
    assert reference_year(datetime(2026, 12, 31, 14, 59, tzinfo=UTC)) == 2026
