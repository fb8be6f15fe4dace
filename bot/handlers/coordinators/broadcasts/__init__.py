"""Broadcasts: delivery through the outbox (delivery.py, reports.py) and, from the helper
"composer", the /broadcast conversation."""
