"""Tables exported as directories of part files (how Spark, Hive, Trino and most export jobs write).

Layout (one directory per table, named after the table)::

    message_deliveries/part-00000.parquet
    message_deliveries/part-00001.parquet
    message_deliveries/_SUCCESS            <- marker: not data, listed as ignored

Decisions (same fail-closed handling as single files, every message names the table and the part):
- Data parts are the files whose names do not start with ``_`` or ``.`` and end in
  ``.parquet``, ``.csv`` or ``.csv.gz``; they are read in name order. Other files are
  ignored and listed (issue ``ignored_file``), as at the top level.
- All parts of a table have one format and one schema (Parquet: column names and
  types; CSV: header). A part of another schema makes the table ``unreadable`` (we
  never guess which parts are right); so do parts in two formats, a directory
  without parts, and a sub-directory (a Hive ``col=value/`` partition layout is not
  supported: its rows would otherwise be silently missing).
- A table given both as a file and as a directory is ``ambiguous`` (source.py).
- ``manifest.json`` (demo/writer.py describes the extension): ``tables.<name>.parts``
  lists ``{"file": "<table>/<part>", "rows": n, "sha256": hex}``. A listed part that is
  missing (``manifest_missing_file``), a part whose hash differs (``manifest_sha256``),
  a data part the manifest does not list (``manifest_unlisted_file``) and row counts
  that differ (``manifest_rows``, naming the parts that differ) fail DQ-06.
- ``input_sha256`` of a part table is the sha256 of the lines ``<file>\\t<sha256>\\n``
  of its parts in name order.
"""

from __future__ import annotations

import hashlib
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb

from auditlib.hashing import sha256_file
from auditlib.source.base import SourceTable

PART_FORMATS = ((".csv.gz", "csv.gz"), (".parquet", "parquet"), (".csv", "csv"))


@dataclass
class PartListing:
    """What a table directory holds: data parts (path, format), ignored names, problems."""

    parts: list[tuple[Path, str]] = field(default_factory=list)
    ignored: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    @property
    def fmt(self) -> str | None:
        fmts = {f for _, f in self.parts}
        return fmts.pop() if len(fmts) == 1 else None


def part_format(name: str) -> str | None:
    if name.startswith(("_", ".")):
        return None
    return next((f for suffix, f in PART_FORMATS if name.endswith(suffix)), None)


def list_parts(directory: Path) -> PartListing:
    """The data parts of one table directory, in name order, and why it cannot be read (``problems``)."""
    table = directory.name
    out = PartListing()
    root = directory.parent.resolve()
    for p in sorted(directory.iterdir()):
        if p.is_symlink() and not p.resolve().is_relative_to(root):
            out.problems.append(
                f"{table}: part {table}/{p.name} is a symbolic link that leads outside the "
                "export directory; refused (copy the file into the export instead)"
            )
            continue
        if p.is_dir():
            out.problems.append(
                f"{table}: sub-directory {table}/{p.name} in a part-file table (a partitioned layout is not "
                "supported: its rows would be missing); export the table as flat part files"
            )
            continue
        fmt = part_format(p.name)
        if fmt is None or not p.is_file():
            out.ignored.append(f"{table}/{p.name}")
            continue
        out.parts.append((p, fmt))
    if not out.parts:
        out.problems.append(
            f"{table}: directory {table}/ holds no part files (part-NNNNN.parquet|csv|csv.gz)"
        )
    elif out.fmt is None:
        kinds = sorted({f for _, f in out.parts})
        out.problems.append(
            f"{table}: parts in {len(kinds)} formats ({', '.join(kinds)}) in {table}/; "
            "a table's parts must share one format"
        )
    return out


def _lit(path: Path) -> str:
    return "'" + str(path.resolve()).replace("'", "''") + "'"


def _parts_sql(paths: list[Path]) -> str:
    return "[" + ", ".join(_lit(p) for p in paths) + "]"


def parts_digest(shas: dict[str, str]) -> str:
    h = hashlib.sha256()
    for rel in sorted(shas):
        h.update(f"{rel}\t{shas[rel]}\n".encode())
    return h.hexdigest()


class PartsMixin:
    """The part-directory half of ``ExportSource`` (kept apart from the single-file code)."""

    path: Path
    _tables: dict[str, SourceTable]
    _issue: Callable[..., None]

    def _rel(self, p: Path) -> str:
        return p.relative_to(self.path).as_posix()

    def _probe_parts(
        self, con: duckdb.DuckDBPyConnection, table: str, directory: Path
    ) -> SourceTable | None:
        """Hash every part, check they share one schema; None (and an issue) if the table cannot be read."""
        from auditlib.source.export.source import (
            _Unreadable,
            csv_relation,
            hash_and_check_csv,
            safe_read_error,
        )

        self._part_con = con
        listing = list_parts(directory)
        for name in listing.ignored:
            self._issue(
                "ignored_file",
                table,
                f"{name}: ignored (not a data part: marker, hidden or unknown suffix)",
            )
        if listing.problems:
            for msg in listing.problems:
                self._issue("unreadable" if "formats" not in msg else "ambiguous", table, msg)
            return None
        fmt = listing.fmt
        assert fmt is not None
        shas: dict[str, str] = {}
        first: tuple[str, Any] | None = None
        for p, _ in listing.parts:
            rel = self._rel(p)
            try:
                if fmt == "parquet":
                    shas[rel] = sha256_file(p)
                    cols: Any = con.execute(
                        f"DESCRIBE SELECT * FROM read_parquet({_lit(p)})"
                    ).fetchall()
                    cols = [(r[0], r[1]) for r in cols]
                else:
                    shas[rel], bad = hash_and_check_csv(p, fmt)
                    if bad:
                        raise _Unreadable(
                            f"is not UTF-8 (first invalid byte at {bad}); re-export it as "
                            "UTF-8 (no encoding is guessed)"
                        )
                    cols = self._csv_header(p, fmt)  # type: ignore[attr-defined]
            except _Unreadable as exc:
                self._issue("unreadable", table, f"{table}: part {rel} {exc}")
                return None
            except (duckdb.Error, OSError, EOFError, zlib.error) as exc:
                what = (
                    "is not a readable Parquet file (truncated or corrupt: "
                    if fmt == "parquet"
                    else "cannot be read ("
                )
                self._issue(
                    "unreadable",
                    table,
                    f"{table}: part {rel} {what}{safe_read_error(exc)}); export it again",
                )
                return None
            if first is None:
                first = (rel, cols)
            elif cols != first[1]:
                self._issue(
                    "unreadable",
                    table,
                    (
                        f"{table}: part {rel} is of another schema than {first[0]} "
                        f"(columns {_describe(cols)} vs {_describe(first[1])}); all parts of a table must share "
                        "one schema: re-export the table"
                    ),
                )
                return None
        assert first is not None
        paths = [p for p, _ in listing.parts]
        if fmt == "parquet":
            rel_sql = f"read_parquet({_parts_sql(paths)})"
            columns = dict(first[1])
        else:
            rel_sql = csv_relation(_parts_sql(paths), first[1], fmt)
            columns = dict.fromkeys(first[1], "VARCHAR")
        return SourceTable(
            name=table,
            relation_sql=rel_sql,
            columns=columns,
            origin=f"{directory.name}/",
            format=fmt,
            input_sha256=parts_digest(shas),
            extra={"path": str(directory.resolve()), "parts": shas},
        )

    def _part_rows(self, con: duckdb.DuckDBPyConnection, st: SourceTable) -> dict[str, int]:
        """Rows per part (Parquet: from the footer; CSV: counted, only when a total disagreed)."""
        from auditlib.source.export.source import csv_relation

        out: dict[str, int] = {}
        for rel in st.extra["parts"]:
            p = self.path / rel
            if st.format == "parquet":
                sql = f"SELECT sum(num_rows) FROM parquet_file_metadata({_lit(p)})"
            else:
                header = self._csv_header(p, st.format)  # type: ignore[attr-defined]
                sql = f"SELECT count(*) FROM {csv_relation(_lit(p), header, st.format)}"
            out[rel] = int((con.execute(sql).fetchone() or (0,))[0] or 0)
        return out

    def _part_read_error(self, table: str, st: SourceTable, exc: BaseException) -> str:
        """Which part failed to read, and why (never quoting its content)."""
        from auditlib.source.export.source import csv_relation, locate_utf8_error, safe_read_error

        con = getattr(self, "_part_con", None)
        for rel in st.extra["parts"]:
            p = self.path / rel
            if st.format != "parquet":
                where = locate_utf8_error(p, st.format)
                if where:
                    return (
                        f"{table}: part {rel} is not UTF-8 (first invalid byte at {where}); "
                        "re-export it as UTF-8 (no encoding is guessed)"
                    )
            if con is None:
                continue
            try:
                if st.format == "parquet":
                    con.execute(f"SELECT count(*) FROM read_parquet({_lit(p)})").fetchall()
                else:
                    header = self._csv_header(p, st.format)  # type: ignore[attr-defined]
                    con.execute(
                        f"SELECT * FROM {csv_relation(_lit(p), header, st.format)}"
                    ).fetchall()
            except duckdb.Error as part_exc:
                return f"{table}: part {rel} cannot be read: {safe_read_error(part_exc)}"
        return f"{table}: {st.origin} cannot be read: {safe_read_error(exc)}"

    def _check_manifest_parts(self, table: str, entry: dict[str, Any]) -> None:
        """Verify a manifest entry with ``parts`` against the table directory."""
        dirname = str(entry.get("file", table)).rstrip("/")
        parts = entry.get("parts")
        if not isinstance(parts, list):
            self._issue(
                "manifest_missing_file",
                table,
                f"{table}: manifest entry for the part directory {dirname}/ has no 'parts' list "
                "(file, rows, sha256 per part); the parts cannot be verified",
            )
            return
        st = self._tables.get(table)
        have: dict[str, str] = st.extra["parts"] if st is not None and "parts" in st.extra else {}
        directory = self.path / dirname
        listed: dict[str, Any] = {}
        for pe in parts:
            if not isinstance(pe, dict) or not pe.get("file"):
                self._issue(
                    "manifest_missing_file",
                    table,
                    f"{table}: a part entry in manifest.json has no file",
                )
                continue
            rel = str(pe["file"])
            listed[rel] = pe.get("rows")
            fpath = self.path / rel
            if Path(rel).parent.as_posix() != dirname or not fpath.is_file():
                self._issue(
                    "manifest_missing_file",
                    table,
                    f"{table}: manifest lists part {rel}, which is not in the export",
                )
                continue
            digest = have.get(rel) or sha256_file(fpath)
            want = str(pe.get("sha256", "")).lower()
            if digest != want:
                self._issue(
                    "manifest_sha256",
                    table,
                    f"{table}: sha256 of part {rel} is {digest[:12]}..., manifest says "
                    f"{want[:12] or '(none)'}...; the part changed after export or is damaged",
                )
        if directory.is_dir():
            for p, _ in list_parts(directory).parts:
                if self._rel(p) not in listed:
                    self._issue(
                        "manifest_unlisted_file",
                        table,
                        f"{table}: part {self._rel(p)} is not listed in manifest.json",
                    )
        if st is None or "parts" not in st.extra:
            return
        try:
            part_sum: int | None = sum(int(v) for v in listed.values())
        except (TypeError, ValueError):
            part_sum = None
        total = entry.get("rows", part_sum)
        st.extra["manifest_rows"] = total
        st.extra["manifest_rows_detail"] = lambda con, rows: self._rows_detail(
            con, st, listed, rows, total
        )

    def _rows_detail(
        self,
        con: duckdb.DuckDBPyConnection,
        st: SourceTable,
        listed: dict[str, Any],
        rows: int,
        total: Any,
    ) -> str:
        actual = self._part_rows(con, st)
        diffs = [
            f"{rel}: {n} rows, manifest says {listed.get(rel, '(not listed)')}"
            for rel, n in actual.items()
            if str(listed.get(rel)) != str(n)
        ]
        diffs += [
            f"{rel}: not in the export, manifest says {n}"
            for rel, n in listed.items()
            if rel not in actual
        ]
        return f"{st.name}: {rows} rows in {st.origin}, manifest.json says {total}" + (
            f" ({'; '.join(diffs)})" if diffs else ""
        )


def _describe(cols: Any) -> str:
    if cols and isinstance(cols[0], tuple):
        return "[" + ", ".join(f"{n} {t}" for n, t in cols) + "]"
    return "[" + ", ".join(cols) + "]"
