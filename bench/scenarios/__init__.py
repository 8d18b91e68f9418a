"""The scenarios of `python -m bench.pipeline` (`make bench`), one module each; shared helpers in common."""
