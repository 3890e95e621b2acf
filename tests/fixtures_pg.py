"""Fixtures around a throwaway PostgreSQL cluster (owned by the pg area)."""
