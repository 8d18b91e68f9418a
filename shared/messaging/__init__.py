"""Outbox, relay, idempotent consumer and Kafka helpers."""
