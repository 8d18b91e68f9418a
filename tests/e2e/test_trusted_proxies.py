"""Client addresses behind a proxy, on a real intake process: X-Forwarded-For is believed from the
trusted proxies only, so a client cannot dodge its rate limit by forging the header, and clients behind
a trusted proxy do not share one bucket."""

from __future__ import annotations

from pathlib import Path

import httpx

from tests.support.apps import service_stack
from tests.unit.factories import report_body


async def statuses(url: str, forwarded_for: list[str]) -> list[int]:
    async with httpx.AsyncClient(timeout=20) as client:
        return [
            (
                await client.post(f"{url}/v1/reports", json=report_body(), headers={"X-Forwarded-For": address})
            ).status_code
            for address in forwarded_for
        ]


async def test_forwarded_addresses_count_only_from_trusted_proxies(tmp_path: Path) -> None:
    three_clients = ["203.0.113.1", "203.0.113.2", "203.0.113.3"]
    limit = {"INTAKE_REPORTS_PER_MINUTE": "1", "PIDESK_WORKERS": "1"}  # one process: one set of buckets
    # the test client is the proxy on 127.0.0.1, trusted by default: three clients, one report each
    async with service_stack(tmp_path / "trusted", ("intake",), limit) as stack:
        assert await statuses(stack["intake"].url, three_clients) == [202, 202, 202]
    # nobody trusted: the header is ignored, the one real peer has one bucket
    async with service_stack(tmp_path / "nobody", ("intake",), {**limit, "PIDESK_TRUSTED_PROXIES": ""}) as stack:
        assert await statuses(stack["intake"].url, three_clients) == [202, 429, 429]
