"""Chat alerts: a Slack- or Teams-compatible incoming webhook takes `{"text": …}`."""

from __future__ import annotations

import httpx

from pidesk.services.notifier.adapters.mail import FAILED, RETRY, SENT, UNCONFIRMED, Outcome


async def post_chat(http: httpx.AsyncClient, url: str, subject: str, body: str) -> Outcome:
    """POST the alert; 2xx sent, 429 and 5xx retried, other 4xx failed, a lost answer unconfirmed."""
    try:
        response = await http.post(url, json={"text": f"*{subject}*\n{body}"[:3500]})
    except httpx.ConnectError as exc:
        return Outcome(RETRY, f"ConnectError: {exc}"[:500])
    except httpx.HTTPError as exc:
        return Outcome(UNCONFIRMED, f"{type(exc).__name__}: {exc}"[:500])
    detail = f"HTTP {response.status_code}"
    if response.is_success:
        return Outcome(SENT, detail)
    if response.status_code == 429 or response.status_code >= 500:
        return Outcome(RETRY, detail)
    return Outcome(FAILED, detail)
