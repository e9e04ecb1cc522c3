"""Fixtures' helpers that start real things (PostgreSQL, the controller) and stop them by PID."""
