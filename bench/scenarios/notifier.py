"""Scenario f: the notifier's delivery benchmark, `python -m bench.notice_delivery --json PATH`, as it is.

Its rows are kept whole; the table's notifier line takes the internal-alert rows (messages per second
from the first commit to the last arrival at a real SMTP server, `pidesk mailsink`).
"""

from __future__ import annotations

import asyncio
import json
import sys
from typing import Any

from bench.scenarios.common import Context, run_process


async def run(ctx: Context) -> dict[str, Any]:
    path = ctx.workdir / "notice_delivery.json"
    command = [sys.executable, "-m", "bench.notice_delivery", *ctx.plan.notice_args, "--json", str(path)]
    log_path = ctx.workdir / "logs" / "notice_delivery.log"
    stdout = await run_process(command, limit_s=900 if ctx.plan.quick else 2400, log_path=log_path)
    rows = json.loads(await asyncio.to_thread(path.read_text))
    return {
        "command": " ".join(["python -m bench.notice_delivery", *ctx.plan.notice_args]),
        "rows": rows,
        "output": stdout[-3000:],
    }
