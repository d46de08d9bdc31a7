"""Request bodies for route modules: parse into a model, or a 400 naming the field (ingest's error wording)."""

from __future__ import annotations

from typing import TypeVar

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response
from pydantic import BaseModel, ValidationError

from coachwire.services.ingest import first_error

Body = TypeVar("Body", bound=BaseModel)


def json_response(status: int, body: dict) -> Response:
    return Response(status_code=status, content_type="application/json", body=body)


def parse_body(app: APIGatewayHttpResolver, model: type[Body]) -> tuple[Body | None, Response | None]:
    try:
        return model.model_validate(app.current_event.json_body or {}), None
    except ValidationError as err:
        field, msg = first_error(err)
        return None, json_response(400, {"message": f"{field}: {msg}", "field": field})
    except ValueError:
        return None, json_response(400, {"message": "body is not valid JSON", "field": "body"})
