"""Check that an HTML page loads nothing over the network and runs no code.

A page that pulls a script, a style sheet, a font or an image from a CDN leaks
that the report was opened (and from where) and changes when the CDN does, so
every HTML file auditlib writes is checked by :func:`remote_resources` and the
report fails closed when it finds one. Plain links (``<a href>``) load nothing
and are allowed. Reports need no script either, so :func:`active_content` finds
``<script>``, ``<iframe>``/``<object>``/``<embed>``, ``on*=`` event handlers and
``javascript:`` URLs: text from the audited data must never become code. The one
exception is a page that passes ``allowed_scripts``: an inline ``<script>`` whose text
is exactly one of them (auditlib's own findings view), and inert data blocks
(``<script type="application/json">``), are accepted there.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

_REMOTE = re.compile(r"^\s*(https?:)?//", re.I)
_CSS_REMOTE = re.compile(
    r"(@import\s+(url\()?\s*['\"]?\s*(https?:)?//|url\(\s*['\"]?\s*(https?:)?//)", re.I
)
_LOADING_ATTRS = {"src", "srcset", "data", "poster", "background", "action", "formaction"}


_ACTIVE_TAGS = {"script", "iframe", "object", "embed", "applet", "frame"}


class _Finder(HTMLParser):
    def __init__(self, allowed_scripts: tuple[str, ...] = ()) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []
        self.active: list[str] = []
        self._in_style = False
        self._allowed = allowed_scripts
        self._script: list[str] | None = None  # text of the inline script being read
        self._script_kind = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "script" and self._allowed:
            names = {n for n, _ in attrs}
            kind = dict(attrs).get("type") or ""
            if names <= {"type", "id"} and kind in ("", "application/json"):
                self._script, self._script_kind = [], kind
            else:
                self.active.append("<script> with attributes " + ", ".join(sorted(names)))
        elif tag in _ACTIVE_TAGS:
            self.active.append(f"<{tag}>")
        for name, value in attrs:
            if name.startswith("on"):
                self.active.append(f"<{tag} {name}=...>")
            if value is not None and value.strip().lower().startswith(("javascript:", "vbscript:")):
                self.active.append(f"<{tag} {name}={value[:40]!r}>")
            if value is None:
                continue
            if (
                name in _LOADING_ATTRS
                or (name == "href" and tag in ("link", "base", "image", "use"))
            ) and _REMOTE.match(value):
                self.found.append(f"<{tag} {name}={value!r}>")
            if name == "style" and _CSS_REMOTE.search(value):
                self.found.append(f"<{tag} style=...{value[:80]!r}>")
        self._in_style = tag == "style"

    def handle_endtag(self, tag: str) -> None:
        if tag == "style":
            self._in_style = False
        if tag == "script" and self._script is not None:
            text = "".join(self._script)
            if self._script_kind != "application/json" and text not in self._allowed:
                self.active.append(f"<script> {text[:40]!r}... (not auditlib's own script)")
            self._script = None

    def handle_data(self, data: str) -> None:
        if self._script is not None:
            self._script.append(data)
        if self._in_style:
            for m in _CSS_REMOTE.finditer(data):
                self.found.append(f"CSS {data[m.start() : m.start() + 80]!r}")


def _scan(html: str, allowed_scripts: tuple[str, ...] = ()) -> _Finder:
    finder = _Finder(tuple(allowed_scripts))
    finder.feed(html)
    finder.close()
    return finder


def remote_resources(html: str) -> list[str]:
    """Every place in ``html`` that would load something over http(s) when opened."""
    return _scan(html).found


def active_content(html: str, allowed_scripts: tuple[str, ...] = ()) -> list[str]:
    """Every script, embedded frame/object, event handler or javascript: URL in ``html``
    (inline scripts whose text is one of ``allowed_scripts``, and JSON data blocks, excepted)."""
    return _scan(html, allowed_scripts).active


class OfflineError(Exception):
    """An HTML report would load a resource from the network or run code."""


def assert_offline(html: str, what: str, allowed_scripts: tuple[str, ...] = ()) -> None:
    """Raise :class:`OfflineError` if ``html`` loads anything remote or holds active content
    other than ``allowed_scripts`` (see :func:`active_content`)."""
    scan = _scan(html, allowed_scripts)
    if scan.found:
        raise OfflineError(
            f"{what} would load {len(scan.found)} resource(s) from the network, e.g. "
            f"{scan.found[0]}; embed it (data: URI) or remove it"
        )
    if scan.active:
        raise OfflineError(
            f"{what} holds {len(scan.active)} piece(s) of active content, e.g. {scan.active[0]}; "
            "reports are static: show such output as text"
        )
