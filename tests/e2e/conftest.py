"""A real browser (Debian's Chromium) against the app served on a free local port.

One browser and one server per test session; the server answers in threads of its own, so every test gets a
database of its own holding the demo organisation, with real commits (`committing_sessions`).
Never run `playwright install`: the browser is the system's /usr/bin/chromium.
"""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from playwright.sync_api import expect
from werkzeug.serving import make_server

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
VENDOR_CSS = Path(__file__).resolve().parents[2] / "webapp" / "static" / "vendor" / "bootstrap.min.css"

# What a page must show, it may take this long to show on a busy machine (CI runs both databases' suites at once on
# two cores): waiting longer for a right answer never passes a wrong one.
expect.set_options(timeout=15_000)

PHONE = {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 3, "is_mobile": True, "has_touch": True}


@pytest.fixture(scope="session")
def browser_type_launch_args():
    """Overrides pytest-playwright's fixture: the system Chromium, headless, no network side-trips."""
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: run `bash scripts/setup.sh`")
    return {"executable_path": CHROMIUM, "args": CHROMIUM_ARGS, "headless": True}


@pytest.fixture(scope="session")
def _served_app(suite_app):
    """The suite's app on 127.0.0.1:<free port>, in a background thread, for the whole session."""
    if not VENDOR_CSS.exists():
        pytest.fail("webapp/static/vendor is missing: run `bash scripts/setup.sh` (npm run build) first")
    server = make_server("127.0.0.1", 0, suite_app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="e2e-live-server", daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=10)
    server.server_close()


@pytest.fixture(scope="session")
def base_url(_served_app):
    """Overrides pytest-playwright's base_url, so `page.goto("/login")` reaches the live server."""
    return _served_app


@pytest.fixture(autouse=True)
def live_server(_served_app, app, committing_sessions):
    """The live server's URL, serving this test's own database (the demo organisation, committed)."""
    return _served_app


@pytest.fixture
def new_context(new_context):
    """pytest-playwright's contexts, each reporting what the Content-Security-Policy refused: nothing may be."""
    refused: list[str] = []

    def watched(**kwargs):
        context = new_context(**kwargs)
        context.on("console", lambda msg: refused.append(msg.text) if "Content Security Policy" in msg.text else None)
        return context

    yield watched
    assert refused == [], "the page needed something the CSP forbids (inline script or handler, outside asset)"


@pytest.fixture
def phone_page(new_context):
    """A page in a phone-sized browser (390×844, touch, mobile viewport meta honoured)."""
    return new_context(**PHONE).new_page()
