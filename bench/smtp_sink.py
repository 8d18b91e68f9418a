"""An SMTP sink for the end-to-end benchmark: accepts everything, keeps no message, and writes one line
per message as its DATA completes: "<Unix time>\\t<X-Pidesk-Reference>\\t<recipients>", the recipients
as their number, or with --addresses as their addresses separated by commas (the storm counts mails per
person).

    python -m bench.smtp_sink --port 2525 --out var/bench/arrivals.tsv [--addresses]

Runs in its own process (so the bench's own work does not delay it); prints "ready" once it listens
on 127.0.0.1 and stops on SIGTERM or SIGINT.
"""

from __future__ import annotations

import argparse
import re
import signal
import threading
import time
from pathlib import Path
from typing import IO, Any

from aiosmtpd.controller import Controller

REFERENCE = re.compile(rb"^X-Pidesk-Reference:[ \t]*([^\r\n]*)", re.IGNORECASE | re.MULTILINE)


def reference_of(raw: bytes) -> str:
    """The X-Pidesk-Reference header of a message ("" when it has none); only the header block is read."""
    head = raw.split(b"\r\n\r\n", 1)[0].split(b"\n\n", 1)[0]
    found = REFERENCE.search(head)
    return found.group(1).strip().decode("ascii", "replace") if found else ""


class Recorder:
    def __init__(self, out: IO[str], addresses: bool = False) -> None:
        self.out, self.addresses = out, addresses
        self.lock = threading.Lock()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802 - aiosmtpd's name
        at = time.time()
        raw = bytes(envelope.original_content or envelope.content or b"")
        recipients = ",".join(envelope.rcpt_tos) if self.addresses else str(len(envelope.rcpt_tos))
        line = f"{at:.6f}\t{reference_of(raw)}\t{recipients}\n"
        with self.lock:
            self.out.write(line)
            self.out.flush()
        return "250 Message accepted"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--addresses", action="store_true", help="write the recipients' addresses, not their number")
    args = parser.parse_args(argv)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    with args.out.open("a", encoding="utf-8") as out:
        controller = Controller(Recorder(out, args.addresses), hostname="127.0.0.1", port=args.port, decode_data=False)
        controller.start()
        print("ready", flush=True)
        try:
            stop.wait()
        finally:
            controller.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
