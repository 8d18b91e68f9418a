"""/readyz follows its dependencies: 503 while the broker (or database) is down, 200 when back."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from pidesk.migrations import runner
from pidesk.services.intake.bootstrap import build_app
from pidesk.services.intake.config import IntakeSettings
from tests.support.infra import KAFKA_SCRIPT, free_port


class LocalBroker:
    """A broker of this test's own, so stopping it cannot disturb the rest of the suite."""

    def __init__(self, data_dir: Path) -> None:
        self.port = free_port()
        self.env = {
            **os.environ,
            "KAFKA_PORT": str(self.port),
            "KAFKA_CONTROLLER_PORT": str(free_port()),
            "KAFKA_DATA_DIR": str(data_dir),
            "KAFKA_HEAP": "256m",
        }

    def start(self) -> None:
        subprocess.run([KAFKA_SCRIPT, "start"], env=self.env, check=True)

    def stop(self) -> None:
        subprocess.run([KAFKA_SCRIPT, "stop"], env=self.env, check=True)


@pytest.fixture
def broker(tmp_path: Path) -> Iterator[LocalBroker]:
    local = LocalBroker(tmp_path / "kafka")
    local.start()
    try:
        yield local
    finally:
        local.stop()


def settings(tmp_path: Path, bootstrap: str, database_url: str) -> IntakeSettings:
    return IntakeSettings(
        env="test", var_dir=tmp_path, KAFKA_BOOTSTRAP_SERVERS=bootstrap, INTAKE_DATABASE_URL=database_url
    )


async def readyz(app: object) -> httpx.Response:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://intake") as client:  # type: ignore[arg-type]
        return await client.get("/readyz")


async def test_readyz_turns_503_when_the_broker_stops_and_200_when_it_is_back(
    broker: LocalBroker, tmp_path: Path
) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'intake.db'}"
    await runner.upgrade(url, "intake")
    app = build_app(settings(tmp_path, f"127.0.0.1:{broker.port}", url))

    assert (await readyz(app)).status_code == 200
    broker.stop()
    down = await readyz(app)
    assert down.status_code == 503
    assert down.json()["error"]["code"] == "not_ready"
    assert down.json()["error"]["details"] == [{"check": "kafka", "status": "unreachable"}]
    broker.start()
    back = await readyz(app)
    assert back.status_code == 200
    assert back.json()["checks"] == {"database": "ok", "kafka": "ok"}


async def test_readyz_is_503_when_the_database_is_unreachable(tmp_path: Path) -> None:
    closed = free_port()
    app = build_app(
        settings(
            tmp_path, os.environ["KAFKA_BOOTSTRAP_SERVERS"], f"postgresql+asyncpg://nobody@127.0.0.1:{closed}/none"
        )
    )
    response = await readyz(app)
    assert response.status_code == 503
    assert [d["check"] for d in response.json()["error"]["details"]] == ["database"]
    healthz = await httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://i").get("/healthz")
    assert healthz.status_code == 200
