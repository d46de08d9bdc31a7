"""The one request-body parser: JSON into a model, or InvalidBody naming the field (create_app answers it with 400).

Bodies are parsed here rather than by the resolver so a 400 names the culprit the way the webhook's does
("changes.0.reason: String should have at most 500 characters", field "changes.0.reason")."""

from __future__ import annotations

from typing import Any, TypeVar

from aws_lambda_powertools.event_handler import Response
from pydantic import BaseModel, TypeAdapter, ValidationError

Parsed = TypeVar("Parsed")
Model = TypeVar("Model", bound=BaseModel)


class InvalidBody(Exception):
    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message

    @classmethod
    def not_json(cls) -> InvalidBody:
        err = cls("body", "not valid JSON")
        err.args = ("body is not valid JSON",)
        return err


def json_response(status: int, body: dict) -> Response:
    return Response(status_code=status, content_type="application/json", body=body)


def invalid_body_response(err: InvalidBody) -> Response:
    return json_response(400, {"message": str(err), "field": err.field})


def json_object(raw: Any) -> dict[str, Any]:
    """An absent body is an empty object; anything but an object is the caller's mistake."""
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        raise InvalidBody("body", "must be a JSON object")
    return raw


def parse_model(model: type[Model], raw: Any) -> Model:
    try:
        return model.model_validate(raw if raw is not None else {})
    except ValidationError as err:
        raise InvalidBody(*field_of(err, model.model_json_schema)) from None


def parse_with(adapter: TypeAdapter[Parsed], raw: Any) -> Parsed:
    try:
        return adapter.validate_python(raw if raw is not None else {})
    except ValidationError as err:
        raise InvalidBody(*field_of(err, adapter.json_schema)) from None


def field_of(err: ValidationError, schema: Any = None) -> tuple[str, str]:
    """The first error as (dotted field, message), in the caller's words: the tag pydantic puts into the path of a
    tagged union member (changes.0.decline.reason) is dropped, and a missing or unknown tag names the tag's field."""
    detail = err.errors()[0]
    loc = list(detail["loc"])
    tags = _union_tags(schema()) if schema is not None else set()
    kept = [str(part) for i, part in enumerate(loc)
            if not (part in tags and (i == 0 or isinstance(loc[i - 1], int)))]
    if detail["type"].startswith("union_tag"):
        kept.append(str((detail.get("ctx") or {}).get("discriminator", "")).strip("'") or "type")
    return ".".join(kept) or "body", detail["msg"]


def _union_tags(schema: Any) -> set[str]:
    """Every tag value of every discriminated union in a JSON schema."""
    found: set[str] = set()
    if isinstance(schema, dict):
        mapping = (schema.get("discriminator") or {}).get("mapping") if isinstance(schema.get("discriminator"),
                                                                                   dict) else None
        found.update(mapping or {})
        for value in schema.values():
            found |= _union_tags(value)
    elif isinstance(schema, list):
        for value in schema:
            found |= _union_tags(value)
    return found
