"""Reading a configuration file: YAML or JSON by its extension, else by its first character."""

from __future__ import annotations

import json
import os
from typing import Any

import yaml

from edgeworks.config.document import parse_config
from edgeworks.config.errors import ConfigError, Problem
from edgeworks.config.model import Distribution

DOCUMENT = "(document)"


class StrictLoader(yaml.SafeLoader):
    """Safe YAML that refuses a key written twice in one mapping.

    Plain YAML loading keeps the last of two equal keys, so a second ``CacheBehaviors:`` block
    would silently replace the first; here it is a problem with its line.
    """

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        """Build a mapping after checking that no key repeats (merge keys ``<<`` aside)."""
        seen: dict[Any, int] = {}
        for key_node, _ in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                continue
            key = self.construct_object(key_node, deep=deep)
            if isinstance(key, str | int | float | bool) and key in seen:
                first = seen[key] + 1
                raise yaml.constructor.ConstructorError(
                    "while reading a mapping",
                    node.start_mark,
                    f"key {key!r} written twice (first on line {first})",
                    key_node.start_mark,
                )
            if isinstance(key, str | int | float | bool):
                seen[key] = key_node.start_mark.line
        return super().construct_mapping(node, deep)


def _json_object(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """Build a JSON object, refusing a key written twice in it (the parser keeps the last)."""
    found: dict[str, Any] = {}
    for key, value in pairs:
        if key in found:
            problem = Problem(DOCUMENT, key, "a key is written twice in one object")
            raise ConfigError([problem])
        found[key] = value
    return found


def load_config(path: str | os.PathLike[str]) -> Distribution:
    """Read, parse and check a configuration file.

    Args:
        path: A ``.yaml``/``.yml`` or ``.json`` file; other names are read as JSON when the
            text starts with ``{`` and as YAML otherwise.

    Raises:
        ConfigError: The file cannot be read or parsed, or the configuration is invalid.
    """
    name = os.fspath(path)
    try:
        with open(name, encoding="utf-8-sig") as handle:  # a leading BOM is not content
            text = handle.read()
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) else "not UTF-8 text"
        raise ConfigError(
            [Problem(DOCUMENT, name, f"cannot read the file: {reason}")], name
        ) from exc
    document = parse_text(text, name)
    return parse_config(document, source=name, base_dir=os.path.dirname(os.path.abspath(name)))


def parse_text(text: str, source: str = "") -> Any:
    """Return the document in ``text``, JSON or YAML as ``source``'s extension or content says.

    Raises:
        ConfigError: The text is not valid JSON or YAML.
    """
    extension = os.path.splitext(source)[1].lower()
    as_json = extension == ".json" or (
        extension not in (".yaml", ".yml") and text.lstrip().startswith("{")
    )
    try:
        if as_json:
            return json.loads(text, object_pairs_hook=_json_object)
        return yaml.load(text, Loader=StrictLoader)  # a safe loader: plain data only
    except ConfigError as exc:
        raise ConfigError(exc.problems, source) from None
    except json.JSONDecodeError as exc:
        where = f"line {exc.lineno}, column {exc.colno}"
        problem = Problem(DOCUMENT, where, f"is not valid JSON: {exc.msg}")
        raise ConfigError([problem], source) from exc
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else "unknown place"
        reason = getattr(exc, "problem", None) or str(exc)
        problem = Problem(DOCUMENT, where, f"is not valid YAML: {reason}")
        raise ConfigError([problem], source) from exc
    except (ValueError, OverflowError, RecursionError) as exc:
        # YAML's implicit timestamps and integers can fail to convert ("2001-02-30"), and a
        # deeply nested document exhausts the parser's recursion.
        kind = "JSON" if as_json else "YAML"
        problem = Problem(DOCUMENT, type(exc).__name__, f"is not valid {kind}: {exc}")
        raise ConfigError([problem], source) from exc
