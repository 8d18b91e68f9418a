"""An outbox relay as its own process, so a test can kill it with SIGKILL mid-batch.

python -m tests.support.relay_process DATABASE_URL BATCH_SIZE
"""

from __future__ import annotations

import asyncio
import os
import sys

from pidesk.services.intake.adapters.orm import OutboxMessage
from pidesk.shared.db.engine import create_engine, session_factory
from pidesk.shared.messaging.kafka import reliable_producer
from pidesk.shared.messaging.relay import OutboxRelay
from pidesk.shared.messaging.security import PLAINTEXT


async def _main(url: str, batch_size: int) -> None:
    bootstrap = os.environ["KAFKA_BOOTSTRAP_SERVERS"]
    relay = OutboxRelay(
        name="relay-test",
        sessions=session_factory(create_engine(url)),
        model=OutboxMessage,
        producer_factory=lambda: reliable_producer(bootstrap, "relay-test", security=PLAINTEXT),
        batch_size=batch_size,
        poll_seconds=0.1,
    )
    await relay.run()


if __name__ == "__main__":
    asyncio.run(_main(sys.argv[1], int(sys.argv[2])))
