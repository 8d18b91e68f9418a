"""Intake: the report API, the employee report form and DLP webhooks."""
