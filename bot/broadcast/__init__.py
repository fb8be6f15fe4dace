"""Broadcasts: who receives one (audience), the coordinator's draft, and delivery."""
