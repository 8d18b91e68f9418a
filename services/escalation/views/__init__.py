"""Escalation's read side: query functions for the desk API and the dashboard, returning what they show."""
