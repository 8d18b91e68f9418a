"""Escalation's domain: pure assessment and routing rules (docs/rules.md), no I/O."""
