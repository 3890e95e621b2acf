"""The committed suites in expectations/ are what the schema generates, and GX 1.24 loads them."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest

from auditlib.quality.suites import (
    SuiteError,
    expectations_dir,
    generate_suites,
    iso_alpha2_codes,
    read_suite_dicts,
    suite_json,
)
from auditlib.schema import load_schema

GATES = {"DQ-01", "DQ-02", "DQ-03", "DQ-04", "DQ-05"}


def _walk_keys(o):
    if isinstance(o, dict):
        for k, v in o.items():
            yield k
            yield from _walk_keys(v)
    elif isinstance(o, list):
        for v in o:
            yield from _walk_keys(v)


def _by_check(suite: dict) -> dict[str, dict]:
    return {e["meta"]["check_id"]: e for e in suite["expectations"]}


def test_committed_suites_equal_the_generated_ones():
    d = expectations_dir()
    generated = generate_suites()
    assert sorted(p.stem for p in d.glob("*.json")) == sorted(generated)
    for table, suite in generated.items():
        committed = (d / f"{table}.json").read_text(encoding="utf-8")
        assert committed == suite_json(suite), (
            f"expectations/{table}.json drifted from the schema: run `make regen`"
            " and review the diff"
        )


def test_every_suite_loads_in_gx_and_round_trips_without_ids():
    from great_expectations.core import ExpectationSuite

    for path in sorted(expectations_dir().glob("*.json")):
        with path.open(encoding="utf-8") as f:
            raw = json.load(f)
        assert "id" not in set(_walk_keys(raw)), path
        suite = ExpectationSuite(**copy.deepcopy(raw))  # GX adds its version to meta
        assert suite.name == path.stem
        back = suite.to_json_dict()
        back.pop("id", None)
        back["meta"].pop("great_expectations_version", None)
        for e in back["expectations"]:
            e.pop("id", None)
        assert back == raw, path


def test_every_expectation_names_its_gate_and_a_unique_check_id():
    seen = set()
    for suite in read_suite_dicts().values():
        for e in suite["expectations"]:
            assert e["meta"]["gate"] in GATES
            assert e["meta"]["check_id"] not in seen
            seen.add(e["meta"]["check_id"])


def test_suites_follow_the_schema():
    s = read_suite_dicts()
    deliveries = _by_check(s["message_deliveries"])
    assert deliveries["message_deliveries.pk_unique.message_id+recipient_id"]["type"] == (
        "expect_compound_columns_to_be_unique"
    )
    assert "message_deliveries.orphan.message_id" in deliveries
    assert "message_deliveries.orphan.recipient_id" in deliveries
    # no REFERENCES, no orphan check
    assert not [c for c in _by_check(s["login_events"]) if ".orphan." in c]
    assert not [c for c in _by_check(s["data_transfers"]) if ".orphan." in c]
    assert "orders.orphan.customer_id" in _by_check(s["orders"])
    assert "messages.orphan.sender_user_id" in _by_check(s["messages"])
    # CHECK lists and countries
    enum = _by_check(s["dsr_requests"])["dsr_requests.enum.outcome"]
    assert enum["kwargs"]["value_set"] == [
        "fulfilled",
        "partially_fulfilled",
        "refused",
        "withdrawn",
    ]
    for table, col in [
        ("customers", "country"),
        ("subprocessors", "legal_country"),
        ("subprocessor_locations", "country"),
        ("data_transfers", "destination_country"),
        ("backups", "storage_country"),
    ]:
        checks = _by_check(s[table])
        assert checks[f"{table}.country_format.{col}"]["kwargs"]["regex"] == "^[A-Z]{2}$"
        assert "SE" in checks[f"{table}.country_iso.{col}"]["kwargs"]["value_set"]
    # time: every timestamp but the planned backups.expires_at; the three pairs
    assert "backups.not_after_snapshot.taken_at" in _by_check(s["backups"])
    assert "backups.not_after_snapshot.expires_at" not in _by_check(s["backups"])
    assert "contracts.time_order.ends_on>=signed_on" in _by_check(s["contracts"])
    assert "dsr_requests.time_order.completed_at>=received_at" in _by_check(s["dsr_requests"])
    assert "support_tickets.time_order.closed_at>=opened_at" in _by_check(s["support_tickets"])
    # never a check on a column the snapshot drops
    users = json.dumps(s["users"])
    assert "full_name" not in users and "password_hash" not in users


def test_schema_suite_lists_the_snapshot_layout():
    s = read_suite_dicts()
    users = _by_check(s["users"])["users.schema"]
    assert users["kwargs"]["column_set"] == ["user_id", "customer_id", "email_hmac", "created_at"]
    dsr = _by_check(s["dsr_requests"])["dsr_requests.schema"]["meta"]["column_types"]
    assert dsr["extension_reason_present"] == "BOOLEAN" and dsr["fee_sek"] == "DECIMAL(10,2)"
    assert set(s) == set(load_schema().tables)


def test_iso_codes_are_assigned_alpha2_plus_el():
    codes = set(iso_alpha2_codes())
    assert {"SE", "GR", "NO", "CH", "GB", "US", "EL"} <= codes  # EL: the spec reads it as GR
    assert not {"UK", "XX", "EU", "se"} & codes


def test_expectations_dir_env_override(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("AUDITLIB_EXPECTATIONS_DIR", str(tmp_path))
    assert expectations_dir() == tmp_path
    with pytest.raises(SuiteError, match="no expectation suite for table customers"):
        read_suite_dicts()
    monkeypatch.setenv("AUDITLIB_EXPECTATIONS_DIR", str(tmp_path / "nope"))
    with pytest.raises(SuiteError, match="not a directory"):
        expectations_dir()


def test_write_suites_reproduces_the_committed_files(tmp_path: Path):
    from auditlib.quality.suites import write_suites

    for p in write_suites(tmp_path):
        assert p.read_bytes() == (expectations_dir() / p.name).read_bytes()


def test_load_suites_gives_gx_suites_per_table():
    from great_expectations.core import ExpectationSuite

    from auditlib.quality import load_suites

    suites = load_suites()
    assert set(suites) == set(load_schema().tables)
    assert all(isinstance(s, ExpectationSuite) for s in suites.values())
    assert all(e.meta["gate"] in GATES for s in suites.values() for e in s.expectations)


def test_make_regen_rewrites_every_generated_file_unchanged(tmp_path: Path):
    """`make regen` (auditlib.regen) reproduces the committed suites and data-minimisation.md."""
    from auditlib.regen import checkout_root, regenerate

    root = checkout_root()
    (tmp_path / "docs").mkdir()
    written = regenerate(tmp_path)
    assert len(written) == 19
    for p in written:
        assert p.read_bytes() == (root / p.relative_to(tmp_path)).read_bytes(), p
