"""Choosing the rule engine: plan [engine], --engine/--spark-master, notebook parameters."""

from __future__ import annotations

import pytest

from auditlib.cli.run import _engine_settings
from auditlib.runner.plan import EngineSettings, PlanError, parse_plan


def test_plan_engine_default_and_spark() -> None:
    assert parse_plan({"name": "p"}, "p.toml").engine == EngineSettings("duckdb", None)
    plan = parse_plan({"name": "p", "engine": {"name": "spark", "spark_master": "yarn"}}, "p.toml")
    assert plan.engine == EngineSettings("spark", "yarn")
    assert plan.engine.notebook_parameters() == {"engine": "spark", "spark_master": "yarn"}
    # the default engine adds no papermill parameters: notebooks run exactly as before
    assert EngineSettings().notebook_parameters() == {}


@pytest.mark.parametrize(
    "engine",
    [{"name": "flink"}, {"name": "spark", "master": "x"}, {"name": "spark", "spark_master": ""}],
)
def test_bad_engine_tables_are_refused_naming_the_key(engine: dict) -> None:
    with pytest.raises(PlanError, match="engine"):
        parse_plan({"name": "p", "engine": engine}, "p.toml")


def test_command_line_overrides_the_plan() -> None:
    planned = EngineSettings("spark", "spark://a:7077")
    assert _engine_settings(planned, None, None) == planned
    assert _engine_settings(planned, None, "yarn") == EngineSettings("spark", "yarn")
    assert _engine_settings(planned, "duckdb", None) == EngineSettings("duckdb", None)
    assert _engine_settings(EngineSettings(), "spark", None) == EngineSettings("spark", None)


def test_missing_pyspark_stops_the_run_with_one_line(
    monkeypatch: pytest.MonkeyPatch, tmp_path, capsys
) -> None:  # noqa: ANN001
    import sys
    from datetime import date

    from auditlib.cli.run import main

    monkeypatch.setitem(sys.modules, "pyspark", None)
    export = tmp_path / "export"
    export.mkdir()
    code = main(
        source=str(export),
        as_of=date(2026, 6, 30),
        out=tmp_path / "runs",
        quiet=True,
        engine="spark",
    )
    assert code == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err == [
        "auditlib run: error: the Spark engine needs pyspark: pip install 'auditlib[spark]'"
    ]
    assert not (tmp_path / "runs").exists() or not any((tmp_path / "runs").iterdir())
