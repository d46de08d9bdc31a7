"""Reading and writing framework files: YAML (``.yaml``/``.yml``) or JSON (``.json``), chosen by extension.

`load` returns the raw document (plain dicts, lists, strings and numbers: YAML dates become ISO strings, so
a YAML file and its JSON twin load to the same dict), the line of each element where it can tell (for
error messages) and the keys a mapping repeats (YAML and JSON parsers silently keep the last one; the
validator reports them). Syntax errors raise `FrameworkSyntaxError` with file, line and column.

`dump` writes a document with a stable key order: the order of the fields in the model, unknown keys
after them; the skills in a benchmark map keep the order they have.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

YAML_SUFFIXES = (".yaml", ".yml")
JSON_SUFFIXES = (".json",)
Pointer = tuple[str | int, ...]  # keys and list positions from the document root


class FrameworkSyntaxError(ValueError):
    """The file is not well-formed YAML/JSON (or not UTF-8 text)."""

    def __init__(self, file: str, message: str, line: int | None = None, column: int | None = None) -> None:
        self.file, self.reason, self.line, self.column = file, message, line, column
        where = f"{file}:{line}:{column}" if line is not None and column is not None else file
        super().__init__(f"{where}: {message}")


@dataclass
class LoadedDocument:
    source: str  # the path as given, used in messages
    data: Any  # normally a dict; whatever the file holds otherwise (the validator says so)
    lines: dict[Pointer, int] = field(default_factory=dict)  # 1-based line of each key / list item
    duplicate_keys: list[tuple[Pointer, int | None]] = field(default_factory=list)  # (pointer, line)

    def line_of(self, pointer: Pointer) -> int | None:
        """The line of `pointer`, or of its nearest ancestor in the file (for a missing field)."""
        for n in range(len(pointer), -1, -1):
            line = self.lines.get(pointer[:n])
            if line is not None:
                return line
        return None


def is_json(path: Path | str) -> bool:
    return Path(path).suffix.lower() in JSON_SUFFIXES


def load(path: Path | str) -> LoadedDocument:
    """Read a framework file. Raises OSError when it cannot be read, FrameworkSyntaxError when it does not parse."""
    path = Path(path)
    source = str(path)
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        raise FrameworkSyntaxError(source, f"not UTF-8 text (byte {e.start})") from None
    return loads(text, source, as_json=is_json(path))


def loads(text: str, source: str = "<string>", *, as_json: bool = False) -> LoadedDocument:
    if as_json:
        duplicates: list[tuple[Pointer, int | None]] = []
        try:
            data = json.loads(text, object_pairs_hook=_JsonObject.from_pairs)
        except json.JSONDecodeError as e:
            raise FrameworkSyntaxError(source, e.msg, e.lineno, e.colno) from None
        data = _plain(data, (), duplicates)
        # JSON is (nearly always) YAML too: parsed again only for line numbers, best effort.
        json_lines, yaml_duplicates = _yaml_lines_best_effort(text)
        dup_lines: dict[Pointer, int | None] = {}
        for pointer, line in yaml_duplicates:
            dup_lines.setdefault(pointer, line)
        duplicates = [(pointer, dup_lines.get(pointer) or _nearest(json_lines, pointer)) for pointer, _ in duplicates]
        return LoadedDocument(source, data, json_lines, duplicates)
    loader = yaml.SafeLoader(text)
    try:
        node = loader.get_single_node()
        data = loader.construct_document(node) if node is not None else None
    except yaml.MarkedYAMLError as e:
        mark = e.problem_mark or e.context_mark
        reason = " ".join(str(p) for p in (e.context, e.problem) if p)
        if mark is None:
            raise FrameworkSyntaxError(source, reason) from None
        raise FrameworkSyntaxError(source, reason, mark.line + 1, mark.column + 1) from None
    except yaml.YAMLError as e:
        raise FrameworkSyntaxError(source, str(e)) from None
    finally:
        loader.dispose()
    lines: dict[Pointer, int] = {}
    duplicates = []
    if node is not None:
        _walk(node, (), lines, duplicates, set())
    return LoadedDocument(source, _plain(data, (), None), lines, duplicates)


def dump(data: dict, path: Path | str) -> None:
    """Write `data` to `path` as YAML or JSON by extension, keys in the format's order."""
    path = Path(path)
    path.write_text(dumps(data, as_json=is_json(path)), encoding="utf-8")


def dumps(data: dict, *, as_json: bool = False) -> str:
    ordered = ordered_document(data)
    if as_json:
        return json.dumps(ordered, indent=2, ensure_ascii=False, default=_iso) + "\n"
    if isinstance(ordered.get("effective_date"), str):  # an unquoted YAML date reads better than '2026-01-01'
        with contextlib.suppress(ValueError):
            ordered["effective_date"] = dt.date.fromisoformat(ordered["effective_date"])
    return yaml.safe_dump(ordered, sort_keys=False, allow_unicode=True, width=120, default_flow_style=False)


def ordered_document(data: dict) -> dict:
    """A copy of `data` with keys in the order of the model's fields (unknown keys last, as they came)."""
    from coachwire.models.framework import Framework

    return _order(data, Framework)


# -- internals -------------------------------------------------------------------------------------


class _JsonObject(dict):
    """A JSON object that remembers the keys it saw twice."""

    repeated: list[str]

    @classmethod
    def from_pairs(cls, pairs: list[tuple[str, Any]]) -> _JsonObject:
        obj = cls()
        obj.repeated = []
        for key, value in pairs:
            if key in obj:
                obj.repeated.append(key)
            obj[key] = value
        return obj


def _plain(value: Any, pointer: Pointer, duplicates: list | None) -> Any:
    """Plain JSON-like values: dates to ISO strings, JSON objects to dicts (collecting repeated keys)."""
    if isinstance(value, dict):
        if duplicates is not None and isinstance(value, _JsonObject):
            duplicates.extend(((*pointer, key), None) for key in value.repeated)
        return {k: _plain(v, (*pointer, k), duplicates) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v, (*pointer, i), duplicates) for i, v in enumerate(value)]
    if isinstance(value, dt.date):  # datetime is a date too
        return value.isoformat()
    return value


def _walk(node: yaml.Node, pointer: Pointer, lines: dict, duplicates: list, active: set[int]) -> None:
    if id(node) in active:  # a recursive alias: already being walked
        return
    active = active | {id(node)}
    if isinstance(node, yaml.MappingNode):
        seen: set[str] = set()
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode):
                continue
            key = key_node.value
            child = (*pointer, key)
            if key in seen:
                duplicates.append((child, key_node.start_mark.line + 1))
                continue  # the line map keeps the first; the value in the data is the last
            seen.add(key)
            lines[child] = key_node.start_mark.line + 1
            _walk(value_node, child, lines, duplicates, active)
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            lines[(*pointer, i)] = item.start_mark.line + 1
            _walk(item, (*pointer, i), lines, duplicates, active)
    if pointer == ():
        lines[()] = node.start_mark.line + 1


def _yaml_lines_best_effort(text: str) -> tuple[dict[Pointer, int], list[tuple[Pointer, int | None]]]:
    lines: dict[Pointer, int] = {}
    duplicates: list[tuple[Pointer, int | None]] = []
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError:
        return lines, duplicates
    if node is not None:
        _walk(node, (), lines, duplicates, set())
    return lines, duplicates


def _nearest(lines: dict[Pointer, int], pointer: Pointer) -> int | None:
    return LoadedDocument("", None, lines).line_of(pointer)


def _iso(value: Any) -> str:
    if isinstance(value, dt.date):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


def _order(value: Any, model: Any) -> Any:
    """Reorder dict keys by `model`'s fields, recursing into nested models and lists of them."""
    import typing

    from pydantic import BaseModel

    if not isinstance(value, dict) or model is None:
        return value
    fields = model.model_fields
    out = {name: value[name] for name in fields if name in value}
    out.update({k: v for k, v in value.items() if k not in fields})
    for name, info in fields.items():
        if name not in out:
            continue
        annotation = info.annotation
        item_model = None
        if typing.get_origin(annotation) is list:
            (arg,) = typing.get_args(annotation)
            if isinstance(arg, type) and issubclass(arg, BaseModel):
                item_model = arg
            if item_model is not None and isinstance(out[name], list):
                out[name] = [_order(item, item_model) for item in out[name]]
        elif isinstance(annotation, type) and issubclass(annotation, BaseModel):
            out[name] = _order(out[name], annotation)
        elif isinstance(out[name], dict):
            out[name] = dict(out[name])
    return out
