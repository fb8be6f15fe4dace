"""Observability: metrics in Prometheus' text format, one log line per update, /health."""
