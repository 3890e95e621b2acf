"""Shared pytest fixtures. Area fixtures live in tests/fixtures_*.py (plugins below)."""

pytest_plugins = ["fixtures_demo", "fixtures_pg", "fixtures_spark"]
