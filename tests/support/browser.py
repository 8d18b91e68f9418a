"""Real headless Chromium (Debian's `chromium`, driven by Playwright), and where screenshots go."""

from __future__ import annotations

import os
import shutil
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from playwright.async_api import Browser, async_playwright

from tests.support.infra import REPO_ROOT

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]


def chromium_path() -> str:
    path = os.environ.get("PIDESK_CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")
    if not path:
        raise RuntimeError("Debian's chromium is not installed: `make test` installs it (deploy/browser.sh)")
    return path


def artifacts_dir() -> Path:
    """Screenshots and other test artifacts: $PIDESK_TEST_ARTIFACTS, else var/test-artifacts/."""
    directory = Path(os.environ.get("PIDESK_TEST_ARTIFACTS") or Path(REPO_ROOT) / "var" / "test-artifacts")
    directory.mkdir(parents=True, exist_ok=True)
    return directory


@asynccontextmanager
async def chromium() -> AsyncIterator[Browser]:
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS, headless=True)
        try:
            yield browser
        finally:
            await browser.close()
