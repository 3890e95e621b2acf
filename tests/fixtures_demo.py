"""Fixtures around the demo generator (owned by the demo area)."""
