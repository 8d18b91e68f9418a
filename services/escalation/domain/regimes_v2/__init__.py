"""The regimes v2 adds (docs/rules.md §2b), one module each; registered by date in `domain/rulebook.py`."""
