"""The regimes RULES.md v2 adds (§2b), one module each; registered by date in `domain/rulebook.py`."""
