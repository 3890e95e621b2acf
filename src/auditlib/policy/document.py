"""A policy text as sections and sentences with stable references.

Input is UTF-8 plain text, Markdown or HTML. Plain text and Markdown are read with
markdown-it (plain text is Markdown without markup; the published policy already uses
Markdown links ``[text](#)``), HTML with the standard library's ``html.parser``. Both
give the same blocks: headings, paragraphs and list items, each with its text and its
links (link text kept in the text, the target recorded).

References: a section is named by its heading (a heading seen before gets `` (2)``);
text before the first heading is section ``(start)``. A sentence is
``<section> #<n>``, counted from 1 within its section over paragraphs and list items,
so a reference survives re-wrapping lines and reformatting into Markdown or HTML.

Headings of plain text are recognised as short single-line paragraphs that do not end
in sentence punctuation (a question mark is allowed); when a document has explicit
headings (Markdown ``#`` or HTML ``<h1>``..``<h6>``) only those count.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

FORMATS = ("text", "markdown", "html")
START_SECTION = "(start)"

_DASHES = dict.fromkeys(map(ord, "\u2010\u2011\u2012\u2013\u2014\u2015\u2212"), "-")
_QUOTES = {
    ord("\u2018"): "'",
    ord("\u2019"): "'",
    ord("\u201c"): '"',
    ord("\u201d"): '"',
    ord("\u00ab"): '"',
    ord("\u00bb"): '"',
    ord("\u00a0"): " ",
    ord("\u202f"): " ",
}
_WS = re.compile(r"\s+")
_SPACE_BEFORE_PUNCT = re.compile(r" (?=[.,;:!?)])")
# Words after which a full stop does not end a sentence (lower case, without the dot).
ABBREVIATIONS = frozenset(
    {
        "org",
        "nr",
        "t.ex",
        "tex",
        "bl.a",
        "m.m",
        "m.fl",
        "o.s.v",
        "osv",
        "dvs",
        "d.v.s",
        "ca",
        "jfr",
        "resp",
        "inkl",
        "exkl",
        "kap",
        "art",
        "p",
        "st",
        "s",
        "e.g",
        "i.e",
        "no",
        "tel",
        "fr.o.m",
        "t.o.m",
        "f.d",
        "el",
        "mr",
        "dr",
        "vs",
        "etc",
        "ff",
        "punkt",
        "avd",
        "ang",
    }
)
_SENT_END = re.compile(r"[.!?]{1,3}[\"')\]]{0,2}(?=\s{1,20}[\"'(\[]{0,2}[A-ZÅÄÖÉ0-9])")
_TERMINATORS = ".!?"
_DEAD_TARGETS = re.compile(r"^(#!?|javascript:.{0,200}|about:blank|)$", re.I)


def normalise(text: str) -> str:
    """Compare-form of a text: NFC, one kind of dash and quote, single spaces, casefold."""
    t = unicodedata.normalize("NFC", text).translate(_DASHES).translate(_QUOTES)
    t = "".join(c for c in t if unicodedata.category(c) != "Cf")
    t = _WS.sub(" ", t).strip()
    return _SPACE_BEFORE_PUNCT.sub("", t).casefold()


def clean(text: str) -> str:
    """Display form: single spaces, no control characters."""
    # format characters (soft hyphen, zero-width space) vanish; control characters are spaces
    t = "".join(
        "" if unicodedata.category(c) == "Cf" else " " if unicodedata.category(c)[0] == "C" else c
        for c in text
    )
    return _WS.sub(" ", t).strip()


def slug(text: str) -> str:
    """GitHub-style anchor of a heading (``#vilka-rattigheter-har-du`` keeps å, ä, ö)."""
    t = re.sub(r"[^\w\- ]", "", normalise(text))
    return t.replace(" ", "-")


@dataclass(frozen=True)
class Link:
    text: str
    target: str | None  # None: no href at all

    def has_target(self, anchors: frozenset[str]) -> bool:
        t = (self.target or "").strip()
        if _DEAD_TARGETS.match(t):
            return False
        if t.startswith("#"):
            return t[1:].casefold() in anchors
        return True


@dataclass
class Block:
    kind: str  # 'heading' | 'paragraph' | 'list_item'
    text: str
    links: list[tuple[int, int, Link]] = field(default_factory=list)  # spans in text
    level: int = 0
    explicit: bool = False  # a Markdown/HTML heading (not guessed)
    emphasised: bool = False  # all of its text is bold/italic (a heading written as **X**)


@dataclass(frozen=True)
class Sentence:
    ref: str
    section: str  # the section's reference
    number: int
    text: str
    kind: str  # 'paragraph' | 'list_item'
    links: tuple[Link, ...]
    terminated: bool
    last_in_block: bool
    block_sentences: int
    block: int
    short_lines: bool = False  # the block is several short lines (an address, a contact block)

    @property
    def norm(self) -> str:
        return normalise(self.text)


@dataclass
class Section:
    ref: str
    heading: str
    level: int
    index: int
    sentences: list[Sentence] = field(default_factory=list)


@dataclass
class PolicyDocument:
    path: str
    format: str
    sha256: str
    sections: list[Section]
    anchors: frozenset[str]

    @property
    def sentences(self) -> list[Sentence]:
        return [s for sec in self.sections for s in sec.sentences]

    @property
    def headings(self) -> list[Section]:
        return [s for s in self.sections if s.ref != START_SECTION]

    @property
    def norm_text(self) -> str:
        return " ".join(s.norm for s in self.sentences)

    def dead_links(self) -> list[tuple[Sentence, Link]]:
        return [
            (s, lk) for s in self.sentences for lk in s.links if not lk.has_target(self.anchors)
        ]

    def section_of(self, sentence: Sentence) -> Section:
        for sec in self.sections:
            if sec.ref == sentence.section:
                return sec
        raise KeyError(sentence.section)


class PolicyInputError(ValueError):
    """The policy file cannot be read as UTF-8 text, Markdown or HTML, or holds no text."""


# --------------------------------------------------------------------------- reading


def detect_format(path: Path, text: str) -> str:
    suffix = path.suffix.lower()
    if suffix in (".html", ".htm", ".xhtml"):
        return "html"
    if suffix in (".md", ".markdown"):
        return "markdown"
    head = text.lstrip()[:200].lower()
    if head.startswith(("<!doctype html", "<html", "<body", "<h1", "<p>", "<div")):
        return "html"
    return "text"


def read_policy(path: str | Path, fmt: str | None = None) -> PolicyDocument:
    """Read and parse a policy file; raises :class:`PolicyInputError` naming the file."""
    p = Path(path)
    try:
        raw = p.read_bytes()
    except OSError as exc:
        raise PolicyInputError(f"{p}: cannot read the policy ({exc.strerror})") from exc
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise PolicyInputError(
            f"{p}: not UTF-8 (byte {exc.start}: {raw[exc.start : exc.start + 1]!r}); "
            "save the policy as UTF-8"
        ) from exc
    return parse_policy(
        text, fmt or detect_format(p, text), path=str(p), sha256=hashlib.sha256(raw).hexdigest()
    )


def parse_policy(
    text: str, fmt: str = "text", path: str = "<text>", sha256: str | None = None
) -> PolicyDocument:
    if fmt not in FORMATS:
        raise PolicyInputError(f"{path}: unknown format {fmt!r}; known: {list(FORMATS)}")
    blocks, anchors = _html_blocks(text) if fmt == "html" else _markdown_blocks(text)
    explicit = any(b.explicit for b in blocks)
    # without marked-up headings every short line may be one; with them only lines written
    # in bold (``**Rubrik**``, ``<p><strong>Rubrik</strong></p>``) are
    blocks = [_guess_heading(b) if not explicit or b.emphasised else b for b in blocks]
    doc = _build(
        blocks, path, fmt, sha256 or hashlib.sha256(text.encode("utf-8")).hexdigest(), anchors
    )
    if not doc.sentences:
        raise PolicyInputError(f"{path}: the policy holds no text to audit")
    return doc


def _guess_heading(b: Block) -> Block:
    t = b.text
    if (
        b.kind == "paragraph"
        and "\n" not in t
        and 0 < len(t) <= 100
        and len(t.split()) <= 12
        and t[-1] not in ".,;:!"
        and (t[0].isupper() or t[0].isdigit())
        and ": " not in t
        and len(split_sentences(t)) == 1
    ):
        return Block("heading", t, b.links, level=2)
    return b


def _build(blocks: list[Block], path: str, fmt: str, sha: str, anchors: set[str]) -> PolicyDocument:
    sections: list[Section] = [Section(START_SECTION, "", 0, 0)]
    seen: dict[str, int] = {}
    for b in blocks:
        if b.kind == "heading":
            heading = clean(b.text)
            key = normalise(heading)
            seen[key] = seen.get(key, 0) + 1
            ref = heading if seen[key] == 1 else f"{heading} ({seen[key]})"
            anchors.add(slug(heading))
            sections.append(Section(ref, heading, b.level, len(sections)))
    # second pass: sentences into their sections
    sec_iter = iter(sections[1:])
    current = sections[0]
    for bi, b in enumerate(blocks):
        if b.kind == "heading":
            current = next(sec_iter)
            continue
        parts = split_sentences(b.text)
        lines = [ln for ln in b.text.split("\n") if ln.strip()]
        short_lines = len(lines) > 1 and all(len(ln.split()) <= 8 for ln in lines)
        for k, (start, end) in enumerate(parts):
            raw = b.text[start:end]
            stext = clean(raw)
            if not stext:
                continue
            links = tuple(lk for s0, _e0, lk in b.links if start <= s0 < end)
            n = len(current.sentences) + 1
            current.sentences.append(
                Sentence(
                    ref=f"{current.ref} #{n}",
                    section=current.ref,
                    number=n,
                    text=stext,
                    kind=b.kind,
                    links=links,
                    terminated=stext[-1] in _TERMINATORS
                    or stext.endswith(('."', ".'", '?"', '!"', ".)")),
                    last_in_block=k == len(parts) - 1,
                    block_sentences=len(parts),
                    block=bi,
                    short_lines=short_lines,
                )
            )
    if not sections[0].sentences:
        sections = sections[1:]
    return PolicyDocument(path, fmt, sha, sections, frozenset(a.casefold() for a in anchors))


def split_sentences(text: str) -> list[tuple[int, int]]:
    """Spans of the sentences of one block (abbreviations such as ``org.`` do not end one)."""
    spans, start = [], 0
    for m in _SENT_END.finditer(text):
        if m.group()[0] == ".":
            word = text[max(start, m.start() - 12) : m.start()].split()
            last = word[-1].casefold().lstrip("([\"'") if word else ""
            if last in ABBREVIATIONS or (len(last) == 1 and last.isalpha()):
                continue
        spans.append((start, m.end()))
        start = m.end()
    if text[start:].strip():
        spans.append((start, len(text)))
    return spans


# --------------------------------------------------------------------------- Markdown / text


def _markdown_blocks(text: str) -> tuple[list[Block], set[str]]:
    from markdown_it import MarkdownIt

    md = MarkdownIt("commonmark")
    tokens = md.parse(text)
    blocks: list[Block] = []
    anchors: set[str] = set()
    pending: tuple[str, int, bool] | None = None  # kind, level, explicit
    in_list = 0
    for tok in tokens:
        if tok.type in ("bullet_list_open", "ordered_list_open"):
            in_list += 1
        elif tok.type in ("bullet_list_close", "ordered_list_close"):
            in_list -= 1
        elif tok.type == "heading_open":
            pending = ("heading", int(tok.tag[1]), True)
        elif tok.type == "paragraph_open":
            pending = ("list_item" if in_list else "paragraph", 0, False)
        elif tok.type == "inline" and pending is not None:
            btext, links = _inline(tok.children or [])
            if btext.strip():
                blocks.append(
                    Block(
                        pending[0],
                        btext.strip(),
                        links,
                        pending[1],
                        pending[2],
                        emphasised=_all_emphasised(tok.children or []),
                    )
                )
            pending = None
        elif tok.type in ("code_block", "fence", "html_block"):
            content = (
                re.sub(r"<[^<>]{0,500}>", " ", tok.content)
                if tok.type == "html_block"
                else tok.content
            )
            for para in re.split(r"\n\s*\n", content):
                if para.strip():
                    blocks.append(Block("paragraph", " ".join(para.split())))
    return blocks, anchors


def _all_emphasised(children: list) -> bool:
    depth, seen = 0, False
    for c in children:
        if c.type in ("strong_open", "em_open"):
            depth += 1
        elif c.type in ("strong_close", "em_close"):
            depth -= 1
        elif c.type == "text" and c.content.strip():
            if depth <= 0:
                return False
            seen = True
    return seen


def _inline(children: list) -> tuple[str, list[tuple[int, int, Link]]]:
    out: list[str] = []
    links: list[tuple[int, int, Link]] = []
    open_link: tuple[int, str | None] | None = None
    length = 0
    for c in children:
        piece = ""
        if c.type in ("text", "code_inline"):
            piece = c.content
        elif c.type in ("softbreak", "hardbreak"):
            piece = "\n"
        elif c.type == "html_inline":
            piece = ""
        elif c.type == "image":
            piece = c.content or ""
        elif c.type == "link_open":
            open_link = (length, c.attrs.get("href"))
        elif c.type == "link_close" and open_link is not None:
            s0, href = open_link
            links.append((s0, length, Link(clean("".join(out)[s0:length]), href)))
            open_link = None
        out.append(piece)
        length += len(piece)
    return "".join(out), links


# --------------------------------------------------------------------------- HTML

_BLOCK_TAGS = {
    "p",
    "li",
    "td",
    "th",
    "dd",
    "dt",
    "blockquote",
    "div",
    "section",
    "article",
    "header",
    "footer",
    "main",
    "ul",
    "ol",
    "table",
    "tr",
    "body",
    "figcaption",
    "address",
    "pre",
    "nav",
    "aside",
    "form",
}
_SKIP_TAGS = {"script", "style", "head", "title", "noscript", "template", "svg"}


class _HtmlBlocks(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.blocks: list[Block] = []
        self.anchors: set[str] = set()
        self.buf: list[str] = []
        self.links: list[tuple[int, int, Link]] = []
        self.kind = "paragraph"
        self.level = 0
        self.skip = 0
        self.link: tuple[int, str | None] | None = None
        self.list_depth = 0
        self.bold = 0
        self.plain_text = False  # text outside <strong>/<b>/<em> in the current block

    def _len(self) -> int:
        return sum(len(x) for x in self.buf)

    def flush(self) -> None:
        raw = "".join(self.buf)
        lead = len(raw) - len(raw.lstrip())
        text = raw.strip()
        if text:
            links = [(s - lead, e - lead, lk) for s, e, lk in self.links]
            self.blocks.append(
                Block(
                    self.kind,
                    text,
                    links,
                    self.level,
                    explicit=self.kind == "heading",
                    emphasised=not self.plain_text,
                )
            )
        self.buf, self.links = [], []
        self.plain_text = False
        self.kind = "list_item" if self.list_depth else "paragraph"
        self.level = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        for key in ("id", "name"):
            if a.get(key):
                self.anchors.add(str(a[key]))
        if tag in _SKIP_TAGS:
            self.skip += 1
            return
        if re.fullmatch(r"h[1-6]", tag):
            self.flush()
            self.kind, self.level = "heading", int(tag[1])
        elif tag in ("ul", "ol"):
            self.flush()
            self.list_depth += 1
        elif tag == "li":
            self.flush()
            self.kind = "list_item"
        elif tag in _BLOCK_TAGS:
            self.flush()
        elif tag == "br":
            self.buf.append("\n")
        elif tag == "a":
            self.link = (self._len(), a.get("href"))
        elif tag in ("strong", "b", "em", "i"):
            self.bold += 1

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIP_TAGS:
            self.skip = max(0, self.skip - 1)
            return
        if tag in ("strong", "b", "em", "i"):
            self.bold = max(0, self.bold - 1)
        if tag == "a" and self.link is not None:
            s0, href = self.link
            raw = "".join(self.buf)
            self.links.append((s0, self._len(), Link(clean(raw[s0:]), href)))
            self.link = None
        elif re.fullmatch(r"h[1-6]", tag) or tag in _BLOCK_TAGS or tag == "li":
            self.flush()
            if tag in ("ul", "ol"):
                self.list_depth = max(0, self.list_depth - 1)
                self.kind = "list_item" if self.list_depth else "paragraph"

    def handle_data(self, data: str) -> None:
        if not self.skip:
            self.buf.append(" ".join(data.split("\n")))
            if data.strip() and not self.bold:
                self.plain_text = True


def _html_blocks(text: str) -> tuple[list[Block], set[str]]:
    p = _HtmlBlocks()
    p.feed(text)
    p.close()
    p.flush()
    # inline whitespace: collapse but keep link spans valid -> re-clean per block
    out = []
    for b in p.blocks:
        t, links = _collapse(b.text, b.links)
        out.append(Block(b.kind, t, links, b.level, b.explicit, b.emphasised))
    return out, p.anchors


def _collapse(text: str, links: list[tuple[int, int, Link]]) -> tuple[str, list]:
    """Collapse runs of white space, moving link spans with the text."""
    mapping: list[int] = []
    out: list[str] = []
    prev_space = False
    for ch in text:
        sp = ch.isspace()
        mapping.append(len(out) if not (sp and prev_space) else len(out) - 1)
        if sp and prev_space:
            if ch == "\n":
                out[-1] = "\n"
            continue
        out.append(ch if ch == "\n" else " " if sp else ch)
        prev_space = sp
    mapping.append(len(out))
    return "".join(out), [
        (mapping[min(s, len(text))], mapping[min(e, len(text))], lk) for s, e, lk in links
    ]
