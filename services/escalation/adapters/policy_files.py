"""Loading the routing policy and the directory from YAML, with errors that name the file and line."""

from __future__ import annotations

from pidesk.services.escalation.domain.directory import Directory
from pidesk.services.escalation.domain.routing import RoutingPolicy
from pidesk.shared.policy_files import PolicyFileError, load, read_policy_text

__all__ = ["PolicyFileError", "load", "load_directory", "load_policy"]

BUNDLED_POLICY = "default.yaml"
BUNDLED_DIRECTORY = "example_directory.yaml"
PACKAGE = "pidesk.services.escalation.policy"


def load_policy(path: str | None = None) -> RoutingPolicy:
    text, source = read_policy_text(path, PACKAGE, BUNDLED_POLICY)
    return load(text, source, RoutingPolicy)


def load_directory(path: str | None = None) -> Directory:
    text, source = read_policy_text(path, PACKAGE, BUNDLED_DIRECTORY)
    return load(text, source, Directory)
