"""An export directory (service-db/README.md "An export") as a snapshot source.

One file per table: ``<table>.parquet``, ``<table>.csv`` or ``<table>.csv.gz``,
formats mixed freely, or a directory ``<table>/`` of part files (``parts.py``),
optional ``manifest.json``. Decisions:

- Two files for one table are ambiguous: the table is unusable (issue
  ``ambiguous``); we never pick one.
- Files that are not tables of the schema (and sub-directories) are ignored and
  listed (issue ``ignored_file``).
- CSV is read strictly: UTF-8, header row, comma, RFC 4180 quotes (``""`` inside
  quotes), empty field = NULL, every column as VARCHAR. The builder casts with
  ``TRY_CAST`` so a bad value is reported, never guessed. The header is parsed
  here (Python ``csv``), so DuckDB's sniffer never guesses a dialect.
- An encoding is never guessed: a non-UTF-8 file is ``unreadable``, with the byte
  offset and line of the first bad byte (:func:`locate_utf8_error`).
- DuckDB error texts quote the offending line ("Original Line: ..."), which may
  hold personal data: messages keep only the line number and the reason.
- ``manifest.json``: each listed file's sha256 (streamed) is compared here; row
  counts are compared by the builder after its single read pass
  (``SourceTable.extra['manifest_rows']``), so no file is parsed twice.
- The snapshot time is the manifest's ``exported_at`` (it must carry an offset),
  else the newest modification time of the table files; ``describe()`` says which.
"""

from __future__ import annotations

import codecs
import contextlib
import csv
import gzip
import hashlib
import io
import json
import re
import zlib
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb

from auditlib.hashing import sha256_file
from auditlib.schema import SCHEMA_NAME, load_schema
from auditlib.source.base import ExtractionIssue, Source, SourceError, SourceTable
from auditlib.source.export.parts import PartsMixin

MANIFEST = "manifest.json"
PARTS = "parts"  # a table given as a directory of part files (see parts.py)
# DuckDB's default line limit is 2 MB: one long value in a column the snapshot never
# copies made the whole table unreadable. 64 MiB per line costs nothing for normal files.
MAX_LINE_BYTES = 64 << 20
MAX_MANIFEST_BYTES = 16 << 20  # an 18-table manifest is a few kB
_FORMATS = ((".csv.gz", "csv.gz"), (".parquet", "parquet"), (".csv", "csv"))
_CHUNK = 1 << 20


def _open_bytes(path: Path, fmt: str) -> io.BufferedIOBase:
    return gzip.open(path, "rb") if fmt == "csv.gz" else path.open("rb")  # type: ignore[return-value]


class _Utf8Check:
    """Incremental UTF-8 validation that remembers where the first bad byte is."""

    def __init__(self) -> None:
        self._dec = codecs.getincrementaldecoder("utf-8")("strict")
        self.offset, self.line = 0, 1
        self.error: str | None = None

    def feed(self, data: bytes, final: bool = False) -> None:
        if self.error is not None:
            return
        pending = len(self._dec.getstate()[0])  # bytes of an incomplete character carried over
        try:
            self._dec.decode(data, final=final)
        except UnicodeDecodeError as exc:
            # exc.start is relative to (pending bytes + data)
            bad = self.offset - pending + exc.start
            line = self.line + (
                data[: exc.start - pending].count(b"\n") if exc.start >= pending else 0
            )
            self.error = f"byte offset {bad}, line {line}"
            return
        self.offset += len(data)
        self.line += data.count(b"\n")


def hash_and_check_csv(path: Path, fmt: str) -> tuple[str, str | None]:
    """One streamed pass: sha256 of the file and the first invalid UTF-8 byte (or None).

    DuckDB's CSV reader checks UTF-8 only in the columns it projects, so a file whose
    bad bytes sit in a dropped column would pass unnoticed: hence this full check.
    Offsets are in the decompressed data for ``.csv.gz``. Raises OSError / zlib.error
    for a damaged file.
    """
    h = hashlib.sha256()
    check = _Utf8Check()
    inflate = zlib.decompressobj(16 + zlib.MAX_WBITS) if fmt == "csv.gz" else None
    with path.open("rb") as f:
        while chunk := f.read(_CHUNK):
            h.update(chunk)
            if inflate is None:
                check.feed(chunk)
                continue
            data = chunk
            while data:
                check.feed(inflate.decompress(data))
                data = b""
                if inflate.eof and inflate.unused_data:  # multi-member gzip
                    data = inflate.unused_data
                    inflate = zlib.decompressobj(16 + zlib.MAX_WBITS)
    if inflate is not None:
        check.feed(inflate.flush())
        if not inflate.eof:
            raise EOFError("the gzip stream ends early (truncated .csv.gz)")
    check.feed(b"", final=True)
    return h.hexdigest(), check.error


def locate_utf8_error(path: Path, fmt: str) -> str | None:
    """Where the first invalid UTF-8 byte is ("byte offset 1234, line 5"), or None.

    Offsets count from 0, in the decompressed data for ``.csv.gz``.
    """
    check = _Utf8Check()
    with _open_bytes(path, fmt) as f:
        while chunk := f.read(_CHUNK):
            check.feed(chunk)
            if check.error:
                break
    check.feed(b"", final=True)
    return check.error


# Reasons of DuckDB CSV errors that are fixed texts (never a quote of the data).
_CSV_REASONS = (
    r"Value with unterminated quote found",
    r"Expected Number of Columns: \d+ Found: \d+",
    r"Invalid unicode \(byte sequence mismatch\) detected",
    r"Maximum line size of \d+ bytes exceeded",
)


def safe_read_error(exc: BaseException) -> str:
    """A DuckDB read error reduced to its line number and reason, without the line's content."""
    text = str(exc)
    first = text.splitlines()[0] if text else type(exc).__name__
    m = re.search(r"CSV Error on Line: (\d+)", text)
    if m:
        reason = ""
        for pat in _CSV_REASONS:  # fixed texts only: the data line itself is never kept
            r = re.search(pat, text)
            if r:
                reason = r.group(0)
                break
        return f"CSV error on line {m.group(1)}: {reason or 'malformed row (look at that line)'}"
    return first[:300]


def csv_relation(files_sql: str, header: list[str], fmt: str) -> str:
    """The strict ``read_csv`` of one file literal or a list of them (parts), every column VARCHAR."""
    spec = ", ".join("'" + c.replace("'", "''") + "': 'VARCHAR'" for c in header)
    return (
        f"read_csv({files_sql}, header=true, auto_detect=false, columns={{{spec}}}, "
        "delim=',', quote='\"', escape='\"', strict_mode=true, encoding='utf-8', "
        f"max_line_size={MAX_LINE_BYTES}, "
        f"compression='{'gzip' if fmt == 'csv.gz' else 'none'}', "
        "null_padding=false, ignore_errors=false)"
    )


class ExportSource(PartsMixin, Source):
    """Reads an export directory; see the module docstring for the decisions."""

    kind = "export"
    # A file that cannot be read makes its table empty (issue ``unreadable``): files do not
    # change under us (their hashes are recorded), so the rest of the export stays usable.
    partial_read_fails_snapshot = False

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        if not self.path.is_dir():
            raise SourceError(f"export directory {str(self.path)!r} does not exist")
        super().__init__()
        self._time_from = ""
        self._manifest: dict[str, Any] | None = None

    # --- Source API -------------------------------------------------------------
    def open(self, con: duckdb.DuckDBPyConnection) -> None:
        schema = load_schema()
        self._tables, self._issues = {}, []
        candidates: dict[str, list[tuple[Path, str]]] = {}
        for p in sorted(self.path.iterdir()):
            if p.name == MANIFEST:
                continue
            table, fmt = self._classify(p)
            refused = self._refused(p)
            if refused:  # never followed or opened: named by the file, not by its target
                name = p.name if p.name in schema.tables else table
                known = name is not None and name in schema.tables
                self._issue(
                    "unreadable" if known else "ignored_file",
                    name if known else None,
                    f"{p.name}: refused: {refused}",
                )
                continue
            if p.is_dir() and p.name in schema.tables:
                candidates.setdefault(p.name, []).append((p, PARTS))  # a directory of part files
                continue
            if table is None or table not in schema.tables or not p.is_file():
                what = "a directory" if p.is_dir() else "not a table of the schema"
                self._issue("ignored_file", None, f"{p.name}: ignored ({what})")
                continue
            candidates.setdefault(table, []).append((p, fmt))

        self._manifest = self._read_manifest()
        newest = 0.0
        for table, files in candidates.items():
            if len(files) > 1:
                names = ", ".join(p.name for p, _ in files)
                self._issue(
                    "ambiguous",
                    table,
                    f"{table}: {len(files)} files ({names}); keep exactly one and rerun",
                )
                continue
            path, fmt = files[0]
            newest = max(newest, path.stat().st_mtime)
            st = (
                self._probe_parts(con, table, path)
                if fmt == PARTS
                else self._probe(con, table, path, fmt)
            )
            if st is not None:
                self._tables[table] = st
        self._check_manifest(candidates)
        if self._manifest is not None:
            self._snapshot_time = self._manifest_time()
            self._time_from = "manifest exported_at"
        else:
            self._snapshot_time = (
                datetime.fromtimestamp(newest, UTC) if newest else datetime.now(UTC)
            )
            self._time_from = (
                "newest table file modification time (no manifest.json)"
                if newest
                else "time of reading (no manifest.json, no table files)"
            )

    def describe(self) -> dict[str, Any]:
        d: dict[str, Any] = {
            "kind": self.kind,
            "path": str(self.path.resolve()),
            "manifest": self._manifest is not None,
            "snapshot_time_from": self._time_from,
        }
        if self._manifest is not None:
            d["exported_at"] = self._manifest.get("exported_at")
        return d

    @contextlib.contextmanager
    def consistent_read(self, con: duckdb.DuckDBPyConnection) -> Iterator[None]:
        """Files need no transaction: their sha256 are recorded (and checked against a manifest)."""
        yield

    def manifest_state(self) -> dict[str, Any] | None:
        return {"present": self._manifest is not None, "file": MANIFEST}

    def read_error_message(self, table: str, exc: BaseException) -> str:
        """Message for a read that failed in the builder: never quotes the file's content."""
        st = self._tables.get(table)
        if st is None:
            return f"{table}: {safe_read_error(exc)}"
        if "parts" in st.extra:
            return self._part_read_error(table, st, exc)
        path, fmt = Path(st.extra["path"]), st.format
        if fmt != "parquet":
            where = locate_utf8_error(path, fmt)
            if where:
                return (
                    f"{table}: {path.name} is not UTF-8 (first invalid byte at {where}); "
                    "re-export it as UTF-8 (no encoding is guessed)"
                )
        return f"{table}: {path.name} cannot be read: {safe_read_error(exc)}"

    # --- helpers ----------------------------------------------------------------
    def _issue(self, kind: str, table: str | None, message: str, **kw: Any) -> None:
        self._issues.append(ExtractionIssue(kind=kind, table_name=table, message=message, **kw))

    def _refused(self, p: Path) -> str | None:
        """Why ``p`` must not be read at all, or None: a symbolic link that leads outside
        the export (a link to /etc/passwd would put its first line in the snapshot), or
        a FIFO, socket or device (reading a FIFO would block the run forever)."""
        if p.is_symlink():
            try:
                target = p.resolve(strict=True)
            except (OSError, RuntimeError):
                return "a symbolic link that leads nowhere (or in a loop)"
            if not target.is_relative_to(self.path.resolve()):
                return (
                    "a symbolic link that leads outside the export directory; copy the "
                    "file into the export instead"
                )
        if p.exists() and not p.is_file() and not p.is_dir():
            return "not a regular file (a FIFO, socket or device)"
        return None

    @staticmethod
    def _classify(p: Path) -> tuple[str | None, str]:
        for suffix, fmt in _FORMATS:
            if p.name.endswith(suffix):
                return p.name[: -len(suffix)], fmt
        return None, ""

    def _probe(
        self, con: duckdb.DuckDBPyConnection, table: str, path: Path, fmt: str
    ) -> SourceTable | None:
        """Hash the file, read its columns; None (and an ``unreadable`` issue) if it cannot be."""
        lit = "'" + str(path.resolve()).replace("'", "''") + "'"
        try:
            if fmt == "parquet":
                digest = sha256_file(path)
                rel = f"read_parquet({lit})"
                cols = {r[0]: r[1] for r in con.execute(f"DESCRIBE SELECT * FROM {rel}").fetchall()}
            else:
                digest, bad_byte = hash_and_check_csv(path, fmt)
                if bad_byte:
                    raise _Unreadable(
                        f"is not UTF-8 (first invalid byte at {bad_byte}); re-export it as "
                        "UTF-8 (no encoding is guessed)"
                    )
                header = self._csv_header(path, fmt)
                rel = csv_relation(lit, header, fmt)
                cols = dict.fromkeys(header, "VARCHAR")
        except _Unreadable as exc:
            self._issue("unreadable", table, f"{table}: {path.name} {exc}")
            return None
        except (duckdb.Error, OSError, EOFError, zlib.error) as exc:
            self._issue("unreadable", table, self._probe_error(table, path, fmt, exc))
            return None
        return SourceTable(
            name=table,
            relation_sql=rel,
            columns=cols,
            origin=path.name,
            format=fmt,
            input_sha256=digest,
            extra={"path": str(path.resolve())},
        )

    def _probe_error(self, table: str, path: Path, fmt: str, exc: BaseException) -> str:
        if fmt == "parquet":
            return (
                f"{table}: {path.name} is not a readable Parquet file (truncated or corrupt: "
                f"{safe_read_error(exc)}); export it again"
            )
        return f"{table}: {path.name} cannot be read: {safe_read_error(exc)}"

    @staticmethod
    def _csv_header(path: Path, fmt: str) -> list[str]:
        with _open_bytes(path, fmt) as raw:
            first = raw.readline(1 << 20)
        try:
            text = first.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise _Unreadable(
                f"is not UTF-8 (first invalid byte at byte offset {exc.start}, line 1); "
                "re-export it as UTF-8 (no encoding is guessed)"
            ) from None
        text = text.removeprefix("\ufeff")
        if not text.strip():
            raise _Unreadable("is empty: a CSV export needs a header row")
        try:
            row = next(csv.reader([text.rstrip("\r\n")], strict=True))
        except csv.Error as exc:  # a fixed text of the csv module, never the data
            raise _Unreadable(
                f"has a header row that is not valid CSV ({exc}); the first "
                "line must be the comma-separated column names"
            ) from None
        names = [c.strip() for c in row]
        dups = sorted({c for c in names if names.count(c) > 1})
        if dups:
            raise _Unreadable(f"has duplicate header column(s) {dups}")
        if any(not c for c in names):
            raise _Unreadable("has an empty column name in its header")
        return names

    def _read_manifest(self) -> dict[str, Any] | None:
        p = self.path / MANIFEST
        if not p.exists() and not p.is_symlink():
            return None
        refused = self._refused(p)
        if refused or not p.is_file():
            raise SourceError(
                f"{MANIFEST} in the export: refused: {refused or 'not a regular file'}"
            )
        size = p.stat().st_size
        if size > MAX_MANIFEST_BYTES:
            raise SourceError(
                f"{MANIFEST} in the export is {size} bytes, more than the "
                f"{MAX_MANIFEST_BYTES} bytes any export's manifest needs; refused"
            )
        try:
            m = json.loads(p.read_text(encoding="utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as exc:
            raise SourceError(
                f"{p}: manifest.json is not valid UTF-8 JSON ({exc}); fix the export job, or "
                "remove the manifest knowingly (the data then cannot be verified against it)"
            ) from None
        if not isinstance(m, dict) or not isinstance(m.get("tables"), dict):
            raise SourceError(f"{p}: manifest.json has no 'tables' object")
        if m.get("schema", SCHEMA_NAME) != SCHEMA_NAME:
            raise SourceError(
                f"{p}: manifest.json is for schema {m.get('schema')!r}, not {SCHEMA_NAME!r}"
            )
        return m

    def _manifest_time(self) -> datetime:
        assert self._manifest is not None
        raw = self._manifest.get("exported_at")
        try:
            t = datetime.fromisoformat(str(raw).replace("Z", "+00:00"))
        except ValueError:
            t = None
        if t is None or t.tzinfo is None:
            raise SourceError(
                f"manifest.json exported_at {raw!r} is not an ISO 8601 time with an offset "
                "(e.g. 2026-11-24T21:00:00+00:00); the snapshot time cannot be known"
            )
        return t.astimezone(UTC)

    def _check_manifest(self, candidates: dict[str, list[tuple[Path, str]]]) -> None:
        """sha256 and presence checks; row counts are left to the builder (one read pass)."""
        if self._manifest is None:
            return
        listed: set[str] = set()
        for table, entry in self._manifest["tables"].items():
            if not isinstance(entry, dict) or not entry.get("file"):
                self._issue("manifest_missing_file", table, f"{table}: manifest entry has no file")
                continue
            fname = str(entry["file"])
            if "parts" in entry or (self.path / fname.rstrip("/")).is_dir():
                listed.add(fname.rstrip("/"))
                self._check_manifest_parts(table, entry)
                continue
            listed.add(fname)
            fpath = self.path / fname
            if "/" in fname or not fpath.is_file() or self._refused(fpath):
                self._issue(
                    "manifest_missing_file",
                    table,
                    f"{table}: manifest lists {fname}, which is not in the export",
                )
                continue
            st = self._tables.get(table)
            digest = st.input_sha256 if st and st.origin == fname else sha256_file(fpath)
            want = str(entry.get("sha256", "")).lower()
            if digest != want:
                self._issue(
                    "manifest_sha256",
                    table,
                    f"{table}: sha256 of {fname} is {(digest or '')[:12]}..., manifest says "
                    f"{want[:12] or '(none)'}...; the file changed after export or is damaged",
                )
            if st and st.origin == fname:
                st.extra["manifest_rows"] = entry.get("rows")
        for table, files in candidates.items():
            for p, kind in files:
                if kind == PARTS and p.name in listed:
                    continue  # its parts were checked one by one
                if p.name not in listed:
                    self._issue(
                        "manifest_unlisted_file",
                        table,
                        f"{table}: {p.name} is not listed in manifest.json",
                    )


class _Unreadable(Exception):
    """Internal: a file that cannot be read; the message is safe to show."""
