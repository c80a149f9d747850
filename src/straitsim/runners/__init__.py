"""Runners: where replications are computed (in process by default)."""
