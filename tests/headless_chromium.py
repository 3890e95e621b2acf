"""Drive Debian's chromium headless from the tests (a helper module, not a test).

`make setup` installs the `chromium` package when it is missing and it can; a test that
needs the browser skips only when it is still not there, and says so.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-default-apps",
    "--disable-extensions",
    "--mute-audio",
)


def find_chromium() -> str | None:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        path = shutil.which(name)
        if path:
            return path
    return "/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None


def require_chromium() -> str:
    path = find_chromium()
    if path is None:
        pytest.skip(
            "headless browser test skipped: no chromium found (make setup installs "
            "Debian's chromium with apt-get when it can; it could not here)"
        )
    return path


def dump_dom(
    url: str, *, javascript: bool = True, netlog: Path | None = None, timeout: float = 240
) -> str:
    """The DOM after the page's scripts ran (``--dump-dom``)."""
    browser = require_chromium()
    with tempfile.TemporaryDirectory(prefix="auditlib-chromium-") as profile:
        cmd = [browser, *FLAGS, f"--user-data-dir={profile}", "--virtual-time-budget=15000"]
        if not javascript:
            # JavaScript blocked for every site, as a user switches it off. (The flag
            # --blink-settings=scriptEnabled=false makes headless --dump-dom print nothing.)
            prefs = Path(profile) / "Default" / "Preferences"
            prefs.parent.mkdir(parents=True)
            prefs.write_text(
                json.dumps({"profile": {"default_content_setting_values": {"javascript": 2}}})
            )
        if netlog is not None:
            cmd += [f"--log-net-log={netlog}", "--net-log-capture-mode=Everything"]
        r = subprocess.run(
            [*cmd, "--dump-dom", url], capture_output=True, text=True, timeout=timeout, check=False
        )
    if r.returncode != 0 or "<html" not in r.stdout:
        raise AssertionError(f"chromium failed ({r.returncode}): {r.stderr[-2000:]}")
    return r.stdout


def page_requests(netlog: Path) -> list[str]:
    """URLs the *page* asked the network stack for, from chromium's network log.

    The browser's own background requests (they happen even with the flags above) carry
    the initiator ``not an origin``; anything a page starts carries its origin (``null``
    for a file: page) and is returned here.
    """
    text = netlog.read_text(encoding="utf-8", errors="replace").rstrip().rstrip(",")
    if not text.endswith("}"):
        text += "]}"  # the log may be cut short when the browser exits
    data = json.loads(text)
    names = {v: k for k, v in data["constants"]["logEventTypes"].items()}
    out = []
    for e in data.get("events", []):
        params = e.get("params") or {}
        if (
            names.get(e.get("type")) == "URL_REQUEST_START_JOB"
            and "url" in params
            and params.get("initiator") != "not an origin"
        ):
            out.append(str(params.get("url")))
    return out
