"""A local SMTP sink for `pidesk up`: every message received is kept as an .eml file."""

from __future__ import annotations

import signal
import threading
import time
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session

from pidesk.shared.settings import CommonSettings


class KeepAsFiles:
    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.directory.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self._count = 0

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:  # noqa: N802
        with self._lock:
            self._count += 1
            name = f"{time.strftime('%Y%m%dT%H%M%S')}-{self._count:06d}.eml"
        content: Any = envelope.original_content or envelope.content or b""
        header = (
            f"X-Pidesk-Envelope-From: {envelope.mail_from}\r\nX-Pidesk-Envelope-To: {', '.join(envelope.rcpt_tos)}\r\n"
        )
        (self.directory / name).write_bytes(header.encode() + bytes(content))
        return "250 Message accepted for delivery"


def serve(host: str, port: int, directory: str | None) -> int:
    target = Path(directory) if directory else CommonSettings().var_dir / "mail"
    controller = Controller(KeepAsFiles(target), hostname=host, port=port)
    controller.start()
    print(f"mail sink listening on smtp://{host}:{port}, keeping messages in {target.resolve()}", flush=True)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    stop.wait()
    controller.stop()
    return 0
