"""Read what the snapshot builder recorded: ``_extraction_issues`` and ``_snapshot_meta``.

Kinds (docs/ARCHITECTURE.md) and the gate they feed:
- DQ-01 fails on ``missing_table``, ``missing_column`` (only for a column the snapshot
  keeps: a missing *dropped* column such as ``users.full_name`` harms no rule and is
  listed as a note), ``cast_failure``, ``unreadable``, ``ambiguous``.
- DQ-06 fails on ``manifest_rows``, ``manifest_sha256``, ``manifest_missing_file``,
  ``manifest_unlisted_file``.
- ``extra_column``, ``ignored_file``, ``null_in_required`` and unknown kinds are notes in
  DQ-01's details (NULLs in NOT NULL columns are measured on the data by DQ-02/DQ-04).
An issue without ``table_name`` concerns every table.

Whether the source had a manifest (DQ-06 ``skipped`` when not), assumed contract, in order:
1. ``_snapshot_meta`` key ``kind`` = ``"postgres"`` (and no ``manifest``) = a live
   database: no manifest;
2. ``_snapshot_meta`` key ``manifest`` (what ``auditlib.snapshot.builder`` writes):
   JSON ``null``/``false``/``{"present": false}`` = no manifest; ``{"present": true}``
   (or any other object / ``true``) = a manifest that the builder verified;
3. an issue of kind ``no_manifest`` / ``manifest_absent`` = no manifest;
4. otherwise unknown -> DQ-06 ``error`` (fail closed).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from auditlib.quality.sql_backend import SqlRunner
from auditlib.quality.suites import minimisation
from auditlib.snapshot.metadata import ISSUES_TABLE, META_TABLE

DQ01_KINDS = frozenset(
    {"missing_table", "missing_column", "cast_failure", "unreadable", "ambiguous"}
)
DQ06_KINDS = frozenset(
    {"manifest_rows", "manifest_sha256", "manifest_missing_file", "manifest_unlisted_file"}
)
NO_MANIFEST_KINDS = frozenset({"no_manifest", "manifest_absent"})
_MESSAGE_LIMIT = 300


@dataclass(frozen=True)
class Issue:
    kind: str
    table_name: str | None
    column_name: str | None
    row_ref: str | None
    rows_affected: int | None
    message: str

    def to_details(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "column": self.column_name,
            "row_ref": self.row_ref,
            "rows_affected": self.rows_affected,
            "message": (self.message or "")[:_MESSAGE_LIMIT],
        }


@dataclass(frozen=True)
class ManifestState:
    state: str  # 'present' | 'absent' | 'unknown'
    reason: str


def read_issues(db: SqlRunner) -> tuple[list[Issue], str | None]:
    """All recorded issues, or an error text when the table cannot be read (any engine)."""
    try:
        rows = db.fetch(
            f"SELECT kind, table_name, column_name, row_ref, rows_affected, message "
            f"FROM {ISSUES_TABLE}"
        )
    except Exception as exc:  # noqa: BLE001 - DuckDB or Spark: unreadable = unknown issues
        return [], (
            f"the snapshot has no readable {ISSUES_TABLE} table ({type(exc).__name__}), "
            "so extraction problems cannot be ruled out; rebuild the snapshot"
        )
    return [
        Issue(str(k), t, c, r, None if n is None else int(n), m or "") for k, t, c, r, n, m in rows
    ], None


def is_needed_column(table: str, column: str | None) -> bool:
    """Whether a missing source column matters: the snapshot keeps it (keep/hmac/flag)."""
    if column is None:
        return True
    actions = minimisation().get(table, {})
    for suffix in ("_hmac", "_present"):
        if column not in actions and column.endswith(suffix):
            column = column[: -len(suffix)]
    return actions.get(column, "keep") != "drop"


def manifest_state(meta: dict[str, Any] | None, issues: list[Issue]) -> ManifestState:
    """DQ-06's question, from ``_snapshot_meta`` (as read by the engine) and the issues."""
    meta = meta or {}
    if meta.get("kind") in ("postgres", "live") and not meta.get("manifest"):
        return ManifestState("absent", "a live database has no export manifest")
    if "manifest" in meta:
        m = meta["manifest"]
        if m in (None, False, "absent", "none") or (
            isinstance(m, dict) and m.get("present") is False
        ):
            reason = m.get("reason") if isinstance(m, dict) and m.get("reason") else None
            return ManifestState(
                "absent",
                reason
                or "the export has no manifest.json, so row "
                "counts and sha256 could not be verified",
            )
        return ManifestState("present", "manifest.json verified by the snapshot builder")
    if any(i.kind in NO_MANIFEST_KINDS for i in issues):
        return ManifestState(
            "absent",
            "the export has no manifest.json, so row counts and sha256 could not be verified",
        )
    return ManifestState(
        "unknown",
        f"the snapshot does not say whether the source had a "
        f"manifest ({META_TABLE} key 'manifest' is missing); rebuild the snapshot",
    )
