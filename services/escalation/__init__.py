"""Escalation: assessment, routing, durable escalation timers and the desk API."""
