"""`pidesk up` (what `make run` runs): every service ready, the mail sink keeps mail, Ctrl-C stops all."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from email.message import EmailMessage
from pathlib import Path

import aiosmtplib
import httpx

from tests.support.infra import REPO_ROOT, free_port, kafka_bootstrap
from tests.support.kafka import groups_of_our_own


async def test_pidesk_up_brings_everything_to_ready_and_stops_on_ctrl_c(tmp_path: Path) -> None:
    ports = {name: free_port() for name in ("INTAKE_PORT", "ESCALATION_PORT", "NOTIFIER_PORT", "PIDESK_MAIL_SINK_PORT")}
    env = {
        **os.environ,
        "PIDESK_VAR_DIR": str(tmp_path / "var"),
        "KAFKA_BOOTSTRAP_SERVERS": kafka_bootstrap(),
        **{k: str(v) for k, v in ports.items()},
        "PIDESK_CONSUMER_GROUP_SUFFIX": await groups_of_our_own(("intake", "escalation", "notifier")),
    }
    for variable in ("INTAKE_DATABASE_URL", "ESCALATION_DATABASE_URL", "NOTIFIER_DATABASE_URL"):
        env.pop(variable, None)  # the embedded SQLite defaults, as on a developer's machine
    log = tmp_path / "up.log"
    with log.open("wb") as out:
        up = subprocess.Popen(
            [sys.executable, "-m", "pidesk", "up"],
            cwd=REPO_ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its services are in its process group: a failed test stops them all
        )
    try:
        deadline = time.monotonic() + 120
        while "Press Ctrl-C" not in log.read_text():
            assert up.poll() is None, log.read_text()
            assert time.monotonic() < deadline, log.read_text()
            time.sleep(0.2)
        printed = log.read_text()
        for name in ("INTAKE_PORT", "ESCALATION_PORT", "NOTIFIER_PORT"):
            url = f"http://127.0.0.1:{ports[name]}"
            assert url in printed
            assert httpx.get(f"{url}/readyz").status_code == 200
        for db in ("intake.db", "escalation.db", "notifier.db"):
            assert (tmp_path / "var" / db).exists()

        message = EmailMessage()
        message["From"], message["To"], message["Subject"] = "desk@example.com", "op@example.com", "件名テスト"
        message.set_content("本文")
        await aiosmtplib.send(message, hostname="127.0.0.1", port=ports["PIDESK_MAIL_SINK_PORT"])
        kept = list((tmp_path / "var" / "mail").glob("*.eml"))
        assert len(kept) == 1 and b"op@example.com" in kept[0].read_bytes()

        up.send_signal(signal.SIGINT)
        assert up.wait(60) == 0
    finally:
        if up.poll() is None:
            os.killpg(up.pid, signal.SIGINT)
            try:
                up.wait(30)
            except subprocess.TimeoutExpired:
                os.killpg(up.pid, signal.SIGKILL)
    for name in ("INTAKE_PORT", "ESCALATION_PORT", "NOTIFIER_PORT"):
        try:
            httpx.get(f"http://127.0.0.1:{ports[name]}/healthz", timeout=2)
            raise AssertionError(f"{name} still answers after Ctrl-C")
        except httpx.TransportError:
            pass
