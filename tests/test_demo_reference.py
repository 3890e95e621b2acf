"""An independent, literal reading of the rule catalogue in DuckDB SQL, for the demo tests.

(A helper module for tests/test_demo_*.py; it holds no tests of its own.)

This is NOT the rule engine (``auditlib.rules``, written separately). It exists
so the demo tests can check the generated export against the spec directly:
every planted case must be found and nothing else. Each query returns the
entity ids (VARCHAR) that the spec says are findings at ``as_of``.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import duckdb
import pycountry

from auditlib.config import Params
from auditlib.dates import install_date_macros
from auditlib.schema import load_schema


def open_export(
    export_dir: Path, as_of: date, params: Params | None = None
) -> duckdb.DuckDBPyConnection:
    """The export loaded into in-memory tables typed by schema.sql, plus the date macros and ``D``."""
    params = params or Params()
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    install_date_macros(con, params.count_eves_as_holidays)
    manifest = json.loads((export_dir / "manifest.json").read_text(encoding="utf-8"))
    for name, table in load_schema().tables.items():
        path = export_dir / manifest["tables"][name]["file"]
        if path.suffix == ".parquet":
            src = f"read_parquet('{path}')"
        else:
            src = f"read_csv('{path}', header = true, all_varchar = true, quote = '\"', escape = '\"')"
        cols = ", ".join(
            f'CAST("{c.name}" AS {c.duck_type}) AS "{c.name}"' for c in table.columns.values()
        )
        con.execute(f'CREATE TABLE "{name}" AS SELECT {cols} FROM {src}')
    allowed = ", ".join(f"'{c}'" for c in params.allowed_countries)
    con.execute(
        f"CREATE MACRO allowed(c) AS (CASE WHEN upper(c) = 'EL' THEN 'GR' ELSE upper(c) END) IN ({allowed})"
    )
    con.execute(f"CREATE MACRO D() AS DATE '{as_of.isoformat()}'")
    con.execute("CREATE MACRO norm(e) AS lower(trim(e))")
    con.execute(f"CREATE MACRO exported_at() AS TIMESTAMPTZ '{manifest['exported_at']}'")
    return con


P = Params()

_CUSTOMER_STATE = f"""
WITH ended AS (
    SELECT customer_id, max(ends_on) AS rel_end FROM contracts GROUP BY customer_id
    HAVING bool_and(ends_on IS NOT NULL AND ends_on < D())
), holds AS (
    SELECT customer_id,
           bool_or(placed_on <= D() AND (lifted_on IS NULL OR lifted_on > D())) AS in_force,
           max(lifted_on) FILTER (WHERE lifted_on <= D()) AS last_lift
    FROM legal_holds GROUP BY customer_id
), state AS (
    SELECT e.customer_id, e.rel_end, coalesce(h.in_force, false) AS held,
           CASE WHEN h.last_lift IS NULL THEN add_months(e.rel_end, {P.offboarding_grace_months})
                ELSE greatest(add_months(e.rel_end, {P.offboarding_grace_months}),
                              add_months(h.last_lift, {P.offboarding_grace_months})) END AS deletion_due
    FROM ended e LEFT JOIN holds h USING (customer_id)
), svc AS (
    SELECT customer_id, created_at AS t FROM users
    UNION ALL SELECT customer_id, created_at FROM recipients
    UNION ALL SELECT customer_id, created_at FROM messages
    UNION ALL SELECT coalesce(m.customer_id, r.customer_id), m.created_at
      FROM message_deliveries d LEFT JOIN messages m USING (message_id) LEFT JOIN recipients r USING (recipient_id)
    UNION ALL SELECT customer_id, occurred_at FROM login_events
)
"""

_EXISTING_BACKUPS = """
existing AS (
    SELECT * FROM backups
    WHERE sthlm_date(taken_at) <= D() AND (destroyed_at IS NULL OR sthlm_date(destroyed_at) > D())
)
"""

_DSR = """
WITH r AS (
    SELECT *, sthlm_date(received_at) AS received,
           roll(add_months(sthlm_date(received_at), 1)) AS due1,
           (extension_notified_at IS NOT NULL
            AND sthlm_date(extension_notified_at) <= roll(add_months(sthlm_date(received_at), 1))
            AND coalesce(trim(extension_reason), '') <> '') AS ext_valid,
           (completed_at IS NOT NULL AND sthlm_date(completed_at) <= D()) AS answered
    FROM dsr_requests
), r2 AS (
    SELECT *, CASE WHEN ext_valid AND outcome IS DISTINCT FROM 'refused'
                   THEN roll(add_months(received, 3)) ELSE due1 END AS due
    FROM r
)
"""

RULES: dict[str, str] = {
    "RET-01": _CUSTOMER_STATE
    + """
        SELECT CAST(customer_id AS VARCHAR) FROM state
        WHERE NOT held AND D() > deletion_due AND customer_id IN (SELECT customer_id FROM svc)""",
    "RET-02": _CUSTOMER_STATE
    + """
        SELECT CAST(run_id AS VARCHAR) FROM deletion_runs x
        WHERE status = 'completed' AND completed_at IS NOT NULL AND sthlm_date(completed_at) <= D() AND (
          (scope = 'customer_offboarding' AND EXISTS (
              SELECT 1 FROM svc s WHERE s.customer_id = x.customer_id AND s.t < x.completed_at))
          OR (scope = 'subject_erasure' AND EXISTS (
              SELECT 1 FROM (SELECT email, created_at FROM users UNION ALL SELECT email, created_at FROM recipients) u
              WHERE norm(u.email) = norm(x.subject_email) AND u.created_at < x.completed_at)))""",
    "RET-03": _CUSTOMER_STATE
    + ", "
    + _EXISTING_BACKUPS
    + """
        , runs AS (
            SELECT customer_id, max(completed_at) AS done FROM deletion_runs
            WHERE scope = 'customer_offboarding' AND status = 'completed' AND completed_at IS NOT NULL
              AND sthlm_date(completed_at) <= D()
            GROUP BY customer_id)
        SELECT DISTINCT CAST(b.backup_id AS VARCHAR)
        FROM existing b, state s JOIN customers c USING (customer_id) LEFT JOIN runs USING (customer_id)
        WHERE NOT s.held AND s.deletion_due < D() AND c.created_at <= b.taken_at
          AND CASE WHEN runs.done IS NOT NULL THEN b.taken_at < runs.done
                   ELSE sthlm_date(b.taken_at) <= s.deletion_due END""",
    "RET-04": "WITH "
    + _EXISTING_BACKUPS
    + """
        SELECT CAST(backup_id AS VARCHAR) FROM existing WHERE sthlm_date(expires_at) < D()""",
    "RET-05": f"""
        SELECT CAST(invoice_id AS VARCHAR) FROM invoices
        WHERE D() > make_date(fiscal_year + {P.accounting_retention_years}, 12, 31)""",
    "RET-06": f"""
        WITH n AS (
            SELECT fiscal_year, CAST(split_part(invoice_number, '-', 2) AS INTEGER) AS num FROM invoices
            WHERE NOT D() > make_date(fiscal_year + {P.accounting_retention_years}, 12, 31)
        ), y AS (SELECT fiscal_year, max(num) AS mx FROM n GROUP BY fiscal_year)
        SELECT printf('%d-%06d', y.fiscal_year, g.num)
        FROM y, LATERAL (SELECT CAST(range AS INTEGER) AS num FROM range(1, y.mx + 1)) g
        WHERE NOT EXISTS (SELECT 1 FROM n WHERE n.fiscal_year = y.fiscal_year AND n.num = g.num)""",
    "RET-07": f"""
        SELECT CAST(ticket_id AS VARCHAR) FROM support_tickets
        WHERE closed_at IS NOT NULL
          AND D() > add_months(sthlm_date(closed_at), {P.support_ticket_retention_months})""",
    "RET-08": f"""
        SELECT DISTINCT 'cookie_consents' FROM cookie_consents
        WHERE add_months(sthlm_date(consented_at), {P.cookie_consent_retention_months}) < D()""",
    "RET-09": _CUSTOMER_STATE
    + f"""
        , held AS (SELECT customer_id FROM legal_holds
                   WHERE placed_on <= D() AND (lifted_on IS NULL OR lifted_on > D()))
        SELECT DISTINCT CAST(customer_id AS VARCHAR) FROM login_events
        WHERE add_months(sthlm_date(occurred_at), {P.login_event_retention_months}) < D()
          AND customer_id NOT IN (SELECT customer_id FROM held)""",
    "SUB-01": """
        SELECT DISTINCT CAST(s.subprocessor_id AS VARCHAR) FROM subprocessors s
        JOIN subprocessor_locations l USING (subprocessor_id)
        WHERE s.processes_personal_data AND s.engaged_on <= D()
          AND (s.disengaged_on IS NULL OR s.disengaged_on > D()) AND NOT allowed(l.country)""",
    "SUB-02": """
        SELECT CAST(subprocessor_id AS VARCHAR) FROM subprocessors
        WHERE processes_personal_data AND engaged_on <= D() AND (disengaged_on IS NULL OR disengaged_on > D())
          AND NOT allowed(legal_country)""",
    "SUB-03": """
        SELECT CAST(subprocessor_id AS VARCHAR) FROM subprocessors
        WHERE processes_personal_data AND engaged_on <= D() AND (disengaged_on IS NULL OR disengaged_on > D())
          AND (dpa_signed_on IS NULL OR dpa_signed_on > engaged_on)""",
    "SUB-04": f"""
        SELECT CAST(subprocessor_id AS VARCHAR) FROM subprocessors
        WHERE processes_personal_data AND engaged_on <= D() AND (disengaged_on IS NULL OR disengaged_on > D())
          AND engaged_on >= DATE '{P.notice_required_since.isoformat()}'
          AND (customers_notified_on IS NULL
               OR customers_notified_on > engaged_on - INTERVAL {P.subprocessor_notice_days} DAY)""",
    "SUB-05": """
        SELECT DISTINCT CAST(subprocessor_id AS VARCHAR) FROM data_transfers
        WHERE sthlm_date(occurred_at) <= D() AND NOT allowed(destination_country)""",
    "SUB-06": """
        WITH sent AS (
            SELECT subprocessor_id, sthlm_date(occurred_at) AS day FROM data_transfers
            WHERE sthlm_date(occurred_at) <= D()
            UNION ALL
            SELECT subprocessor_id, sthlm_date(delivered_at) FROM message_deliveries
            WHERE subprocessor_id IS NOT NULL AND delivered_at IS NOT NULL AND sthlm_date(delivered_at) <= D()
        )
        SELECT DISTINCT CAST(x.subprocessor_id AS VARCHAR) FROM sent x LEFT JOIN subprocessors s USING (subprocessor_id)
        WHERE s.subprocessor_id IS NULL
           OR NOT (s.engaged_on <= x.day AND (s.disengaged_on IS NULL OR s.disengaged_on > x.day))
           OR s.dpa_signed_on IS NULL OR s.dpa_signed_on > x.day""",
    "SUB-07": "WITH "
    + _EXISTING_BACKUPS
    + """
        SELECT CAST(backup_id AS VARCHAR) FROM existing WHERE NOT allowed(storage_country)""",
    "DSR-01": _DSR
    + """
        SELECT CAST(request_id AS VARCHAR) FROM r2
        WHERE outcome IS DISTINCT FROM 'withdrawn'
          AND ((answered AND sthlm_date(completed_at) > due) OR (NOT answered AND D() > due))""",
    "DSR-02": _DSR
    + """
        SELECT CAST(request_id AS VARCHAR) FROM r2
        WHERE (extended_on IS NOT NULL OR extension_notified_at IS NOT NULL) AND NOT ext_valid""",
    "DSR-03": _DSR
    + """
        SELECT CAST(request_id AS VARCHAR) FROM r2 x
        WHERE fee_sek > 0 AND (request_type <> 'access' OR NOT EXISTS (
            SELECT 1 FROM dsr_requests o
            WHERE o.request_type = 'access' AND norm(o.subject_email) = norm(x.subject_email)
              AND o.received_at < x.received_at AND sthlm_date(o.received_at) >= add_months(x.received, -12)))""",
    "DSR-04": _DSR
    + """
        SELECT CAST(request_id AS VARCHAR) FROM r2 x
        WHERE request_type = 'erasure' AND outcome = 'fulfilled' AND answered AND (
          (controller = 'customer' AND EXISTS (
              SELECT 1 FROM (SELECT customer_id, email, created_at FROM users
                             UNION ALL SELECT customer_id, email, created_at FROM recipients) u
              WHERE u.customer_id = x.customer_id AND norm(u.email) = norm(x.subject_email)
                AND u.created_at < x.completed_at))
          OR (controller = 'netdialog' AND (
              EXISTS (SELECT 1 FROM support_tickets t WHERE norm(t.contact_email) = norm(x.subject_email)
                      AND t.opened_at < x.completed_at)
              OR EXISTS (SELECT 1 FROM orders o WHERE norm(o.contact_email) = norm(x.subject_email)
                      AND o.ordered_at < x.completed_at)
              OR EXISTS (SELECT 1 FROM users u WHERE u.user_id = x.subject_user_id
                      AND u.created_at < x.completed_at))))""",
    "DSR-05": """
        SELECT CAST(request_id AS VARCHAR) FROM dsr_requests
        WHERE outcome = 'refused' AND coalesce(trim(refusal_ground), '') = ''""",
    "DSR-06": _DSR
    + f"""
        SELECT CAST(request_id AS VARCHAR) FROM r2
        WHERE outcome IS DISTINCT FROM 'withdrawn' AND NOT answered
          AND due > D() AND due <= D() + INTERVAL {P.dsr_due_soon_days} DAY""",
}


def dq_findings(con: duckdb.DuckDBPyConnection) -> dict[str, set[str]]:
    """DQ-03/04/05 per the spec, as sets of table names (the entity of DQ rules)."""
    schema = load_schema()
    # assigned ISO 3166-1 alpha-2 codes, plus 'EL' (the EU's code for Greece, which the spec
    # reads as GR); 'se' (lower case) is outside
    iso = ", ".join(f"'{c}'" for c in sorted({c.alpha_2 for c in pycountry.countries} | {"EL"}))
    out: dict[str, set[str]] = {"DQ-03": set(), "DQ-04": set(), "DQ-05": set()}
    for name, table in schema.tables.items():
        for col in table.columns.values():
            q = f'"{col.name}"'
            if col.references:
                parent, pcol = col.references
                n = con.sql(
                    f'SELECT count(*) FROM "{name}" c WHERE {q} IS NOT NULL AND NOT EXISTS '
                    f'(SELECT 1 FROM "{parent}" p WHERE p."{pcol}" = c.{q})'
                ).fetchone()[0]
                if n:
                    out["DQ-03"].add(name)
            if col.is_country:
                n = con.sql(
                    f'SELECT count(*) FROM "{name}" WHERE {q} IS NOT NULL AND {q} NOT IN ({iso})'
                ).fetchone()[0]
                if n:
                    out["DQ-04"].add(name)
            if col.check_values:
                vals = ", ".join(f"'{v}'" for v in col.check_values)
                n = con.sql(
                    f'SELECT count(*) FROM "{name}" WHERE {q} IS NOT NULL AND {q} NOT IN ({vals})'
                ).fetchone()[0]
                if n:
                    out["DQ-04"].add(name)
            if col.is_timestamp and col.name != "expires_at":
                n = con.sql(f'SELECT count(*) FROM "{name}" WHERE {q} > exported_at()').fetchone()[
                    0
                ]
                if n:
                    out["DQ-05"].add(name)
    for table, cond in [
        ("contracts", "ends_on < signed_on"),
        ("dsr_requests", "completed_at < received_at"),
        ("support_tickets", "closed_at < opened_at"),
    ]:
        if con.sql(f"SELECT count(*) FROM {table} WHERE {cond}").fetchone()[0]:
            out["DQ-05"].add(table)
    return out


def all_findings(con: duckdb.DuckDBPyConnection) -> dict[str, set[str]]:
    out = {rule: {r[0] for r in con.sql(sql).fetchall()} for rule, sql in RULES.items()}
    out.update(dq_findings(con))
    return out


def compare_with_ground_truth(export_dir: Path, ground_truth_path: Path) -> list[str]:
    """Differences between the reference findings and ground_truth.json (empty = exact)."""
    gt = json.loads(ground_truth_path.read_text(encoding="utf-8"))
    con = open_export(
        export_dir,
        date.fromisoformat(gt["as_of"]),
        Params.from_mapping({k: v for k, v in gt["params"].items()}),
    )
    found = all_findings(con)
    expected: dict[str, set[str]] = {}
    for e in gt["expected"]:
        expected.setdefault(e["rule_id"], set()).add(e["entity_id"])
    problems = []
    for rule in sorted(set(found) | set(expected)):
        got, want = found.get(rule, set()), expected.get(rule, set())
        if got - want:
            problems.append(f"{rule}: unexpected findings {sorted(got - want)[:20]}")
        if want - got:
            problems.append(f"{rule}: planted but not found {sorted(want - got)}")
    for n in gt["near_misses"]:
        if n["entity_id"] in found.get(n["rule_id"], set()):
            problems.append(f"{n['rule_id']}: near miss {n['entity_id']} flagged ({n['case']})")
    return problems
