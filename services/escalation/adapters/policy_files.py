"""Loading the routing policy and the directory from YAML, with errors that name the file and line."""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from pidesk.services.escalation.domain.directory import Directory
from pidesk.services.escalation.domain.routing import RoutingPolicy

Model = TypeVar("Model", bound=BaseModel)
BUNDLED_POLICY = "default.yaml"
BUNDLED_DIRECTORY = "example_directory.yaml"


class PolicyFileError(ValueError):
    """A policy or directory file that cannot be used; the message says where and why."""


def _lines(node: yaml.Node, path: tuple[Any, ...], into: dict[tuple[Any, ...], int]) -> None:
    into[path] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            into[(*path, key.value)] = key.start_mark.line + 1
            _lines(value, (*path, key.value), into)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            _lines(item, (*path, index), into)


def load(text: str, source: str, model: type[Model]) -> Model:
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{source}:{mark.line + 1}" if mark else source
        raise PolicyFileError(f"{where}: not valid YAML: {getattr(exc, 'problem', exc)}") from None
    lines: dict[tuple[Any, ...], int] = {}
    if node is not None:
        _lines(node, (), lines)
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        problems = []
        for error in exc.errors():
            loc = tuple(p for p in error["loc"] if not (isinstance(p, str) and p[0].isupper()))  # drop union tags
            line = next((lines[loc[:n]] for n in range(len(loc), -1, -1) if loc[:n] in lines), None)
            field = ".".join(str(p) for p in loc) or "(top level)"
            problems.append(f"{source}:{line or '?'}: {field}: {error['msg']}")
        raise PolicyFileError("\n".join(dict.fromkeys(problems))) from None


def _read(path: str | None, bundled: str) -> tuple[str, str]:
    if path:
        file = Path(path)
        if not file.is_file():
            raise PolicyFileError(f"{path}: no such file")
        return file.read_text(encoding="utf-8"), str(file)
    resource = resources.files("pidesk.services.escalation.policy") / bundled
    return resource.read_text(encoding="utf-8"), f"(bundled) {bundled}"


def load_policy(path: str | None = None) -> RoutingPolicy:
    text, source = _read(path, BUNDLED_POLICY)
    return load(text, source, RoutingPolicy)


def load_directory(path: str | None = None) -> Directory:
    text, source = _read(path, BUNDLED_DIRECTORY)
    return load(text, source, Directory)
