"""`pidesk up`: the whole system on one machine, on the embedded defaults, until Ctrl-C."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import httpx

from pidesk.migrations import runner
from pidesk.shared.settings import CommonSettings

REPO_ROOT = Path(__file__).resolve().parent.parent
KAFKA_SCRIPT = REPO_ROOT / "deploy" / "local-kafka" / "kafka.sh"
DEFAULT_PORTS = {"intake": 8001, "escalation": 8002, "notifier": 8003}
READY_TIMEOUT = 120.0


def _say(message: str) -> None:
    print(f"[pidesk up] {message}", flush=True)


def up() -> int:
    settings = CommonSettings()
    var_dir = settings.var_dir.resolve()
    var_dir.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "PIDESK_VAR_DIR": str(var_dir)}
    ports = {s: int(os.environ.get(f"{s.upper()}_PORT", p)) for s, p in DEFAULT_PORTS.items()}
    mail_port = int(os.environ.get("PIDESK_MAIL_SINK_PORT", "1025"))
    local_kafka = "KAFKA_BOOTSTRAP_SERVERS" not in os.environ
    children: list[tuple[str, subprocess.Popen[bytes]]] = []
    stopping = False

    def request_stop(*_: object) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGTERM, request_stop)
    signal.signal(signal.SIGINT, request_stop)
    try:
        if local_kafka:
            _say("starting the local Kafka broker (first run downloads its jars from Maven Central)")
            subprocess.run(
                [str(KAFKA_SCRIPT), "start"], check=True, env={**env, "KAFKA_DATA_DIR": str(var_dir / "kafka")}
            )
        for service in ports:
            url_variable = f"{service.upper()}_DATABASE_URL"
            if url_variable in os.environ:
                _say(f"{service}: external database from {url_variable}; run `pidesk db upgrade` there yourself")
                continue
            asyncio.run(runner.upgrade(settings.sqlite_url(service), service))  # type: ignore[arg-type]  # one of SERVICES
        _say(f"embedded databases migrated under {var_dir}")

        log_dir = var_dir / "logs"
        log_dir.mkdir(exist_ok=True)
        env.setdefault("NOTIFIER_SMTP_HOST", "127.0.0.1")
        env.setdefault("NOTIFIER_SMTP_PORT", str(mail_port))
        env.setdefault("ESCALATION_NOTIFIER_URL", f"http://127.0.0.1:{ports['notifier']}")
        env.setdefault("NOTIFIER_DESK_URL", f"http://127.0.0.1:{ports['escalation']}/desk")
        env.setdefault("NOTIFIER_PUBLIC_URL", f"http://127.0.0.1:{ports['notifier']}")
        commands = {
            "mailsink": ["mailsink", "--port", str(mail_port)],
            **{s: [s, "--port", str(p)] for s, p in ports.items()},
        }
        for name, arguments in commands.items():
            log = (log_dir / f"{name}.log").open("ab")
            process = subprocess.Popen(
                [sys.executable, "-m", "pidesk", *arguments],
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
            children.append((name, process))
        _wait_ready(children, ports, lambda: stopping)
        _say("ready:")
        for service, port in ports.items():
            print(f"  {service:<11} http://127.0.0.1:{port}  (/healthz /readyz /metrics)")
        print(f"  report API  http://127.0.0.1:{ports['intake']}/v1/reports")
        print(f"  desk API    http://127.0.0.1:{ports['escalation']}/v1/incidents (pidesk token issue …)")
        print(f"  dashboard   http://127.0.0.1:{ports['escalation']}/desk (accounts: pidesk user add …)")
        print(f"  notices     http://127.0.0.1:{ports['notifier']}/v1/notices, public page /notices/public")
        print(f"  mail sink   smtp://127.0.0.1:{mail_port}, messages kept in {var_dir / 'mail'}")
        print(f"  logs        {log_dir}")
        print("Press Ctrl-C to stop everything.", flush=True)
        while not stopping:
            for name, process in children:
                if process.poll() is not None:
                    _say(f"{name} exited with {process.returncode}; see {log_dir / (name + '.log')}")
                    stopping = True
            time.sleep(0.5)
        return 0
    except subprocess.CalledProcessError as exc:
        _say(f"failed: {exc}")
        return 1
    except TimeoutError as exc:
        _say(str(exc))
        return 1
    finally:
        _say("stopping")
        for _name, process in children:
            if process.poll() is None:
                process.terminate()
        deadline = time.monotonic() + 15
        for _name, process in children:
            try:
                process.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                process.kill()
        if local_kafka:
            subprocess.run([str(KAFKA_SCRIPT), "stop"], env={**env, "KAFKA_DATA_DIR": str(var_dir / "kafka")})
        _say("stopped")


def _wait_ready(
    children: list[tuple[str, subprocess.Popen[bytes]]], ports: dict[str, int], stopping: Callable[[], bool]
) -> None:
    deadline = time.monotonic() + READY_TIMEOUT
    pending = dict(ports)
    with httpx.Client(timeout=5.0) as client:
        while pending:
            if stopping():
                raise TimeoutError("stopped before every service was ready")
            for name, process in children:
                if process.poll() is not None:
                    raise TimeoutError(f"{name} exited with {process.returncode} while starting")
            for service, port in list(pending.items()):
                try:
                    if client.get(f"http://127.0.0.1:{port}/readyz").status_code == 200:
                        _say(f"{service} ready")
                        del pending[service]
                except httpx.HTTPError:
                    pass
            if time.monotonic() > deadline:
                raise TimeoutError(f"not ready after {READY_TIMEOUT:.0f} s: {', '.join(pending)}")
            time.sleep(0.5)
