"""Policy files in YAML, validated by a Pydantic model, with errors that name the file and line.

Every problem is reported as `file:line: field: reason`, so a bad policy stops a service's start-up
with a message that says where to look.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

Model = TypeVar("Model", bound=BaseModel)


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
    """`text` (YAML, read from `source`) validated as `model`."""
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


def read_policy_text(path: str | None, package: str, bundled: str) -> tuple[str, str]:
    """The text of the file at `path`, or of the file `bundled` in `package`; and how to name it."""
    if path:
        file = Path(path)
        if not file.is_file():
            raise PolicyFileError(f"{path}: no such file")
        return file.read_text(encoding="utf-8"), str(file)
    resource = resources.files(package) / bundled
    return resource.read_text(encoding="utf-8"), f"(bundled) {bundled}"
