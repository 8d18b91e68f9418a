"""Bundled data files: the default routing policy and the example directory."""
