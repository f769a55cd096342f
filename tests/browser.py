"""Playwright helpers: Debian's Chromium (never a downloaded one), headless, no phoning home."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
VIEWPORT = {"width": 1400, "height": 900}
ANSWER_TIMEOUT = 120_000  # ms: the first question also warms the model up on 2 cores


def norm(text: str) -> str:
    """Whitespace collapsed: the page wraps and indents text its own way."""
    return " ".join(text.split())


def free_port(ports: range | None = None) -> int:
    """A free port on 127.0.0.1: any (the OS picks), or the first free one in ``ports``."""
    for port in ports if ports is not None else (0,):
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
            return int(s.getsockname()[1])
    assert ports is not None
    raise RuntimeError(f"no free port in {ports.start}-{ports.stop - 1}")


@dataclass
class Server:
    """A launched Gradio app and the address it listens on."""

    app: Any
    url: str


@contextmanager
def serve(app: Any, **launch_kwargs: Any) -> Iterator[Server]:
    """Launch a Gradio Blocks in this process on 127.0.0.1 and a free port; close it after."""
    port = free_port()
    app.launch(
        server_name="127.0.0.1",
        server_port=port,
        prevent_thread_lock=True,
        quiet=True,
        **launch_kwargs,
    )
    try:
        yield Server(app, f"http://127.0.0.1:{port}/")
    finally:
        app.close(verbose=False)


@dataclass
class Requests:
    """Every URL a page asked for (including ones that failed or were blocked)."""

    urls: list[str] = field(default_factory=list)

    def attach(self, page: Any) -> None:
        page.on("request", lambda request: self.urls.append(request.url))


@contextmanager
def chromium() -> Iterator[Any]:
    """A headless Chromium browser (Playwright sync API)."""
    from playwright.sync_api import sync_playwright

    if not CHROMIUM.exists():
        raise RuntimeError("no /usr/bin/chromium: run `make chromium` (apt-get install chromium)")
    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        try:
            yield browser
        finally:
            browser.close()


def ask(page: Any, question: str, *, enter: bool = False) -> Any:
    """Type a question, click Ask (or press Enter), wait for the final rendering; return it."""
    final = "#chat .answer:not(.pending):not(.draft)"
    before = page.locator(final).count()
    page.fill("#question textarea", question)
    if enter:
        page.press("#question textarea", "Enter")
    else:
        page.click("#ask")
    page.wait_for_function(
        "([sel, n]) => document.querySelectorAll(sel).length > n",
        arg=[final, before],
        timeout=ANSWER_TIMEOUT,
    )
    return page.locator(final).nth(before)  # stays this answer when more follow


def open_page(
    browser: Any,
    url: str,
    requests: Requests | None = None,
    viewport: dict[str, int] = VIEWPORT,
) -> Any:
    """A new page at ``url``, loaded and with the Gradio app rendered (not 'networkidle')."""
    page = browser.new_page(viewport=viewport, accept_downloads=True)
    if requests is not None:
        requests.attach(page)
    page.goto(url, wait_until="load")
    page.wait_for_selector("#question textarea", timeout=30_000)
    return page
