"""YAML reading that keeps line numbers, so every problem can name its file and line."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the knowledge base, located in a file."""

    file: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.message}"


class Node(dict):
    """A YAML mapping that remembers the line of itself and of each key."""

    line: int
    key_lines: dict[str, int]


class Seq(list):
    """A YAML sequence that remembers the line of each item."""

    line: int
    item_lines: list[int]


class Scalar(str):
    """A YAML string that remembers its line."""

    line: int


# libyaml's parser when PyYAML was built with it (the wheels are): the knowledge base parses
# several times faster, which is most of `iuc-bot ask`'s start-up. The constructors below are
# Python either way, and the C parser gives nodes the same marks (lines) and errors.
_Base: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _Loader(_Base):  # type: ignore[misc, valid-type]
    """Builds Node/Seq, keeps dates as text (checked later, with a line), flags duplicate keys."""

    def __init__(self, stream: str, file: str, problems: list[Problem]) -> None:
        super().__init__(stream)
        self.file = file
        self.problems = problems

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> Node:  # type: ignore[override]
        result = Node()
        result.line = node.start_mark.line + 1
        result.key_lines = {}
        for key_node, value_node in node.value:
            key = self.construct_object(key_node, deep=True)
            line = key_node.start_mark.line + 1
            if not isinstance(key, str):
                self.problems.append(Problem(self.file, line, f"The key {key!r} is not text."))
                key = str(key)
            if key in result:
                self.problems.append(
                    Problem(self.file, line, f"The key '{key}' appears twice in the same mapping.")
                )
            result[key] = self.construct_object(value_node, deep=True)
            result.key_lines[key] = line
        return result

    def construct_sequence(self, node: yaml.SequenceNode, deep: bool = False) -> Seq:  # type: ignore[override]
        result = Seq(self.construct_object(child, deep=True) for child in node.value)
        result.line = node.start_mark.line + 1
        result.item_lines = [child.start_mark.line + 1 for child in node.value]
        return result

    def construct_str(self, node: yaml.ScalarNode) -> Scalar:
        value = Scalar(self.construct_scalar(node))
        value.line = node.start_mark.line + 1
        return value


_Loader.add_constructor("tag:yaml.org,2002:map", _Loader.construct_mapping)
_Loader.add_constructor("tag:yaml.org,2002:seq", _Loader.construct_sequence)
_Loader.add_constructor("tag:yaml.org,2002:str", _Loader.construct_str)
# Dates stay text: PyYAML would raise on 2018-02-30 without saying where; the schema reports it.
_Loader.add_constructor("tag:yaml.org,2002:timestamp", _Loader.construct_str)


def load_yaml(path: Path, display: str, problems: list[Problem]) -> Any:
    """Parse one YAML file; on a syntax error, record it with its line and return None."""
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        problems.append(Problem(display, 1, "The file is not valid UTF-8 text."))
        return None
    loader = _Loader(text, display, problems)
    try:
        return loader.get_single_data()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else 1
        reason = exc.problem or exc.context or "it cannot be read"
        problems.append(Problem(display, line, f"The YAML syntax is invalid: {reason}."))
        return None
    except yaml.YAMLError as exc:
        problems.append(Problem(display, 1, f"The YAML syntax is invalid: {exc}."))
        return None
    finally:
        loader.dispose()


def line_of(container: Any, key: str | int | None = None) -> int:
    """The line of a key (or item) in a Node/Seq, else of the container itself."""
    if isinstance(container, Node) and isinstance(key, str) and key in container.key_lines:
        return container.key_lines[key]
    if isinstance(container, Seq) and isinstance(key, int) and key < len(container.item_lines):
        return container.item_lines[key]
    return getattr(container, "line", 1)
