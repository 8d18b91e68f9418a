"""Escalation's domain: pure assessment and routing rules (RULES.md), no I/O."""
