"""Notifier: internal alerts, and data-subject, public and regulator notices, exactly once."""
