"""Browser tests: Debian's chromium driven by Playwright, the app served on a free loopback port.

Never downloads a browser: pytest-playwright launches /usr/bin/chromium through
``executable_path``. The server runs in a background thread and stops after the session.
"""

from __future__ import annotations

import os
import socket
import threading
import time
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[2] / "artifacts"


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    """Launch Debian's chromium headless, with no network side traffic."""
    return {
        **browser_type_launch_args,
        "executable_path": str(CHROMIUM),
        "args": [
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--no-first-run",
        ],
    }


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="session")
def live_server():
    """Base URL of the dashboard served by uvicorn on 127.0.0.1 in a background thread."""
    import uvicorn

    from straitsim.web.app import create_app

    # The page links to the docs served at /manual/: point the server at this checkout's
    # docs, so the links exist whether straitsim is installed from the checkout or not.
    saved = os.environ.get("STRAITSIM_DOCS")
    os.environ.setdefault("STRAITSIM_DOCS", str(Path(__file__).resolve().parents[2] / "docs"))
    port = _free_port()
    try:
        app = create_app()  # reads STRAITSIM_DOCS once, when it mounts /manual/
    finally:
        if saved is None:  # leave the environment as the session found it
            os.environ.pop("STRAITSIM_DOCS", None)
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the dashboard server did not start")
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)


@pytest.fixture()
def artifacts_dir() -> Path:
    """Where screenshots go (git-ignored; CI keeps them as artifacts)."""
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS
