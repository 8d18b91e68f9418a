"""Load generators for the benchmarks: wrk (closed-loop) and a fixed-rate open-loop client.

Both return the same result dict (one JSON object; the CLI prints it as one line):

    tool                 "wrk" or "fixed_rate"
    requests             answers received (any status)
    duration_s           how long the run took
    requests_per_second  requests / duration_s
    p50_ms p90_ms p99_ms max_ms mean_ms
                         latency of the answered requests, in milliseconds
    non_2xx              answers whose status is not 2xx
    socket_errors        connect + read + write + timeout errors
    errors               {"connect", "read", "write", "timeout"}
    status_counts        {"202": n, ...}
    replayed             requests sent again because a prepared supply ran out (0 = all distinct)

`run_fixed_rate` adds target_rate, sent, max_dispatch_lag_ms and connections_opened (and, with
keep_responses=True, "responses": one record per request, see run_fixed_rate_async); `run_wrk` adds
url, script, connections and threads.

wrk keeps `connections` requests in flight and sends the next one when an answer arrives, so it
measures capacity; its latencies hide queueing (coordinated omission). Debian's wrk 4.1 has no
`-R` (that is wrk2), so a latency at a fixed rate ("p99 at 500 reports/s") comes from
`run_fixed_rate`: requests are scheduled at start + i/rate whatever the server does, and each
latency is measured from its scheduled time, so a stall shows up in the percentiles.

    python -m bench.loadgen wrk --url http://127.0.0.1:8001 --script report -c 32 -d 20
    python -m bench.loadgen wrk --url http://127.0.0.1:8001 --script generic_webhook --secret S -c 32 -d 20
    python -m bench.loadgen fixed-rate --url http://127.0.0.1:8001 --kind report --rate 500 -d 20
    python -m bench.loadgen fixed-rate ... --responses var/bench/responses.jsonl   (one record per request)
    python -m bench.loadgen fixed-rate --url http://127.0.0.1:8001 --kind storm --storm-run R --rate 167 -d 60
    python -m bench.loadgen fixed-rate --url http://127.0.0.1:8001 --kind probe --rate 1 -d 70
    python -m bench.loadgen sign-webhooks --secret S --count 40000 --out var/bench/webhooks.tsv

The webhook secret may also come from INTAKE_WEBHOOK_SECRET_GENERIC. `--kind storm` posts the DLP storm
of bench/storm_alerts.py (vendor payloads, each signed as its vendor signs, with the secrets in
INTAKE_WEBHOOK_SECRET_<SOURCE>); `--kind probe` posts very-high-risk reports aware of now. wrk is
installed from Debian's packages by deploy/bench-tools.sh when missing.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, NamedTuple
from urllib.parse import urlsplit

REPO_ROOT = Path(__file__).resolve().parent.parent
WRK_DIR = Path(__file__).resolve().parent / "wrk"
SCRIPTS = {name: WRK_DIR / f"{name}.lua" for name in ("report", "generic_webhook", "alerta")}
REPLAY_WINDOW_S = 300  # intake refuses a signed webhook whose timestamp is more than 5 minutes off
ERROR_KINDS = ("connect", "read", "write", "timeout")


class LoadgenError(RuntimeError):
    """A load generator could not run, or its output could not be read."""


class RateNotSupported(LoadgenError):
    """The installed wrk has no -R (fixed rate): use run_fixed_rate."""


# ---------------------------------------------------------------- wrk


_wrk_path: str | None = None


def ensure_wrk() -> str:
    """The path of wrk, installed from Debian's packages first when missing (deploy/bench-tools.sh)."""
    global _wrk_path
    if _wrk_path is None:
        done = subprocess.run(
            ["bash", str(REPO_ROOT / "deploy" / "bench-tools.sh")], capture_output=True, text=True, check=False
        )
        if done.returncode != 0 or not done.stdout.strip():
            raise LoadgenError(f"deploy/bench-tools.sh failed: {done.stderr.strip()[-2000:]}")
        _wrk_path = done.stdout.strip().splitlines()[-1]
    return _wrk_path


def wrk_supports_rate(wrk: str) -> bool:
    """True for wrk2 (`-R/--rate`), False for wrk 4 as Debian ships it."""
    usage = subprocess.run([wrk, "--help"], capture_output=True, text=True, check=False)
    return "--rate" in usage.stdout + usage.stderr


def script_path(script: str | os.PathLike[str]) -> Path:
    """A script by short name ("report", "generic_webhook", "alerta") or by path."""
    return SCRIPTS[script] if isinstance(script, str) and script in SCRIPTS else Path(script)


def parse_wrk_output(stdout: str) -> dict[str, Any]:
    """The JSON line that bench/wrk/common.lua prints from wrk's done() hook."""
    for line in reversed(stdout.splitlines()):
        if line.startswith("{") and '"tool": "wrk"' in line:
            return json.loads(line)
    raise LoadgenError(f"no result line in wrk's output:\n{stdout[-2000:]}")


def run_wrk(
    url: str,
    script: str | os.PathLike[str],
    connections: int,
    duration_s: float,
    rate: float | None = None,
    env: Mapping[str, str] | None = None,
    *,
    threads: int | None = None,
    timeout_s: float = 10.0,
    wrk: str | None = None,
) -> dict[str, Any]:
    """Run wrk with one of bench/wrk/*.lua against `url` (scheme, host, port; the script picks the
    path unless the URL has one) and return the script's result (keys in the module docstring).

    `env` is added to the environment wrk (and so the script, through os.getenv) sees;
    PIDESK_WRK_THREADS is set to the thread count. `rate` needs wrk2; Debian's wrk has no -R and
    RateNotSupported is raised: measure fixed-rate latency with `run_fixed_rate`. Requests that take
    longer than `timeout_s` count as timeout errors and not in the latencies (as wrk does).
    """
    wrk = wrk or ensure_wrk()
    path = script_path(script)
    if not path.is_file():
        raise LoadgenError(f"no wrk script {path}")
    threads = max(1, min(connections, threads or os.cpu_count() or 2))
    command = [
        wrk,
        f"-t{threads}",
        f"-c{connections}",
        f"-d{max(1, round(duration_s))}s",
        "--timeout",
        f"{max(1, math.ceil(timeout_s))}s",
    ]
    if rate is not None:
        if not wrk_supports_rate(wrk):
            raise RateNotSupported(
                f"{wrk} is closed-loop (no -R, that is wrk2): use bench.loadgen.run_fixed_rate for a fixed rate"
            )
        command.append(f"-R{rate}")
    command += ["--latency", "-s", str(path), url]
    done = subprocess.run(
        command,
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {}), "PIDESK_WRK_THREADS": str(threads)},
        timeout=duration_s + 120,
        check=False,
    )
    if done.returncode != 0:
        raise LoadgenError(f"wrk exited {done.returncode}: {(done.stderr or done.stdout).strip()[-2000:]}")
    result = parse_wrk_output(done.stdout)
    result.update(url=url, script=path.name, connections=connections, threads=threads)
    return result


def write_signed_webhooks(path: str | os.PathLike[str], secret: str, count: int) -> Path:
    """Sign `count` generic-webhook deliveries now, one a line for bench/wrk/generic_webhook.lua:
    "<unix seconds>\\t<hex HMAC-SHA256 of 'timestamp.body'>\\t<JSON body>". Each has its own
    source_alert_id (unique across runs), so each makes a new incident. Valid for 5 minutes."""
    from pidesk.services.intake.webhooks.signatures import sign_pidesk

    if "\t" in secret or "\n" in secret:
        raise LoadgenError("the webhook secret must be one line without tabs")
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    make = _webhook_bodies()
    stamp = int(time.time())
    with target.open("w", encoding="utf-8") as out:
        for n in range(count):
            body = make(n)
            signature = sign_pidesk(secret, body, stamp)["X-Pidesk-Signature"].removeprefix("sha256=")
            out.write(f"{stamp}\t{signature}\t{body.decode()}\n")
    return target


def run_wrk_webhooks(
    url: str,
    secret: str,
    connections: int,
    duration_s: float,
    *,
    count: int | None = None,
    threads: int | None = None,
    timeout_s: float = 10.0,
) -> dict[str, Any]:
    """Sign deliveries (by default enough for 2,500 requests/s), then run generic_webhook.lua on them."""
    if duration_s > REPLAY_WINDOW_S - 30:
        raise LoadgenError(f"signed webhooks expire after {REPLAY_WINDOW_S} s: run at most {REPLAY_WINDOW_S - 30} s")
    count = count or max(5_000, int(duration_s * 2_500))
    with tempfile.TemporaryDirectory(prefix="pidesk-wrk-") as workdir:
        requests_file = write_signed_webhooks(Path(workdir) / "webhooks.tsv", secret, count)
        return run_wrk(
            url,
            "generic_webhook",
            connections,
            duration_s,
            env={"PIDESK_WRK_REQUESTS": str(requests_file)},
            threads=threads,
            timeout_s=timeout_s,
        )


# ---------------------------------------------------------------- requests for the fixed-rate client


class HttpRequest(NamedTuple):
    method: str
    path: str
    body: bytes
    headers: Mapping[str, str] = {}


def _report_bodies(prefix: str | None = None) -> Callable[[int], dict[str, Any]]:
    from tests.unit.factories import report_body

    prefix = prefix or uuid.uuid4().hex[:8]
    aware_at = (datetime.now(UTC) - timedelta(minutes=10)).isoformat(timespec="seconds")

    def body(n: int) -> dict[str, Any]:
        affected = 1 + (n * 7919) % 5000
        return report_body(
            title=f"Benchmark report {prefix}-{n}",
            aware_at=aware_at,
            affected_count=affected,
            subject_regions={"JP": affected},
        )

    return body


def _webhook_bodies() -> Callable[[int], bytes]:
    run = uuid.uuid4().hex[:12]
    report = _report_bodies(run)
    return lambda n: json.dumps({**report(n), "source_alert_id": f"bench-{run}-{n}"}).encode()


def report_requests(path: str = "/v1/reports") -> Callable[[int], HttpRequest]:
    """make_request for POST /v1/reports: valid bodies, a distinct title and count each."""
    body = _report_bodies()
    return lambda n: HttpRequest("POST", path, json.dumps(body(n)).encode(), {"Content-Type": "application/json"})


def signed_webhook_requests(secret: str, path: str = "/v1/webhooks/generic") -> Callable[[int], HttpRequest]:
    """make_request for signed generic webhooks: a distinct alert id each, signed when it is sent."""
    from pidesk.services.intake.webhooks.signatures import sign_pidesk

    body = _webhook_bodies()

    def make(n: int) -> HttpRequest:
        content = body(n)
        return HttpRequest("POST", path, content, {"Content-Type": "application/json", **sign_pidesk(secret, content)})

    return make


def storm_requests(run: str, secrets: Mapping[str, str]) -> Callable[[int], HttpRequest]:
    """make_request for the DLP storm: alert n of bench/storm_alerts.py to /v1/webhooks/<its source>,
    built and signed when it is sent."""
    from bench import storm_alerts

    def make(n: int) -> HttpRequest:
        alert = storm_alerts.build(run, n)
        headers = storm_alerts.signed_headers(alert.source, secrets[alert.source], alert.body)
        return HttpRequest("POST", f"/v1/webhooks/{alert.source}", alert.body, headers)

    return make


def probe_requests(path: str = "/v1/reports") -> Callable[[int], HttpRequest]:
    """make_request for the storm's probe: the tests' very-high-risk report (tests/unit/factories.report_body:
    misdelivery, names and card numbers, 12 people in JP), aware of it now."""
    from tests.unit.factories import report_body

    run = uuid.uuid4().hex[:8]

    def make(n: int) -> HttpRequest:
        body = report_body(
            title=f"Storm probe {run}-{n}: order mail sent to the wrong customer",
            aware_at=datetime.now(UTC).isoformat(timespec="seconds"),
        )
        return HttpRequest("POST", path, json.dumps(body).encode(), {"Content-Type": "application/json"})

    return make


def alerta_requests(path: str = "/alert") -> Callable[[int], HttpRequest]:
    """make_request for Alerta's POST /alert (as bench/wrk/alerta.lua): a new resource each."""
    run = uuid.uuid4().hex[:8]

    def make(n: int) -> HttpRequest:
        body = {
            "resource": f"bench-host-{run}-{n}",
            "event": "PersonalDataExposure",
            "environment": "Production",
            "service": ["pidesk-bench"],
            "severity": "major",
            "text": "Order confirmation sent to the wrong customer (load test, no real data).",
        }
        return HttpRequest("POST", path, json.dumps(body).encode(), {"Content-Type": "application/json"})

    return make


# ---------------------------------------------------------------- fixed-rate open-loop client


class _RequestError(Exception):
    def __init__(self, kind: str, *, nothing_read: bool = False) -> None:
        super().__init__(kind)
        self.kind = kind
        self.nothing_read = nothing_read  # the connection ended before a byte of the answer


class _Connection:
    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader, self.writer = reader, writer
        self.used = False  # has carried a request before (a keep-alive connection the server may close)

    def usable(self) -> bool:
        return not self.reader.at_eof() and not self.writer.is_closing()

    def close(self) -> None:
        self.writer.close()

    async def exchange(self, raw: bytes) -> tuple[int, bool, bytes]:
        """Send one request, read its whole answer: (status, whether the connection stays open, body)."""
        try:
            self.writer.write(raw)
            await self.writer.drain()
        except OSError as exc:
            raise _RequestError("write") from exc
        try:
            status_line = await self.reader.readline()
            if not status_line:
                raise _RequestError("read", nothing_read=True)
            version, status = status_line.split(b" ", 2)[:2]
            headers: dict[bytes, bytes] = {}
            body = b""
            while (line := await self.reader.readline()) not in (b"\r\n", b"\n", b""):
                name, _, value = line.partition(b":")
                headers[name.strip().lower()] = value.strip().lower()
            if b"chunked" in headers.get(b"transfer-encoding", b""):
                while size := int((await self.reader.readline()).split(b";")[0], 16):
                    body += (await self.reader.readexactly(size + 2))[:-2]
                while (await self.reader.readline()) not in (b"\r\n", b"\n", b""):
                    pass
            elif b"content-length" in headers:
                body = await self.reader.readexactly(int(headers[b"content-length"]))
            elif headers.get(b"connection") == b"close" or version.upper() != b"HTTP/1.1":
                body = await self.reader.read()  # the body runs to the end of the connection
        except (OSError, ValueError, asyncio.IncompleteReadError) as exc:
            raise _RequestError("read") from exc
        keep = headers.get(b"connection", b"") != b"close" and version.upper() == b"HTTP/1.1"
        return int(status), keep, body


@dataclass
class _Tally:
    latencies: list[float] = field(default_factory=list)
    statuses: Counter[int] = field(default_factory=Counter)
    errors: Counter[str] = field(default_factory=Counter)
    last_done: float = 0.0
    opened: int = 0


def _percentile(ordered: list[float], q: float) -> float:
    """Nearest rank: the smallest sample that at least a fraction q of the samples do not exceed."""
    return ordered[min(len(ordered) - 1, max(0, math.ceil(q * len(ordered)) - 1))] if ordered else 0.0


def _summary(tally: _Tally, seconds: float) -> dict[str, Any]:
    ordered = sorted(tally.latencies)
    requests = sum(tally.statuses.values())
    return {
        "requests": requests,
        "duration_s": round(seconds, 3),
        "requests_per_second": round(requests / seconds, 2) if seconds > 0 else 0.0,
        "p50_ms": round(_percentile(ordered, 0.50) * 1000, 3),
        "p90_ms": round(_percentile(ordered, 0.90) * 1000, 3),
        "p99_ms": round(_percentile(ordered, 0.99) * 1000, 3),
        "max_ms": round(ordered[-1] * 1000, 3) if ordered else 0.0,
        "mean_ms": round(statistics.fmean(ordered) * 1000, 3) if ordered else 0.0,
        "non_2xx": sum(n for status, n in tally.statuses.items() if not 200 <= status <= 299),
        "socket_errors": sum(tally.errors.values()),
        "errors": {kind: tally.errors[kind] for kind in ERROR_KINDS},
        "status_counts": {str(status): n for status, n in sorted(tally.statuses.items())},
        "replayed": 0,
    }


async def run_fixed_rate_async(
    url: str,
    make_request: Callable[[int], HttpRequest],
    rate: float,
    duration_s: float,
    *,
    connections: int = 256,
    timeout_s: float = 10.0,
    keep_responses: bool = False,
) -> dict[str, Any]:
    """Send `rate` requests per second for `duration_s` seconds, open-loop: request i is due at
    start + i/rate and is sent then (on an idle keep-alive connection, or a new one while fewer than
    `connections` are open; else it waits for one, and that wait counts). Its latency runs from the
    time it was due to the end of its answer, so a server stall is not hidden by the client slowing
    down. A request not answered within `timeout_s` of its due time is a timeout error.

    `make_request(i)` is called when request i is due (a fresh signature can be made then). Plain
    HTTP/1.1 only. Result keys: see the module docstring; `max_dispatch_lag_ms` shows how late this
    client itself was in sending (if it is large, the client, not the server, was the bottleneck).

    With `keep_responses`, the result also has "responses", one record per request in the order they
    ended: {"n", "due_at" (Unix time the request was due), "status", "latency_ms", "body" (text)} for
    an answer, {"n", "due_at", "error" (connect/read/write/timeout)} for a failure.
    """
    target = urlsplit(url)
    if target.scheme != "http" or not target.hostname:
        raise LoadgenError(f"run_fixed_rate speaks plain HTTP to a host: {url}")
    host, port = target.hostname, target.port or 80
    base = target.path.rstrip("/")
    host_header = f"{host}:{port}"
    loop = asyncio.get_running_loop()
    tally = _Tally()
    wall = time.time() - loop.time()  # loop time + wall = Unix time
    responses: list[dict[str, Any]] = []
    idle: list[_Connection] = []
    slots = asyncio.Semaphore(connections)

    def encode(request: HttpRequest) -> bytes:
        head = [f"{request.method} {base}{request.path} HTTP/1.1", f"Host: {host_header}"]
        head += [f"{name}: {value}" for name, value in request.headers.items()]
        head.append(f"Content-Length: {len(request.body)}")
        return ("\r\n".join(head) + "\r\n\r\n").encode() + request.body

    async def connection() -> _Connection:
        while idle:
            conn = idle.pop()
            if conn.usable():
                return conn
            conn.close()
        try:
            reader, writer = await asyncio.open_connection(host, port)
        except OSError as exc:
            raise _RequestError("connect") from exc
        tally.opened += 1
        return _Connection(reader, writer)

    async def one(n: int, raw: bytes, due: float) -> None:
        conn: _Connection | None = None
        try:
            async with asyncio.timeout_at(due + timeout_s), slots:
                conn = await connection()
                reused = conn.used
                conn.used = True
                try:
                    status, keep, body = await conn.exchange(raw)
                except _RequestError as exc:
                    if not (reused and exc.kind == "read" and exc.nothing_read):
                        raise
                    # the server closed this idle keep-alive connection as the request went out
                    # (nothing was read, so nothing was done): retry once on a new one, as HTTP clients do
                    conn.close()
                    conn = await connection()
                    conn.used = True
                    status, keep, body = await conn.exchange(raw)
        except (TimeoutError, _RequestError) as exc:
            kind = exc.kind if isinstance(exc, _RequestError) else "timeout"
            tally.errors[kind] += 1
            if keep_responses:
                responses.append({"n": n, "due_at": round(due + wall, 6), "error": kind})
            if conn:
                conn.close()
            return
        now = loop.time()
        if keep_responses:
            responses.append(
                {
                    "n": n,
                    "due_at": round(due + wall, 6),
                    "status": status,
                    "latency_ms": round((now - due) * 1000, 3),
                    "body": body.decode("utf-8", "replace"),
                }
            )
        tally.latencies.append(now - due)
        tally.statuses[status] += 1
        tally.last_done = max(tally.last_done, now)
        if keep:
            idle.append(conn)
        else:
            conn.close()

    total = max(1, round(rate * duration_s))
    interval = 1.0 / rate
    tasks: set[asyncio.Task[None]] = set()
    max_lag = 0.0
    start = loop.time() + 0.05
    for n in range(total):
        due = start + n * interval
        if (delay := due - loop.time()) > 0:
            await asyncio.sleep(delay)
        max_lag = max(max_lag, loop.time() - due)
        task = asyncio.create_task(one(n, encode(make_request(n)), due))
        tasks.add(task)
        task.add_done_callback(tasks.discard)
    if tasks:
        await asyncio.wait(tasks)
    for conn in idle:
        conn.close()
    seconds = max(tally.last_done, start + total * interval) - start
    result = {
        "tool": "fixed_rate",
        **_summary(tally, seconds),
        "target_rate": rate,
        "sent": total,
        "max_dispatch_lag_ms": round(max_lag * 1000, 3),
        "connections_opened": tally.opened,
    }
    if keep_responses:
        result["responses"] = responses
    return result


def run_fixed_rate(
    url: str,
    make_request: Callable[[int], HttpRequest],
    rate: float,
    duration_s: float,
    *,
    connections: int = 256,
    timeout_s: float = 10.0,
    keep_responses: bool = False,
) -> dict[str, Any]:
    """`run_fixed_rate_async` on its own event loop (from async code: await run_fixed_rate_async,
    or better, run `python -m bench.loadgen fixed-rate` as a process so the client has its own core)."""
    return asyncio.run(
        run_fixed_rate_async(
            url,
            make_request,
            rate,
            duration_s,
            connections=connections,
            timeout_s=timeout_s,
            keep_responses=keep_responses,
        )
    )


# ---------------------------------------------------------------- CLI


def _secret(args: argparse.Namespace) -> str:
    secret = args.secret or os.environ.get("INTAKE_WEBHOOK_SECRET_GENERIC", "")
    if not secret:
        raise SystemExit("give --secret or set INTAKE_WEBHOOK_SECRET_GENERIC")
    return secret


def _storm_secrets() -> dict[str, str]:
    from bench import storm_alerts

    try:
        return storm_alerts.secrets_from(os.environ)
    except KeyError as exc:
        raise SystemExit(f"loadgen: {exc.args[0]}") from None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)

    run = commands.add_parser("wrk", help="closed-loop load with wrk and a bench/wrk script")
    run.add_argument("--url", required=True, help="e.g. http://127.0.0.1:8001")
    run.add_argument("--script", default="report", help="report, generic_webhook, alerta, or a .lua path")
    run.add_argument("-c", "--connections", type=int, default=32)
    run.add_argument("-d", "--duration", type=float, default=20.0, help="seconds")
    run.add_argument("-t", "--threads", type=int, default=None)
    run.add_argument("--rate", type=float, default=None, help="requests/s (needs wrk2)")
    run.add_argument("--timeout", type=float, default=10.0, help="seconds")
    run.add_argument("--secret", help="generic webhook secret (generic_webhook only)")
    run.add_argument("--count", type=int, default=None, help="signed deliveries to prepare (generic_webhook)")

    fixed = commands.add_parser("fixed-rate", help="open-loop load at a fixed rate")
    fixed.add_argument("--url", required=True)
    fixed.add_argument("--kind", choices=("report", "webhook", "alerta", "storm", "probe"), default="report")
    fixed.add_argument("--rate", type=float, required=True, help="requests/s")
    fixed.add_argument("-d", "--duration", type=float, default=20.0, help="seconds")
    fixed.add_argument("-c", "--connections", type=int, default=256, help="most connections open at once")
    fixed.add_argument("--timeout", type=float, default=10.0, help="seconds")
    fixed.add_argument("--secret", help="generic webhook secret (webhook only)")
    fixed.add_argument("--storm-run", default="", help="the storm's id: its alert ids derive from it (storm only)")
    fixed.add_argument("--responses", type=Path, help="write one JSON line per request here (kept out of stdout)")

    sign = commands.add_parser("sign-webhooks", help="prepare signed generic webhooks for generic_webhook.lua")
    sign.add_argument("--secret")
    sign.add_argument("--count", type=int, required=True)
    sign.add_argument("--out", required=True)

    args = parser.parse_args(argv)
    try:
        if args.command == "sign-webhooks":
            print(write_signed_webhooks(args.out, _secret(args), args.count))
            return 0
        if args.command == "wrk":
            if args.script == "generic_webhook" and "PIDESK_WRK_REQUESTS" not in os.environ:
                result = run_wrk_webhooks(
                    args.url,
                    _secret(args),
                    args.connections,
                    args.duration,
                    count=args.count,
                    threads=args.threads,
                    timeout_s=args.timeout,
                )
            else:
                result = run_wrk(
                    args.url,
                    args.script,
                    args.connections,
                    args.duration,
                    args.rate,
                    threads=args.threads,
                    timeout_s=args.timeout,
                )
        else:
            make = {
                "report": report_requests,
                "alerta": alerta_requests,
                "webhook": lambda: signed_webhook_requests(_secret(args)),
                "storm": lambda: storm_requests(args.storm_run or uuid.uuid4().hex[:12], _storm_secrets()),
                "probe": probe_requests,
            }[args.kind]()
            result = run_fixed_rate(
                args.url,
                make,
                args.rate,
                args.duration,
                connections=args.connections,
                timeout_s=args.timeout,
                keep_responses=args.responses is not None,
            )
            if args.responses is not None:
                args.responses.parent.mkdir(parents=True, exist_ok=True)
                with args.responses.open("w", encoding="utf-8") as out:
                    out.writelines(json.dumps(record) + "\n" for record in result.pop("responses"))
    except LoadgenError as exc:
        print(f"loadgen: {exc}", file=sys.stderr)
        return 1
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
