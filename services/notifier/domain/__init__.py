"""Notifier's domain: pure notice content (labels, consequences, advice, measures), no I/O."""
