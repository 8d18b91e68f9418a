"""The three pidesk services: intake, escalation and notifier."""
