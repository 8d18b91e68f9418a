"""bench/cpu.py: the CPU profile charges each component's processes, children and listeners included."""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys

from bench.cpu import listener, measuring, process_cpu_s, profile, tree

BURN = """
import sys, time
while time.process_time() < 0.3:
    pass
print("done", flush=True)
time.sleep(60)
"""


async def test_a_component_is_charged_the_cpu_its_process_spent_during_the_measurement() -> None:
    child = subprocess.Popen([sys.executable, "-c", BURN], stdout=subprocess.PIPE)
    try:
        async with measuring({"burner": lambda: [child.pid], "idle": lambda: []}, every=0.05) as meter:
            assert child.stdout is not None
            assert (await asyncio.to_thread(child.stdout.readline)).strip() == b"done"
        use = meter.result()
    finally:
        child.kill()
        child.wait()
    assert use["components"]["burner"] >= 0.25  # its start-up before the first sample is not charged
    assert use["components"]["idle"] == 0
    assert set(use["components"]) == {"burner", "idle", "load generator and sink", "everything else"}
    found = profile(use, items=100, rate=1_000)
    assert found["cpu_ms_per_item"]["burner"] >= 2.5
    assert found["cores_needed"] == round(found["cpu_ms_per_item_total"], 2)


def test_the_process_listening_on_a_port_is_found_with_its_children() -> None:
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen()
        assert listener(server.getsockname()[1]) == os.getpid()
    assert os.getpid() in tree(os.getppid())
    assert process_cpu_s(os.getpid()) is not None
    assert process_cpu_s(2**22 + 1) is None
