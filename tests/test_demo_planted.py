"""Planted cases: every rule id has true cases, near misses stay clean, the rest is clean.

The findings are computed by ``demo_reference`` (a literal SQL reading of the
spec, independent of ``auditlib.rules``) on the generated files and compared
with ``ground_truth.json`` exactly: every planted pair found, nothing else.
"""

from __future__ import annotations

import json
from datetime import date

import pytest

from auditlib.demo import build_tables, generate_export
from test_demo_reference import compare_with_ground_truth, open_export

ALL_RULES = (
    [f"RET-{i:02d}" for i in range(1, 10)]
    + [f"SUB-{i:02d}" for i in range(1, 8)]
    + [f"DSR-{i:02d}" for i in range(1, 7)]
    + ["DQ-03", "DQ-04", "DQ-05"]
)


def _gt(export) -> dict:
    return json.loads(export.ground_truth_path.read_text(encoding="utf-8"))


def test_every_rule_id_has_a_true_case(demo_export):
    gt = _gt(demo_export)
    assert sorted({e["rule_id"] for e in gt["expected"]}) == sorted(ALL_RULES)
    assert not {e["rule_id"] for e in gt["expected"]} & {"DQ-01", "DQ-02", "DQ-06"}
    for e in gt["expected"] + gt["near_misses"]:
        assert (
            set(e) == {"rule_id", "entity_id", "case"}
            and isinstance(e["entity_id"], str)
            and e["case"]
        )
    pairs = [(e["rule_id"], e["entity_id"]) for e in gt["expected"]]
    assert len(pairs) == len(set(pairs))
    assert not set(pairs) & {(n["rule_id"], n["entity_id"]) for n in gt["near_misses"]}


def test_near_misses_cover_the_spec_edges(demo_export):
    gt = _gt(demo_export)
    near_rules = {n["rule_id"] for n in gt["near_misses"]}
    assert {
        "RET-01",
        "RET-02",
        "RET-03",
        "RET-04",
        "RET-05",
        "RET-06",
        "RET-07",
        "RET-09",
        "SUB-01",
        "SUB-02",
        "SUB-03",
        "SUB-04",
        "SUB-05",
        "SUB-06",
        "SUB-07",
        "DSR-01",
        "DSR-02",
        "DSR-03",
        "DSR-04",
        "DSR-05",
        "DSR-06",
    } <= near_rules
    text = " ".join(e["case"] for e in gt["expected"] + gt["near_misses"])
    for edge in (
        "Easter",
        "Ascension",
        "Midsummer Eve",
        "Christmas",
        "Epiphany",
        "New Year",
        "31 Jan",
        "legal hold",
        "hold lifted on D",
        "UTC",
        "'EL'",
        "NO and IS",
        "destroyed",
        "refus",
        "fee",
        "withdrawn",
        "extension",
    ):
        assert edge in text, edge
    assert gt["held_customers"]


@pytest.mark.parametrize("fixture", ["demo_export", "demo_export_csv"])
def test_reference_findings_equal_ground_truth(fixture, request):
    export = request.getfixturevalue(fixture)
    assert compare_with_ground_truth(export.out_dir, export.ground_truth_path) == []


def test_held_customers_have_a_hold_in_force(demo_export):
    con = open_export(demo_export.out_dir, demo_export.as_of)
    held = {
        str(r[0])
        for r in con.sql(
            "SELECT customer_id FROM legal_holds WHERE placed_on <= D() AND (lifted_on IS NULL OR lifted_on > D())"
        ).fetchall()
    }
    assert set(_gt(demo_export)["held_customers"]) == held


def test_planted_orphan_and_domain_value(demo_export):
    """DQ-03/04 plants touch one row each, in places no other rule reads."""
    con = open_export(demo_export.out_dir, demo_export.as_of)
    orphans = con.sql(
        "SELECT x.message_id, m.customer_id FROM message_deliveries x "
        "LEFT JOIN recipients r USING (recipient_id) JOIN messages m USING (message_id) "
        "WHERE r.recipient_id IS NULL"
    ).fetchall()
    assert len(orphans) == 1
    bad_country = con.sql(
        "SELECT count(*) FROM customers WHERE country <> upper(country)"
    ).fetchone()[0]
    assert bad_country == 1


def test_planted_set_is_the_same_at_every_scale_and_seed():
    as_of = date(2026, 6, 30)
    _, small = build_tables(scale=0.003, seed=1, as_of=as_of)
    _, large = build_tables(scale=0.03, seed=99, as_of=as_of)
    assert small.expected == large.expected
    assert small.near_misses == large.near_misses
    assert small.held_customers == large.held_customers


@pytest.mark.parametrize(
    "as_of",
    [
        date(2024, 2, 29),  # leap day
        pytest.param(date(2025, 4, 22), marks=pytest.mark.slow),  # the Tuesday after Easter Monday
        pytest.param(
            date(2026, 11, 29), marks=pytest.mark.slow
        ),  # a Sunday: no due date falls on it
        pytest.param(date(2026, 12, 31), marks=pytest.mark.slow),  # keep_until of D.year - 7 is D
        pytest.param(date(2027, 1, 7), marks=pytest.mark.slow),  # just after Epiphany
    ],
)
def test_any_as_of_gives_an_exact_ground_truth(tmp_path, as_of):
    export = generate_export(tmp_path / "export", scale=0.003, seed=5, as_of=as_of, fmt="parquet")
    gt = _gt(export)
    assert sorted({e["rule_id"] for e in gt["expected"]}) == sorted(ALL_RULES)
    assert compare_with_ground_truth(export.out_dir, export.ground_truth_path) == []


def test_reference_catches_a_broken_export(demo_export, tmp_path):
    """The comparison can fail: drop a planted row and it reports the missing case."""
    import shutil

    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    broken = tmp_path / "export"
    shutil.copytree(demo_export.out_dir, broken)
    gt = _gt(demo_export)
    ret04 = next(e["entity_id"] for e in gt["expected"] if e["rule_id"] == "RET-04")
    t = pq.read_table(broken / "backups.parquet")
    pq.write_table(t.filter(pc.not_equal(t["backup_id"], int(ret04))), broken / "backups.parquet")
    problems = compare_with_ground_truth(broken, demo_export.ground_truth_path)
    assert problems == [f"RET-04: planted but not found ['{ret04}']"]


def test_planting_is_keyed_by_rule_family() -> None:
    """Every rule id (and gate planted for) has its family's planter, one module each."""
    from auditlib.demo.planted import FAMILIES, planter_for
    from auditlib.gate_registry import GATE_IDS
    from auditlib.rules import load_catalogue

    for rule_id in [*load_catalogue(), *GATE_IDS]:
        assert planter_for(rule_id) is FAMILIES[rule_id.split("-")[0]], rule_id
    assert [f.__module__.rsplit(".", 1)[1] for f in FAMILIES.values()] == [
        "retention",
        "subprocessors",
        "dsr",
        "quality",
    ]
